{{ roster_staging('networks', 'roster__wikidata_members') }}
