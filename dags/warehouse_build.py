"""Airflow DAG warehouse_build: dbt build and publish, whenever a source lands new raw data."""

from ingest.orchestration import warehouse_build_dag

dag = warehouse_build_dag(doc_md="""
### warehouse_build
Runs on any raw Asset (every raw table of ingest/catalog.py): creates the raw tables no source has
landed yet, then group `dbt` (rendered by astronomer-cosmos from the pre-built
`dbt_project/target/manifest.json`): `dbt.dbt_producer_watcher` runs one `dbt build`, and a task
per seed, snapshot and model (`.run`; the city crosswalk `int_city_matches` is one of them) and per
model's tests (`.test`) turns green or red with that node's result; only then `publish` copies the
writer warehouse to the read-only serving file by atomic swap and emits `citywh_serving`. A failed
model or test stops the run before `publish`: readers keep the last good serving file. Every task
that opens the writer warehouse holds the one-slot `duckdb_writer` pool (DuckDB has one writer).
Last, `report` writes `citywh report`'s self-contained HTML page from the new serving file
(`report/citywh-report.html` under the warehouse home; it only reads, no pool).
""")
