"""Airflow DAG ingest_c40_gdp: C40 cities' reported population, area and GDP, yearly."""

from ingest.orchestration import source_ingest_dag

dag = source_ingest_dag(
    "c40_gdp",
    {"c40_gdp": "c40__city_inventories"},
    schedule="@yearly",  # C40 republishes the dashboard data about once a year
    doc_md="""
### ingest_c40_gdp
Downloads C40_GPC_Database.xlsx (C40 GHG Emissions Dashboard data), takes the population, area and
GDP columns of the inventory sheet, validates with `raw_c40__city_inventories` and lands them.
Licence: C40 Terms of Use / CDP Open Data Portal License (attribution; ask before redistributing).
""",
)
