{{ roster_staging('c40_cities', 'members') }}
