select
    city_name as c40_city_name,
    country_name as c40_country_name,
    c40_region,
    boundary,
    inventory_period,
    year,
    population,
    area_km2,
    gdp,
    currency,
    gdp_as_given,
    _load_id as load_id,
    _snapshot_sha256 as snapshot_sha256
from {{ source('c40_gdp', 'c40_gdp__city_inventories') }}
