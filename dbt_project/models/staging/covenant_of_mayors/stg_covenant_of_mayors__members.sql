{{ roster_staging('covenant_of_mayors', 'members') }}
