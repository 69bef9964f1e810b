{{ roster_staging('membership_statements', 'members') }}
