{{ roster_staging('networks', 'roster__gpm_declaration') }}
