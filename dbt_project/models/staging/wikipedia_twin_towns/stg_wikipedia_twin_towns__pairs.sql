-- Twin-town pairs from the English Wikipedia lists, one row per directed pair as listed: the live
-- pages when they have been landed, else the 2026-02 scrape. Each end gets the point the
-- scrape's geocoded file gives its (label, country): the most frequent if several (ties: lowest
-- latitude, then longitude), null where none.
with landed as (
    select * from {{ source('wikipedia_twin_towns', 'wikipedia_twin_towns__pairs') }}
),

chosen as (
    select case when count(*) filter (where snapshot = 'live_pages') > 0
                then 'live_pages' else 'pairs_2026_02' end as snapshot
    from landed
),

pairs as (
    select landed.*
    from landed
    join chosen using (snapshot)
),

geocoded_ends as (
    select city_label as label, city_country as country, city_latitude as latitude,
           city_longitude as longitude
    from landed
    where snapshot = 'geocoded_2026_02' and city_latitude is not null and city_longitude is not null
    union all
    select twin_label, twin_country, twin_latitude, twin_longitude
    from landed
    where snapshot = 'geocoded_2026_02' and twin_latitude is not null and twin_longitude is not null
),

points as (
    select label, country, latitude, longitude
    from (
        select label, country, latitude, longitude, count(*) as mentions
        from geocoded_ends
        group by label, country, latitude, longitude
    )
    qualify row_number() over (
        partition by label, country order by mentions desc, latitude, longitude) = 1
)

select
    p.snapshot,
    p.city_label,
    p.city_country,
    coalesce(p.city_latitude, c.latitude) as city_latitude,
    coalesce(p.city_longitude, c.longitude) as city_longitude,
    p.twin_label,
    p.twin_country,
    coalesce(p.twin_latitude, t.latitude) as twin_latitude,
    coalesce(p.twin_longitude, t.longitude) as twin_longitude,
    p.list_page,
    p.source_row,
    p._load_id as load_id
from pairs p
left join points c on c.label = p.city_label and c.country = p.city_country
left join points t on t.label = p.twin_label and t.country = p.twin_country
