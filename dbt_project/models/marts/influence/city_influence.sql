-- One row per city with at least one tie or a WUP/C40 figure: every component of the influence
-- index, the composite score and its ranks (docs/methodology.md gives formulas and weights).
{% set weights = {'connectivity': 0.35, 'sister_cities': 0.15, 'demographic': 0.25, 'economic': 0.25} %}
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
        coalesce(p.sister_city_degree, 0) as sister_city_degree,
        coalesce(p.eigenvector_centrality, 0) as eigenvector_centrality,
        coalesce(p.pagerank, 0) as pagerank,
        w.population,
        w.population_source,
        w.growth_2000_2020_pct,
        w.gdp_usd,
        w.gdp_year,
        w.gdp_is_estimated,
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
    -- demographic and economic weight on a log scale, min-max over the cities that have them
    select
        *,
        (ln(population) - min(ln(population)) over ())
            / nullif(max(ln(population)) over () - min(ln(population)) over (), 0) as demographic_score,
        (ln(gdp_usd) - min(ln(gdp_usd)) over ())
            / nullif(max(ln(gdp_usd)) over () - min(ln(gdp_usd)) over (), 0) as economic_score
    from components
),

scored as (
    select
        *,
        {{ weights['connectivity'] }} * connectivity_proportional
        + {{ weights['sister_cities'] }} * pagerank
        + {{ weights['demographic'] }} * coalesce(demographic_score, 0)
        + {{ weights['economic'] }} * coalesce(economic_score, 0) as influence_score
    from scaled
)

select
    cast(geonameid as bigint) as geonameid,
    cast(city_name as varchar) as city_name,
    cast(country_iso2 as varchar) as country_iso2,
    cast(country_iso3 as varchar) as country_iso3,
    cast(membership_count as integer) as membership_count,
    cast(declaration_count as integer) as declaration_count,
    cast(weighted_membership as double) as weighted_membership,
    cast(connectivity as double) as network_connectivity,
    cast(connectivity_proportional as double) as network_connectivity_proportional,
    cast(sister_city_degree as integer) as sister_city_degree,
    cast(eigenvector_centrality as double) as sister_city_eigenvector,
    cast(pagerank as double) as sister_city_pagerank,
    cast(population as bigint) as population,
    cast(population_source as varchar) as population_source,
    cast(growth_2000_2020_pct as double) as growth_2000_2020_pct,
    cast(gdp_usd as double) as gdp_usd,
    cast(gdp_year as integer) as gdp_year,
    cast(gdp_is_estimated as boolean) as gdp_is_estimated,
    cast(demographic_score as double) as demographic_score,
    cast(economic_score as double) as economic_score,
    cast(influence_score as double) as influence_score,
    cast(rank() over (order by influence_score desc) as integer) as global_rank,
    cast(rank() over (partition by country_iso2 order by influence_score desc) as integer) as country_rank,
    cast(has_networks as boolean) as has_networks,
    cast(has_sister_cities as boolean) as has_sister_cities,
    cast(has_population as boolean) as has_population,
    cast(has_gdp as boolean) as has_gdp,
    cast(uses_non_commercial_source as boolean) as uses_non_commercial_source
from scored
