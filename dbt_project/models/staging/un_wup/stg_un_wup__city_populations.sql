select
    file_code as source_file,
    city_code as wup_city_code,
    city_name as wup_city_name,
    country_m49,
    country_name as wup_country_name,
    latitude,
    longitude,
    note_ids,
    note_text,
    year,
    population,
    population_thousands,
    is_projection,
    _load_id as load_id,
    _snapshot_sha256 as snapshot_sha256
from {{ source('un_wup', 'un_wup__city_populations') }}
