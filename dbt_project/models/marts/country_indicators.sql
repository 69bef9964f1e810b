-- One row per country × year: the World Bank's GDP, population and urban share side by side.
-- Aggregates (World, regions, income groups) are left out: they are not countries.
with country_values as (
    select * from {{ ref('stg_worldbank__indicator_values') }}
    where not is_aggregate
),

pivoted as (
    select
        country_code,
        min(country_name) as country_name,
        year,
        max(value) filter (where indicator_code = 'NY.GDP.MKTP.CD') as gdp_usd,
        max(value) filter (where indicator_code = 'SP.POP.TOTL') as population,
        max(value) filter (where indicator_code = 'SP.URB.TOTL.IN.ZS') as urban_share_pct
    from country_values
    group by country_code, year
)

select
    cast(country_code as varchar) as country_code,
    cast(country_name as varchar) as country_name,
    cast(year as integer) as year,
    cast(gdp_usd as double) as gdp_usd,
    cast(population as bigint) as population,
    cast(urban_share_pct as double) as urban_share_pct,
    cast(round(population * urban_share_pct / 100) as bigint) as urban_population
from pivoted
