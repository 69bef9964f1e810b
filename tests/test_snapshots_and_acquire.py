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
    # <store>/<source>/<date>/<sha256[:16]>/<file>: each distinct content in a folder of its own
    assert population.path.parent.name == population.sha256[:16]
    assert population.path.parent.parent.parent == citywh_env.store_dir / "worldbank"
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


def test_offline_mode_falls_back_to_the_last_landed_snapshot(citywh_env, tmp_path, monkeypatch):
    from ingest.pipeline import ingest_snapshot

    held = acquire_all(SOURCE, citywh_env)
    monkeypatch.setenv("CITYWH_BUNDLE", str(tmp_path / "gone"))
    monkeypatch.setenv("CITYWH_FETCH", "offline")
    with pytest.raises(MissingSnapshotError):  # held, but never landed: not known to be good
        acquire_all(SOURCE, settings())
    for snapshot in held:
        ingest_snapshot(SOURCE, snapshot, citywh_env)
    assert [s.sha256 for s in acquire_all(SOURCE, settings())] == [s.sha256 for s in held]


def test_a_bad_file_on_the_same_day_keeps_the_good_one(citywh_env, tmp_path, monkeypatch):
    """A different body under the same name, the same day: stored beside the good one, rejected,
    and the store still serves the good one."""
    from ingest.errors import ParseError
    from ingest.pipeline import ingest_snapshot
    from ingest.snapshots import SnapshotStore

    good = acquire_all(SOURCE, citywh_env)[1]
    ingest_snapshot(SOURCE, good, citywh_env)
    store = SnapshotStore(citywh_env.store_dir)
    spec = SOURCE.spec(good.key)
    bad = store.save(spec, b"<html>Service unavailable</html>", filename=good.path.name, url=spec.url,
                     origin=SOURCE.origin, acquired_via="live")
    assert bad.path != good.path and good.path.read_bytes()[:4] != b"<htm"
    with pytest.raises(ParseError, match="quarantined"):
        ingest_snapshot(SOURCE, bad, citywh_env)
    assert (store.latest_good(spec).sha256, bad.status()["status"]) == (good.sha256, "rejected")
    assert good.meta_path.exists() and len(store.snapshots(spec)) == 2


def test_prune_keeps_the_last_good_snapshot(citywh_env):
    from ingest.pipeline import ingest_snapshot
    from ingest.snapshots import SnapshotStore

    good = acquire_all(SOURCE, citywh_env)[1]
    ingest_snapshot(SOURCE, good, citywh_env)
    store, spec = SnapshotStore(citywh_env.store_dir), SOURCE.spec(good.key)
    for n in range(3):
        rejected = store.save(spec, f"bad {n}".encode(), filename=good.path.name, url=spec.url,
                              origin=SOURCE.origin, acquired_via="live")
        store.mark(rejected, "rejected", reason="test")
    removed = store.prune(spec, keep=1)
    assert len(removed) == 2 and store.latest_good(spec).sha256 == good.sha256
    assert len(store.snapshots(spec)) == 2  # the newest and the last good
