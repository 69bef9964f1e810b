{{ roster_staging('wikidata_p463', 'members') }}
