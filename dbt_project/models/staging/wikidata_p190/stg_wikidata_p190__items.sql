-- What Wikidata states of every item with a twinning (P190), one row per QID (folded at parsing:
-- smallest GeoNames id, first point, country only where all agree). Live only: empty offline.
select
    qid,
    label,
    country_iso2,
    latitude,
    longitude,
    geonameid,
    _load_id as load_id
from {{ source('wikidata_p190', 'wikidata_p190__items') }}
