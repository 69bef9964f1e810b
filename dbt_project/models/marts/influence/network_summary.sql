-- One row per network in the registry: reach of its current members (members, countries, continents), combined
-- demographic and economic weight of its resolved members, their share of the world's urban
-- population, and its overlap with the other networks.
{% set reference_year = 2018 %}
with members as (
    select distinct m.network_id, m.geonameid, c.country_iso2, k.continent_code
    from {{ ref('fct_network_membership') }} m
    join {{ ref('dim_city') }} c on c.geonameid = m.geonameid
    left join {{ ref('dim_country') }} k on k.country_iso2 = c.country_iso2
    -- reach is measured on rosters held; a handful of stated members is no measure of it
    where m.is_current
      and m.network_id in (select network_id from {{ ref('dim_network') }} where member_count is not null)
),

weights as (
    select m.network_id,
           sum(w.population) as combined_population,
           -- in whole dollars, as integers: exact, so the same in every run (a float sum is not)
           sum(round(w.gdp_usd)::hugeint) as combined_gdp_usd,
           sum(round(w.gdp_usd)::hugeint) filter (where w.gdp_is_estimated)
               / nullif(sum(round(w.gdp_usd)::hugeint), 0) as gdp_estimated_share
    from members m
    join {{ ref('int_city_weights') }} w using (geonameid)
    group by m.network_id
),

world_urban as (
    select sum(urban_population) as urban_population
    from {{ ref('country_indicators') }}
    where year = {{ reference_year }}
),

network_overlap_pairs as (
    select a.network_id, b.network_id as other_network_id, count(*) as shared_members
    from members a
    join members b on b.geonameid = a.geonameid and b.network_id <> a.network_id
    group by a.network_id, b.network_id
),

overlap_text as (
    select network_id,
           string_agg(other_network_id || ' ' || shared_members, ', ' order by shared_members desc, other_network_id)
               as overlap_list,
           arg_max(other_network_id, (shared_members, other_network_id)) as most_overlapping_network
    from network_overlap_pairs
    group by network_id
),

counts as (
    select network_id, count(*) as members_resolved, count(distinct country_iso2) as countries,
           count(distinct continent_code) as continents
    from members
    group by network_id
)

select
    cast(n.network_id as varchar) as network_id,
    cast(n.network_name as varchar) as network_name,
    cast(n.focus as varchar) as focus,
    cast(n.relation as varchar) as relation,
    cast(n.roster_status as varchar) as roster_status,
    cast(n.member_count as bigint) as members,
    cast(n.headline_member_count as bigint) as headline_member_count,
    cast(n.headline_as_of as varchar) as headline_as_of,
    cast(case when n.member_count is not null then coalesce(c.members_resolved, 0) end as bigint) as members_resolved,
    cast(case when n.member_count is not null then coalesce(c.countries, 0) end as bigint) as countries,
    cast(case when n.member_count is not null then coalesce(c.continents, 0) end as bigint) as continents,
    cast(w.combined_population as bigint) as combined_population,
    cast(w.combined_population / (select urban_population from world_urban) as double) as share_of_world_urban_population,
    cast(w.combined_gdp_usd as double) as combined_gdp_usd,
    cast(w.gdp_estimated_share as double) as gdp_estimated_share,
    cast(o.most_overlapping_network as varchar) as most_overlapping_network,
    cast(o.overlap_list as varchar) as network_overlaps
from {{ ref('dim_network') }} n
left join counts c using (network_id)
left join weights w using (network_id)
left join overlap_text o using (network_id)
