-- The type-2 history of roster rows: when each membership was first seen, and when it changed
-- or ended (valid_to; null while current).
select
    cast(h.membership_id as varchar) as membership_id,
    cast(h.network_id as varchar) as network_id,
    cast(h.roster_source as varchar) as roster_source,
    cast(h.member_key as varchar) as member_key,
    cast(h.member_name as varchar) as member_name,
    cast(h.geonameid as bigint) as geonameid,
    cast(h.role as varchar) as role,
    cast(h.joined_on as date) as joined_on,
    cast(h.dbt_valid_from as timestamp) as valid_from,
    cast(h.dbt_valid_to as timestamp) as valid_to,
    cast(h.dbt_valid_to is null as boolean) as is_current
from {{ ref('membership_history') }} h
