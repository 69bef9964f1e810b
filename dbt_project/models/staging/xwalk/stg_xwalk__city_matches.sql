select
    entity_type,
    entity_key,
    name as source_name,
    country_code as country_iso2,
    latitude as source_latitude,
    longitude as source_longitude,
    geonameid,
    matched_name,
    method as match_method,
    distance_km as match_distance_km,
    confidence as match_confidence,
    reason as match_note,
    resolved_at
from {{ source('xwalk', 'city_matches') }}
