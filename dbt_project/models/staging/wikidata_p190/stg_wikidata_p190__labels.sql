-- Labels of the Wikidata items of the 2016 twinning crawl (German first, then en, fr, it, es).
select
    qid,
    label,
    source_row,
    _load_id as load_id
from {{ source('wikidata_p190', 'wikidata_p190__labels') }}
