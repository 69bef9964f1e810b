-- The network registry (seed) with the sources the catalog declares for its roster and the size
-- of the roster held.
with roster_sources as (
    select network_id, string_agg(source, ', ' order by source) as roster_sources
    from (values
        {%- for r in catalog_roster_networks() %}
        ('{{ r.network_id }}', '{{ r.source }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as declared(network_id, source)
    group by network_id
),

members as (
    select network_id, count(*) as members, count(geonameid) as members_resolved,
           count(distinct country_iso2) as countries
    from {{ ref('fct_network_membership') }}
    group by network_id
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
    cast(r.roster_sources is not null as boolean) as roster_held,
    cast(r.roster_sources as varchar) as roster_sources,
    cast(n.named_in_seed_articles as boolean) as named_in_seed_articles,
    cast(coalesce(m.members, 0) as bigint) as member_count,
    cast(coalesce(m.members_resolved, 0) as bigint) as member_count_resolved,
    cast(coalesce(m.countries, 0) as bigint) as country_count
from {{ ref('networks') }} n
left join roster_sources r using (network_id)
left join members m using (network_id)
