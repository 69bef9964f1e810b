"""Live fetchers of the city sources against a loopback server serving their live formats."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from geonames_fixtures import ADMIN1_TXT, CITIES_TXT, cities_zip

from ingest.acquire import acquire
from ingest.config import settings
from ingest.errors import FetchError
from ingest.sources import raw_table


@pytest.fixture
def live(citywh_env, http_server, monkeypatch):
    monkeypatch.setenv("CITYWH_FETCH", "live")

    def pointed(source, path):
        spec = dataclasses.replace(source.snapshots[0], url=http_server.url(path))
        return source, spec

    return settings(), http_server, pointed


def test_geonames_cities_zip_fetched_and_parsed(live):
    current, server, pointed = live
    source, spec = pointed(raw_table("geonames__cities"), "/export/dump/cities500.zip")
    server.routes["/export/dump/cities500.zip"] = [(503, b"busy"), (200, cities_zip(CITIES_TXT))]
    snapshot = acquire(source, spec, current)
    assert snapshot.acquired_via == "live" and snapshot.licence == "CC BY 4.0"
    assert server.requests.count("/export/dump/cities500.zip") == 2  # 503 retried
    cities = source.parse(snapshot.path, spec)
    assert cities.filter(pl.col("name") == "Tokyo")["population"].item() == 8_336_599


def test_geonames_html_error_page_is_refused(live):
    current, server, pointed = live
    source, spec = pointed(raw_table("geonames__admin1_codes"), "/export/dump/admin1CodesASCII.txt")
    server.routes["/export/dump/admin1CodesASCII.txt"] = [(200, b"<html>maintenance</html>")]
    with pytest.raises(FetchError, match=r"\[geonames\].*admin1CodesASCII.txt.*not a GeoNames"):
        acquire(source, spec, current)
    assert list(current.store_dir.rglob("*.meta.json")) == []  # nothing stored (the folder may not exist)
    server.routes["/export/dump/admin1CodesASCII.txt"] = [(200, ADMIN1_TXT.encode())]
    assert acquire(source, spec, current).bytes == len(ADMIN1_TXT.encode())


def test_geonames_zip_without_the_member_is_refused(live):
    current, server, pointed = live
    source, spec = pointed(raw_table("geonames__cities"), "/export/dump/cities500.zip")
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "wrong")
    server.routes["/export/dump/cities500.zip"] = [(200, buffer.getvalue())]
    with pytest.raises(FetchError, match="zip holds no cities500.txt"):
        acquire(source, spec, current)


def test_wup_xls_fetched_and_404_named(live, bundle_dir):
    current, server, pointed = live
    path = "/wup/Download/Files/WUP2018-F12-Cities_Over_300K.xls"
    source, spec = pointed(raw_table("un_wup__city_populations"), path)
    # the real workbook, read in place from the bundle and served as the UN serves it
    server.routes[path] = [(200, (bundle_dir / "un_wup" / "WUP2018-F12-Cities_Over_300K.xls").read_bytes())]
    snapshot = acquire(source, spec, current)
    frame = source.parse(snapshot.path, spec)
    assert frame.filter((pl.col("city_code") == 20001) & (pl.col("year") == 1950))["population"].item() == 82_468
    server.routes[path] = [(404, b"not found")]
    with pytest.raises(FetchError, match=r"\[un_wup\].*WUP2018-F12.*HTTP 404"):
        acquire(source, dataclasses.replace(spec, url=server.url(path)), current)


def test_wup_non_workbook_body_is_refused(live):
    current, server, pointed = live
    path = "/wup/Download/Files/WUP2018-F22-Cities_Over_300K_Annual.xls"
    source, spec = pointed(raw_table("un_wup__city_populations"), path)
    server.routes[path] = [(200, b"<!DOCTYPE html><p>moved</p>")]
    with pytest.raises(FetchError, match="not an .xls workbook"):
        acquire(source, spec, current)


def test_c40_non_xlsx_body_is_refused(live):
    current, server, pointed = live
    source, spec = pointed(raw_table("c40_gdp__city_inventories"), "/C40_GPC_Database.xlsx")
    server.routes["/C40_GPC_Database.xlsx"] = [(200, b"Access denied")]
    with pytest.raises(FetchError, match=r"\[c40_gdp\].*not an .xlsx workbook"):
        acquire(source, spec, current)
