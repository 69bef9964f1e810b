{{ roster_staging('unesco_creative_cities', 'members') }}
