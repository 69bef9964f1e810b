-- One row per pair of cities with at least one tie: twinned, or co-members of a network whose
-- members the registry declares paired (networks.members_paired: C40, Eurocities, UNESCO, ...,
-- whatever their size). Pairs are built from memberships and twinnings, never from a cross join of
-- cities; mass networks (Covenant of Mayors, GCoM) add to a qualifying pair's shared networks and
-- Jaccard overlap but do not create pairs on their own (they would add ~13 million pairs of
-- strangers).
with memberships as (
    select * from {{ ref('int_city_network_values') }}
),

network_sizes as (
    select network_id, count(*) as members from memberships group by network_id
),

network_pairs as (
    select a.geonameid as geonameid_a, b.geonameid as geonameid_b
    from memberships a
    join memberships b on b.network_id = a.network_id and b.geonameid > a.geonameid
    join {{ ref('networks') }} n on n.network_id = a.network_id
    where n.members_paired
),

twin_pairs as (
    -- ties between GeoNames cities (this mart describes resolved cities)
    select least(geonameid_a, geonameid_b) as geonameid_a, greatest(geonameid_a, geonameid_b) as geonameid_b,
           relation_type
    from {{ ref('int_city_partnerships') }}
    where geonameid_a is not null and geonameid_b is not null
),

pairs as (
    select geonameid_a, geonameid_b from network_pairs
    union
    select geonameid_a, geonameid_b from twin_pairs
),

pair_networks_a as materialized (
    -- the networks of each pair's first city, first: left to itself the optimizer joins the two
    -- cities' memberships on the network before the pair, which for the Global Covenant alone is
    -- 11,000 x 11,000 rows (5 GB) to keep 175,000
    select p.geonameid_a, p.geonameid_b, a.network_id
    from pairs p
    join memberships a on a.geonameid = p.geonameid_a
),

shared as (
    -- every network both cities belong to, small or large, for the qualifying pairs only
    select
        x.geonameid_a,
        x.geonameid_b,
        count(*) as shared_network_count,
        string_agg(x.network_id, ', ' order by x.network_id) as shared_networks,
        -- summed in network order: a float sum in any other order differs in the last digits
        sum(1.0 / ln(1 + s.members) order by x.network_id) as shared_network_strength
    from pair_networks_a x
    join memberships b on b.geonameid = x.geonameid_b and b.network_id = x.network_id
    join network_sizes s on s.network_id = x.network_id
    group by x.geonameid_a, x.geonameid_b
),

degrees as (
    select geonameid, count(*) as networks from memberships group by geonameid
)

select
    cast(p.geonameid_a as bigint) as geonameid_a,
    cast(p.geonameid_b as bigint) as geonameid_b,
    cast(ca.city_name as varchar) as city_a,
    cast(cb.city_name as varchar) as city_b,
    cast(coalesce(s.shared_network_count, 0) as integer) as shared_network_count,
    cast(s.shared_networks as varchar) as shared_networks,
    cast(coalesce(s.shared_network_count, 0)
         / nullif(coalesce(da.networks, 0) + coalesce(db.networks, 0) - coalesce(s.shared_network_count, 0), 0)
         as double) as network_jaccard,
    cast(t.geonameid_a is not null as boolean) as is_twinned,
    cast(t.relation_type as varchar) as twin_relation_type,
    cast(2 * 6371.0088 * asin(sqrt(
        pow(sin(radians(cb.latitude - ca.latitude) / 2), 2)
        + cos(radians(ca.latitude)) * cos(radians(cb.latitude))
          * pow(sin(radians(cb.longitude - ca.longitude) / 2), 2))) as double) as distance_km,
    cast((case when t.geonameid_a is not null then 1.0 else 0.0 end)
         + coalesce(s.shared_network_strength, 0) as double) as cooperation_strength
from pairs p
join {{ ref('dim_city') }} ca on ca.geonameid = p.geonameid_a
join {{ ref('dim_city') }} cb on cb.geonameid = p.geonameid_b
left join shared s on s.geonameid_a = p.geonameid_a and s.geonameid_b = p.geonameid_b
left join twin_pairs t on t.geonameid_a = p.geonameid_a and t.geonameid_b = p.geonameid_b
left join degrees da on da.geonameid = p.geonameid_a
left join degrees db on db.geonameid = p.geonameid_b
