{{ roster_staging('c40_roster', 'members') }}
