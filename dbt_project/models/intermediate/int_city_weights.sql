-- Demographic and economic weight of every GeoNames city, each on a stated basis.
--   population_agglomeration  the WUP 2018 estimate of the agglomeration the city heads
--   population_city_proper    the GeoNames gazetteer figure (city proper, year unstated)
--   population                what the index uses: the agglomeration, else the city proper
--                             (population_basis says which)
--   growth                    WUP 2000 -> 2020 (2020 is a UN projection from the 2018 revision)
--   reported GDP              the latest GDP the city reported to C40, used only if it passed the
--                             checks of int_c40_gdp__checked (kept in reported_gdp_usd either way,
--                             with gdp_check saying why not)
--   gdp_usd                   the verified reported GDP, as reported (for the city's own boundary,
--                             which C40 names), else an estimate: population x the national GDP per
--                             head of 2018 (gdp_is_estimated); never more than the national GDP
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

countries as (
    select country_code as country_iso3, year, gdp_usd, gdp_usd / population as gdp_per_capita
    from {{ ref('int_worldbank__country_years') }}
    where population > 0 and gdp_usd is not null
),

reported_gdp as (
    -- the latest year the city reported, and whether that figure passed its checks
    select geonameid, arg_max(gdp_usd, (year, gdp_usd)) as gdp_usd, max(year) as gdp_year,
           arg_max(gdp_usd / nullif(reported_population, 0), (year, gdp_usd)) as gdp_per_capita,
           arg_max(gdp_check, (year, gdp_usd)) as gdp_check
    from {{ ref('int_c40_gdp__checked') }}
    where geonameid is not null
    group by geonameid
),

cities as (
    select c.geonameid, k.country_iso3, c.population as gazetteer_population
    from {{ ref('stg_geonames__cities') }} c
    left join {{ ref('stg_geonames__countries') }} k using (country_iso2)
),

weights as (
    select
        c.geonameid,
        c.country_iso3,
        w.population_wup as population_agglomeration,
        c.gazetteer_population as population_city_proper,
        coalesce(w.population_wup, c.gazetteer_population) as population,
        case when w.population_wup is not null then 'agglomeration (WUP 2018)'
             when c.gazetteer_population is not null then 'city proper (GeoNames)' end as population_basis,
        100.0 * (w.population_2020 - w.population_2000) / nullif(w.population_2000, 0) as growth_2000_2020_pct,
        g.gdp_usd as reported_gdp_usd,
        g.gdp_year as reported_gdp_year,
        g.gdp_check,
        case when g.gdp_check = 'verified' then g.gdp_per_capita end as verified_gdp_per_capita,
        n.gdp_per_capita as national_gdp_per_capita,
        -- the national GDP of the year the city's GDP refers to: no city exceeds its country
        -- (Singapore's agglomeration, 5.8 M in WUP, is more than the World Bank's 5.6 M people)
        case when g.gdp_check = 'verified' then r.gdp_usd else n.gdp_usd end as national_gdp_usd
    from cities c
    left join wup w using (geonameid)
    left join reported_gdp g using (geonameid)
    left join countries n on n.country_iso3 = c.country_iso3 and n.year = {{ reference_year }}
    left join countries r on r.country_iso3 = c.country_iso3 and r.year = g.gdp_year
),

estimated as (
    select
        *,
        case when gdp_check = 'verified' then reported_gdp_usd
             else population * national_gdp_per_capita end as uncapped_gdp_usd
    from weights
)

select
    geonameid,
    country_iso3,
    population_agglomeration,
    population_city_proper,
    population,
    population_basis,
    growth_2000_2020_pct,
    reported_gdp_usd,
    reported_gdp_year,
    gdp_check,
    least(uncapped_gdp_usd, national_gdp_usd) as gdp_usd,
    case when verified_gdp_per_capita is not null then reported_gdp_year
         when national_gdp_per_capita is not null then {{ reference_year }} end as gdp_year,
    case when verified_gdp_per_capita is not null
             then 'reported to C40 (' || reported_gdp_year || ', the city''s own boundary)'
         when national_gdp_per_capita is not null
             then 'population x national GDP per head ({{ reference_year }}, World Bank)' end
        || case when uncapped_gdp_usd > national_gdp_usd then ', capped at the national GDP' else '' end
        as gdp_method,
    verified_gdp_per_capita is null and national_gdp_per_capita is not null as gdp_is_estimated
from estimated
