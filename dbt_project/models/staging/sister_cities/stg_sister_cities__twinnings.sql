-- Directed Wikidata P190 edges as each extract gives them, with what the extract says of each end:
-- the QID (2016 crawl, query-UI JSON, live) or only a label and country (2017 EU export);
-- labels of the 2016 QIDs come from its names file; the live query adds ISO2 country, point and
-- GeoNames id (P1566).
select
    t.snapshot,
    t.city_qid,
    coalesce(t.city_label, cl.label) as city_label,
    t.city_country,
    t.city_latitude,
    t.city_longitude,
    try_cast(t.city_geonameid as bigint) as city_geonameid,
    t.twin_qid,
    coalesce(t.twin_label, tl.label) as twin_label,
    t.twin_country,
    t.twin_latitude,
    t.twin_longitude,
    try_cast(t.twin_geonameid as bigint) as twin_geonameid,
    t.relation_type,
    t.source_row,
    t._load_id as load_id
from {{ source('sister_cities', 'wikidata__twinnings') }} t
left join {{ source('sister_cities', 'wikidata__labels') }} cl on cl.qid = t.city_qid
left join {{ source('sister_cities', 'wikidata__labels') }} tl on tl.qid = t.twin_qid
