"""Wikidata: the members of a city network (P463 "member of"), live from the Query Service.

One snapshot per registry network that has a Wikidata QID (the query is in ingest.catalog). There
is no offline copy: without internet these snapshots are skipped (they are optional), and the
rosters we hold stand alone.
Query: items that are members of the network, with the membership's start time (P580) where
recorded, country (P17), coordinates (P625) and GeoNames id (P1566).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.http import download_checked
from ingest.sources import wikidata
from ingest.sources.base import SnapshotSpec
from ingest.sources.rosters import finish_roster

NAME = "wikidata_p463"


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, wikidata.looks_wrong)


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    rows = []
    for number, binding in enumerate(wikidata.parse_bindings(
            path.read_bytes(), source=NAME, file=file, required=("city", "cityLabel")), start=1):
        latitude, longitude = wikidata.point(binding.get("coord"))
        start = binding.get("start")
        rows.append({
            "source_row": number, "network_id": spec.key, "member_key": wikidata.qid(binding["city"]),
            "member_name": binding["cityLabel"], "country_code": binding.get("countryCode"),
            "latitude": latitude, "longitude": longitude, "wikidata_qid": wikidata.qid(binding["city"]),
            "role": "member", "joined_on": start[:10] if start else None,
            "detail": f"GeoNames {binding['geonames']}" if binding.get("geonames") else None,
        })
    frame = pl.DataFrame(rows, schema_overrides={"joined_on": pl.String, "latitude": pl.Float64,
                                                 "longitude": pl.Float64})
    if not frame.is_empty():
        frame = frame.with_columns(joined_on=pl.col("joined_on").str.to_date(strict=False))
    return finish_roster(frame, source=NAME, file=file, row_kind="binding", merge_duplicates=True)
