-- Every twinning tie seen from each of its two cities (fct_city_partnership, both directions):
-- "Yokohama's partners" is one filter on city_name. The type is the one the city's own list
-- gives the tie, else the one the typing sources agree on, else 'unspecified'.
with pairs as (
    select * from {{ ref('fct_city_partnership') }}
),

ends as (
    select city_id_a as city_id, city_id_b as partner_city_id,
           coalesce(relation_type_by_a, relation_type) as relation_type, relation_type_by_a as typed_by_city,
           * exclude (city_id_a, city_id_b, relation_type)
    from pairs
    union all
    select city_id_b, city_id_a,
           coalesce(relation_type_by_b, relation_type), relation_type_by_b,
           * exclude (city_id_a, city_id_b, relation_type)
    from pairs
)

select
    cast(e.city_id as varchar) as city_id,
    cast(c.city_name as varchar) as city_name,
    cast(c.country_iso2 as varchar) as country_iso2,
    cast(e.partner_city_id as varchar) as partner_city_id,
    cast(p.city_name as varchar) as partner_name,
    cast(p.country_iso2 as varchar) as partner_country_iso2,
    cast(e.relation_type as varchar) as relation_type,
    cast(e.typed_by_city is not null as boolean) as typed_by_city,
    cast(e.since_year as integer) as since_year,
    cast(e.is_current as boolean) as is_current,
    cast(e.stated_by_official_page as boolean) as stated_by_official_page,
    cast(e.sources as varchar) as sources,
    cast(e.asserted_by_both as boolean) as asserted_by_both
from ends e
join {{ ref('dim_city') }} c on c.city_id = e.city_id
join {{ ref('dim_city') }} p on p.city_id = e.partner_city_id
