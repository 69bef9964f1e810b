-- No city's GDP above its country's: neither the index's GDP (int_city_weights, compared with the
-- national GDP of its year) nor a reported figure marked verified (int_c40_gdp__checked).
select w.geonameid, w.gdp_usd, n.gdp_usd as national_gdp_usd, 'index' as which
from {{ ref('int_city_weights') }} w
join {{ ref('int_worldbank__country_years') }} n on n.country_code = w.country_iso3 and n.year = w.gdp_year
where w.gdp_usd > n.gdp_usd
union all
select k.geonameid, k.gdp_usd, n.gdp_usd, 'reported, verified'
from {{ ref('int_c40_gdp__checked') }} k
join {{ ref('dim_city') }} c using (geonameid)
join {{ ref('dim_country') }} d using (country_iso2)
join {{ ref('int_worldbank__country_years') }} n on n.country_code = d.country_iso3 and n.year = k.year
where k.gdp_check = 'verified' and k.gdp_usd > n.gdp_usd
