{{ config(materialized='table') }}
-- One row per unordered pair of twinned cities, from every twinning source (Wikidata P190
-- extracts and live query, Wikipedia twin-town lists, the cities' own partner lists): both ends
-- resolved through the crosswalk to a city_id (a GeoNames city, or the unresolved city itself),
-- directions symmetrised, sources deduplicated. Nothing is dropped but pairs whose two ends are
-- one city. The type of tie is the one the sources that state a type agree on - the cities' own
-- pages first, news second - and 'unspecified' where none states one or they disagree (never a
-- guess). (fct_city_partnership publishes it with its contract; int_partnership_centrality reads it.)
with matches as (
    select entity_type, entity_key, city_id, geonameid from {{ ref('int_city_matches') }}
),

edges as (
    select
        e.source || ':' || e.snapshot as source,
        e.relation_type,
        e.is_official_source,
        e.since_year,
        e.until_year,
        a.city_id as city_a,
        b.city_id as city_b,
        a.geonameid as geonameid_a,
        b.geonameid as geonameid_b
    from {{ ref('int_twinning_edges') }} e
    join matches a on a.entity_type = e.city_entity_type and a.entity_key = e.city_entity_key
    join matches b on b.entity_type = e.twin_entity_type and b.entity_key = e.twin_entity_key
    where a.city_id <> b.city_id
),

pairs as (
    select
        least(city_a, city_b) as city_id_a,
        greatest(city_a, city_b) as city_id_b,
        min(case when city_a < city_b then geonameid_a else geonameid_b end) as geonameid_a,
        min(case when city_a < city_b then geonameid_b else geonameid_a end) as geonameid_b,
        count(distinct relation_type) filter (where is_official_source) as official_types,
        min(relation_type) filter (where is_official_source) as official_type,
        count(distinct relation_type) as stated_types,
        min(relation_type) as stated_type,
        -- the type each city's own list gives the tie (Sydney: Paris is a friendship city;
        -- Paris: Sydney is a cooperation partner)
        min(relation_type) filter (where city_a = least(city_a, city_b)) as relation_type_by_a,
        min(relation_type) filter (where city_a = greatest(city_a, city_b)) as relation_type_by_b,
        string_agg(distinct relation_type || ' (' || source || ')', ', ' order by relation_type || ' (' || source || ')')
            filter (where relation_type is not null) as relation_types_stated,
        min(since_year) as since_year,
        max(until_year) as until_year,
        bool_or(is_official_source) as stated_by_official_page,
        string_agg(distinct source, ', ' order by source) as sources,
        count(distinct split_part(source, ':', 1)) as source_count,
        count(*) as edges,
        count(distinct city_a) = 2 as asserted_by_both
    from edges
    group by 1, 2
)

select
    city_id_a,
    city_id_b,
    geonameid_a,
    geonameid_b,
    case
        when official_types = 1 then official_type
        when official_types = 0 and stated_types = 1 then stated_type
        else 'unspecified'
    end as relation_type,
    relation_type_by_a,
    relation_type_by_b,
    relation_types_stated,
    stated_types <= 1 as types_agree,
    since_year,
    until_year,
    stated_by_official_page,
    sources,
    source_count,
    edges,
    asserted_by_both
from pairs
