-- One row per unordered pair of twinned GeoNames cities: P190 edges from every extract,
-- symmetrised (A-B and B-A are one pair) and deduplicated; pairs whose ends the crosswalk could
-- not resolve stay in stg_sister_cities__twinnings and xwalk.city_matches with the reason.
with matches as (
    select entity_key, geonameid from {{ ref('stg_xwalk__city_matches') }}
    where entity_type = 'twinning_city' and geonameid is not null
),

edges as (
    select t.snapshot, t.relation_type, a.geonameid as city_a, b.geonameid as city_b
    from {{ ref('stg_sister_cities__twinnings') }} t
    join matches a on a.entity_key = t.city_key
    join matches b on b.entity_key = t.twin_key
    where a.geonameid <> b.geonameid
)

select
    cast(least(city_a, city_b) as bigint) as geonameid_a,
    cast(greatest(city_a, city_b) as bigint) as geonameid_b,
    cast(case when count(distinct relation_type) = 1 then min(relation_type) else 'twinned' end as varchar)
        as relation_type,
    cast(string_agg(distinct snapshot, ', ' order by snapshot) as varchar) as sources,
    cast(count(*) as integer) as edges,
    cast(count(distinct city_a) = 2 as boolean) as asserted_by_both
from edges
group by 1, 2
