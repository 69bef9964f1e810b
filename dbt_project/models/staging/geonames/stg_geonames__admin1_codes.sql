select
    country_code as country_iso2,
    admin1_code,
    name as admin1_name,
    geonameid,
    _load_id as load_id
from {{ source('geonames', 'geonames__admin1_codes') }}
