-- The city master: every GeoNames place of 15,000+, with country, admin1 and, where a WUP
-- agglomeration resolved to it, the UN city code.
with cities as (
    select * from {{ ref('stg_geonames__cities') }}
),

wup as (
    select * from {{ ref('int_un_wup__agglomerations') }} where geonameid is not null
)

select
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
    cast(c.population as bigint) as gazetteer_population,
    cast(c.feature_code as varchar) as feature_code,
    cast(c.timezone as varchar) as timezone,
    cast(w.wup_city_code as integer) as wup_city_code,
    cast(w.wup_city_name as varchar) as wup_city_name,
    cast(w.match_method as varchar) as wup_match_method,
    cast(w.match_confidence as double) as wup_match_confidence
from cities c
left join {{ ref('stg_geonames__countries') }} k using (country_iso2)
left join {{ ref('stg_geonames__admin1_codes') }} a
    on a.country_iso2 = c.country_iso2 and a.admin1_code = c.admin1_code
left join wup w on w.geonameid = c.geonameid
