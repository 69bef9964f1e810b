-- The network registry (seed) with what we hold of each network's membership:
--   roster_status 'held'       a complete roster (the network's own list) is landed;
--                 'live only'  one is declared but only downloadable live, not held offline;
--                 'compiled'   only a third party's compilation is held (ClimActor, Wikidata);
--                 'not held'   no roster: at most individual statements (members_stated).
-- member_count counts current members where a roster or compilation is held, and is null
-- otherwise (unknown is not 0); the network's own published headline figure stands beside it.
with declared as (
    select * from (values
        {%- for r in catalog_roster_networks() %}
        ('{{ r.network_id }}', '{{ r.source }}', '{{ r.kind }}', {{ r.live_only }}){{ "," if not loop.last }}
        {%- endfor %}
    ) as d(network_id, source, kind, live_only)
),

declared_by_network as (
    select
        network_id,
        string_agg(source, ', ' order by source) as roster_sources,
        bool_or(kind = 'complete') as complete_declared
    from declared
    group by network_id
),

rows_by_kind as (
    select
        network_id,
        count(*) filter (where roster_kind = 'complete') as complete_rows,
        count(*) filter (where roster_kind = 'compilation') as compilation_rows,
        max(as_of) filter (where roster_kind = 'complete') as complete_as_of,
        max(as_of) filter (where roster_kind = 'compilation') as compilation_as_of
    from {{ ref('int_network_memberships') }}
    group by network_id
),

members as (
    select
        network_id,
        count(*) filter (where is_current) as current_members,
        count(*) filter (where membership_status = 'former') as former_members,
        count(*) filter (where membership_status = 'unconfirmed') as unconfirmed_members,
        count(*) filter (where is_current and geonameid is not null) as current_resolved,
        count(distinct country_iso2) filter (where is_current) as current_countries,
        count(*) as listed
    from {{ ref('fct_network_membership') }}
    group by network_id
),

status as (
    select
        n.network_id,
        case
            when coalesce(k.complete_rows, 0) > 0 then 'held'
            when d.complete_declared then 'live only'
            when coalesce(k.compilation_rows, 0) > 0 then 'compiled'
            else 'not held'
        end as roster_status,
        case when coalesce(k.complete_rows, 0) > 0 then k.complete_as_of else k.compilation_as_of end as roster_as_of
    from {{ ref('networks') }} n
    left join declared_by_network d using (network_id)
    left join rows_by_kind k using (network_id)
)

select
    cast(n.network_id as varchar) as network_id,
    cast(n.network_name as varchar) as network_name,
    cast(n.founded_year as integer) as founded_year,
    cast(n.coordinating_city as varchar) as coordinating_city,
    cast(n.focus as varchar) as focus,
    cast(n.website as varchar) as website,
    cast(n.wikidata_qid as varchar) as wikidata_qid,
    cast(n.relation as varchar) as relation,
    cast(n.parent_network_id as varchar) as parent_network_id,
    cast(n.named_in_seed_articles as boolean) as named_in_seed_articles,
    cast(n.members_paired as boolean) as members_paired,
    cast(s.roster_status as varchar) as roster_status,
    cast(d.roster_sources is not null as boolean) as roster_held,
    cast(d.roster_sources as varchar) as roster_sources,
    cast(s.roster_as_of as date) as roster_as_of,
    cast(case when s.roster_status in ('held', 'compiled') then coalesce(m.current_members, 0) end as bigint)
        as member_count,
    cast(case when s.roster_status in ('held', 'compiled') then coalesce(m.current_resolved, 0) end as bigint)
        as member_count_resolved,
    cast(case when s.roster_status in ('held', 'compiled') then coalesce(m.current_countries, 0) end as bigint)
        as country_count,
    cast(coalesce(m.former_members, 0) as bigint) as former_member_count,
    cast(coalesce(m.unconfirmed_members, 0) as bigint) as unconfirmed_member_count,
    cast(case when s.roster_status not in ('held', 'compiled') then coalesce(m.listed, 0) end as bigint)
        as members_stated,
    cast(n.headline_member_count as bigint) as headline_member_count,
    cast(n.headline_country_count as integer) as headline_country_count,
    cast(n.headline_as_of as varchar) as headline_as_of,
    cast(n.headline_source_url as varchar) as headline_source_url,
    cast(n.headline_statement as varchar) as headline_statement
from {{ ref('networks') }} n
join status s using (network_id)
left join declared_by_network d using (network_id)
left join members m using (network_id)
