"""Snapshot store and acquisition: bundle seeding, dedup by sha256, missing files named."""

from __future__ import annotations

import hashlib
import json

import pytest

from ingest.acquire import acquire_all
from ingest.config import settings
from ingest.errors import MissingSnapshotError
from ingest.sources import raw_table

SOURCE = raw_table("worldbank__indicator_values")


def test_bundle_seeds_the_store_with_metadata(citywh_env, bundle_dir):
    snapshots = acquire_all(SOURCE, citywh_env)
    assert [s.key for s in snapshots] == ["NY.GDP.MKTP.CD", "SP.POP.TOTL", "SP.URB.TOTL.IN.ZS"]
    population = snapshots[1]
    original = bundle_dir / "worldbank" / "API_SP.POP.TOTL_DS2_en_csv_v2_datahub.csv"
    assert population.sha256 == hashlib.sha256(original.read_bytes()).hexdigest()
    assert population.path.parent.parent == citywh_env.store_dir / "worldbank"
    meta = json.loads(population.meta_path.read_text())
    assert meta["url"] == "https://api.worldbank.org/v2/en/indicator/SP.POP.TOTL?downloadformat=csv"
    assert meta["bytes"] == original.stat().st_size
    assert meta["licence"] == "CC BY 4.0" and meta["acquired_via"] == f"bundle:{original}"
    assert {"fetched_at", "producer", "citation", "sha256"} <= meta.keys()


def test_same_content_is_recognised_not_stored_again(citywh_env):
    first = acquire_all(SOURCE, citywh_env)
    second = acquire_all(SOURCE, citywh_env)
    assert [s.path for s in first] == [s.path for s in second]
    assert len(list(citywh_env.store_dir.rglob("*.meta.json"))) == 3


def test_no_bundle_and_no_fetching_names_every_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYWH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CITYWH_BUNDLE", str(tmp_path / "empty-bundle"))
    monkeypatch.setenv("CITYWH_FETCH", "offline")
    with pytest.raises(MissingSnapshotError) as caught:
        acquire_all(SOURCE, settings())
    message = str(caught.value)
    for code in ("NY.GDP.MKTP.CD", "SP.POP.TOTL", "SP.URB.TOTL.IN.ZS"):
        assert f"worldbank/{code}" in message
        assert str(tmp_path / "empty-bundle" / "worldbank" / f"API_{code}_DS2_*.csv") in message


def test_offline_mode_falls_back_to_the_store(citywh_env, tmp_path, monkeypatch):
    held = acquire_all(SOURCE, citywh_env)
    monkeypatch.setenv("CITYWH_BUNDLE", str(tmp_path / "gone"))
    monkeypatch.setenv("CITYWH_FETCH", "offline")
    assert [s.sha256 for s in acquire_all(SOURCE, settings())] == [s.sha256 for s in held]
