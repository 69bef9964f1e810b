"""Wikidata twinned administrative bodies (P190): three tables of one source.

twinnings  directed edges, as each extract gives them:
  p190_2016      relations.tsv of L3viathan/sister-cities (2016 crawl from Weimar): "QID<TAB>QID"
                 per directed edge, no header; labels come from the labels table (names.tsv)
  p190_eu_2017   the Programming Historian lesson's WDQS export (rogorido/sistercities): TSV with
                 header origincityLabel, origincountry, originlat, originlong, originpopulation,
                 sistercityLabel, destinationlat, destinationlong, destinationpopulation,
                 destination_countryLabel, dist, eu; labels and countries, no QIDs
  p190_query_ui  the WDQS web UI's simplified JSON download (displayn/sistercities):
                 [{"item": <uri>, "itemLabel", "sistercity": <uri>, "sistercityLabel"}, ...]
  p190_live      live, optional: every P190 pair between items with coordinates, in the
                 sparql-results+json format, with labels, country codes, coordinates, GeoNames
                 ids (P1566) and the statement's start and end time (P580, P582) where stated
  Parsed: one row per directed edge as the file gives it. P190 is asymmetric (A lists B, B may not
  list A): pairs are symmetrised and deduplicated in dbt (fct_city_partnership), after both ends
  are resolved. No file says whether a tie is "sister", "partner" or "friendship": the relation
  is "unspecified". The live query carries the statement's start and end time (P580, P582), kept
  as years (since_year, until_year).
labels     "QID<TAB>label" per line of the 2016 crawl's names.tsv, no header; the crawler preferred
           German, then English, French, Italian, Spanish labels ("Frankfurt am Main", "Konstanza").
items      live, optional: one batched WDQS query for every item with a P190 (query in
           ingest.catalog), with its GeoNames id (P1566), point (P625) and country (P17/P297);
           one row per QID: the smallest GeoNames id where Wikidata has several, the first point,
           the country only where every row agrees.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import msgspec
import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked
from ingest.sources import wikidata
from ingest.sources.base import SnapshotSpec, schema_of

NAME = "wikidata_p190"
TWINNINGS = schema_of("wikidata_p190__twinnings")
LABELS = schema_of("wikidata_p190__labels")
ITEMS = schema_of("wikidata_p190__items")
SIDE = ("qid", "label", "country", "latitude", "longitude", "geonameid")
EU_2017_HEADER = ["origincityLabel", "origincountry", "originlat", "originlong", "originpopulation",
                  "sistercityLabel", "destinationlat", "destinationlong", "destinationpopulation",
                  "destination_countryLabel", "dist", "eu"]
QID = re.compile(r"Q[1-9][0-9]*")
GEONAMEID = re.compile(r"[0-9]{1,18}")  # fits Int64


# --- twinnings --------------------------------------------------------------------------------

def fetch_twinnings(spec: SnapshotSpec) -> bytes:
    if spec.key == "p190_live":
        return download_checked(NAME, spec.url, wikidata.looks_wrong)
    return download_checked(NAME, spec.url, lambda c: "response is HTML, not data"
                            if c.lstrip()[:1] == b"<" else None)


def parse_twinnings(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file, content = str(path), path.read_bytes()
    frame = {"p190_2016": _parse_2016, "p190_eu_2017": _parse_eu_2017,
             "p190_query_ui": _parse_query_ui, "p190_live": _parse_live}[spec.key](content, file)
    if not frame.height:
        raise ParseError(NAME, file, "no twinning pairs in the file")
    # P190 says "twinned administrative body": never whether sister, partner or friendship
    frame = frame.with_columns(snapshot=pl.lit(spec.key), relation_type=pl.lit("unspecified"))
    self_pairs = frame.filter((pl.col("city_qid") == pl.col("twin_qid")) & pl.col("city_qid").is_not_null())
    if self_pairs.height:
        raise ParseError(NAME, file, f"{self_pairs['city_qid'][0]} is twinned with itself",
                         row=self_pairs["source_row"][0])
    return frame.unique(["city_qid", "city_label", "city_country", "twin_qid", "twin_label", "twin_country"],
                        keep="first", maintain_order=True).select(list(TWINNINGS)).cast(TWINNINGS)


EDGE_SCHEMA = {k: v for k, v in TWINNINGS.items() if k != "snapshot"}


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=EDGE_SCHEMA)


def _edges(**columns: pl.Series | list) -> pl.DataFrame:
    """The frame _frame makes of rows holding only `columns` (every other column null)."""
    given = pl.DataFrame(columns)
    return given.select(pl.col(c) if c in columns else pl.lit(None, t).alias(c)
                        for c, t in EDGE_SCHEMA.items()).cast(EDGE_SCHEMA)


def _empty_side() -> dict:
    return dict.fromkeys(SIDE)


def _row(number: int, city: dict, twin: dict, since: int | None = None, until: int | None = None) -> dict:
    return {**{f"city_{k}": v for k, v in city.items()}, **{f"twin_{k}": v for k, v in twin.items()},
            "relation_type": None, "since_year": since, "until_year": until, "source_row": number}


# what str.splitlines breaks lines at, besides "\n"
_OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _parse_2016(content: bytes, file: str) -> pl.DataFrame:
    """Vectorized when every line is exactly "Q<digits><TAB>Q<digits>"; else row by row, which
    names the bad line."""
    text = content.decode("utf-8")
    if _OTHER_LINE_BREAKS.search(text):
        return _frame(_parse_2016_rows(text, file))
    lines = pl.Series(text.removesuffix("\n").split("\n"))
    if not lines.str.contains(r"^Q[0-9]+\tQ[0-9]+$").all():
        return _frame(_parse_2016_rows(text, file))
    pair = lines.str.split_exact("\t", 1).struct.unnest()
    return _edges(city_qid=pair["field_0"], twin_qid=pair["field_1"],
                  source_row=pl.int_range(1, len(lines) + 1, eager=True))


def _parse_2016_rows(text: str, file: str) -> list[dict]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.strip().split("\t")
        if len(parts) != 2 or not all(p.startswith("Q") and p[1:].isdigit() for p in parts):
            raise ParseError(NAME, file, "expected 'QID<TAB>QID'", row=number)
        rows.append(_row(number, {**_empty_side(), "qid": parts[0]}, {**_empty_side(), "qid": parts[1]}))
    return rows


def _parse_eu_2017(content: bytes, file: str) -> pl.DataFrame:
    try:
        frame = pl.read_csv(io.BytesIO(content), separator="\t", infer_schema=False, quote_char=None)
    except pl.exceptions.PolarsError as exc:
        raise ParseError(NAME, file, f"malformed TSV ({exc})") from exc
    if frame.columns != EU_2017_HEADER:
        raise ParseError(NAME, file, f"header {frame.columns}, expected {EU_2017_HEADER}", row=1)
    unlabelled = frame.select(pl.any_horizontal(pl.col(c).fill_null("") == "" for c in
                                                ("origincityLabel", "sistercityLabel")).arg_true().first()).item()
    if unlabelled is not None:  # the n-th row (from 2), as the file's line when no line is blank
        raise ParseError(NAME, file, "pair without a city label", row=unlabelled + 2, field="sistercityLabel")
    return _edges(city_label=frame["origincityLabel"], city_country=frame["origincountry"],
                  city_latitude=_floats(frame["originlat"]), city_longitude=_floats(frame["originlong"]),
                  twin_label=frame["sistercityLabel"], twin_country=frame["destination_countryLabel"],
                  twin_latitude=_floats(frame["destinationlat"]), twin_longitude=_floats(frame["destinationlong"]),
                  source_row=pl.int_range(2, frame.height + 2, eager=True))


class _QueryUIElement(msgspec.Struct):
    """An element of a plainly good download: both URIs text, labels text or absent; other keys
    ignored."""
    item: str
    sistercity: str
    itemLabel: str | None = None
    sistercityLabel: str | None = None


# typed decoding checks every element as it reads it: 3x faster than json.loads and a loop
_QUERY_UI = msgspec.json.Decoder(list[_QueryUIElement])


def _parse_query_ui(content: bytes, file: str) -> pl.DataFrame:
    try:
        elements = _QUERY_UI.decode(content)
    except msgspec.DecodeError:  # not plainly good: read again loosely, which names the bad element
        return _parse_query_ui_loosely(content, file)
    def column(field: str) -> pl.Series:
        return pl.Series([getattr(e, field) for e in elements], dtype=pl.String)

    return _edges(city_qid=_qids(column("item")), city_label=column("itemLabel"),
                  twin_qid=_qids(column("sistercity")), twin_label=column("sistercityLabel"),
                  source_row=pl.int_range(1, len(elements) + 1, eager=True))


def _parse_query_ui_loosely(content: bytes, file: str) -> pl.DataFrame:
    try:
        items = json.loads(content)
    except ValueError as exc:
        raise ParseError(NAME, file, f"not JSON ({exc})") from exc
    if not isinstance(items, list):
        raise ParseError(NAME, file, "expected the query UI's JSON list of {item, sistercity, ...}")
    return _frame(_parse_query_ui_rows(items, file))


def _qids(uris: pl.Series) -> pl.Series:
    """wikidata.qid over a column."""
    prefix = wikidata.ENTITY_PREFIX
    return pl.select(pl.when(uris.str.starts_with(prefix)).then(uris.str.strip_prefix(prefix))).to_series()


def _parse_query_ui_rows(items: list, file: str) -> list[dict]:
    rows = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ParseError(NAME, file, f"expected an object, got {type(item).__name__}", row=number,
                             row_kind="element")
        missing = [k for k in ("item", "sistercity") if k not in item]
        if missing:
            raise ParseError(NAME, file, f"row lacks {missing[0]!r}", row=number, field=missing[0],
                             row_kind="element")
        not_text = [k for k in ("item", "itemLabel", "sistercity", "sistercityLabel")
                    if not isinstance(item.get(k), str | None)]
        if not_text:
            raise ParseError(NAME, file, f"expected text, got {type(item[not_text[0]]).__name__}",
                             row=number, field=not_text[0], row_kind="element")
        rows.append(_row(number,
                         {**_empty_side(), "qid": wikidata.qid(item["item"]), "label": item.get("itemLabel")},
                         {**_empty_side(), "qid": wikidata.qid(item["sistercity"]),
                          "label": item.get("sistercityLabel")}))
    return rows


def _parse_live(content: bytes, file: str) -> pl.DataFrame:
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
        rows.append(_row(number, *sides, since=_year(b.get("start")), until=_year(b.get("end"))))
    return _frame(rows)


def _year(value: str | None) -> int | None:
    """The year of a WDQS dateTime ("1957-10-29T00:00:00Z", "+1957-01-01T00:00:00Z")."""
    match = re.match(r"^\+?(\d{4})-", value or "")
    return int(match[1]) if match else None


_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"  # what float() and polars parse alike


def _floats(values: pl.Series) -> pl.Series:
    """_float over a column: polars parses the plain decimals, _float the rest (blank, "inf",
    "1_000", junk: few, so once per distinct value)."""
    plain = values.str.contains(_NUMBER).fill_null(False)
    others = {v: _float(v) for v in values.filter(~plain).unique().to_list() if v is not None}
    return pl.select(pl.when(plain).then(values.cast(pl.Float64, strict=False))
                     .otherwise(values.replace_strict(others, default=None, return_dtype=pl.Float64))).to_series()


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


# --- labels ------------------------------------------------------------------------------------

def fetch_labels(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, lambda c: None if c[:1] == b"Q" else "response is not a QID list")


def parse_labels(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        qid, sep, label = line.partition("\t")
        if not sep or not qid.startswith("Q") or not qid[1:].isdigit() or not label.strip():
            raise ParseError(NAME, str(path), "expected 'QID<TAB>label'", row=number)
        rows.append((qid, label.strip(), number))
    if not rows:
        raise ParseError(NAME, str(path), "no labels")
    frame = pl.DataFrame(rows, schema=LABELS, orient="row")
    duplicated = frame.filter(pl.col("qid").is_duplicated())
    if duplicated.height:
        raise ParseError(NAME, str(path), f"{duplicated['qid'][0]} labelled twice",
                         row=duplicated["source_row"][1])
    return frame


# --- items -------------------------------------------------------------------------------------

def fetch_items(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, wikidata.looks_wrong)


def parse_items(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
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
    return pl.DataFrame(rows, schema=ITEMS)


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
