"""citywh ingestion: fetch -> snapshot -> parse -> validate -> land, then dbt build and publish."""
