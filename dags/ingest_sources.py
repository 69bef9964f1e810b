"""Airflow DAGs ingest_<name>: one per DAG the catalog declares (ingest/catalog.py DAGS: worldbank,
geonames, un_wup, c40_gdp, networks, sister_cities), each landing the raw tables of its sources.
A source added to the catalog joins its DAG, its Assets and the build's schedule with no edit here."""

from ingest.catalog import DAGS
from ingest.orchestration import source_ingest_dag

for _declared in DAGS:
    globals()[f"ingest_{_declared.name}"] = source_ingest_dag(_declared.name)
