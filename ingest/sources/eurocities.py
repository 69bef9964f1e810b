"""Eurocities members, as listed on eurocities.eu and enriched with Wikidata.

Live:   https://raw.githubusercontent.com/c-riq/city-vote/<commit>/public-data/city-networks/
        eurocities/members-wikidata-enriched.json (pinned public copy; eurocities.eu has no export)
Layout: JSON {"members": [{name_on_website, wikidata_id, wikidata_name, latitude, longitude,
        population, country (QID), country_name}, ...]}
Parsed: one member row per Wikidata item (the site lists a few cities twice under two spellings:
        the first listing is kept and the others named in its detail).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked, not_json
from ingest.sources.base import SnapshotSpec
from ingest.sources.rosters import finish_roster

NAME = "eurocities"
FIELDS = ("name_on_website", "wikidata_id", "latitude", "longitude", "country_name")


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_json)


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    try:
        members = json.loads(path.read_bytes())["members"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ParseError(NAME, file, f'expected JSON {{"members": [...]}} ({exc!r})') from exc
    rows = []
    for position, member in enumerate(members, start=1):
        missing = [f for f in FIELDS if f not in member]
        if missing:
            raise ParseError(NAME, file, f"member lacks {missing}", row=position, field=missing[0],
                             row_kind="member")
        qid = member["wikidata_id"] or f"name:{member['name_on_website']}"
        for field in ("latitude", "longitude", "population"):
            value = member.get(field)
            if value is not None and not (isinstance(value, (int, float)) and not isinstance(value, bool)
                                          and math.isfinite(value)):
                raise ParseError(NAME, file, f"{field} {value!r} is not a number", row=position,
                                 field=field, row_kind="member")
        rows.append({
            "source_row": position, "network_id": "eurocities", "member_key": qid,
            "member_name": member.get("wikidata_name") or member["name_on_website"],
            "country_name": member["country_name"], "latitude": member["latitude"],
            "longitude": member["longitude"], "wikidata_qid": member["wikidata_id"],
            "population": int(member["population"]) if member.get("population") else None,
            "role": "member", "detail": f"listed as {member['name_on_website']!r}",
        })
    frame = pl.DataFrame(rows, schema_overrides={"population": pl.Int64, "latitude": pl.Float64,
                                                 "longitude": pl.Float64})
    return finish_roster(frame, source=NAME, file=file, row_kind="member", merge_duplicates=True)
