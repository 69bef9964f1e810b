-- One row per city and network: every source that lists the city in the network is folded into
-- one row (sources, earliest joined date). A member the crosswalk could not resolve stays as its
-- own city (dim_city.city_id '<entity_type>:<entity_key>') with a null geonameid.
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
    cast(arg_min(m.member_name, m.is_non_commercial_source) as varchar) as member_name,
    cast(max(coalesce(m.country_iso2, c.country_iso2)) as varchar) as country_iso2,
    cast(arg_min(m.role, m.is_non_commercial_source) as varchar) as role,
    cast(max(m.relation) as varchar) as relation,
    cast(min(m.joined_on) as date) as joined_on,
    cast(string_agg(distinct m.roster_source, ', ' order by m.roster_source) as varchar) as sources,
    cast(bool_and(m.is_non_commercial_source) as boolean) as non_commercial_only,
    cast(string_agg(distinct m.detail, '; ' order by m.detail) as varchar) as detail,
    cast(min(h.first_seen_at) as timestamp) as first_seen_at
from memberships m
left join {{ ref('dim_city') }} c on c.geonameid = m.geonameid
left join history h using (membership_id)
group by m.network_id, m.city_id
