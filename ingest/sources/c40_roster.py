"""C40 member cities: the roster of C40 cities with a GPC inventory (Open Earth Foundation).

Live:   https://raw.githubusercontent.com/Open-Earth-Foundation/ClimateTRACE_C40/<commit>/data/
        processed/C40_cities.csv (C40 publishes no machine-readable member list; this is the
        pinned public copy the bundle holds).
Layout: CSV, header City,Country,iso_code,locode (UN/LOCODE "CI ABJ"; some are wrong, e.g.
        Milan "AU MEL", so it is kept as detail, not used for matching).
Parsed: one member row per city, country as ISO2. ClimActor's C40 flags are a second,
        non-commercial source for the same network (ingest.sources.climactor).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.http import download_checked, not_csv_with
from ingest.sources.base import SnapshotSpec
from ingest.sources.rosters import csv_roster

NAME = "c40_roster"
HEADER = ["City", "Country", "iso_code", "locode"]


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_csv_with(b"City,Country,iso_code"))


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    return csv_roster(
        path, NAME, HEADER, network_id="c40", role="member",
        member_key=pl.col("City").str.strip_chars(),
        member_name=pl.col("City"),
        country_code=pl.col("iso_code").str.strip_chars().str.to_uppercase(),
        country_name=pl.col("Country").str.strip_chars(),
        detail=pl.when(pl.col("locode").is_not_null()).then(pl.lit("UN/LOCODE ") + pl.col("locode")))
