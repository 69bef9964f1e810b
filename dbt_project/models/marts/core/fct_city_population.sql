-- Population of every WUP 2018 agglomeration, every year 1950-2035 (F22, annual), in persons.
-- Agglomerations the crosswalk could not resolve are kept: their city_id is their own, geonameid null.
with populations as (
    select * from {{ ref('stg_un_wup__city_populations') }} where source_file = 'F22'
)

select
    cast(p.wup_city_code as integer) as wup_city_code,
    cast(p.year as integer) as year,
    cast(a.city_id as varchar) as city_id,
    cast(a.geonameid as bigint) as geonameid,
    cast(p.wup_city_name as varchar) as city_name,
    cast(k.country_iso3 as varchar) as country_iso3,
    cast(p.wup_country_name as varchar) as country_name,
    cast(p.population as bigint) as population,
    cast(p.is_projection as boolean) as is_projection,
    cast('WUP2018-' || p.source_file as varchar) as source_file,
    cast(p.note_text as varchar) as source_note
from populations p
join {{ ref('int_un_wup__agglomerations') }} a using (wup_city_code)
left join {{ ref('stg_geonames__countries') }} k on k.country_m49 = p.country_m49
