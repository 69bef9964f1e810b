"""Airflow DAG ingest_sister_cities: Wikidata P190 twinning pairs (extracts and live query) and the
Wikipedia twin-town lists (2026-02 scrape and live pages), weekly."""

from ingest.orchestration import source_ingest_dag

dag = source_ingest_dag(
    "sister_cities",
    {"sister_cities": "wikidata__twinnings", "wikidata_labels": "wikidata__labels",
     "wikidata_items": "wikidata__items", "wikipedia_twin_towns": "wikipedia__twin_towns"},
    schedule="@weekly",  # Wikidata changes continuously; weekly is enough for twinning ties
    doc_md="""
### ingest_sister_cities
Lands the Wikidata P190 extracts (2016 global crawl with its labels, 2017 EU export, query-UI JSON)
and, with CITYWH_FETCH=live, the live WDQS query (labels, countries, coordinates, GeoNames ids),
plus one batched WDQS query for what Wikidata states of every twinned item: its GeoNames id (P1566),
point (P625) and ISO2 country (P17/P297), one row per QID (`raw.wikidata__items`, live only).
The build symmetrises and deduplicates pairs after resolving both ends to GeoNames
(`fct_city_partnership`). Wikidata is CC0.

Also lands the English Wikipedia "List of twin towns and sister cities in …" pairs: the 2026-02
scrape (Hekman/twincities: pairs, and the same pairs geocoded) and, with CITYWH_FETCH=live, the
pages themselves through the MediaWiki parse API (`raw.wikipedia__twin_towns`). Wikipedia text is
CC BY-SA 4.0: attribution and share-alike required.
""",
)
