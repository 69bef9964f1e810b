-- v_aj: the service value of city a in network j (its role weight), for resolved members.
-- One row per (city, network): a city listed by several sources keeps its strongest role.
select
    m.geonameid,
    m.network_id,
    max(coalesce(w.weight, 1.0)) as service_value,
    bool_or(m.relation = 'membership') as is_membership,
    bool_and(m.is_non_commercial_source) as non_commercial_only
from {{ ref('int_network_memberships') }} m
left join {{ ref('role_weights') }} w on w.role = m.role and w.relation = m.relation
where m.geonameid is not null
group by m.geonameid, m.network_id
