-- One row per unordered pair of twinned cities, every twinning source folded into it
-- (int_city_partnerships): the analysts' table, with its contract.
select
    cast(city_id_a as varchar) as city_id_a,
    cast(city_id_b as varchar) as city_id_b,
    cast(geonameid_a as bigint) as geonameid_a,
    cast(geonameid_b as bigint) as geonameid_b,
    cast(relation_type as varchar) as relation_type,
    cast(relation_type_by_a as varchar) as relation_type_by_a,
    cast(relation_type_by_b as varchar) as relation_type_by_b,
    cast(relation_types_stated as varchar) as relation_types_stated,
    cast(types_agree as boolean) as types_agree,
    cast(since_year as integer) as since_year,
    cast(until_year as integer) as until_year,
    cast(until_year is null as boolean) as is_current,
    cast(stated_by_official_page as boolean) as stated_by_official_page,
    cast(sources as varchar) as sources,
    cast(source_count as integer) as source_count,
    cast(edges as integer) as edges,
    cast(asserted_by_both as boolean) as asserted_by_both
from {{ ref('int_city_partnerships') }}
