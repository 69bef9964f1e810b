"""Wikipedia twin-town lists: the parser on the real 2026-02 files, bad input, the fetchers
against a loopback server in the live formats (CSV on GitHub raw, MediaWiki parse JSON), and
the staging model's choice of snapshot and point per city."""

from __future__ import annotations

import dataclasses
import json

import duckdb
import polars as pl
import pytest
from wikipedia_fixtures import (
    EUROPE,
    EUROPE_TITLE,
    GEOCODED_CSV,
    GERMANY_TITLE,
    HTML_ERROR_PAGE,
    LIVE_ANSWERS,
    MISSING_PAGE,
    PAIRS_CSV,
    flagdeco,
    heading,
    host,
    page,
    partners,
)

from ingest.acquire import acquire
from ingest.config import settings
from ingest.errors import FetchError, ParseError
from ingest import warehouse as warehouse_db
from ingest.sources import raw_table
from ingest.sources import wikipedia_twin_towns as wtt

SOURCE = raw_table("wikipedia_twin_towns__pairs")
KEY = ["city_label", "city_country", "twin_label", "twin_country"]


def parse_bundle(bundle_dir, key: str) -> pl.DataFrame:
    spec = SOURCE.spec(key)
    (path,) = sorted(bundle_dir.glob(spec.bundle_glob))
    return SOURCE.parse(path, spec)


def parse_bytes(tmp_path, content: bytes, key: str = "pairs_2026_02", name: str = "twin_cities_raw.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return SOURCE.parse(path, SOURCE.spec(key))


def partners_of(frame: pl.DataFrame, label: str, country: str) -> set[tuple[str, str]]:
    rows = frame.filter((pl.col("city_label") == label) & (pl.col("city_country") == country))
    return set(zip(rows["twin_label"], rows["twin_country"], strict=True))


def pair(frame: pl.DataFrame, city: str, twin: str) -> dict:
    return frame.filter((pl.col("city_label") == city) & (pl.col("twin_label") == twin)).row(0, named=True)


# --- the real files -----------------------------------------------------------------------------

def test_registered_with_its_licence_and_table():
    assert SOURCE.origin.licence == "CC BY-SA 4.0" and SOURCE.origin.share_alike
    assert "share-alike" in SOURCE.origin.citation
    assert [s.key for s in SOURCE.snapshots] == ["pairs_2026_02", "geocoded_2026_02", "live_pages"]
    live = SOURCE.spec("live_pages")
    assert live.optional and live.bundle_glob is None
    assert "action=parse" in live.url and "formatversion=2" in live.url


def test_pairs_file_real_counts_and_pairs(bundle_dir):
    pairs = parse_bundle(bundle_dir, "pairs_2026_02")
    # 26,114 lines of pairs, no exact duplicate; 3 namesake self-pairs skipped
    assert pairs.height == 26_111
    assert pairs.select(KEY).is_duplicated().sum() == 0
    assert pairs["snapshot"].unique().to_list() == ["pairs_2026_02"]
    first = pairs.row(0, named=True)
    assert (first["city_label"], first["city_country"], first["twin_label"], first["twin_country"],
            first["source_row"]) == ("Berat", "Albania", "Amasya", "Turkey", 2)
    yokohama = pair(pairs, "Yokohama", "San Diego")
    assert (yokohama["city_country"], yokohama["twin_country"], yokohama["source_row"]) == \
        ("Japan", "United States", 16_053)
    taipei = partners_of(pairs, "Taipei", "Taiwan")
    assert len(taipei) == 40
    assert {("San José", "Costa Rica"), ("Prague", "Czech Republic"), ("Ulaanbaatar", "Mongolia"),
            ("Guam", "United States")} <= taipei
    # quoted labels keep their comma, accents are kept
    assert ("Pointe-Noire", "Congo") in partners_of(pairs, "Suzhou, Jiangsu", "China")
    assert ("Bağcılar", "Turkey") in partners_of(pairs, "Berat", "Albania")
    # the file has no coordinates, and does not say which page a pair is on
    assert pairs["city_latitude"].null_count() == pairs["twin_longitude"].null_count() == pairs.height
    assert pairs["list_page"].null_count() == pairs.height
    # listing countries come from the 79 page titles; partner countries are free text
    assert pairs["city_country"].n_unique() == 79
    assert pairs.filter(pl.col("twin_country") == "England, United Kingdom").height == 851


def test_blank_countries_repaired_and_namesake_self_pairs_skipped(bundle_dir):
    pairs = parse_bundle(bundle_dir, "pairs_2026_02")
    # "Varna, Bulgaria" given whole as the link text, nothing after: split
    varna = pair(pairs, "Ningbo", "Varna")
    assert (varna["twin_country"], varna["source_row"]) == ("Bulgaria", 4_848)
    assert ("Varna", "Bulgaria") in partners_of(pairs, "Rostock", "Germany")
    # a territory listed as the partner itself
    assert ("Falkland Islands", "Falkland Islands") in partners_of(pairs, "Portsmouth", "England")
    assert ("American Samoa", "American Samoa") in partners_of(pairs, "Maui County", "United States")
    assert pairs.filter(pl.col("twin_label").str.contains(", Bulgaria$")).height == 0
    # Nienburg/Weser - Nienburg (Saale), line 12171: labels cannot tell them apart
    assert partners_of(pairs, "Nienburg", "Germany") == {("Bartoszyce", "Poland"),
                                                         ("Las Cruces", "United States")}
    assert pairs.filter((pl.col("city_label") == pl.col("twin_label"))
                        & (pl.col("city_country") == pl.col("twin_country"))).height == 0


def test_geocoded_file_real_counts_and_points(bundle_dir):
    geocoded = parse_bundle(bundle_dir, "geocoded_2026_02")
    assert geocoded.height == 25_914  # 25,917 lines less the same 3 self-pairs
    assert geocoded.select(KEY).is_duplicated().sum() == 0
    assert geocoded["city_latitude"].null_count() == 0 and geocoded["twin_longitude"].null_count() == 0
    yokohama = pair(geocoded, "Yokohama", "San Diego")
    assert (yokohama["city_latitude"], yokohama["city_longitude"]) == pytest.approx((35.444, 139.638), abs=0.01)
    assert (yokohama["twin_latitude"], yokohama["twin_longitude"]) == pytest.approx((32.715, -117.163), abs=0.01)
    assert yokohama["source_row"] == 15_930
    varna = pair(geocoded, "Ningbo", "Varna")
    assert (varna["twin_country"], varna["twin_latitude"]) == ("Bulgaria", pytest.approx(43.2167))
    # the same pairs, less the 197 the scraper could not geocode
    pairs = parse_bundle(bundle_dir, "pairs_2026_02")
    assert geocoded.select(KEY).join(pairs.select(KEY), on=KEY, how="anti").height == 0
    assert pairs.select(KEY).join(geocoded.select(KEY), on=KEY, how="anti").height == 197
    # approximate: a namesake placed on the wrong continent (Perth, Scotland at Perth, Australia)
    perth = geocoded.filter((pl.col("twin_label") == "Perth") & (pl.col("twin_country") == "Scotland, United Kingdom"))
    assert perth.height >= 1 and perth["twin_latitude"].max() < -30


# --- bad input ----------------------------------------------------------------------------------

def test_exact_duplicates_keep_the_first(tmp_path):
    frame = parse_bytes(tmp_path, PAIRS_CSV)
    assert frame.height == 4
    assert frame.filter(pl.col("twin_label") == "Amasya")["source_row"].to_list() == [2]
    assert ("Aberystwyth", "Wales, United Kingdom") in partners_of(frame, "Esquel", "Argentina")


@pytest.mark.parametrize(("content", "key", "message"), [
    (b"city,country,twin,twin_country\nBerat,Albania,Amasya,Turkey\n", "pairs_2026_02",
     r"twin_cities_raw.csv, line 1: header \['city', 'country', 'twin', 'twin_country'\], expected "
     r"\['city1', 'country1', 'city2', 'country2'\]"),
    # the pairs file offered as the geocoded one
    (PAIRS_CSV, "geocoded_2026_02", r"line 1: header \['city1', 'country1', 'city2', 'country2'\], expected"),
    (b"city1,country1,city2,country2\nBerat,Albania,Amasya,Turkey\nFermo,Italy,Nowhere Town, \n",
     "pairs_2026_02", r"twin_cities_raw.csv, line 3, field 'country2': blank country for 'Nowhere Town'"),
    (b"city1,country1,city2,country2\nBerat,Albania,,Turkey\n", "pairs_2026_02",
     r"line 2, field 'city2': blank city"),
    (b"city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
     b"Berat,Albania,40.7022,19.9583,Amasya,Turkey,40.65,35.8331\n"
     b"Yokohama,Japan,35\xc2\xb026'N,139.6381,San Diego,United States,32.715,-117.1625\n", "geocoded_2026_02",
     r"line 3, field 'lat1': \"35°26'N\" is not a number"),
    (b"city1,country1,lat1,lng1,city2,country2,lat2,lng2\nBerat,Albania,40.7,19.9,Amasya,Turkey,40.6,nan\n",
     "geocoded_2026_02", r"line 2, field 'lng2': 'nan' is not a number"),
    (b"city1,country1,lat1,lng1,city2,country2,lat2,lng2\nBerat,Albania,40.7,19.9,Amasya,Turkey,140.65,35.8\n",
     "geocoded_2026_02", r"line 2, field 'lat2': 140.65 is out of range \[-90, 90\]"),
    (b"city1,country1,lat1,lng1,city2,country2,lat2,lng2\nBerat,Albania,40.7,,Amasya,Turkey,40.6,35.8\n",
     "geocoded_2026_02", r"line 2, field 'lng1': a coordinate without the other"),
    (b"city1,country1,city2,country2\nBerat,Albania,Amasya\n", "pairs_2026_02", r"line 2: 3 fields, expected 4"),
    (b"", "pairs_2026_02", r"twin_cities_raw.csv: the file is empty"),
    (b"city1,country1,city2,country2\n", "pairs_2026_02", r"no twinning pairs in the file"),
    (HTML_ERROR_PAGE, "pairs_2026_02", r"line 1: the file is an HTML page, not CSV"),
])
def test_bad_csv_is_refused_naming_file_line_and_field(tmp_path, content, key, message):
    with pytest.raises(ParseError, match=r"^\[wikipedia_twin_towns\] cannot parse .*" + message):
        parse_bytes(tmp_path, content, key)


def test_blank_country_error_carries_line_and_field(tmp_path):
    with pytest.raises(ParseError) as caught:
        parse_bytes(tmp_path, b"city1,country1,city2,country2\nBerat,Albania,Amasya,Turkey\n"
                              b"Berat,,Fermo,Italy\n")
    assert (caught.value.source, caught.value.row, caught.value.field) == ("wikipedia_twin_towns", 3, "country1")


def test_namesake_self_pair_is_skipped_in_csv(tmp_path):
    frame = parse_bytes(tmp_path, b"city1,country1,city2,country2\nStryi,Ukraine,Stryi,Ukraine\n"
                                  b"Stryi,Ukraine,Mansfield,\"England, United Kingdom\"\n")
    assert frame.select(KEY).rows() == [("Stryi", "Ukraine", "Mansfield", "England, United Kingdom")]
    assert frame["source_row"].to_list() == [3]


# --- live pages: the MediaWiki parse answers ----------------------------------------------------

def live_snapshot(tmp_path, answers: dict[str, bytes]):
    path = tmp_path / "live_pages.json"
    path.write_text(json.dumps({title: json.loads(body) for title, body in answers.items()}))
    return path


def test_live_pages_parsed_from_the_page_structure(tmp_path):
    frame = SOURCE.parse(live_snapshot(tmp_path, LIVE_ANSWERS), SOURCE.spec("live_pages"))
    assert frame["snapshot"].unique().to_list() == ["live_pages"]
    # continent page: the country is the h2; the lead's bold word and "See also" list are no pairs
    europe = frame.filter(pl.col("list_page") == EUROPE_TITLE)
    assert europe.select([*KEY, "source_row"]).rows() == [
        ("Berat", "Albania", "Amasya", "Turkey", 1), ("Berat", "Albania", "Bérat", "France", 2),
        ("Berat", "Albania", "Fermo", "Italy", 3)]  # the repeated Amasya item dropped
    # country page: the country from the title; years, citations and flags left out; a
    # {{flagicon}} gives the country when the text does not; the namesake Nienburg skipped
    germany = frame.filter(pl.col("list_page") == GERMANY_TITLE)
    assert germany.select([*KEY, "source_row"]).rows() == [
        ("Aachen", "Germany", "Toledo", "Spain", 1), ("Aachen", "Germany", "Kostroma", "Russia", 2),
        ("Aachen", "Germany", "Varna", "Bulgaria", 3),
        ("Aachen", "Germany", "Halifax", "England, United Kingdom", 4),
        ("Nienburg", "Germany", "Bartoszyce", "Poland", 5)]
    assert ("Yokohama", "Japan", "San Diego", "United States") in frame.select(KEY).rows()
    assert frame.height == 13 and frame["city_latitude"].null_count() == 13


def test_live_city_listed_with_itself_is_refused(tmp_path):
    title = "List of twin towns and sister cities in Bulgaria"
    bad = page(title, 9, heading(title, 1, "V") + host("Varna", "Varna", 1) + partners(
        f'{flagdeco("Denmark")}<a href="/wiki/Aalborg" title="Aalborg">Aalborg</a>, Denmark',
        f'{flagdeco("Bulgaria")}<a href="/wiki/Varna" title="Varna">Varna</a>, Bulgaria'))
    with pytest.raises(ParseError, match=r"item on page 'List of twin towns and sister cities in "
                                         r"Bulgaria' 2: Varna \(Bulgaria\) is twinned with itself$"):
        SOURCE.parse(live_snapshot(tmp_path, {title: bad}), SOURCE.spec("live_pages"))


def test_live_item_without_a_country_is_refused_naming_page_and_item(tmp_path):
    title = "List of twin towns and sister cities in Bulgaria"
    bad = page(title, 9, heading(title, 1, "V") + host("Varna", "Varna", 1) + partners(
        f'{flagdeco("Denmark")}<a href="/wiki/Aalborg" title="Aalborg">Aalborg</a>, Denmark',
        f'{flagdeco("Nowhere")}<a href="/wiki/Somewhere" title="Somewhere">Somewhere</a> (2001)'))
    with pytest.raises(ParseError, match=r"live_pages.json, item on page 'List of twin towns and "
                                         r"sister cities in Bulgaria' 2, field 'twin_country': "
                                         r"blank country for 'Somewhere'$"):
        SOURCE.parse(live_snapshot(tmp_path, {title: bad}), SOURCE.spec("live_pages"))


def test_live_snapshot_without_parse_text_is_refused(tmp_path):
    path = tmp_path / "live_pages.json"
    path.write_text(json.dumps({EUROPE_TITLE: json.loads(EUROPE), GERMANY_TITLE: json.loads(MISSING_PAGE)}))
    with pytest.raises(ParseError, match=r"page 'List of twin towns and sister cities in Germany' has no parse.text"):
        SOURCE.parse(path, SOURCE.spec("live_pages"))


def test_country_pages_linked_from_a_continent_page():
    html = json.loads(EUROPE)["parse"]["text"]
    assert wtt.linked_list_pages(html) == [GERMANY_TITLE]  # not the continent page under See also
    assert wtt.page_country("List of twin towns and sister cities in the Czech Republic") == "Czech Republic"
    assert wtt.page_country(EUROPE_TITLE) is None


# --- fetchers against the loopback server --------------------------------------------------------

@pytest.fixture
def live(citywh_env, http_server, monkeypatch):
    monkeypatch.setenv("CITYWH_FETCH", "live")

    def pointed(key: str, path: str):
        spec = SOURCE.spec(key)
        query = spec.url.partition("?")[2]
        return dataclasses.replace(spec, url=http_server.url(path + (f"?{query}" if query else "")))

    return settings(), http_server, pointed


def test_pairs_csv_fetched_after_a_503(live):
    current, server, pointed = live
    path = "/Hekman/twincities/84ebdec/twin_cities_raw.csv"
    spec = pointed("pairs_2026_02", path)
    server.routes[path] = [(503, b"busy"), (200, PAIRS_CSV)]
    snapshot = acquire(SOURCE, spec, current)
    assert snapshot.acquired_via == "live" and snapshot.licence == "CC BY-SA 4.0"
    assert server.requests.count(path) == 2  # the 503 was retried
    frame = SOURCE.parse(snapshot.path, spec)
    assert pair(frame, "Berat", "Bérat")["twin_country"] == "France"


def test_geocoded_csv_fetched(live):
    current, server, pointed = live
    path = "/Hekman/twincities/84ebdec/app/public/twin_cities.csv"
    spec = pointed("geocoded_2026_02", path)
    server.routes[path] = [(200, GEOCODED_CSV)]
    frame = SOURCE.parse(acquire(SOURCE, spec, current).path, spec)
    assert pair(frame, "Yokohama", "San Diego")["twin_longitude"] == pytest.approx(-117.1625)


def test_html_error_page_instead_of_csv_is_refused(live):
    current, server, pointed = live
    path = "/Hekman/twincities/84ebdec/twin_cities_raw.csv"
    server.routes[path] = [(200, HTML_ERROR_PAGE)]
    with pytest.raises(FetchError, match=r"\[wikipedia_twin_towns\] fetch failed for .*twin_cities_raw.csv: "
                                         r"response is an HTML page, not the CSV"):
        acquire(SOURCE, pointed("pairs_2026_02", path), current)
    assert list(current.store_dir.rglob("*.meta.json")) == []  # nothing stored (the folder may not exist)


def test_wrong_csv_is_refused(live):
    current, server, pointed = live
    path = "/Hekman/twincities/84ebdec/app/public/twin_cities.csv"
    server.routes[path] = [(200, PAIRS_CSV)]  # the other file: its header says so
    with pytest.raises(FetchError, match=r"not the expected CSV \(header 'city1,country1,city2,country2', "
                                         r"expected 'city1,country1,lat1,lng1"):
        acquire(SOURCE, pointed("geocoded_2026_02", path), current)


def test_404_is_named_and_not_retried(live):
    current, server, pointed = live
    path = "/Hekman/twincities/84ebdec/twin_cities_raw.csv"
    server.routes[path] = [(404, b"404: Not Found")]
    with pytest.raises(FetchError, match=r"\[wikipedia_twin_towns\].*twin_cities_raw.csv: HTTP 404"):
        acquire(SOURCE, pointed("pairs_2026_02", path), current)
    assert server.requests.count(path) == 1


def test_live_pages_fetched_into_one_snapshot(live):
    current, server, pointed = live
    spec = pointed("live_pages", "/w/api.php")
    server.routes["/w/api.php"] = [(503, b"busy"), *[(200, body) for body in LIVE_ANSWERS.values()]]
    snapshot = acquire(SOURCE, spec, current)
    assert snapshot.acquired_via == "live"
    stored = json.loads(snapshot.path.read_bytes())
    assert list(stored) == list(LIVE_ANSWERS)  # the continents, then the country page they link
    assert len(server.requests) == 8  # 7 pages, the first retried after its 503
    assert all("action=parse" in r and "formatversion=2" in r for r in server.requests)
    assert server.requests[-1].endswith("page=List+of+twin+towns+and+sister+cities+in+Germany")
    frame = SOURCE.parse(snapshot.path, SOURCE.spec("live_pages"))
    assert pair(frame, "Aachen", "Kostroma")["list_page"] == GERMANY_TITLE


@pytest.mark.parametrize(("body", "message"), [
    (MISSING_PAGE, r"MediaWiki API error 'missingtitle': The page you specified doesn't exist"),
    (HTML_ERROR_PAGE, r"response is an HTML page, not MediaWiki API JSON"),
    (json.dumps({"parse": {"title": "x", "pageid": 1}}).encode(), r"answer has no parse.text"),
])
def test_live_page_that_is_no_parse_answer_is_refused(live, body, message):
    current, server, pointed = live
    server.routes["/w/api.php"] = [(200, body)]
    with pytest.raises(FetchError, match=r"\[wikipedia_twin_towns\] fetch failed for .*/w/api.php\?.*"
                                         r"page=List\+of\+twin\+towns\+and\+sister\+cities\+in\+Africa: " + message):
        acquire(SOURCE, pointed("live_pages", "/w/api.php"), current)


# --- the staging model -------------------------------------------------------------------------

def test_staging_prefers_live_pages_and_takes_the_most_frequent_point(citywh_env):
    """stg_wikipedia_twin_towns__pairs: pairs from live_pages once landed (else pairs_2026_02), each
    end with the point the geocoded file gives its (label, country) most often (ties: lowest
    latitude, then longitude), null where it gives none."""
    from ingest.dbt import run_dbt

    warehouse = citywh_env.warehouse_path
    warehouse_db.ensure_raw_tables(warehouse, [SOURCE])
    rows = [  # snapshot, city, country, lat, lng, twin, country, lat, lng, list_page, source_row
        ("pairs_2026_02", "Berat", "Albania", None, None, "Amasya", "Turkey", None, None, None, 2),
        ("pairs_2026_02", "Berat", "Albania", None, None, "Fermo", "Italy", None, None, None, 3),
        # Berat twice at (40.70, 19.95), once at (41.0, 20.0): the frequent point wins;
        # Amasya once at each of two points: the lower latitude wins
        ("geocoded_2026_02", "Berat", "Albania", 40.70, 19.95, "Amasya", "Turkey", 40.65, 35.83, None, 2),
        ("geocoded_2026_02", "Berat", "Albania", 40.70, 19.95, "Bérat", "France", 43.37, 1.17, None, 3),
        ("geocoded_2026_02", "Tirana", "Albania", 41.33, 19.82, "Berat", "Albania", 41.0, 20.0, None, 4),
        ("geocoded_2026_02", "Sivas", "Turkey", 39.75, 37.02, "Amasya", "Turkey", 40.60, 35.90, None, 5),
    ]
    columns = ", ".join(wtt.SCHEMA)
    with warehouse_db.connect(warehouse) as con:
        con.executemany(f"insert into raw.wikipedia_twin_towns__pairs ({columns}, _load_id) "
                        f"values ({', '.join('?' * len(wtt.SCHEMA))}, 'L1')", rows)

    def staged() -> list[tuple]:
        run_dbt(["run", "--select", "stg_wikipedia_twin_towns__pairs"], citywh_env)
        con = duckdb.connect(str(warehouse))
        try:
            return con.execute("select snapshot, city_label, city_latitude, city_longitude, twin_label, "
                               "twin_latitude, twin_longitude, list_page, source_row, load_id "
                               "from staging.stg_wikipedia_twin_towns__pairs order by source_row").fetchall()
        finally:
            con.close()

    assert staged() == [
        ("pairs_2026_02", "Berat", 40.70, 19.95, "Amasya", 40.60, 35.90, None, 2, "L1"),
        ("pairs_2026_02", "Berat", 40.70, 19.95, "Fermo", None, None, None, 3, "L1"),
    ]
    with warehouse_db.connect(warehouse) as con:
        con.execute(f"insert into raw.wikipedia_twin_towns__pairs ({columns}, _load_id) values "
                    f"('live_pages', 'Berat', 'Albania', null, null, 'Bérat', 'France', null, null, "
                    f"'{EUROPE_TITLE}', 2, 'L2')")
    assert staged() == [("live_pages", "Berat", 40.70, 19.95, "Bérat", 43.37, 1.17, EUROPE_TITLE, 2, "L2")]
