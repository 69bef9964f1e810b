-- Every roster row of every source, with the GeoNames city the crosswalk resolved it to.
with rosters as (
    {% for name in ['c40', 'covenant_of_mayors', 'eurocities', 'unesco_creative_cities',
                    'gpm_declaration', 'climactor', 'wikidata_members'] %}
    select * from {{ ref('stg_networks__' ~ name ~ '_members') }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

matches as (
    select * from {{ ref('int_city_matches') }} where entity_type = 'network_member'
)

select
    r.*,
    r.roster_source = 'climactor' as is_non_commercial_source,
    m.city_id,
    m.geonameid,
    m.method as match_method,
    m.confidence as match_confidence,
    m.reason as match_note
from rosters r
left join matches m on m.entity_key = r.roster_source || ':' || r.member_key
