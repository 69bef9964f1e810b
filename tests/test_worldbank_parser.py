"""The World Bank bulk-layout parser, on the real files of the offline bundle and on bad input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from worldbank_fixtures import SMALL_POPULATION, bulk_csv, bulk_zip

from ingest.errors import ParseError
from ingest.sources import raw_table
from ingest.sources.worldbank import parse, parse_bulk_csv

SOURCE = raw_table("worldbank__indicator_values")


def _real(bundle_dir: Path, key: str) -> pl.DataFrame:
    spec = SOURCE.spec(key)
    (path,) = bundle_dir.glob(spec.bundle_glob)
    return parse(path, spec)


def _value(frame: pl.DataFrame, code: str, year: int) -> float:
    return frame.filter((pl.col("country_code") == code) & (pl.col("year") == year))["value"].item()


def test_real_population_file(bundle_dir):
    frame = _real(bundle_dir, "SP.POP.TOTL")
    assert frame.schema == pl.Schema(SOURCE.schema)
    assert _value(frame, "JPN", 2020) == 126_261_000
    assert _value(frame, "IND", 1960) == 435_990_338
    assert frame.filter(pl.col("country_code") == "JPN")["country_name"][0] == "Japan"
    # 265 economies, aggregates included; no (country, year) twice
    assert frame["country_code"].n_unique() == 265
    assert not frame.select(["country_code", "year"]).is_duplicated().any()
    assert str(frame["last_updated"][0]) == "2026-03-06"


def test_real_gdp_and_urban_share_files(bundle_dir):
    gdp = _real(bundle_dir, "NY.GDP.MKTP.CD")
    assert _value(gdp, "JPN", 2020) == pytest.approx(5_055_587_093_501.588)
    urban = _real(bundle_dir, "SP.URB.TOTL.IN.ZS")
    assert _value(urban, "JPN", 2020) == pytest.approx(91.782)
    assert urban["value"].max() <= 100
    assert str(urban["last_updated"][0]) == "2025-07-01"


def test_aggregates_are_kept_and_flagged(bundle_dir):
    frame = _real(bundle_dir, "SP.POP.TOTL")
    flags = dict(frame.select("country_code", "is_aggregate").unique().iter_rows())
    assert flags["WLD"] is True and flags["EUU"] is True and flags["HIC"] is True
    assert flags["JPN"] is False and flags["XKX"] is False
    assert flags["CHI"] is False  # Channel Islands: a WB economy, not an aggregate
    assert _value(frame, "WLD", 2020) > 7_000_000_000


def test_missing_values_are_dropped_not_zero():
    frame = parse_bulk_csv(SMALL_POPULATION, file="small.csv", expected_indicator="SP.POP.TOTL")
    aruba = frame.filter(pl.col("country_code") == "ABW")
    assert aruba["year"].to_list() == [2018, 2020]
    assert frame.height == 8


def test_zip_from_live_download_is_parsed(tmp_path):
    path = tmp_path / "API_SP.POP.TOTL_DS2_en_csv_v2.zip"
    path.write_bytes(bulk_zip("SP.POP.TOTL", SMALL_POPULATION))
    frame = parse(path, SOURCE.spec("SP.POP.TOTL"))
    assert _value(frame, "JPN", 2019) == 126_633_000


@pytest.mark.parametrize(
    ("content", "message", "row", "field"),
    [
        (bulk_csv([["Japan", "JPN", "1", "2", "n/a"]]), "'n/a' is not a number", 6, "2020"),
        (bulk_csv([["Japan", "JPN", "1", "2", "3"]],
                  header=["Country", "Country Code", "Indicator Name", "Indicator Code", *["2018", "2019", "2020"]]),
         "header starts", 5, None),
        (bulk_csv([["Japan", "JPN", "1", "2", "3"]],
                  header=["Country Name", "Country Code", "Indicator Name", "Indicator Code", "2018", "total", "2020"]),
         "expected year columns", 5, "total"),
        (bulk_csv([["Japan", "", "1", "2", "3"]]), "empty identifier", 6, "Country Code"),
        (bulk_csv([["Japan", "JPN", "1", "2", "3"]], indicator="NY.GDP.MKTP.CD"),
         "indicator 'NY.GDP.MKTP.CD' in a file for 'SP.POP.TOTL'", 6, "Indicator Code"),
        (bulk_csv([]), "no data rows", None, None),
        (b"Country Name,Country Code\r\nJapan,JPN\r\n", "preamble", 1, None),
    ],
    ids=["non-numeric", "renamed-header", "bad-year-column", "empty-code", "wrong-indicator",
         "empty", "no-preamble"],
)
def test_bad_input_names_file_row_and_field(content, message, row, field):
    with pytest.raises(ParseError) as caught:
        parse_bulk_csv(content, file="bad.csv", expected_indicator="SP.POP.TOTL")
    error = caught.value
    assert message in str(error)
    assert "[worldbank]" in str(error) and "bad.csv" in str(error)
    assert (error.row, error.field) == (row, field)
