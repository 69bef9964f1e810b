{{ roster_staging('networks', 'roster__covenant_of_mayors') }}
