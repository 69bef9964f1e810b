-- One row per country or territory in GeoNames, with ISO codes and continent.
select
    cast(c.country_iso2 as varchar) as country_iso2,
    cast(c.country_iso3 as varchar) as country_iso3,
    cast(c.country_m49 as integer) as country_m49,
    cast(c.country_name as varchar) as country_name,
    cast(c.continent_code as varchar) as continent_code,
    cast(k.continent_name as varchar) as continent_name,
    cast(c.capital as varchar) as capital,
    cast(c.area_km2 as double) as area_km2,
    cast(c.population as bigint) as gazetteer_population,
    cast(c.currency_code as varchar) as currency_code
from {{ ref('stg_geonames__countries') }} c
left join {{ ref('continents') }} k using (continent_code)
