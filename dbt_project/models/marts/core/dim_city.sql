-- The city master: every GeoNames populated place of 500+ (city_id 'gn:<geonameid>'), with
-- country, admin1 and, where a WUP agglomeration resolved to it, the UN city code; and every city a
-- source names that the crosswalk could not resolve (city_id 'network_member:<ISO2>:<name>' or
-- '<entity_type>:<entity_key>', null geonameid), with the name, country and point its sources give
-- and the reason. Nothing dropped.
with cities as (
    select * from {{ ref('stg_geonames__cities') }}
),

wup as (
    select * from {{ ref('int_un_wup__agglomerations') }} where geonameid is not null
),

gazetteer as (
    select
        'gn:' || c.geonameid as city_id,
        c.geonameid,
        c.city_name,
        c.ascii_name,
        c.country_iso2,
        c.admin1_code,
        c.latitude,
        c.longitude,
        c.population as gazetteer_population,
        c.feature_code,
        c.timezone,
        null as source_entity_type,
        null as source_entity_key,
        null as unresolved_reason
    from cities c
),

unresolved as (
    -- several source entities may be one unresolved city (a network member several rosters name)
    select
        city_id,
        null::bigint as geonameid,
        arg_min(name, entity_key) as city_name,
        null as ascii_name,
        arg_min(country_iso2, entity_key) as country_iso2,
        null as admin1_code,
        arg_min(latitude, entity_key) as latitude,
        arg_min(longitude, entity_key) as longitude,
        null::bigint as gazetteer_population,
        null as feature_code,
        null as timezone,
        min(entity_type) as source_entity_type,
        string_agg(entity_key, '; ' order by entity_key) as source_entity_key,
        arg_min(reason, entity_key) as unresolved_reason
    from {{ ref('int_city_matches') }}
    where geonameid is null
    group by city_id
),

all_cities as (
    select * from gazetteer
    union all
    select * from unresolved
)

select
    cast(c.city_id as varchar) as city_id,
    cast(c.geonameid as bigint) as geonameid,
    cast(c.city_name as varchar) as city_name,
    cast(c.ascii_name as varchar) as ascii_name,
    cast(c.country_iso2 as varchar) as country_iso2,
    cast(k.country_iso3 as varchar) as country_iso3,
    cast(k.country_name as varchar) as country_name,
    cast(c.admin1_code as varchar) as admin1_code,
    cast(a.admin1_name as varchar) as admin1_name,
    cast(c.latitude as double) as latitude,
    cast(c.longitude as double) as longitude,
    cast(c.gazetteer_population as bigint) as gazetteer_population,
    cast(c.feature_code as varchar) as feature_code,
    cast(c.timezone as varchar) as timezone,
    cast(w.wup_city_code as integer) as wup_city_code,
    cast(w.wup_city_name as varchar) as wup_city_name,
    cast(w.match_method as varchar) as wup_match_method,
    cast(w.match_confidence as double) as wup_match_confidence,
    cast(c.source_entity_type as varchar) as source_entity_type,
    cast(c.source_entity_key as varchar) as source_entity_key,
    cast(c.unresolved_reason as varchar) as unresolved_reason
from all_cities c
left join {{ ref('stg_geonames__countries') }} k using (country_iso2)
left join {{ ref('stg_geonames__admin1_codes') }} a
    on a.country_iso2 = c.country_iso2 and a.admin1_code = c.admin1_code
left join wup w on w.geonameid = c.geonameid
