-- How many sister, partner or friendship cities a city says it has (its own page, with the date),
-- beside how many ties of that type the warehouse holds for it: where they differ, the held list
-- is incomplete (or the statement is older than the ties held).
with stated as (
    select * from {{ ref('stg_city_partner_lists__stated_counts') }}
),

cities as (
    select entity_key, city_id from {{ ref('int_city_matches') }} where entity_type = 'twinning_name'
),

ties as (
    select city_id, relation_type, stated_by_official_page from {{ ref('fct_city_tie') }}
)

select
    cast(c.city_id as varchar) as city_id,
    cast(s.city as varchar) as city_name,
    cast(s.relation_type as varchar) as relation_type,
    cast(s.stated_count as integer) as stated_count,
    cast(s.as_of as date) as stated_as_of,
    cast(s.evidence_url as varchar) as evidence_url,
    cast(s.evidence as varchar) as evidence,
    cast(count(t.relation_type) as integer) as held_count,
    cast(count(t.relation_type) filter (where t.stated_by_official_page) as integer) as held_from_official_page
from stated s
left join cities c on c.entity_key = s.city || '|' || s.city_country_iso2
left join ties t
    on t.city_id = c.city_id
   and (t.relation_type = s.relation_type
        or (s.relation_type = 'sister or friendship' and t.relation_type in ('sister', 'friendship')))
group by all
