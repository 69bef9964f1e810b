"""Wikidata: the members of a city network (P463 "member of"), live from the Query Service.

One snapshot per registry network that has a Wikidata QID. There is no offline copy: without
internet these snapshots are skipped (they are optional), and the rosters we hold stand alone.
Query: items that are members of the network, with the membership's start time (P580) where
recorded, country (P17), coordinates (P625) and GeoNames id (P1566).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.http import download_checked
from ingest.reference import networks
from ingest.sources import wikidata
from ingest.sources.base import Origin, SnapshotSpec, Source
from ingest.sources.rosters import ROSTER_KEY, ROSTER_SCHEMA, finish_roster

NAME = "wikidata_members"
QUERY = """
SELECT ?city ?cityLabel ?countryCode ?coord ?geonames ?start WHERE {{
  ?city p:P463 ?membership . ?membership ps:P463 wd:{network_qid} .
  OPTIONAL {{ ?membership pq:P580 ?start }}
  OPTIONAL {{ ?city wdt:P17 ?country . ?country wdt:P297 ?countryCode }}
  OPTIONAL {{ ?city wdt:P625 ?coord }}
  OPTIONAL {{ ?city wdt:P1566 ?geonames }}
  SERVICE wikibase:label {{ bd:serviceParam wikibase:language "en,fr,de,es". }}
}}"""
ORIGIN = Origin(
    producer="Wikidata contributors",
    title="Wikidata: members of city networks (P463), via the Wikidata Query Service",
    licence="CC0 1.0",
    licence_url="https://creativecommons.org/publicdomain/zero/1.0/",
    citation="Wikidata, https://www.wikidata.org (query.wikidata.org).",
    landing_page="https://query.wikidata.org",
)


def spec_for(network_id: str, network_qid: str, endpoint: str = wikidata.ENDPOINT) -> SnapshotSpec:
    return SnapshotSpec(source=NAME, key=network_id,
                        url=wikidata.sparql_url(QUERY.format(network_qid=network_qid), endpoint),
                        filename=f"members_{network_id}.json", bundle_glob=None, optional=True)


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


SOURCE = Source(
    name=NAME, origin=ORIGIN, table="roster__wikidata_members",
    description="Members of city networks according to Wikidata (P463), live only.",
    snapshots=tuple(spec_for(network_id, row["wikidata_qid"])
                    for network_id, row in networks().items() if row["wikidata_qid"]),
    schema=ROSTER_SCHEMA, unique_key=ROSTER_KEY, fetch=fetch, parse=parse,
)
