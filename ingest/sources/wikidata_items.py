"""Wikidata: what Wikidata states of every item that has a twinning (P190), live from the Query
Service: its GeoNames id (P1566), its point (P625) and its country's ISO 3166-1 alpha-2 code
(P17 -> P297), for the city crosswalk to resolve QIDs on evidence stronger than label, country
name and coordinates.

One snapshot (`items_live`), one batched query for all items. There is no offline copy: without
internet the snapshot is skipped (it is optional), like wikidata_members and sister_cities'
p190_live, and the crosswalk works from the twinning extracts alone.

The answer has one binding per combination of an item's values (`wdt:` gives the best-ranked
statements only), so an item with two GeoNames ids, two points or two countries comes back
several times. Parsed: one row per QID, folded as follows
  geonameid     the smallest of its P1566 values (GeoNames merges duplicates into the older,
                lower id; Wikidata often still lists both)
  latitude,     the point of its first binding that has one (WDQS order; an item with several
  longitude     P625 values has no "right" one, and any of them locates the city)
  country_iso2  the ISO2 code if every binding of the item agrees, else null (a disputed or
                multi-country item is no country evidence)
  label         the English label, else German, French, Spanish, else the QID (the label service)
  source_row    the number of the item's first binding
Refused (ParseError naming the file and binding): an answer that is not SPARQL results JSON, a
binding without `item` or `itemLabel`, an item URI that is not a Wikidata entity, a GeoNames id
that is not an integer, a point that is not a WKT Point or lies outside -90..90 / -180..180, and
an answer with no items.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked
from ingest.sources import wikidata
from ingest.sources.base import Origin, SnapshotSpec, Source

NAME = "wikidata_items"
KEY = "items_live"
QUERY = """
SELECT ?item ?itemLabel ?geonames ?coord ?country WHERE {
  { SELECT DISTINCT ?item WHERE { ?item wdt:P190 ?twin } }
  OPTIONAL { ?item wdt:P1566 ?geonames }
  OPTIONAL { ?item wdt:P625 ?coord }
  OPTIONAL { ?item wdt:P17/wdt:P297 ?country }
  SERVICE wikibase:label { bd:serviceParam wikibase:language "en,de,fr,es". }
}"""
SCHEMA: dict[str, pl.DataType] = {
    "qid": pl.String(), "label": pl.String(), "country_iso2": pl.String(),
    "latitude": pl.Float64(), "longitude": pl.Float64(), "geonameid": pl.Int64(),
    "source_row": pl.Int32(),
}
ORIGIN = Origin(
    producer="Wikidata contributors",
    title="Wikidata: GeoNames ids (P1566), coordinates (P625) and countries (P17/P297) of items "
    "with a twinning (P190), via the Wikidata Query Service",
    licence="CC0 1.0",
    licence_url="https://creativecommons.org/publicdomain/zero/1.0/",
    citation="Wikidata, https://www.wikidata.org (query.wikidata.org).",
    landing_page="https://query.wikidata.org",
)
QID = re.compile(r"Q[1-9][0-9]*")
GEONAMEID = re.compile(r"[0-9]{1,18}")  # fits Int64


def spec_for(endpoint: str = wikidata.ENDPOINT) -> SnapshotSpec:
    return SnapshotSpec(source=NAME, key=KEY, url=wikidata.sparql_url(QUERY, endpoint),
                        filename=f"{KEY}.json", bundle_glob=None, optional=True)


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, wikidata.looks_wrong)


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    bindings = wikidata.parse_bindings(path.read_bytes(), source=NAME, file=file,
                                       required=("item", "itemLabel"))
    if not bindings:
        raise ParseError(NAME, file, "no items")
    items: dict[str, dict] = {}
    for number, binding in enumerate(bindings, start=1):
        def refuse(reason: str, field: str) -> ParseError:
            return ParseError(NAME, file, reason, row=number, field=field, row_kind="binding")

        qid = wikidata.qid(binding["item"])
        if qid is None or not QID.fullmatch(qid):
            raise refuse(f"item {binding['item']!r} is not a Wikidata entity "
                         f"({wikidata.ENTITY_PREFIX}Q...)", "item")
        geonames = binding.get("geonames")
        if geonames is not None and not GEONAMEID.fullmatch(geonames):
            raise refuse(f"GeoNames id {geonames!r} of {qid} is not an unsigned integer", "geonames")
        latitude, longitude = _point(binding.get("coord"), qid, refuse)
        item = items.get(qid)
        if item is None:
            items[qid] = {"qid": qid, "label": binding["itemLabel"], "countries": set(),
                          "latitude": latitude, "longitude": longitude,
                          "geonameid": None, "source_row": number}
            item = items[qid]
        elif item["latitude"] is None and latitude is not None:
            item["latitude"], item["longitude"] = latitude, longitude
        if geonames is not None:
            geonameid = int(geonames)
            item["geonameid"] = geonameid if item["geonameid"] is None else min(item["geonameid"], geonameid)
        if binding.get("country") is not None:
            item["countries"].add(binding["country"])
    rows = [{**{k: v for k, v in item.items() if k != "countries"},
             "country_iso2": next(iter(item["countries"])) if len(item["countries"]) == 1 else None}
            for item in items.values()]
    return pl.DataFrame(rows, schema=SCHEMA)


def _point(wkt: str | None, qid: str, refuse) -> tuple[float | None, float | None]:
    if wkt is None:
        return None, None
    try:
        latitude, longitude = wikidata.point(wkt)
    except ValueError:  # "Point(1..2 3)": the pattern lets it through, float() does not
        latitude = longitude = None
    if latitude is None or longitude is None:
        raise refuse(f"coordinates {wkt!r} of {qid} are not a WKT Point(lon lat)", "coord")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise refuse(f"coordinates {wkt!r} of {qid} are out of range (latitude {latitude}, "
                     f"longitude {longitude})", "coord")
    return latitude, longitude


SOURCE = Source(
    name=NAME, origin=ORIGIN, table="wikidata__items",
    description="GeoNames id, point and ISO2 country of every Wikidata item with a twinning "
    "(P190), one row per QID, live only.",
    snapshots=(spec_for(),), schema=SCHEMA, unique_key=("qid",), fetch=fetch, parse=parse,
)
