select
    geonameid,
    name as city_name,
    coalesce(ascii_name, name) as ascii_name,
    alternate_names,
    latitude,
    longitude,
    feature_code,
    country_code as country_iso2,
    admin1_code,
    nullif(population, 0) as population,  -- GeoNames writes 0 where it does not know
    timezone,
    _load_id as load_id,
    _snapshot_sha256 as snapshot_sha256
from {{ source('geonames', 'geonames__cities') }}
