-- Every GDP a C40 city reported (US$, nominal), checked against the World Bank's national figures
-- of the same year: no more than the country's GDP, and a GDP per head (on the population C40
-- gives with it) between 1/4 and 4x the national one. A figure outside is for a different area or
-- in another unit (Paris reports the Ile-de-France region's GDP beside the city's 2.2 M people;
-- Buenos Aires's early years are 1/15 of the national GDP per head). fct_city_gdp publishes the
-- check; int_city_weights uses only verified figures.
with inventories as (
    select * from {{ ref('stg_c40_gdp__city_inventories') }} where gdp is not null
),

matches as (
    select entity_key, city_id, geonameid, country_iso2 from {{ ref('int_city_matches') }}
    where entity_type = 'c40_city'
),

countries as (
    select k.country_iso2, y.year, y.gdp_usd, y.gdp_usd / y.population as gdp_per_capita
    from {{ ref('int_worldbank__country_years') }} y
    join {{ ref('stg_geonames__countries') }} k on k.country_iso3 = y.country_code
    where y.population > 0 and y.gdp_usd is not null
)

select
    i.c40_city_name,
    i.year,
    m.city_id,
    m.geonameid,
    i.gdp as gdp_usd,
    i.population as reported_population,
    i.gdp / nullif(i.population, 0) / n.gdp_per_capita as per_capita_vs_national,
    case
        when i.currency <> 'USD' then 'unchecked: currency ' || i.currency
        when n.gdp_usd is null then 'unchecked: no national GDP for ' || i.year
        when i.gdp > n.gdp_usd then 'rejected: above the national GDP of ' || i.year
        when coalesce(i.population, 0) = 0 then 'unchecked: no population reported with it'
        when i.gdp / i.population > 4 * n.gdp_per_capita
            then 'rejected: GDP per head ' || round(i.gdp / i.population / n.gdp_per_capita, 1)
                 || 'x the national one (the GDP of a larger area than the population?)'
        when i.gdp / i.population < n.gdp_per_capita / 4
            then 'rejected: GDP per head ' || round(i.gdp / i.population / n.gdp_per_capita, 2)
                 || 'x the national one (another currency or unit?)'
        else 'verified'
    end as gdp_check
from inventories i
left join matches m on m.entity_key = i.c40_city_name
left join countries n on n.country_iso2 = m.country_iso2 and n.year = i.year
