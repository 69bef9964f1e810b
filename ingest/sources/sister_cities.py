"""Sister cities: Wikidata P190 ("twinned administrative body") pairs, from three extracts and a
live Query Service query.

Snapshots (all Wikidata, CC0):
  p190_2016      relations.tsv of L3viathan/sister-cities (2016 crawl from Weimar): "QID<TAB>QID"
                 per directed edge, no header; labels come from wikidata_labels (names.tsv)
  p190_eu_2017   the Programming Historian lesson's WDQS export (rogorido/sistercities): TSV with
                 header origincityLabel, origincountry, originlat, originlong, originpopulation,
                 sistercityLabel, destinationlat, destinationlong, destinationpopulation,
                 destination_countryLabel, dist, eu; labels and countries, no QIDs
  p190_query_ui  the WDQS web UI's simplified JSON download (displayn/sistercities):
                 [{"item": <uri>, "itemLabel", "sistercity": <uri>, "sistercityLabel"}, ...]
  p190_live      live, optional: every P190 pair between items with coordinates, in the
                 sparql-results+json format, with labels, country codes, coordinates and GeoNames
                 ids (P1566)
Parsed: one row per directed edge as the file gives it. P190 is asymmetric (A lists B, B may not
list A): pairs are symmetrised and deduplicated in dbt (fct_city_partnership), after both ends are
resolved to GeoNames. No file says whether a tie is "sister", "partner" or "friendship": the
relation is "twinned" unless a source says otherwise.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked
from ingest.sources import wikidata
from ingest.sources.base import Origin, SnapshotSpec, Source

NAME = "sister_cities"
SIDE = ("qid", "label", "country", "latitude", "longitude", "geonameid")
SCHEMA: dict[str, pl.DataType] = {
    "snapshot": pl.String(),
    **{f"city_{f}": (pl.Float64() if f in ("latitude", "longitude") else pl.String()) for f in SIDE},
    **{f"twin_{f}": (pl.Float64() if f in ("latitude", "longitude") else pl.String()) for f in SIDE},
    "relation_type": pl.String(),
    "source_row": pl.Int32(),
}
EU_2017_HEADER = ["origincityLabel", "origincountry", "originlat", "originlong", "originpopulation",
                  "sistercityLabel", "destinationlat", "destinationlong", "destinationpopulation",
                  "destination_countryLabel", "dist", "eu"]
LIVE_QUERY = """
SELECT ?city ?cityLabel ?cityCountry ?cityCoord ?cityGeonames
       ?twin ?twinLabel ?twinCountry ?twinCoord ?twinGeonames WHERE {
  ?city wdt:P190 ?twin .
  ?city wdt:P625 ?cityCoord . ?twin wdt:P625 ?twinCoord .
  OPTIONAL { ?city wdt:P17/wdt:P297 ?cityCountry } OPTIONAL { ?twin wdt:P17/wdt:P297 ?twinCountry }
  OPTIONAL { ?city wdt:P1566 ?cityGeonames } OPTIONAL { ?twin wdt:P1566 ?twinGeonames }
  SERVICE wikibase:label { bd:serviceParam wikibase:language "en,fr,de,es". }
}"""
ORIGIN = Origin(
    producer="Wikidata contributors (P190), extracts by L3viathan (2016), rogorido (2017), "
    "displayn (2017)",
    title="Wikidata twinned administrative bodies (P190)",
    licence="CC0 1.0 (Wikidata); extract repositories carry no licence file except displayn (MIT)",
    licence_url="https://creativecommons.org/publicdomain/zero/1.0/",
    citation="Wikidata, property P190 (twinned administrative body), https://www.wikidata.org.",
    landing_page="https://www.wikidata.org/wiki/Property:P190",
)
GITHUB = "https://raw.githubusercontent.com"
SPECS = (
    SnapshotSpec(source=NAME, key="p190_2016",
                 url=f"{GITHUB}/L3viathan/sister-cities/fc3c936b923485c024a24386a96ba763aee636ce/relations.tsv",
                 filename="relations.tsv", bundle_glob="sister_cities/l3viathan_wikidata_P190_relations.tsv"),
    SnapshotSpec(source=NAME, key="p190_eu_2017",
                 url=f"{GITHUB}/rogorido/sistercities/19bfe394e21facc8bb6e70b507bf29c713423f76/"
                 "lessoncities/data/sistercities.tsv",
                 filename="sistercities.tsv", bundle_glob="sister_cities/rogorido_wikidata_P190_eu_2017.tsv"),
    SnapshotSpec(source=NAME, key="p190_query_ui",
                 url=f"{GITHUB}/displayn/sistercities/eea2b02d7f284dc889e8b7fbbf765e6a11400a47/"
                 "sistercities/parser/tests/query.json",
                 filename="query.json", bundle_glob="sister_cities/displayn_wdqs_P190_query.json"),
    SnapshotSpec(source=NAME, key="p190_live", url=wikidata.sparql_url(LIVE_QUERY),
                 filename="p190_live.json", bundle_glob=None, optional=True),
)


def fetch(spec: SnapshotSpec) -> bytes:
    if spec.key == "p190_live":
        return download_checked(NAME, spec.url, wikidata.looks_wrong)
    return download_checked(NAME, spec.url, lambda c: "response is HTML, not data"
                            if c.lstrip()[:1] == b"<" else None)


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file, content = str(path), path.read_bytes()
    rows = {"p190_2016": _parse_2016, "p190_eu_2017": _parse_eu_2017,
            "p190_query_ui": _parse_query_ui, "p190_live": _parse_live}[spec.key](content, file)
    if not rows:
        raise ParseError(NAME, file, "no twinning pairs in the file")
    frame = pl.DataFrame(rows, schema={k: v for k, v in SCHEMA.items() if k != "snapshot"},
                         orient="row" if isinstance(rows[0], tuple) else None)
    frame = frame.with_columns(snapshot=pl.lit(spec.key), relation_type=pl.lit("twinned"))
    self_pairs = frame.filter((pl.col("city_qid") == pl.col("twin_qid")) & pl.col("city_qid").is_not_null())
    if self_pairs.height:
        raise ParseError(NAME, file, f"{self_pairs['city_qid'][0]} is twinned with itself",
                         row=self_pairs["source_row"][0])
    return frame.unique(["city_qid", "city_label", "city_country", "twin_qid", "twin_label", "twin_country"],
                        keep="first", maintain_order=True).select(list(SCHEMA)).cast(SCHEMA)


def _empty_side() -> dict:
    return dict.fromkeys(SIDE)


def _row(number: int, city: dict, twin: dict) -> dict:
    return {**{f"city_{k}": v for k, v in city.items()}, **{f"twin_{k}": v for k, v in twin.items()},
            "relation_type": None, "source_row": number}


def _parse_2016(content: bytes, file: str) -> list[dict]:
    rows = []
    for number, line in enumerate(content.decode("utf-8").splitlines(), start=1):
        parts = line.strip().split("\t")
        if len(parts) != 2 or not all(p.startswith("Q") and p[1:].isdigit() for p in parts):
            raise ParseError(NAME, file, "expected 'QID<TAB>QID'", row=number)
        rows.append(_row(number, {**_empty_side(), "qid": parts[0]}, {**_empty_side(), "qid": parts[1]}))
    return rows


def _parse_eu_2017(content: bytes, file: str) -> list[dict]:
    try:
        frame = pl.read_csv(io.BytesIO(content), separator="\t", infer_schema=False, quote_char=None)
    except pl.exceptions.PolarsError as exc:
        raise ParseError(NAME, file, f"malformed TSV ({exc})") from exc
    if frame.columns != EU_2017_HEADER:
        raise ParseError(NAME, file, f"header {frame.columns}, expected {EU_2017_HEADER}", row=1)
    rows = []
    for number, r in enumerate(frame.iter_rows(named=True), start=2):
        if not r["origincityLabel"] or not r["sistercityLabel"]:
            raise ParseError(NAME, file, "pair without a city label", row=number, field="sistercityLabel")
        rows.append(_row(number,
                         {**_empty_side(), "label": r["origincityLabel"], "country": r["origincountry"],
                          "latitude": _float(r["originlat"]), "longitude": _float(r["originlong"])},
                         {**_empty_side(), "label": r["sistercityLabel"],
                          "country": r["destination_countryLabel"],
                          "latitude": _float(r["destinationlat"]), "longitude": _float(r["destinationlong"])}))
    return rows


def _parse_query_ui(content: bytes, file: str) -> list[dict]:
    try:
        items = json.loads(content)
    except ValueError as exc:
        raise ParseError(NAME, file, f"not JSON ({exc})") from exc
    if not isinstance(items, list):
        raise ParseError(NAME, file, "expected the query UI's JSON list of {item, sistercity, ...}")
    rows = []
    for number, item in enumerate(items, start=1):
        missing = [k for k in ("item", "sistercity") if k not in item]
        if missing:
            raise ParseError(NAME, file, f"row lacks {missing[0]!r}", row=number, field=missing[0],
                             row_kind="element")
        rows.append(_row(number,
                         {**_empty_side(), "qid": wikidata.qid(item["item"]), "label": item.get("itemLabel")},
                         {**_empty_side(), "qid": wikidata.qid(item["sistercity"]),
                          "label": item.get("sistercityLabel")}))
    return rows


def _parse_live(content: bytes, file: str) -> list[dict]:
    rows = []
    bindings = wikidata.parse_bindings(content, source=NAME, file=file,
                                       required=("city", "cityLabel", "twin", "twinLabel"))
    for number, b in enumerate(bindings, start=1):
        sides = []
        for side in ("city", "twin"):
            latitude, longitude = wikidata.point(b.get(f"{side}Coord"))
            sides.append({"qid": wikidata.qid(b[side]), "label": b[f"{side}Label"],
                          "country": b.get(f"{side}Country"), "latitude": latitude,
                          "longitude": longitude, "geonameid": b.get(f"{side}Geonames")})
        rows.append(_row(number, *sides))
    return rows


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


SOURCE = Source(
    name=NAME, origin=ORIGIN, table="wikidata__twinnings",
    description="Directed Wikidata P190 twinning edges as each extract gives them.",
    snapshots=SPECS, schema=SCHEMA,
    unique_key=("snapshot", "city_qid", "city_label", "city_country", "twin_qid", "twin_label",
                "twin_country"),
    fetch=fetch, parse=parse,
)
