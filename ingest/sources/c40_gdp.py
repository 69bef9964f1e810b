"""C40 GHG Emissions Dashboard data: population, area and GDP of C40 cities, as they reported them.

Live:   C40_GPC_Database.xlsx (version 30.05.2023), the workbook behind C40's GHG dashboard
        (https://www.c40knowledgehub.org/s/article/C40-cities-greenhouse-gas-emissions-interactive-
        dashboard); fetched from the pinned public copy the catalog names.
Layout: .xlsx; sheet "GHG Dashboard Data - Inventory", header on row 1: Use for GPC Dashboard? |
        Latest GPC Inventory? | City | Country | Region | Boundary | Year | Year_calendar |
        City_year | Level | Population | Area | GDP | then 150+ emission columns (not taken).
        One row per city and inventory year; "Year" is the inventory period as reported (e.g.
        "April 2018 - April 2019"), "Year_calendar" its calendar year. Blank rows follow the data.
Parsed: one row per (city, calendar year) with population, area (km2) and GDP as given. The
        dashboard states GDP in US dollars (nominal, as each city reported it); one cell carries
        a "$" and thousands separators, the rest are plain numbers; a GDP of 0 means "not
        reported" and becomes null. No value is estimated here.
Licence: C40's Terms of Use, "made available as a Derivative Database under CDP's Open Data
        Portal License": attribution required; redistribution in a release needs C40's consent.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.errors import FetchError, ParseError
from ingest.http import download
from ingest.sources.base import SnapshotSpec, schema_of
from ingest.sources.formats import excel_sheet

NAME = "c40_gdp"
SHEET = "GHG Dashboard Data - Inventory"
COLUMNS = {  # source header -> our name
    "City": "city_name", "Country": "country_name", "Region": "c40_region", "Boundary": "boundary",
    "Year": "inventory_period", "Year_calendar": "year", "Population": "population",
    "Area": "area_km2", "GDP": "gdp",
}
SCHEMA = schema_of("c40_gdp__city_inventories")


def fetch(spec: SnapshotSpec) -> bytes:
    content = download(NAME, spec.url)
    if not content.startswith(b"PK\x03\x04"):
        raise FetchError(NAME, spec.url, f"response is not an .xlsx workbook (starts {content[:40]!r})")
    return content


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)

    def fail(reason: str, row: int | None = None, field: str | None = None) -> ParseError:
        return ParseError(NAME, file, reason, row=row, field=field, row_kind="Excel row")

    sheet = excel_sheet(path, NAME, SHEET, columns=list(COLUMNS))
    rows = sheet.select(list(COLUMNS)).rename(COLUMNS).with_row_index("excel_row", offset=2) \
        .filter(pl.col("city_name").fill_null("").str.strip_chars() != "")
    if rows.is_empty():
        raise fail("no city rows below the header", row=2)

    def number(column: str) -> pl.Expr:
        return pl.col(column).str.replace_all(r"[$,\s]", "").cast(pl.Float64, strict=False)

    typed = rows.with_columns(
        gdp_as_given=pl.col("gdp").str.strip_chars(),
        year=pl.col("year").str.strip_chars().cast(pl.Int32, strict=False),
        population=number("population"),
        area_km2=number("area_km2"),
        gdp=number("gdp"),
        boundary=pl.col("boundary").str.strip_chars(),
        country_name=pl.col("country_name").str.strip_chars(),
        inventory_period=pl.col("inventory_period").str.strip_chars(),
    )
    for column, label in (("year", "Year_calendar"), ("population", "Population"), ("gdp", "GDP")):
        bad = typed.filter(pl.col(column).is_null())
        if bad.height:
            line = bad["excel_row"][0]
            given = rows.filter(pl.col("excel_row") == line)[column][0]
            raise fail(f"{label} {given!r} is not a number", row=line, field=label)
    duplicated = typed.filter(pl.struct("city_name", "year").is_duplicated())
    if duplicated.height:
        raise fail(f"{duplicated['city_name'][0]} {duplicated['year'][0]} appears twice",
                   row=duplicated["excel_row"][1], field="City")
    unexpected = typed.filter(pl.col("gdp_as_given").str.contains(r"[^\d.,$\s]"))
    if unexpected.height:  # a currency other than the dashboard's US$ would show up here
        raise fail(f"GDP {unexpected['gdp_as_given'][0]!r} carries an unexpected unit",
                   row=unexpected["excel_row"][0], field="GDP")
    return typed.with_columns(
        population=pl.col("population").round(0).cast(pl.Int64),
        # 16 inventories give GDP as 0: not reported, so null (gdp_as_given keeps the 0)
        gdp=pl.when(pl.col("gdp") > 0).then(pl.col("gdp")),
        currency=pl.lit("USD"),
    ).select(list(SCHEMA)).cast(SCHEMA).sort(["city_name", "year"])
