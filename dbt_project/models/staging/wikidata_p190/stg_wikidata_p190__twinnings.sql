-- Directed Wikidata P190 edges as each extract gives them, with what the extract says of each end:
-- the QID (2016 crawl, query-UI JSON, live) or only a label and country (2017 EU export); the live
-- query adds ISO2 country, point, GeoNames id (P1566) and the years the tie began and ended (P580,
-- P582) where stated. P190 never types a tie: relation_type is 'unspecified'. The 2016 crawl's labels are
-- stg_wikidata_p190__labels.
select
    snapshot,
    city_qid,
    city_label,
    city_country,
    city_latitude,
    city_longitude,
    try_cast(city_geonameid as bigint) as city_geonameid,
    twin_qid,
    twin_label,
    twin_country,
    twin_latitude,
    twin_longitude,
    try_cast(twin_geonameid as bigint) as twin_geonameid,
    relation_type,
    since_year,
    until_year,
    source_row,
    _load_id as load_id
from {{ source('wikidata_p190', 'wikidata_p190__twinnings') }}
