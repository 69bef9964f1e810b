{#- Every roster raw table has the catalog's ROSTER_COLUMNS: one staging shape for all.
    roster_staging('c40_roster', 'members') stages raw.c40_roster__members. -#}
{% macro roster_staging(source_name, entity) %}
select
    _source as roster_source,
    network_id,
    member_key,
    _source || ':' || network_id || ':' || member_key as membership_id,
    member_name,
    country_code as country_iso2,
    country_name,
    latitude,
    longitude,
    wikidata_qid,
    population,
    role,
    relation,
    joined_on,
    status,
    as_of,
    left_on,
    evidence_url,
    detail,
    _load_id as load_id,
    _snapshot_sha256 as snapshot_sha256
from {{ source(source_name, source_name ~ '__' ~ entity) }}
{% endmacro %}
