"""UN World Urbanization Prospects 2018: population of urban agglomerations of 300,000+ (2018).

Live:   https://population.un.org/wup/Download/Files/WUP2018-F12-Cities_Over_300K.xls (5-yearly)
        https://population.un.org/wup/Download/Files/WUP2018-F22-Cities_Over_300K_Annual.xls
Layout: legacy .xls (BIFF8). Sheet "Data": title block, licence on Excel row 13, the header on
        Excel row 17 (Index | Country Code (M49) | Country or area | City Code | Urban Agglomeration
        | Note | Latitude | Longitude | 1950 ...), one row per agglomeration below it, population
        in thousands. Sheet "NOTES": "(n) text" per footnote number used in the Note column.
Parsed: one row per (file, city, year): persons (thousands x 1000, rounded), the city's M49
        country code, coordinates, note ids and note texts; years from 2020 flagged as projections.
The header must sit exactly on Excel row 17: a moved header means the layout changed, which
is an error, not something to guess around.
"""

from __future__ import annotations

import re
from pathlib import Path

import fastexcel
import polars as pl

from ingest.errors import FetchError, ParseError
from ingest.http import download
from ingest.sources.base import SnapshotSpec, schema_of
from ingest.sources.formats import excel_sheet, excel_workbook

NAME = "un_wup"
HEADER_EXCEL_ROW = 17
ID_HEADER = ["Index", "Country Code", "Country or area", "City Code", "Urban Agglomeration", "Note",
             "Latitude", "Longitude"]
FIRST_PROJECTION_YEAR = 2020  # WUP 2018: estimates to 2015 (and 2018), projections after
YEARS = {"F12": list(range(1950, 2036, 5)), "F22": list(range(1950, 2036))}  # year columns per file

SCHEMA = schema_of("un_wup__city_populations")


OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls container


def fetch(spec: SnapshotSpec) -> bytes:
    content = download(NAME, spec.url)
    if not content.startswith(OLE2_MAGIC):
        raise FetchError(NAME, spec.url, f"response is not an .xls workbook (starts {content[:40]!r})")
    return content


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    """The Data sheet's coordinates and populations are read as numbers: read as text, the sheet
    takes 3x what calamine takes. Whatever that read does not take as it is (a text cell among
    the numbers, a moved header, any error) is read again as text by parse_grid, which names the
    Excel row and field at fault."""
    workbook = excel_workbook(path, NAME)
    notes = excel_sheet(path, NAME, "NOTES", grid=True, required=False, workbook=workbook)
    note_lines = [] if notes is None else notes.to_series(0).to_list()
    try:
        head = workbook.load_sheet("Data", header_row=None, skip_rows=0, n_rows=HEADER_EXCEL_ROW,
                                   dtypes="string").to_polars()
        numbers = {i: "float" for i in range(ID_HEADER.index("Latitude"), head.width)}
        body = workbook.load_sheet("Data", header_row=None, skip_rows=HEADER_EXCEL_ROW, dtype_coercion="strict",
                                   dtypes={**dict.fromkeys(range(head.width), "string"), **numbers}).to_polars()
        return _parse_rows(head, body, note_lines, file=str(path), file_code=spec.key)
    except (ParseError, fastexcel.FastExcelError):
        grid = excel_sheet(path, NAME, "Data", grid=True, workbook=workbook)
        return parse_grid(grid, note_lines, file=str(path), file_code=spec.key)


def parse_notes(lines: list[str | None]) -> dict[int, str]:
    notes = {}
    for line in lines:
        match = re.match(r"\s*\((\d+)\)\s*(.+)", line or "", re.S)
        if match:
            notes[int(match.group(1))] = match.group(2).strip()
    return notes


def parse_grid(grid: pl.DataFrame, note_lines: list[str | None], *, file: str,
               file_code: str) -> pl.DataFrame:
    """The Data sheet as a grid of strings (row i = Excel row i+1) -> the long typed frame."""
    return _parse_rows(grid, grid.slice(HEADER_EXCEL_ROW), note_lines, file=file, file_code=file_code)


def _parse_rows(grid: pl.DataFrame, body: pl.DataFrame, note_lines: list[str | None], *, file: str,
                file_code: str) -> pl.DataFrame:
    """grid: the sheet's rows from Excel row 1 as text, at least to the header; body: its rows
    below the header (the same columns; the numeric ones as text or as numbers)."""
    def fail(reason: str, row: int | None = None, field: str | None = None) -> ParseError:
        return ParseError(NAME, file, reason, row=row, field=field, row_kind="Excel row")

    expected_years = YEARS[file_code]
    header_index = HEADER_EXCEL_ROW - 1
    cells = [(v or "").strip() for v in grid.row(header_index)] if grid.height > header_index else []
    if cells[:1] == ID_HEADER[:1] and cells[:len(ID_HEADER)] != ID_HEADER:
        # the header is on its row, but a column of it is not the one expected
        want, got = next((w, g) for w, g in zip(ID_HEADER, [*cells, *[""] * len(ID_HEADER)]) if w != g)
        raise fail(f"header column {got!r} where {want!r} is expected (the header must start "
                   f"{ID_HEADER})", row=HEADER_EXCEL_ROW, field=want)
    if cells[:len(ID_HEADER)] != ID_HEADER:
        found = next((i + 1 for i in range(grid.height)
                      if (grid.row(i)[0] or "").strip() == "Index"), None)
        raise fail(f"expected the header {ID_HEADER[:5]}... on Excel row {HEADER_EXCEL_ROW}"
                   + (f"; found it on Excel row {found}: the layout changed" if found else
                      "; no header row found"), row=HEADER_EXCEL_ROW)
    year_of_column = {}
    for position, label in enumerate(cells[len(ID_HEADER):], start=len(ID_HEADER)):
        if label:
            year = re.fullmatch(r"(\d{4})(\.0)?", label)
            if not year:
                raise fail(f"column header {label!r} is not a year", row=HEADER_EXCEL_ROW, field=label)
            year_of_column[grid.columns[position]] = int(year.group(1))
    missing = [y for y in expected_years if y not in year_of_column.values()]
    if missing:
        raise fail(f"year column(s) {missing} missing from the header ({file_code} has "
                   f"{expected_years[0]}..{expected_years[-1]})", row=HEADER_EXCEL_ROW,
                   field=str(missing[0]))

    id_names = ["index", "country_m49", "country_name", "city_code", "city_name", "note",
                "latitude", "longitude"]
    data = body.with_row_index("excel_row", offset=HEADER_EXCEL_ROW + 1)
    data = data.rename(dict(zip(grid.columns[:len(ID_HEADER)], id_names)))
    data = data.filter(pl.any_horizontal(pl.col(c).fill_null("").str.strip_chars() != ""
                                         for c in id_names[:5]))
    if data.is_empty():
        raise fail("no agglomeration rows below the header", row=HEADER_EXCEL_ROW + 1)

    def numeric(labels: dict[str, tuple[str, pl.DataType]]) -> None:
        """Columns (-> their header label, their type) as numbers, in one pass; the first column
        that holds text (or NaN, inf) is refused at its first such row."""
        nonlocal data
        schema = data.schema
        parsed = data.select(pl.col(c).cast(pl.Float64) if schema[c].is_numeric()
                             else pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in labels)
        flagged = parsed.select((pl.all().is_null() | ~pl.all().is_finite()).any()).row(0)
        for (column, (label, _)), flag in zip(labels.items(), flagged, strict=True):
            if flag:  # text, or NaN / inf
                row = data.filter(parsed[column].is_null() | ~parsed[column].is_finite()).row(0, named=True)
                raise fail(f"{label} {row[column]!r} is not a number", row=row["excel_row"], field=label)
        # calamine writes a number as text with fewer digits than the number has (28.900000000000002
        # -> "28.9"): to the micro-degree, both reads of a sheet (parse) give the same point
        data = data.with_columns(parsed.select(
            (pl.col(c).round(6) if c in ("latitude", "longitude") else pl.col(c)).cast(dtype)
            for c, (_, dtype) in labels.items()).get_columns())

    numeric({"country_m49": ("Country Code", pl.Int32), "city_code": ("City Code", pl.Int32),
             "latitude": ("Latitude", pl.Float64), "longitude": ("Longitude", pl.Float64),
             **{column: (str(year), pl.Float64) for column, year in year_of_column.items()}})
    duplicated = data.filter(pl.col("city_code").is_duplicated())
    if duplicated.height:
        raise fail(f"City Code {duplicated['city_code'][0]} appears on more than one row "
                   f"(Excel rows {duplicated['excel_row'].to_list()[:5]})",
                   row=duplicated["excel_row"][1], field="City Code")

    notes = parse_notes(note_lines)
    data = data.with_columns(note_ids=pl.col("note").fill_null("").str.extract_all(r"\d+")
                             .list.eval(pl.element().cast(pl.Int32)))
    unknown = data.explode("note_ids").filter(pl.col("note_ids").is_not_null()
                                              & ~pl.col("note_ids").is_in(list(notes)))
    if unknown.height and notes:
        row = unknown.row(0, named=True)
        raise fail(f"note ({row['note_ids']}) is not on the NOTES sheet", row=row["excel_row"],
                   field="Note")
    data = data.with_columns(note_text=pl.col("note_ids").list.eval(
        pl.element().replace_strict(notes, default=None, return_dtype=pl.String)).list.join(" | "))

    data = data.with_columns(  # per city, before there is a row per year
        note_text=pl.when(pl.col("note_text") == "").then(None).otherwise(pl.col("note_text")),
        country_name=pl.col("country_name").str.strip_chars(),
        city_name=pl.col("city_name").str.strip_chars())
    index = ["excel_row", *id_names[1:], "note_ids", "note_text"]
    years = list(year_of_column.values())
    if years == sorted(set(years)):
        # one row per (city, year) made in the final order (city codes are unique, years rise
        # along the columns): no sort of the long frame, 10x faster than unpivot's order
        import numpy as np  # here: a run that parses no workbook never loads it

        wide = data.sort("city_code")
        long = wide.select(index)[np.repeat(np.arange(wide.height), len(years))].with_columns(
            year=pl.Series(np.tile(np.array(years, dtype=np.int32), wide.height)),
            # row-major: city by city, its years in column order (finite numbers, no nulls: checked)
            population_thousands=pl.Series(wide.select(list(year_of_column)).to_numpy().ravel()))
    else:
        long = data.unpivot(index=index, on=list(year_of_column), variable_name="year_column",
                            value_name="population_thousands") \
            .with_columns(year=pl.col("year_column").replace_strict(year_of_column, return_dtype=pl.Int32)) \
            .sort(["city_code", "year"])
    return long.with_columns(
        file_code=pl.lit(file_code),
        population=(pl.col("population_thousands") * 1000).round(0).cast(pl.Int64),
        is_projection=pl.col("year") >= FIRST_PROJECTION_YEAR,
    ).select(list(SCHEMA)).cast(SCHEMA)
