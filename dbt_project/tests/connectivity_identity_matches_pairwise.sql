-- GaWC connectivity two ways on the real data: the membership identity used by the mart,
-- N_a = sum_j v_aj (T_j - v_aj), and the pairwise definition, N_a = sum_{b != a} sum_j v_aj v_bj.
-- Any city where they differ fails the test. The pairwise side is quadratic in network size, so
-- every build checks a fixed sample of cities (one in `connectivity_check_every`, by geonameid
-- hash, against all their co-members); `--vars '{connectivity_check_every: 1}'` checks them all.
{% set every = var('connectivity_check_every', 25) %}
with v as (select * from {{ ref('int_city_network_values') }}),
checked as (select * from v where hash(geonameid) % {{ every }} = 0),
pairwise as (
    select a.geonameid, sum(a.service_value * b.service_value) as connectivity
    from checked a
    join v b on b.network_id = a.network_id and b.geonameid <> a.geonameid
    group by a.geonameid
)
select c.geonameid, c.connectivity as by_identity, coalesce(p.connectivity, 0) as pairwise
from {{ ref('int_city_connectivity') }} c
left join pairwise p using (geonameid)
where hash(c.geonameid) % {{ every }} = 0
  and abs(c.connectivity - coalesce(p.connectivity, 0)) > 1e-6
