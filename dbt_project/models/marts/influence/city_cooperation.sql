-- One row per pair of resolved cities joined by a twinning, with the networks both belong to.
-- Linear in twinnings: each pair looks up its two cities' memberships. Co-membership alone is not a
-- row here: every pair of a network's members would make the table grow with members squared (at
-- 1x, 152,000 pairs of C40, Eurocities, UNESCO ... co-members; at 100x, over a billion). Those
-- pairs are the view city_co_members, one row per network and pair, computed when queried.
with memberships as (
    select * from {{ ref('int_city_network_values') }}
),

network_sizes as (
    select network_id, count(*) as members from memberships group by network_id
),

twin_pairs as (
    -- ties between GeoNames cities (this mart describes resolved cities)
    select
        least(geonameid_a, geonameid_b) as geonameid_a,
        greatest(geonameid_a, geonameid_b) as geonameid_b,
        relation_type
    from {{ ref('int_city_partnerships') }}
    where geonameid_a is not null and geonameid_b is not null
),

pair_networks_a as materialized (
    -- the networks of each pair's first city, first: left to itself the optimizer joins the two
    -- cities' memberships on the network before the pair (the Global Covenant alone is 11,000 x
    -- 11,000 rows)
    select p.geonameid_a, p.geonameid_b, a.network_id
    from twin_pairs p
    join memberships a on a.geonameid = p.geonameid_a
),

shared as (
    -- every network both cities belong to, small or large
    select
        x.geonameid_a,
        x.geonameid_b,
        count(*) as shared_network_count,
        string_agg(x.network_id, ', ' order by x.network_id) as shared_networks,
        -- summed in network order: a float sum in any other order differs in the last digits
        sum(1.0 / ln(1 + s.members) order by x.network_id) as shared_network_strength
    from pair_networks_a x
    join memberships b on b.geonameid = x.geonameid_b and b.network_id = x.network_id
    join network_sizes s on s.network_id = x.network_id
    group by x.geonameid_a, x.geonameid_b
),

degrees as (
    select geonameid, count(*) as networks from memberships group by geonameid
)

select
    cast(p.geonameid_a as bigint) as geonameid_a,
    cast(p.geonameid_b as bigint) as geonameid_b,
    cast(ca.city_name as varchar) as city_a,
    cast(cb.city_name as varchar) as city_b,
    cast(p.relation_type as varchar) as twin_relation_type,
    cast(coalesce(s.shared_network_count, 0) as integer) as shared_network_count,
    cast(s.shared_networks as varchar) as shared_networks,
    cast(coalesce(s.shared_network_count, 0)
         / nullif(coalesce(da.networks, 0) + coalesce(db.networks, 0) - coalesce(s.shared_network_count, 0), 0)
         as double) as network_jaccard,
    cast(2 * 6371.0088 * asin(sqrt(
        pow(sin(radians(cb.latitude - ca.latitude) / 2), 2)
        + cos(radians(ca.latitude)) * cos(radians(cb.latitude))
          * pow(sin(radians(cb.longitude - ca.longitude) / 2), 2))) as double) as distance_km,
    cast(1.0 + coalesce(s.shared_network_strength, 0) as double) as cooperation_strength
from twin_pairs p
join {{ ref('dim_city') }} ca on ca.geonameid = p.geonameid_a
join {{ ref('dim_city') }} cb on cb.geonameid = p.geonameid_b
left join shared s on s.geonameid_a = p.geonameid_a and s.geonameid_b = p.geonameid_b
left join degrees da on da.geonameid = p.geonameid_a
left join degrees db on db.geonameid = p.geonameid_b
