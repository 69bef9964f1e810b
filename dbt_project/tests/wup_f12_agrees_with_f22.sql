-- The five-yearly file (F12) and the annual file (F22) must give the same population for the
-- same agglomeration and year: a disagreement means one of the two files was misread.
select f12.wup_city_code, f12.year, f12.population as f12_population, f22.population as f22_population
from {{ ref('stg_un_wup__city_populations') }} f12
join {{ ref('stg_un_wup__city_populations') }} f22
    on f22.wup_city_code = f12.wup_city_code and f22.year = f12.year and f22.source_file = 'F22'
where f12.source_file = 'F12' and abs(f12.population - f22.population) > 1
