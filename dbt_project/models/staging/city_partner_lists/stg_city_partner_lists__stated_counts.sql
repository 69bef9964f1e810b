select
    city,
    city_country_iso2,
    relation_type,
    stated_count,
    as_of,
    evidence_url,
    evidence
from {{ source('city_partner_lists', 'city_partner_lists__stated_counts') }}
