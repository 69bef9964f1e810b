-- Every roster row of every roster source of the catalog (ingest/catalog.py), with the city the
-- crosswalk resolved it to; a source the catalog flags non-commercial is flagged here.
with rosters as (
    {% for roster in catalog_rosters() %}
    select * from {{ ref(roster.model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

matches as (
    select * from {{ ref('int_city_matches') }} where entity_type = 'network_member'
)

select
    r.*,
    r.roster_source in ({{ "'" ~ non_commercial_sources() | join("', '") ~ "'" }}) as is_non_commercial_source,
    m.city_id,
    m.geonameid,
    m.method as match_method,
    m.confidence as match_confidence,
    m.reason as match_note
from rosters r
left join matches m on m.entity_key = r.roster_source || ':' || r.member_key
