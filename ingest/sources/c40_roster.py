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

import io
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked, not_csv_with
from ingest.sources.base import Origin, SnapshotSpec, Source
from ingest.sources.rosters import ROSTER_KEY, ROSTER_SCHEMA, finish_roster

NAME = "c40_roster"
HEADER = ["City", "Country", "iso_code", "locode"]
URL = ("https://raw.githubusercontent.com/Open-Earth-Foundation/ClimateTRACE_C40/"
       "356c31e28be89b3edbcb25f3aaa87984e7ad0f77/data/processed/C40_cities.csv")
ORIGIN = Origin(
    producer="Open Earth Foundation (list of C40 member cities with a GPC inventory)",
    title="C40 cities (ClimateTRACE_C40, data/processed/C40_cities.csv)",
    licence="MIT (repository); membership facts from C40",
    licence_url="https://github.com/Open-Earth-Foundation/ClimateTRACE_C40",
    citation="Open Earth Foundation, ClimateTRACE_C40 repository, C40_cities.csv (2023).",
    landing_page="https://www.c40.org/cities/",
)


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_csv_with(b"City,Country,iso_code"))


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    try:
        frame = pl.read_csv(io.BytesIO(path.read_bytes()), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ParseError(NAME, file, f"malformed CSV ({exc})") from exc
    if frame.columns != HEADER:
        raise ParseError(NAME, file, f"header {frame.columns}, expected {HEADER}", row=1)
    return finish_roster(frame.with_row_index("source_row", offset=2).select(
        "source_row",
        network_id=pl.lit("c40"),
        member_key=pl.col("City").str.strip_chars(),
        member_name=pl.col("City"),
        country_code=pl.col("iso_code").str.strip_chars().str.to_uppercase(),
        country_name=pl.col("Country").str.strip_chars(),
        role=pl.lit("member"),
        detail=pl.when(pl.col("locode").is_not_null()).then(pl.lit("UN/LOCODE ") + pl.col("locode")),
    ), source=NAME, file=file)


SOURCE = Source(
    name=NAME, origin=ORIGIN, table="roster__c40",
    description="C40 member cities (those with a GPC inventory), one row per city.",
    snapshots=(SnapshotSpec(source=NAME, key="c40_cities", url=URL, filename="C40_cities.csv",
                            bundle_glob="networks/c40_cities_oef.csv"),),
    schema=ROSTER_SCHEMA, unique_key=ROSTER_KEY, fetch=fetch, parse=parse,
)
