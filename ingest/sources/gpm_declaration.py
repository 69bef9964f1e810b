"""Global Parliament of Mayors: signatories of the Global Declaration of Mayors for Democracy.

A declaration, not a membership: the registry marks the network's relation "declaration", and
the rows carry role "signatory".
Live:   https://raw.githubusercontent.com/c-riq/city-vote/<commit>/public-data/city-networks/
        global-parliament-of-mayors/joint-statements/global-declaration-of-mayors-for-democracy/
        signatures.csv
Layout: CSV, header city_name,country,wikidata_id,mayor_name,mayor_title (QID blank for some).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.http import download_checked, not_csv_with
from ingest.sources.base import SnapshotSpec
from ingest.sources.rosters import csv_roster

NAME = "gpm_declaration"
HEADER = ["city_name", "country", "wikidata_id", "mayor_name", "mayor_title"]


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_csv_with(b"city_name,country"))


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    return csv_roster(
        path, NAME, HEADER, network_id="global_parliament_of_mayors", role="signatory",
        merge_duplicates=True,  # San José (HN) signed twice
        member_key=pl.coalesce(pl.col("wikidata_id"),
                               pl.lit("name:") + pl.col("city_name") + pl.lit("|") + pl.col("country")),
        member_name=pl.col("city_name"),
        country_name=pl.col("country").str.strip_chars().str.replace(r"^the ", ""),
        wikidata_qid=pl.col("wikidata_id"),
        detail=pl.concat_str([pl.col("mayor_title"), pl.col("mayor_name")], separator=": ",
                             ignore_nulls=True))
