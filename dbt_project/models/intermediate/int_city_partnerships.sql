{{ config(materialized='table') }}
-- One row per unordered pair of twinned cities, from every twinning source (Wikidata P190
-- extracts and live query, Wikipedia twin-town lists): both ends resolved through the crosswalk to
-- a city_id (a GeoNames city, or the unresolved city itself), directions symmetrised, sources
-- deduplicated. Nothing is dropped but pairs whose two ends are one city. (fct_city_partnership
-- publishes it with its contract; int_partnership_centrality reads it.)
with matches as (
    select entity_type, entity_key, city_id, geonameid from {{ ref('int_city_matches') }}
),

edges as (
    select
        e.source || ':' || e.snapshot as source,
        e.relation_type,
        a.city_id as city_a,
        b.city_id as city_b,
        a.geonameid as geonameid_a,
        b.geonameid as geonameid_b
    from {{ ref('int_twinning_edges') }} e
    join matches a on a.entity_type = e.city_entity_type and a.entity_key = e.city_entity_key
    join matches b on b.entity_type = e.twin_entity_type and b.entity_key = e.twin_entity_key
    where a.city_id <> b.city_id
)

select
    least(city_a, city_b) as city_id_a,
    cast(greatest(city_a, city_b) as varchar) as city_id_b,
    cast(min(case when city_a < city_b then geonameid_a else geonameid_b end) as bigint) as geonameid_a,
    cast(min(case when city_a < city_b then geonameid_b else geonameid_a end) as bigint) as geonameid_b,
    cast(case when count(distinct coalesce(relation_type, 'twinned')) = 1
              then min(coalesce(relation_type, 'twinned')) else 'twinned' end as varchar) as relation_type,
    cast(string_agg(distinct source, ', ' order by source) as varchar) as sources,
    cast(count(distinct split_part(source, ':', 1)) as integer) as source_count,
    cast(count(*) as integer) as edges,
    cast(count(distinct city_a) = 2 as boolean) as asserted_by_both
from edges
group by 1, 2
