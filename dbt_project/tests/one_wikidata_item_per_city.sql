-- One Wikidata item per city: different QIDs (twinning endpoints, roster members) may resolve to
-- one GeoNames city only when all but one are recorded as aliases (alias_of: the same place named
-- by two items, e.g. a town and its municipality). Rows returned fail the build.
select geonameid, count(distinct wikidata_qid) as items,
       string_agg(distinct wikidata_qid, ', ' order by wikidata_qid) as qids
from {{ ref('int_city_matches') }}
where wikidata_qid is not null and geonameid is not null and alias_of is null
group by geonameid
having count(distinct wikidata_qid) > 1
