{{ roster_staging('networks', 'roster__c40') }}
