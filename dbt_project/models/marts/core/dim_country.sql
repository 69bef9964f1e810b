-- One row per country or territory in GeoNames, with ISO codes, continent and UN M49 region.
select
    cast(c.country_iso2 as varchar) as country_iso2,
    cast(c.country_iso3 as varchar) as country_iso3,
    cast(c.country_m49 as integer) as country_m49,
    cast(c.country_name as varchar) as country_name,
    cast(c.continent_code as varchar) as continent_code,
    cast(k.continent_name as varchar) as continent_name,
    cast(r.un_region as varchar) as un_region,
    cast(r.un_sub_region as varchar) as un_sub_region,
    cast(nullif(r.un_intermediate_region, '') as varchar) as un_intermediate_region,
    cast(c.capital as varchar) as capital,
    cast(c.area_km2 as double) as area_km2,
    cast(c.population as bigint) as gazetteer_population,
    cast(c.currency_code as varchar) as currency_code
from {{ ref('stg_geonames__countries') }} c
left join {{ ref('continents') }} k using (continent_code)
left join {{ ref('un_m49_regions') }} r on r.country_iso2 = c.country_iso2
