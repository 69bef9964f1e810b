-- One row per WUP agglomeration with its attributes and its GeoNames match (or the reason for none).
with agglomerations as (
    select distinct
        wup_city_code, wup_city_name, country_m49, wup_country_name, latitude, longitude, note_text
    from {{ ref('stg_un_wup__city_populations') }}
    where source_file = 'F22'
),

matches as (
    select * from {{ ref('int_city_matches') }}
    where entity_type = 'un_wup_agglomeration'
)

select
    a.*,
    m.city_id,
    m.country_iso2,
    m.geonameid,
    m.matched_name,
    m.method as match_method,
    m.distance_km as match_distance_km,
    m.confidence as match_confidence,
    m.reason as match_note
from agglomerations a
left join matches m on m.entity_key = cast(a.wup_city_code as varchar)
