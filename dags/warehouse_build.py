"""Airflow DAG warehouse_build: dbt build and publish, whenever a source lands new raw data."""

from ingest.orchestration import warehouse_build_dag

dag = warehouse_build_dag(
    ["worldbank__indicator_values"],
    doc_md="""
### warehouse_build
Runs on any raw Asset: `dbt build` (models, data tests, unit tests) against the writer warehouse,
then copies it to the read-only serving file by atomic swap and emits `citywh_serving`.
Both tasks hold the one-slot `duckdb_writer` pool.
""",
)
