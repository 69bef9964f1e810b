{{ config(materialized='table') }}
-- Every mention of a city by a source, one row per piece of evidence, in one shape for the matcher
-- (int_city_matches): an entity (entity_type, entity_key) may have several rows - a Wikidata item
-- named by three extracts, or given a country by a labelled pair of another source.
with wup as (
    -- both WUP files name the same agglomerations; one entity per UN city code
    select distinct
        'un_wup_agglomeration' as entity_type,
        cast(w.wup_city_code as varchar) as entity_key,
        'un_wup ' || w.source_file as evidence,
        w.wup_city_name as name,
        w.wup_country_name as country_name,
        c.country_iso2,
        w.latitude,
        w.longitude,
        'exact' as point_precision,
        null::bigint as population,
        null::bigint as geonameid_hint,
        null as wikidata_qid
    from {{ ref('stg_un_wup__city_populations') }} w
    left join {{ ref('stg_geonames__countries') }} c on c.country_m49 = w.country_m49
),

c40 as (
    select distinct
        'c40_city', c40_city_name, 'c40_gdp', c40_city_name, c40_country_name, null,
        null::double, null::double, null, null::bigint, null::bigint, null
    from {{ ref('stg_c40_gdp__city_inventories') }}
),

rosters as (
    {% for roster in catalog_rosters() %}
    select
        'network_member', roster_source || ':' || member_key, roster_source, member_name,
        country_name, country_iso2, latitude, longitude, 'exact', population, null::bigint, wikidata_qid
    from {{ ref(roster.model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

edges as (
    select * from {{ ref('int_twinning_edges') }}
),

ends as (
    -- each end of each edge, as the edge's source states it
    select
        city_entity_type as entity_type, city_entity_key as entity_key, city_qid as qid,
        city_label as label, city_country_name as country_name, city_country_iso2 as country_iso2,
        city_latitude as latitude, city_longitude as longitude, city_geonameid as geonameid_hint,
        twin_label as other_label, source, snapshot, point_precision
    from edges
    union all
    select
        twin_entity_type, twin_entity_key, twin_qid, twin_label, twin_country_name, twin_country_iso2,
        twin_latitude, twin_longitude, twin_geonameid, city_label, source, snapshot, point_precision
    from edges
),

stated as (
    select distinct
        entity_type, entity_key, source || ' ' || snapshot as evidence, label as name, country_name,
        country_iso2, latitude, longitude, point_precision, null::bigint as population, geonameid_hint,
        qid as wikidata_qid
    from ends
    where label is not null or qid is not null
),

labelled_pairs as (
    -- the labelled sources (2017 EU export, Wikipedia) give each end a country and a point
    select distinct {{ fold_name('label') }} as label_key, {{ fold_name('other_label') }} as other_key,
           label, other_label, country_name, latitude, longitude, point_precision, source, snapshot
    from ends
    where entity_type = 'twinning_name' and other_label is not null
),

propagated as (
    -- a Wikidata item whose label and twin's label form a pair a labelled source lists is that
    -- source's city: "Perth" twinned with "Aschaffenburg" is the Perth the 2017 export puts in
    -- the United Kingdom
    select distinct
        'twinning_qid', q.entity_key,
        p.source || ' ' || p.snapshot || ': ' || p.label || ' - ' || p.other_label,
        null, p.country_name, null, p.latitude, p.longitude, p.point_precision, null::bigint, null::bigint,
        q.entity_key
    from ends q
    join labelled_pairs p
      on p.label_key = {{ fold_name('q.label') }} and p.other_key = {{ fold_name('q.other_label') }}
    where q.entity_type = 'twinning_qid'
),

rosters_with_items as (
    {% for roster in catalog_rosters() %}
    select roster_source, member_key, wikidata_qid, member_name, country_name, country_iso2, latitude, longitude,
           population
    from {{ ref(roster.model) }} where wikidata_qid is not null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

roster_items as (
    -- a Wikidata item a roster lists with its country and point (Eurocities, GPM)
    select distinct
        'twinning_qid', r.wikidata_qid, r.roster_source || ' (same Wikidata item)', r.member_name,
        r.country_name, r.country_iso2, r.latitude, r.longitude, 'exact', r.population, null::bigint,
        r.wikidata_qid
    from rosters_with_items r
    where r.wikidata_qid in (select entity_key from ends where entity_type = 'twinning_qid')
),

wikidata_items as (
    -- live only: Wikidata's own GeoNames id, point and country of every twinned item, for the
    -- twinning endpoints and the roster members that name the item
    select distinct
        m.entity_type, m.entity_key, 'wikidata_items (live)', i.label, null, i.country_iso2,
        i.latitude, i.longitude, 'exact', null::bigint, i.geonameid, i.qid
    from {{ ref('stg_wikidata_p190__items') }} i
    join (select entity_type, entity_key, wikidata_qid from stated where wikidata_qid is not null
          union
          select 'network_member', roster_source || ':' || member_key, wikidata_qid
          from rosters_with_items) m on m.wikidata_qid = i.qid
)

select * from wup
union all select * from c40
union all select * from rosters
union all select * from stated
union all select * from propagated
union all select * from roster_items
union all select * from wikidata_items
