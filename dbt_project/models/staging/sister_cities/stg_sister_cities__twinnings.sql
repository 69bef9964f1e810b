-- Directed twinning edges with a key per endpoint: the Wikidata QID where the extract has one,
-- else "label:<label>|<country>" (the 2017 EU export carries labels and countries only).
select
    t.snapshot,
    coalesce(t.city_qid, 'label:' || t.city_label || '|' || coalesce(t.city_country, '')) as city_key,
    coalesce(t.city_label, cl.label) as city_label,
    coalesce(t.twin_qid, 'label:' || t.twin_label || '|' || coalesce(t.twin_country, '')) as twin_key,
    coalesce(t.twin_label, tl.label) as twin_label,
    t.relation_type,
    t.source_row,
    t._load_id as load_id
from {{ source('sister_cities', 'wikidata__twinnings') }} t
left join {{ source('sister_cities', 'wikidata__labels') }} cl on cl.qid = t.city_qid
left join {{ source('sister_cities', 'wikidata__labels') }} tl on tl.qid = t.twin_qid
