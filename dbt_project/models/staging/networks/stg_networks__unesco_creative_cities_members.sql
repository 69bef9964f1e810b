{{ roster_staging('networks', 'roster__unesco_creative_cities') }}
