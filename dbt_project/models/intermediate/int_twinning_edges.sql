{{ config(materialized='table') }}
-- Every directed twinning edge from every twinning source, each end keyed as the crosswalk keys it:
--   twinning_qid:  the Wikidata QID (2016 crawl, query-UI JSON, live query)
--   twinning_name: '<label>|<country as written>' (2017 EU export, Wikipedia twin-town lists, the
--                  cities' own partner lists)
-- with the type of tie where the source states one (the cities' own lists; null otherwise), the
-- years it began and ended where stated, and whether the source is the city's own page.
with labels as (
    select qid, label from {{ ref('stg_wikidata_p190__labels') }}
),

wikidata as (
    select
        'wikidata_p190' as source,
        snapshot,
        city_qid, coalesce(city_label, cl.label) as city_label,
        case when snapshot = 'p190_live' then null else city_country end as city_country_name,
        case when snapshot = 'p190_live' then city_country end as city_country_iso2,
        city_latitude, city_longitude, city_geonameid,
        twin_qid, coalesce(twin_label, tl.label) as twin_label,
        case when snapshot = 'p190_live' then null else twin_country end as twin_country_name,
        case when snapshot = 'p190_live' then twin_country end as twin_country_iso2,
        twin_latitude, twin_longitude, twin_geonameid,
        -- Wikidata's own coordinates are exact; the 2017 export carries them for both ends
        'exact' as point_precision,
        null as relation_type,  -- P190 does not type a tie
        since_year,
        until_year,
        false as is_official_source,
        source_row
    from {{ ref('stg_wikidata_p190__twinnings') }} t
    left join labels cl on cl.qid = t.city_qid
    left join labels tl on tl.qid = t.twin_qid
),

wikipedia as (
    select
        'wikipedia_twin_towns' as source,
        snapshot,
        null as city_qid, city_label, city_country as city_country_name, null as city_country_iso2,
        city_latitude, city_longitude, null::bigint as city_geonameid,
        null as twin_qid, twin_label, twin_country as twin_country_name, null as twin_country_iso2,
        twin_latitude, twin_longitude, null::bigint as twin_geonameid,
        -- geocoded by the scraper (Wikipedia API, then Nominatim): approximate, a few wrong
        'approximate' as point_precision,
        null as relation_type,  -- the lists do not type a tie
        null::integer as since_year,
        null::integer as until_year,
        false as is_official_source,
        source_row
    from {{ ref('stg_wikipedia_twin_towns__pairs') }}
),

partner_lists as (
    -- a city's own list: the city named with its ISO2 code, the partner with its country as written
    select
        'city_partner_lists' as source,
        snapshot,
        null as city_qid, city as city_label, city_country_iso2 as city_country_name, city_country_iso2,
        null::double as city_latitude, null::double as city_longitude, null::bigint as city_geonameid,
        null as twin_qid, partner as twin_label, partner_country as twin_country_name, null as twin_country_iso2,
        null::double as twin_latitude, null::double as twin_longitude, null::bigint as twin_geonameid,
        'approximate' as point_precision,
        nullif(relation_type, 'unspecified') as relation_type,
        since_year,
        null::integer as until_year,
        is_official_source,
        source_row
    from {{ ref('stg_city_partner_lists__partnerships') }}
),

edges as (
    select * from wikidata
    union all
    select * from wikipedia
    union all
    select * from partner_lists
)

select
    source,
    snapshot,
    case when city_qid is not null then 'twinning_qid' else 'twinning_name' end as city_entity_type,
    coalesce(city_qid, city_label || '|' || coalesce(city_country_name, '')) as city_entity_key,
    city_qid, city_label, city_country_name, city_country_iso2, city_latitude, city_longitude, city_geonameid,
    case when twin_qid is not null then 'twinning_qid' else 'twinning_name' end as twin_entity_type,
    coalesce(twin_qid, twin_label || '|' || coalesce(twin_country_name, '')) as twin_entity_key,
    twin_qid, twin_label, twin_country_name, twin_country_iso2, twin_latitude, twin_longitude, twin_geonameid,
    point_precision,
    relation_type,
    since_year,
    until_year,
    is_official_source,
    source_row
from edges
