-- One row per network and ordered pair of its current resolved members, for the networks whose
-- members the registry declares paired (dim_network.members_paired): both (a, b) and (b, a), so
-- that `where city = 'Yokohama'` finds all of a city's co-members and DuckDB filters before it
-- joins. A view: every pair of a network's members grows with members squared, so the pairs are
-- computed for the cities a query asks about, never stored (city_cooperation stores the twinned).
with memberships as (
    select v.geonameid, v.network_id
    from {{ ref('int_city_network_values') }} v
    join {{ ref('networks') }} n on n.network_id = v.network_id
    where n.members_paired
)

select
    cast(a.network_id as varchar) as network_id,
    cast(a.geonameid as bigint) as geonameid,
    cast(ca.city_name as varchar) as city,
    cast(b.geonameid as bigint) as partner_geonameid,
    cast(cb.city_name as varchar) as partner,
    cast(t.geonameid_a is not null as boolean) as is_twinned
from memberships a
join memberships b on b.network_id = a.network_id and b.geonameid <> a.geonameid
join {{ ref('dim_city') }} ca on ca.geonameid = a.geonameid
join {{ ref('dim_city') }} cb on cb.geonameid = b.geonameid
left join {{ ref('city_cooperation') }} t
    on t.geonameid_a = least(a.geonameid, b.geonameid) and t.geonameid_b = greatest(a.geonameid, b.geonameid)
