"""Airflow DAG ingest_un_wup: UN World Urbanization Prospects city populations (F12, F22), yearly."""

from ingest.orchestration import source_ingest_dag

dag = source_ingest_dag(
    "un_wup",
    {"un_wup": "un_wup__city_populations"},
    schedule="@yearly",  # WUP is revised every few years; a yearly check is plenty
    doc_md="""
### ingest_un_wup
Downloads WUP2018-F12-Cities_Over_300K.xls (five-yearly) and WUP2018-F22-Cities_Over_300K_Annual.xls
(annual) from https://population.un.org/wup/Download/Files/, parses the Data sheet (header on Excel
row 17) and the NOTES sheet, validates with `raw_un_wup__city_populations` and lands both files.
A moved header, a missing year, a non-numeric value or a duplicate city code fails the task with
the file and Excel row. Licence CC BY 3.0 IGO.
""",
)
