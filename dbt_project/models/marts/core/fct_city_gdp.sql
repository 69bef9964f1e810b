-- City GDP as C40 cities reported it with their GHG inventories: real values only, in the
-- currency and for the year the source gives; nothing estimated, nothing converted; each figure
-- with its check against the country's GDP (int_c40_gdp__checked).
with inventories as (
    select * from {{ ref('stg_c40_gdp__city_inventories') }} where gdp is not null
),

matches as (
    select * from {{ ref('int_city_matches') }} where entity_type = 'c40_city'
)

select
    cast(i.c40_city_name as varchar) as source_city_name,
    cast(i.year as integer) as year,
    cast(m.city_id as varchar) as city_id,
    cast(m.geonameid as bigint) as geonameid,
    cast(m.country_iso2 as varchar) as country_iso2,
    cast(i.gdp as double) as gdp,
    cast(i.currency as varchar) as currency,
    cast(i.inventory_period as varchar) as inventory_period,
    cast(i.population as bigint) as reported_population,
    cast(i.area_km2 as double) as reported_area_km2,
    cast(i.boundary as varchar) as boundary,
    cast(k.gdp_check as varchar) as gdp_check,
    cast(k.per_capita_vs_national as double) as per_capita_vs_national,
    cast('C40 GHG Emissions Dashboard data, version 30.05.2023' as varchar) as source
from inventories i
left join matches m on m.entity_key = i.c40_city_name
left join {{ ref('int_c40_gdp__checked') }} k on k.c40_city_name = i.c40_city_name and k.year = i.year
