"""Publishing the serving file: racing publishers, readers during publishes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ingest.publish import REQUIRED_RELATIONS

pytestmark = pytest.mark.slow  # `make test-quick` leaves these out; `make test` runs them

PUBLISHER = """
import sys
from pathlib import Path
from ingest.config import Settings
from ingest.publish import publish
publish(Settings(home=Path(sys.argv[1]), bundle_dir=Path(sys.argv[1]), fetch_mode="offline"))
"""


def _writer_with_marts(home: Path, version: int) -> None:
    (home / "warehouse").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(home / "warehouse" / "citywh.duckdb"))
    try:
        for name in REQUIRED_RELATIONS:
            con.execute(f"create or replace table main.{name} as "
                        f"select {version} as version, range as n from range(20000)")
    finally:
        con.close()


def test_fifty_racing_publishes_all_succeed_and_no_reader_sees_a_torn_file(tmp_path):
    home = tmp_path / "home"
    _writer_with_marts(home, 1)
    serving = home / "warehouse" / "serving.duckdb"
    env = {**os.environ, "CITYWH_PUBLISH_WAIT": "600"}
    first = subprocess.run([sys.executable, "-c", PUBLISHER, str(home)], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-2000:]
    _writer_with_marts(home, 2)  # what the racing publishes carry: readers must see 1 or 2, never a mix

    publishers = [subprocess.Popen([sys.executable, "-c", PUBLISHER, str(home)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for _ in range(50)]
    seen, errors = set(), []
    deadline = time.monotonic() + 600
    while any(p.poll() is None for p in publishers) and time.monotonic() < deadline:
        try:
            con = duckdb.connect(str(serving), read_only=True)
            try:
                versions = {con.execute(f"select min(version), max(version), count(*) from {name}").fetchone()
                            for name in REQUIRED_RELATIONS}
            finally:
                con.close()
            assert len(versions) == 1, versions  # one build's tables, all of them whole
            seen |= versions
        except Exception as exc:  # noqa: BLE001 - any failure of a reader is the finding
            errors.append(repr(exc))
        time.sleep(0.01)
    results = [(p.wait(timeout=60), p.stderr.read()) for p in publishers]
    assert [err[-500:] for code, err in results if code != 0] == []
    assert errors == []
    assert seen <= {(1, 1, 20000), (2, 2, 20000)} and (2, 2, 20000) in seen | _versions(serving)
    assert _versions(serving) == {(2, 2, 20000)}
    assert list(serving.parent.glob("*.publishing")) == []  # no staging file left behind


def _versions(serving: Path) -> set[tuple]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return {con.execute(f"select min(version), max(version), count(*) from {name}").fetchone()
                for name in REQUIRED_RELATIONS}
    finally:
        con.close()
