-- One row per country x year: the World Bank's GDP, population and urban share side by side,
-- and the urban population they imply. Aggregates are left out: they are not countries.
select
    cast(country_code as varchar) as country_code,
    cast(country_name as varchar) as country_name,
    cast(year as integer) as year,
    cast(gdp_usd as double) as gdp_usd,
    cast(population as bigint) as population,
    cast(urban_share_pct as double) as urban_share_pct,
    cast(round(population * urban_share_pct / 100) as bigint) as urban_population
from {{ ref('int_worldbank__country_years') }}
