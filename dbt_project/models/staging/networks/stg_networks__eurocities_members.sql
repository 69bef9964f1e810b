{{ roster_staging('networks', 'roster__eurocities') }}
