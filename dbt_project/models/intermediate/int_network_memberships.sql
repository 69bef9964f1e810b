-- Every roster row of every roster source of the catalog (ingest/catalog.py), with the city the
-- crosswalk resolved it to, and what the row says about the membership today (row_status):
--   a network's latest complete roster (its own list, e.g. c40.org) decides who is a current
--   member: a row on it is 'current'; a row on an earlier complete list is 'former'; a row of a
--   compilation or a statement older than the latest complete roster, and not on it, is
--   'unconfirmed' (ClimActor's namesakes, cities it listed that the network does not);
--   without a complete roster, a compilation's row or a statement is current as of its date
--   (as_of): a compilation's older listing is no evidence of leaving (ClimActor dates a code by
--   the year it collected it);
--   a source that says the member left ('former', left_on) always wins.
-- A source the catalog flags non-commercial is flagged here.
with declared as (
    -- what each roster is for each network (ingest/catalog.py): complete, compilation or evidence
    select * from (values
        {%- for r in catalog_roster_networks() %}
        ('{{ r.network_id }}', '{{ r.source }}', '{{ r.kind }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as d(network_id, roster_source, roster_kind)
),

rosters as (
    select r.*, coalesce(d.roster_kind, 'compilation') as roster_kind
    from (
        {% for roster in catalog_rosters() %}
        select * from {{ ref(roster.model) }}
        {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) r
    left join declared d using (network_id, roster_source)
),

undated as (
    select date '1900-01-01' as day
),

latest_complete as (
    select
        network_id,
        max(coalesce(as_of, u.day)) as latest_as_of,
        arg_max(roster_source, (coalesce(as_of, u.day), roster_source)) as latest_source
    from rosters, undated u
    where roster_kind = 'complete'
    group by network_id
),

matches as (
    select * from {{ ref('int_city_matches') }} where entity_type = 'network_member'
)

select
    r.*,
    case
        when r.status = 'former' or r.left_on is not null then 'former'
        when c.network_id is not null then
            case
                when r.roster_kind = 'complete' and coalesce(r.as_of, u.day) = c.latest_as_of then 'current'
                when r.roster_kind = 'complete' then 'former'
                when r.as_of > c.latest_as_of then 'current'
                else 'unconfirmed'
            end
        else 'current'
    end as row_status,
    case
        when r.status = 'former' or r.left_on is not null then r.roster_source || ' says the member left'
        when c.network_id is not null and not (r.roster_kind = 'complete' and coalesce(r.as_of, u.day) = c.latest_as_of)
             and not coalesce(r.as_of > c.latest_as_of, false)
            then 'not on ' || c.latest_source || '''s list of ' || coalesce(cast(c.latest_as_of as varchar), 'undated')
    end as status_note,
    r.roster_source in ({{ "'" ~ non_commercial_sources() | join("', '") ~ "'" }}) as is_non_commercial_source,
    m.city_id,
    m.geonameid,
    m.method as match_method,
    m.confidence as match_confidence,
    m.reason as match_note
from rosters r
cross join undated u
left join latest_complete c on c.network_id = r.network_id
left join matches m on m.entity_key = r.roster_source || ':' || r.member_key
