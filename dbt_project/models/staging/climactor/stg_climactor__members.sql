{{ roster_staging('climactor', 'members') }}
