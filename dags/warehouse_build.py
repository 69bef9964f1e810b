"""Airflow DAG warehouse_build: dbt build and publish, whenever a source lands new raw data."""

from ingest.orchestration import warehouse_build_dag

dag = warehouse_build_dag(
    [  # every raw table a source lands (tests check this list against ingest.sources)
        "worldbank__indicator_values",
        "geonames__cities",
        "geonames__countries",
        "geonames__admin1_codes",
        "un_wup__city_populations",
        "c40__city_inventories",
        "roster__c40",
        "roster__covenant_of_mayors",
        "roster__eurocities",
        "roster__unesco_creative_cities",
        "roster__gpm_declaration",
        "roster__climactor",
        "roster__wikidata_members",
        "wikidata__twinnings",
        "wikidata__labels",
        "wikidata__items",
        "wikipedia__twin_towns",
    ],
    doc_md="""
### warehouse_build
Runs on any raw Asset: rebuilds the city crosswalk (`xwalk.city_matches`), then one task per dbt
seed, snapshot and model (group `dbt`, rendered by astronomer-cosmos from the pre-built
`dbt_project/target/manifest.json`), then `dbt.dbt_project_test` (every data and unit test), and
only then copies the writer warehouse to the read-only serving file by atomic swap and emits
`citywh_serving`. A failed model or test stops the run before `publish`: readers keep the last good
serving file. Every task holds the one-slot `duckdb_writer` pool (DuckDB has one writer).
""",
)
