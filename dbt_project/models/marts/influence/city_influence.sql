-- One row per city with at least one tie or a WUP/C40 figure: every component of the influence
-- index, the composite score and its ranks (docs/methodology.md gives formulas and weights).
-- weights: (network reach, sister-city PageRank, demographic, economic); 'chosen' is the index,
-- the others bound its rank (rank_best, rank_worst: the sensitivity band of docs/methodology.md)
{% set weight_sets = {
    'chosen': (0.35, 0.15, 0.25, 0.25),
    'equal': (0.25, 0.25, 0.25, 0.25),
    'more_networks': (0.45, 0.15, 0.20, 0.20),
    'more_twinning': (0.30, 0.30, 0.20, 0.20),
    'more_size': (0.25, 0.10, 0.325, 0.325),
} %}
{% set anchors = {'population': (100000, 40000000), 'gdp_usd': (1000000000, 3000000000000)} %}
with candidates as (
    select geonameid from {{ ref('int_city_connectivity') }}
    union
    select geonameid from {{ ref('int_partnership_centrality') }}
    union
    select geonameid from {{ ref('fct_city_population') }} where geonameid is not null
    union
    select geonameid from {{ ref('fct_city_gdp') }} where geonameid is not null
),

components as (
    select
        c.geonameid,
        d.city_name,
        d.country_iso2,
        d.country_iso3,
        coalesce(n.membership_count, 0) as membership_count,
        coalesce(n.declaration_count, 0) as declaration_count,
        coalesce(n.weighted_membership, 0) as weighted_membership,
        coalesce(n.connectivity, 0) as connectivity,
        coalesce(n.connectivity_proportional, 0) as connectivity_proportional,
        coalesce(n.network_reach, 0) as network_reach,
        coalesce(n.network_reach_proportional, 0) as network_reach_proportional,
        coalesce(p.sister_city_degree, 0) as sister_city_degree,
        coalesce(p.eigenvector_centrality, 0) as eigenvector_centrality,
        coalesce(p.pagerank, 0) as pagerank,
        w.population,
        w.population_basis,
        w.population_agglomeration,
        w.population_city_proper,
        w.growth_2000_2020_pct,
        w.gdp_usd,
        w.gdp_year,
        w.gdp_method,
        w.gdp_is_estimated,
        w.reported_gdp_usd,
        w.gdp_check,
        coalesce(n.uses_non_commercial_source, false) as uses_non_commercial_source,
        n.geonameid is not null as has_networks,
        p.geonameid is not null as has_sister_cities,
        w.population is not null as has_population,
        w.gdp_usd is not null as has_gdp
    from candidates c
    join {{ ref('dim_city') }} d using (geonameid)
    left join {{ ref('int_city_connectivity') }} n using (geonameid)
    left join {{ ref('int_partnership_centrality') }} p using (geonameid)
    left join {{ ref('int_city_weights') }} w using (geonameid)
),

scaled as (
    -- size on a log scale between fixed anchors, so that a score means the same in every build:
    -- population 100,000 -> 0 and 40 million (above the largest agglomeration) -> 1; GDP US$1 bn
    -- -> 0 and US$3 tn -> 1; below the lower anchor 0
    select
        *,
        case when population > 0 then greatest(0, least(1,
            (ln(population) - ln({{ anchors['population'][0] }}))
            / (ln({{ anchors['population'][1] }}) - ln({{ anchors['population'][0] }})))) end as demographic_score,
        case when gdp_usd > 0 then greatest(0, least(1,
            (ln(gdp_usd) - ln({{ anchors['gdp_usd'][0] }}))
            / (ln({{ anchors['gdp_usd'][1] }}) - ln({{ anchors['gdp_usd'][0] }})))) end as economic_score
    from components
),

scored as (
    select
        *,
        {% for name, w in weight_sets.items() %}
        {{ w[0] }} * network_reach_proportional + {{ w[1] }} * pagerank
        + {{ w[2] }} * coalesce(demographic_score, 0) + {{ w[3] }} * coalesce(economic_score, 0) as score_{{ name }},
        {% endfor %}
        (has_networks::int + has_sister_cities::int + has_population::int + has_gdp::int) / 4.0 as completeness
    from scaled
),

ranked as (
    select
        *,
        score_chosen as influence_score,
        {% for name in weight_sets %}
        rank() over (order by score_{{ name }} desc) as rank_{{ name }}{{ ',' if not loop.last }}
        {% endfor %}
    from scored
)

select
    cast(geonameid as bigint) as geonameid,
    cast(city_name as varchar) as city_name,
    cast(country_iso2 as varchar) as country_iso2,
    cast(country_iso3 as varchar) as country_iso3,
    cast(membership_count as integer) as membership_count,
    cast(declaration_count as integer) as declaration_count,
    cast(weighted_membership as double) as weighted_membership,
    cast(network_reach as double) as network_reach,
    cast(network_reach_proportional as double) as network_reach_proportional,
    cast(connectivity as double) as network_connectivity,
    cast(connectivity_proportional as double) as network_connectivity_proportional,
    cast(sister_city_degree as integer) as sister_city_degree,
    cast(eigenvector_centrality as double) as sister_city_eigenvector,
    cast(pagerank as double) as sister_city_pagerank,
    cast(population as bigint) as population,
    cast(population_basis as varchar) as population_basis,
    cast(population_agglomeration as bigint) as population_agglomeration,
    cast(population_city_proper as bigint) as population_city_proper,
    cast(growth_2000_2020_pct as double) as growth_2000_2020_pct,
    cast(gdp_usd as double) as gdp_usd,
    cast(gdp_year as integer) as gdp_year,
    cast(gdp_method as varchar) as gdp_method,
    cast(gdp_is_estimated as boolean) as gdp_is_estimated,
    cast(reported_gdp_usd as double) as reported_gdp_usd,
    cast(gdp_check as varchar) as gdp_check,
    cast(demographic_score as double) as demographic_score,
    cast(economic_score as double) as economic_score,
    cast(influence_score as double) as influence_score,
    cast(rank() over (order by influence_score desc) as integer) as global_rank,
    cast(rank() over (partition by country_iso2 order by influence_score desc) as integer) as country_rank,
    cast(least({% for name in weight_sets %}rank_{{ name }}{{ ', ' if not loop.last }}{% endfor %}) as integer) as rank_best,
    cast(greatest({% for name in weight_sets %}rank_{{ name }}{{ ', ' if not loop.last }}{% endfor %}) as integer) as rank_worst,
    cast(completeness as double) as completeness,
    cast(has_networks as boolean) as has_networks,
    cast(has_sister_cities as boolean) as has_sister_cities,
    cast(has_population as boolean) as has_population,
    cast(has_gdp as boolean) as has_gdp,
    cast(uses_non_commercial_source as boolean) as uses_non_commercial_source
from ranked
