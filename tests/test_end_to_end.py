"""The build command end to end, into a temporary directory, as a user runs it."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest import publish
from ingest.config import settings


@pytest.fixture(scope="module")
def built(tmp_path_factory, bundle_dir):
    home = tmp_path_factory.mktemp("e2e") / "home"
    env = {**os.environ, "CITYWH_HOME": str(home), "CITYWH_BUNDLE": str(bundle_dir), "CITYWH_FETCH": "auto"}
    citywh = Path(sys.executable).with_name("citywh")
    run = subprocess.run([str(citywh), "run"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return home, env, citywh, run


def _query(path: Path, sql: str):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_serving_file_answers_with_the_world_banks_values(built):
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    rows = _query(serving, "select * from country_indicators where country_code = 'JPN' and year = 2020")
    assert rows == [("JPN", "Japan", 2020, pytest.approx(5_055_587_093_501.588), 126_261_000,
                     pytest.approx(91.782), 115_884_871)]
    # aggregates are not countries
    assert _query(serving, "select count(*) from country_indicators where country_code in ('WLD', 'EUU', 'HIC')") == [(0,)]
    assert _query(serving, "select population from country_indicators where country_code = 'IND' and year = 1960") \
        == [(435_990_338,)]
    assert not os.stat(serving).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_status_shows_each_load_with_its_sha256(built, bundle_dir):
    home, env, citywh, _ = built
    out = subprocess.run([str(citywh), "status"], env=env, capture_output=True, text=True, check=True).stdout
    for csv in (bundle_dir / "worldbank").glob("API_*.csv"):
        assert hashlib.sha256(csv.read_bytes()).hexdigest() in out
    assert "country_indicators" in out and "passed" in out


def test_second_run_lands_nothing_new(built):
    home, env, citywh, _ = built
    again = subprocess.run([str(citywh), "run"], env=env, capture_output=True, text=True)
    assert again.returncode == 0
    assert again.stderr.count(": unchanged") == 3
    assert _query(home / "warehouse" / "citywh.duckdb", "select count(*) from meta.loads") == [(3,)]


def test_publish_swaps_under_an_open_reader(built, monkeypatch):
    home, *_ = built
    monkeypatch.setenv("CITYWH_HOME", str(home))
    serving = home / "warehouse" / "serving.duckdb"
    reader = duckdb.connect(str(serving), read_only=True)
    try:
        before = reader.execute("select count(*) from country_indicators").fetchone()
        publish.publish(settings())
        assert reader.execute("select count(*) from country_indicators").fetchone() == before
    finally:
        reader.close()
    assert _query(serving, "select count(*) from country_indicators") == [before]
