-- Demographic and economic weight of every GeoNames city.
--   population: the WUP 2018 estimate of the agglomeration the city heads, else the GeoNames
--               gazetteer figure (city proper, year unstated), with its source named
--   growth:     WUP 2000 -> 2020 (2020 is a UN projection from the 2018 revision)
--   gdp:        the latest GDP the city reported to C40, else population x national GDP per
--               capita (World Bank, 2018), flagged as estimated
{% set reference_year = 2018 %}
with wup as (
    select
        geonameid,
        max(population) filter (where year = {{ reference_year }}) as population_wup,
        max(population) filter (where year = 2000) as population_2000,
        max(population) filter (where year = 2020) as population_2020
    from {{ ref('stg_un_wup__city_populations') }} p
    join {{ ref('int_un_wup__agglomerations') }} a using (wup_city_code)
    where p.source_file = 'F22' and a.geonameid is not null
    group by geonameid
),

reported_gdp as (
    select m.geonameid, arg_max(i.gdp, (i.year, i.gdp)) as gdp_usd, max(i.year) as gdp_year
    from {{ ref('stg_c40_gdp__city_inventories') }} i
    join {{ ref('int_city_matches') }} m on m.entity_type = 'c40_city' and m.entity_key = i.c40_city_name
    where m.geonameid is not null and i.gdp is not null and i.currency = 'USD'
    group by m.geonameid
),

national as (
    select country_code as country_iso3, gdp_usd / population as gdp_per_capita
    from {{ ref('int_worldbank__country_years') }}
    where year = {{ reference_year }} and population > 0 and gdp_usd is not null
),

cities as (
    select c.geonameid, k.country_iso3, c.population as gazetteer_population
    from {{ ref('stg_geonames__cities') }} c
    left join {{ ref('stg_geonames__countries') }} k using (country_iso2)
)

select
    c.geonameid,
    c.country_iso3,
    coalesce(w.population_wup, c.gazetteer_population) as population,
    case when w.population_wup is not null then 'WUP 2018 (agglomeration)'
         when c.gazetteer_population is not null then 'GeoNames (city proper)' end as population_source,
    100.0 * (w.population_2020 - w.population_2000) / nullif(w.population_2000, 0) as growth_2000_2020_pct,
    coalesce(g.gdp_usd, coalesce(w.population_wup, c.gazetteer_population) * n.gdp_per_capita) as gdp_usd,
    coalesce(g.gdp_year, case when n.gdp_per_capita is not null then {{ reference_year }} end) as gdp_year,
    g.gdp_usd is null and n.gdp_per_capita is not null as gdp_is_estimated
from cities c
left join wup w using (geonameid)
left join reported_gdp g using (geonameid)
left join national n using (country_iso3)
