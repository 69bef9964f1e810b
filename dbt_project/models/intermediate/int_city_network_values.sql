-- v_aj: the service value of city a in network j (its role weight), for resolved current members
-- of the networks whose roster (or a compilation) is held.
-- One row per (city, network): a city listed by several sources keeps its strongest role; a
-- network that is part of another (covenant_of_mayors in gcom) counts as its parent, so that a
-- Covenant signature and a Global Covenant listing are one membership, not two.
select
    m.geonameid,
    coalesce(n.parent_network_id, m.network_id) as network_id,
    max(coalesce(w.weight, 1.0)) as service_value,
    bool_or(m.relation = 'membership') as is_membership,
    bool_and(m.is_non_commercial_source) as non_commercial_only
from {{ ref('int_network_memberships') }} m
join {{ ref('networks') }} n on n.network_id = m.network_id
left join {{ ref('role_weights') }} w on w.role = m.role and w.relation = m.relation
where m.geonameid is not null and m.row_status = 'current'
  -- a network is measured on its roster or a compilation; a few stated members are not a roster
  and m.roster_kind <> 'evidence'
group by all
