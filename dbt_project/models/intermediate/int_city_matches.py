"""The city crosswalk: every city a source mentions (int_city_mentions) resolved to one GeoNames
city of the gazetteer, by evidence, or kept unresolved with its candidates and the reason. The
matcher is a library (ingest.crosswalk); this model only hands it the staged data, so the whole
story shows in dbt's lineage."""

from ingest.config import settings
from ingest.crosswalk import GAZETTEER_COLUMNS, Gazetteer, resolve


def model(dbt, session):
    dbt.config(materialized="table")
    # the GeoNames rows are let go once indexed: the name lists are the largest thing read here
    gazetteer = Gazetteer(
        dbt.ref("stg_geonames__cities").select(*GAZETTEER_COLUMNS).pl(),
        dbt.ref("stg_geonames__admin1_codes").pl(),
        cache_dir=settings().home / "cache",  # the name index, kept while the gazetteer is unchanged
    )
    return resolve(dbt.ref("int_city_mentions").pl(), gazetteer)
