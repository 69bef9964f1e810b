"""Landing: one transaction per batch, idempotent, and nothing lost when it fails."""

from __future__ import annotations

import dataclasses

import duckdb
import polars as pl
import pytest

from ingest import landing
from ingest.acquire import acquire_all
from ingest.errors import CitywhError
from ingest.pipeline import ingest_snapshot
from ingest.sources import raw_table

SOURCE = raw_table("worldbank__indicator_values")


def _rows(settings, sql: str):
    con = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def population(citywh_env):
    return next(s for s in acquire_all(SOURCE, citywh_env) if s.key == "SP.POP.TOTL")


def test_landing_twice_is_one_load_with_the_same_rows(citywh_env, population):
    first = ingest_snapshot(SOURCE, population, citywh_env)
    second = ingest_snapshot(SOURCE, population, citywh_env)
    assert (first.status, first.rows) == ("landed", 17_195)
    assert second.status == "unchanged"
    loads = _rows(citywh_env, "select load_id, snapshot_sha256, rows, status, validation_success "
                              "from meta.loads")
    assert loads == [(first.load_id, population.sha256, 17_195, "landed", True)]
    assert _rows(citywh_env, "select count(*), count(distinct _load_id) from raw.worldbank__indicator_values") == [(17_195, 1)]
    assert _rows(citywh_env, "select value from raw.worldbank__indicator_values "
                             "where country_code = 'JPN' and year = 2020") == [(126_261_000.0,)]
    assert _rows(citywh_env, "select licence, producer from meta.sources") == [("CC BY 4.0", "World Bank")]


def test_new_snapshot_replaces_only_its_own_batch(citywh_env):
    snapshots = acquire_all(SOURCE, citywh_env)
    for snapshot in snapshots:
        ingest_snapshot(SOURCE, snapshot, citywh_env)
    population = snapshots[1]
    frame = SOURCE.parse(population.path, SOURCE.spec(population.key))
    revised = frame.with_columns(pl.when((pl.col("country_code") == "JPN") & (pl.col("year") == 2020))
                                 .then(126_000_000.0).otherwise(pl.col("value")).alias("value"))
    newer = dataclasses.replace(population, sha256="f" * 64)
    landing.land(citywh_env.warehouse_path, SOURCE, newer, revised)
    counts = dict(_rows(citywh_env, "select indicator_code, count(*) from raw.worldbank__indicator_values group by 1"))
    assert counts == {"NY.GDP.MKTP.CD": 13_979, "SP.POP.TOTL": 17_195, "SP.URB.TOTL.IN.ZS": 17_095}
    assert _rows(citywh_env, "select value, _snapshot_sha256 from raw.worldbank__indicator_values "
                             "where country_code = 'JPN' and year = 2020 and indicator_code = 'SP.POP.TOTL'") \
        == [(126_000_000.0, "f" * 64)]


def test_crash_mid_load_leaves_previous_rows_intact(citywh_env, population, monkeypatch):
    good = ingest_snapshot(SOURCE, population, citywh_env)
    frame = SOURCE.parse(population.path, SOURCE.spec(population.key))

    def crash(*args, **kwargs):  # after the delete and the insert, before commit
        raise RuntimeError("injected crash")

    monkeypatch.setattr(landing, "_record_load", crash)
    with pytest.raises(RuntimeError, match="injected crash"):
        landing.land(citywh_env.warehouse_path, SOURCE, dataclasses.replace(population, sha256="e" * 64),
                     frame.head(10))
    assert _rows(citywh_env, "select count(*), min(_load_id), max(_load_id) from raw.worldbank__indicator_values") \
        == [(17_195, good.load_id, good.load_id)]
    assert _rows(citywh_env, "select count(*) from meta.loads") == [(1,)]


def test_schema_drift_is_refused_and_loses_nothing(citywh_env, population):
    ingest_snapshot(SOURCE, population, citywh_env)
    frame = SOURCE.parse(population.path, SOURCE.spec(population.key)).drop("indicator_name")
    with pytest.raises(CitywhError, match=r"\[worldbank\] schema drift .*indicator_name"):
        landing.land(citywh_env.warehouse_path, SOURCE, dataclasses.replace(population, sha256="d" * 64), frame)
    assert _rows(citywh_env, "select count(*) from raw.worldbank__indicator_values") == [(17_195,)]
