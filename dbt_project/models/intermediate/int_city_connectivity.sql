-- GaWC interlocking connectivity (Taylor 2001) over city networks, computed through the identity
--   N_a = sum_j v_aj * (T_j - v_aj),  T_j = sum_a v_aj
-- which equals sum_{b != a} r_ab with r_ab = sum_j v_aj * v_bj, at a cost that grows with the
-- number of memberships, not with the number of city pairs. Beside it, the network reach the
-- index uses: R_a = sum_j w_j v_aj, each network weighted by its breadth and selectivity
-- (int_network_weights) instead of by its size.
with values_ as (
    select * from {{ ref('int_city_network_values') }}
),

network_totals as (
    select network_id, sum(service_value) as network_total
    from values_
    group by network_id
),

per_city as (
    select
        v.geonameid,
        count(*) filter (where v.is_membership) as membership_count,
        count(*) filter (where not v.is_membership) as declaration_count,
        sum(v.service_value) as weighted_membership,
        sum(v.service_value * (t.network_total - v.service_value)) as connectivity,
        -- in network order: a float sum in any other order differs in the last digits
        sum(v.service_value * w.weight order by v.network_id) as network_reach,
        bool_or(v.non_commercial_only) as uses_non_commercial_source
    from values_ v
    join network_totals t using (network_id)
    join {{ ref('int_network_weights') }} w using (network_id)
    group by v.geonameid
)

select
    *,
    connectivity / nullif(max(connectivity) over (), 0) as connectivity_proportional,
    network_reach / nullif(max(network_reach) over (), 0) as network_reach_proportional
from per_city
