{{ roster_staging('gpm_declaration', 'signatories') }}
