select
    country_code,
    country_name,
    is_aggregate,
    indicator_code,
    indicator_name,
    year,
    value,
    last_updated as source_updated_on,
    _load_id as load_id,
    _snapshot_sha256 as snapshot_sha256,
    _loaded_at as loaded_at
from {{ source('worldbank', 'worldbank__indicator_values') }}
