"""World Bank World Development Indicators, bulk CSV download.

Live:   https://api.worldbank.org/v2/en/indicator/{CODE}?downloadformat=csv  -> a zip holding
        API_{CODE}_DS2_en_csv_v2_*.csv plus two Metadata_*.csv files.
Bundle: the same API_*.csv, unzipped (../shared/snapshots/worldbank/).
Layout: UTF-8 with BOM, CRLF, 4 preamble lines ("Data Source", "Last Updated Date"), a header
        "Country Name","Country Code","Indicator Name","Indicator Code","1960",...,"2024", and a
        trailing comma on every line. Missing values are "".
Parsed: one row per (country_code, indicator_code, year) with a reported value; aggregates
        (WLD, EUU, HIC, ...) are kept and flagged with is_aggregate.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl

from ingest.errors import FetchError, ParseError
from ingest.http import download
from ingest.reference import worldbank_aggregates
from ingest.sources.base import SnapshotSpec, schema_of
from ingest.sources.formats import open_zip

NAME = "worldbank"
INDICATORS = {
    "NY.GDP.MKTP.CD": "GDP (current US$)",
    "SP.POP.TOTL": "Population, total",
    "SP.URB.TOTL.IN.ZS": "Urban population (% of total population)",
}
ID_COLUMNS = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
PREAMBLE_LINES = 4
FIRST_DATA_LINE = PREAMBLE_LINES + 2  # 1-based line number of the first row after the header

SCHEMA = schema_of("worldbank__indicator_values")



def fetch(spec: SnapshotSpec) -> bytes:
    """Download the bulk zip and check it really is one holding the indicator's data CSV."""
    content = download(NAME, spec.url)
    data_csv_member(content, spec, where=spec.url, error=FetchError)
    return content


def data_csv_member(content: bytes, spec: SnapshotSpec, *, where: str, error=ParseError) -> bytes:
    """The API_<code>_*.csv inside a bulk zip; `error` if the body is not a sound zip (or a bomb)."""
    archive = open_zip(content, source=NAME, where=where, error=error)
    members = [n for n in archive.namelist() if n.startswith(f"API_{spec.key}_") and n.endswith(".csv")]
    if len(members) != 1:
        raise error(NAME, where, f"zip holds no single API_{spec.key}_*.csv (has {archive.namelist()})")
    return archive.read(members[0])


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    """Parse a bulk CSV (or the zip around it) into the long, typed frame of SCHEMA."""
    content = path.read_bytes()
    if content[:4] == b"PK\x03\x04":
        content = data_csv_member(content, spec, where=str(path))
    return parse_bulk_csv(content, file=str(path), expected_indicator=spec.key)


def parse_bulk_csv(content: bytes, *, file: str, expected_indicator: str | None = None) -> pl.DataFrame:
    def fail(reason: str, row: int | None = None, field: str | None = None) -> ParseError:
        return ParseError(NAME, file, reason, row=row, field=field)

    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 ({exc})") from exc
    parts = text.split("\n", PREAMBLE_LINES)
    if len(parts) <= PREAMBLE_LINES or not parts[0].startswith('"Data Source"'):
        raise fail('expected the 4-line World Bank preamble starting with "Data Source"', row=1)
    updated = re.match(r'"Last Updated Date","(\d{4}-\d{2}-\d{2})"', parts[2])
    if not updated:
        raise fail('expected "Last Updated Date","YYYY-MM-DD" on line 3', row=3)

    try:
        wide = pl.read_csv(io.StringIO(parts[PREAMBLE_LINES]), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise fail(f"malformed CSV ({exc})") from exc
    header = wide.columns
    if header[:4] != ID_COLUMNS:
        raise fail(f"header starts {header[:4]}, expected {ID_COLUMNS}", row=PREAMBLE_LINES + 1)
    year_columns = [c for c in header[4:] if c != "" and not c.startswith("_duplicated")]
    bad = [c for c in year_columns if not re.fullmatch(r"(19|20)\d\d", c)]
    if bad or not year_columns:
        raise fail(f"expected year columns after the 4 id columns, found {bad or 'none'}",
                   row=PREAMBLE_LINES + 1, field=(bad or [None])[0])
    if wide.height == 0:
        raise fail("no data rows after the header")

    wide = wide.with_row_index("line", offset=FIRST_DATA_LINE).select(["line", *ID_COLUMNS, *year_columns])
    blank = [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in ID_COLUMNS[1:]]
    missing_id = wide.filter(pl.any_horizontal(blank))
    if missing_id.height:
        row = missing_id.row(0, named=True)
        field = next(c for c in ID_COLUMNS[1:] if not (row[c] or "").strip())
        raise fail("empty identifier", row=row["line"], field=field)
    if expected_indicator:
        wrong = wide.filter(pl.col("Indicator Code") != expected_indicator)
        if wrong.height:
            raise fail(f"indicator {wrong['Indicator Code'][0]!r} in a file for {expected_indicator!r}",
                       row=wrong["line"][0], field="Indicator Code")

    long = wide.unpivot(index=["line", *ID_COLUMNS], on=year_columns, variable_name="year",
                        value_name="raw_value").filter(pl.col("raw_value").str.strip_chars() != "")
    long = long.with_columns(value=pl.col("raw_value").str.strip_chars().cast(pl.Float64, strict=False))
    # a non-number casts to null, "1e400" or "inf" to infinity: neither is a value we can hold
    not_numeric = long.filter(pl.col("value").is_null() | ~pl.col("value").is_finite())
    if not_numeric.height:
        row = not_numeric.row(0, named=True)
        kind = "a number" if row["value"] is None else "a finite number"
        raise fail(f"value {row['raw_value']!r} is not {kind}", row=row["line"], field=row["year"])

    aggregates = list(worldbank_aggregates())
    return long.select(
        country_code=pl.col("Country Code"),
        country_name=pl.col("Country Name"),
        is_aggregate=pl.col("Country Code").is_in(aggregates),
        indicator_code=pl.col("Indicator Code"),
        indicator_name=pl.col("Indicator Name"),
        year=pl.col("year").cast(pl.Int32),
        value=pl.col("value"),
        last_updated=pl.lit(updated.group(1)).str.to_date(),
    ).sort(["country_code", "indicator_code", "year"]).cast(SCHEMA)
