-- w_j: how much one membership of network j says about a city's reach in world affairs.
--   breadth_j     = continents the network's resolved current members are on / 6
--                   (a global network ties a city to the world, a regional one to its region)
--   selectivity_j = ln(1 + M / T_j), M the cities in any held network, T_j the network's members
--                   (inverse document frequency: a covenant 11,000 towns signed says less about
--                   each than a club of 97)
--   weight_j      = breadth_j * selectivity_j
-- The GaWC connectivity of a network grows with its size (T_j); with each network's links scaled
-- by 1 / (T_j - 1) it is sum_j v_aj, and weighted by w_j it is the network reach of
-- int_city_connectivity (docs/methodology.md).
with values_ as (
    select * from {{ ref('int_city_network_values') }}
),

continents as (
    select c.geonameid, k.continent_code
    from {{ ref('stg_geonames__cities') }} c
    join {{ ref('stg_geonames__countries') }} k using (country_iso2)
),

networks as (
    select v.network_id, count(*) as members, count(distinct k.continent_code) as continents
    from values_ v
    left join continents k using (geonameid)
    group by v.network_id
),

universe as (
    select count(distinct geonameid) as cities_in_any_network from values_
)

select
    n.network_id,
    n.members,
    n.continents,
    n.continents / 6.0 as breadth,
    ln(1 + u.cities_in_any_network / n.members) as selectivity,
    n.continents / 6.0 * ln(1 + u.cities_in_any_network / n.members) as weight
from networks n
cross join universe u
