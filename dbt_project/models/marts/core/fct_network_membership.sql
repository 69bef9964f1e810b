-- One row per city and network: every source that lists the city in the network is folded into
-- one row (sources, earliest joined date), with its status: current if any source's row is
-- (int_network_memberships says which rows are), else former if a source says so or an earlier
-- list of the network had it, else unconfirmed. A member the crosswalk could not resolve stays as
-- its own city (dim_city.city_id) with a null geonameid.
with memberships as (
    select * from {{ ref('int_network_memberships') }}
),

history as (
    select membership_id, min(dbt_valid_from) as first_seen_at
    from {{ ref('membership_history') }}
    group by membership_id
)

select
    cast(m.network_id as varchar) as network_id,
    cast(m.city_id as varchar) as city_id,
    cast(max(m.geonameid) as bigint) as geonameid,
    cast(arg_min(m.member_name, (m.is_non_commercial_source, m.roster_source, m.member_key)) as varchar) as member_name,
    cast(max(coalesce(m.country_iso2, c.country_iso2)) as varchar) as country_iso2,
    cast(arg_min(m.role, (m.is_non_commercial_source, m.roster_source, m.member_key)) as varchar) as role,
    cast(max(m.relation) as varchar) as relation,
    cast(min(m.joined_on) as date) as joined_on,
    cast(case when bool_or(m.row_status = 'current') then 'current'
              when bool_or(m.row_status = 'former') then 'former'
              else 'unconfirmed' end as varchar) as membership_status,
    cast(bool_or(m.row_status = 'current') as boolean) as is_current,
    cast(coalesce(max(m.as_of) filter (where m.row_status = 'current'), max(m.as_of)) as date) as as_of,
    cast(case when not bool_or(m.row_status = 'current') then max(m.left_on) end as date) as valid_to,
    cast(case when not bool_or(m.row_status = 'current')
              then string_agg(distinct m.status_note, '; ' order by m.status_note) end as varchar) as status_note,
    cast(string_agg(distinct m.evidence_url, ' ' order by m.evidence_url) as varchar) as evidence_urls,
    cast(string_agg(distinct m.roster_source, ', ' order by m.roster_source) as varchar) as sources,
    cast(bool_and(m.is_non_commercial_source) as boolean) as non_commercial_only,
    cast(string_agg(distinct m.detail, '; ' order by m.detail) as varchar) as detail,
    cast(min(h.first_seen_at) as timestamp) as first_seen_at
from memberships m
left join {{ ref('dim_city') }} c on c.geonameid = m.geonameid
left join history h using (membership_id)
group by m.network_id, m.city_id
