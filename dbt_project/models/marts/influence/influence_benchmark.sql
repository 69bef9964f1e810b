-- The influence index beside published global-city rankings (seed published_city_rankings: GaWC's
-- classes, Kearney's and Mori's top ranks, each with the page it was read from): for every city a
-- ranking lists, our global rank and sensitivity band, and per ranking edition Spearman's rank
-- correlation over the cities both hold (ties - a GaWC class, our equal scores - get their mean rank).
with published as (
    select * from {{ ref('published_city_rankings') }}
),

paired as (
    select p.*, i.global_rank, i.rank_best, i.rank_worst, i.influence_score
    from published p
    left join {{ ref('city_influence') }} i using (geonameid)
),

mean_ranks as (
    -- ranks within the cities both hold, ties sharing their mean rank
    select
        *,
        rank() over (partition by ranking, edition order by position)
            + (count(*) over (partition by ranking, edition, position) - 1) / 2.0 as published_mean_rank,
        rank() over (partition by ranking, edition order by global_rank)
            + (count(*) over (partition by ranking, edition, global_rank) - 1) / 2.0 as our_mean_rank
    from paired
    where global_rank is not null
)

select
    cast(p.ranking as varchar) as ranking,
    cast(p.edition as integer) as edition,
    cast(p.position as integer) as published_position,
    cast(p.class as varchar) as published_class,
    cast(p.city_name as varchar) as published_city_name,
    cast(p.country_iso2 as varchar) as country_iso2,
    cast(p.geonameid as bigint) as geonameid,
    cast(p.global_rank as integer) as global_rank,
    cast(p.rank_best as integer) as rank_best,
    cast(p.rank_worst as integer) as rank_worst,
    cast(m.published_mean_rank as double) as published_rank_among_held,
    cast(m.our_mean_rank as double) as our_rank_among_held,
    -- rounded: a windowed float sum comes out in any order, its last digits with it
    cast(round(corr(m.published_mean_rank, m.our_mean_rank) over (partition by p.ranking, p.edition), 9)
         as double) as spearman_rank_correlation,
    cast(p.source_url as varchar) as source_url
from paired p
left join mean_ranks m using (ranking, edition, geonameid)
