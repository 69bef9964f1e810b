select
    iso2 as country_iso2,
    iso3 as country_iso3,
    iso_numeric as country_m49,
    name as country_name,
    capital,
    continent_code,
    area_km2,
    population,
    currency_code,
    geonameid,
    _load_id as load_id,
    _snapshot_sha256 as snapshot_sha256
from {{ source('geonames', 'geonames__countries') }}
