{{ roster_staging('eurocities', 'members') }}
