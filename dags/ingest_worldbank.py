"""Airflow DAG ingest_worldbank: World Bank WDI GDP, population and urban share per country, monthly."""

from ingest.orchestration import source_ingest_dag

dag = source_ingest_dag(
    "worldbank",
    {"worldbank": "worldbank__indicator_values"},
    schedule="@monthly",  # WDI is revised a few times a year; monthly catches each release
    doc_md="""
### ingest_worldbank
Downloads the World Bank bulk CSV zips for NY.GDP.MKTP.CD, SP.POP.TOTL and SP.URB.TOTL.IN.ZS
(or takes them from the offline bundle), validates each with the GX checkpoint
`raw_worldbank__indicator_values` and lands it into `raw.worldbank__indicator_values`.
A failed validation quarantines the batch (see `citywh status` and `$CITYWH_HOME/quarantine/`)
and leaves raw unchanged. Emits the Asset `citywh_raw_worldbank__indicator_values`.
""",
)
