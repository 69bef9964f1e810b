-- The network registry (seed) with the size of each roster we hold.
with members as (
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
    cast(n.roster_held as boolean) as roster_held,
    cast(n.roster_source as varchar) as roster_source,
    cast(n.named_in_seed_articles as boolean) as named_in_seed_articles,
    cast(coalesce(m.members, 0) as bigint) as member_count,
    cast(coalesce(m.members_resolved, 0) as bigint) as member_count_resolved,
    cast(coalesce(m.countries, 0) as bigint) as country_count
from {{ ref('networks') }} n
left join members m using (network_id)
