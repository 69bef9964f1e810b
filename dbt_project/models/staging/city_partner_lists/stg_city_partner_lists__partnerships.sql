select
    snapshot,
    city,
    city_country_iso2,
    partner,
    partner_country,
    relation_type,
    since_year,
    evidence_url,
    page_title,
    page_date,
    is_official_source,
    evidence,
    source_row,
    _load_id as load_id
from {{ source('city_partner_lists', 'city_partner_lists__partnerships') }}
