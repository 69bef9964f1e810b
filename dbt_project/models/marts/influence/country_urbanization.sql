-- One row per country and year (World Bank years): urban share, the number of WUP agglomerations
-- of 300,000+ that year, and urban primacy = largest agglomeration / urban population.
with cities as (
    select k.country_iso3, p.year,
           count(*) filter (where p.population >= 300000) as cities_300k_plus,
           max(p.population) as largest_city_population,
           arg_max(p.city_name, (p.population, p.city_name)) as largest_city
    from {{ ref('fct_city_population') }} p
    join {{ ref('dim_country') }} k on k.country_iso3 = p.country_iso3
    group by k.country_iso3, p.year
)

select
    cast(i.country_code as varchar) as country_iso3,
    cast(i.country_name as varchar) as country_name,
    cast(i.year as integer) as year,
    cast(i.urban_share_pct as double) as urban_share_pct,
    cast(i.urban_population as bigint) as urban_population,
    cast(coalesce(c.cities_300k_plus, 0) as integer) as cities_300k_plus,
    cast(c.largest_city as varchar) as largest_city,
    cast(c.largest_city_population as bigint) as largest_city_population,
    cast(c.largest_city_population / nullif(i.urban_population, 0) as double) as urban_primacy
from {{ ref('country_indicators') }} i
left join cities c on c.country_iso3 = i.country_code and c.year = i.year
