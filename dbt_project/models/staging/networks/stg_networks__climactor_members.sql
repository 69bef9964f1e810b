{{ roster_staging('networks', 'roster__climactor') }}
