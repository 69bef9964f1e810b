"""The city crosswalk: every city a source mentions (int_city_mentions) resolved to one GeoNames
city of the gazetteer, by evidence, or kept unresolved with its candidates and the reason. The
matcher is a library (ingest.crosswalk); this model only hands it the staged data, so the whole
story shows in dbt's lineage."""

from ingest.config import settings
from ingest.crosswalk import GAZETTEER_COLUMNS, resolve


def model(dbt, session):
    dbt.config(materialized="table")
    return resolve(
        mentions=dbt.ref("int_city_mentions").pl(),
        cities=dbt.ref("stg_geonames__cities").select(*GAZETTEER_COLUMNS).pl(),
        admin1=dbt.ref("stg_geonames__admin1_codes").pl(),
        cache_dir=settings().home / "cache",  # the gazetteer's name index, kept while it is unchanged
    )
