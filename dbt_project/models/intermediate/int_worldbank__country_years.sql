-- One row per country x year: the World Bank's GDP, population and urban share side by side.
-- Aggregates (World, regions, income groups) are left out: they are not countries.
with country_values as (
    select * from {{ ref('stg_worldbank__indicator_values') }}
    where not is_aggregate
)

select
    country_code,
    min(country_name) as country_name,
    year,
    max(value) filter (where indicator_code = 'NY.GDP.MKTP.CD') as gdp_usd,
    max(value) filter (where indicator_code = 'SP.POP.TOTL') as population,
    max(value) filter (where indicator_code = 'SP.URB.TOTL.IN.ZS') as urban_share_pct
from country_values
group by country_code, year
