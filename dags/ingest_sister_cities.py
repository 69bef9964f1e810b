"""Airflow DAG ingest_sister_cities: Wikidata P190 twinning pairs (extracts and live query), weekly."""

from ingest.orchestration import source_ingest_dag

dag = source_ingest_dag(
    "sister_cities",
    {"sister_cities": "wikidata__twinnings", "wikidata_labels": "wikidata__labels"},
    schedule="@weekly",  # Wikidata changes continuously; weekly is enough for twinning ties
    doc_md="""
### ingest_sister_cities
Lands the Wikidata P190 extracts (2016 global crawl with its labels, 2017 EU export, query-UI JSON)
and, with CITYWH_FETCH=live, the live WDQS query (labels, countries, coordinates, GeoNames ids).
The build symmetrises and deduplicates pairs after resolving both ends to GeoNames
(`fct_city_partnership`). Wikidata is CC0.
""",
)
