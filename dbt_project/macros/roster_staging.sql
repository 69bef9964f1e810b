{#- Every roster raw table has ingest.sources.rosters.ROSTER_SCHEMA: one staging shape for all. -#}
{% macro roster_staging(source_name, table_name) %}
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
    detail,
    _load_id as load_id,
    _snapshot_sha256 as snapshot_sha256
from {{ source(source_name, table_name) }}
{% endmacro %}
