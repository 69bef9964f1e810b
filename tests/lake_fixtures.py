"""Point this test process at a lake another process writes (the variables ingest.lake reads)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

LAKE_VARIABLES = ("CITYWH_HOME", "CITYWH_WAREHOUSE", "CITYWH_LAKE_CATALOG", "CITYWH_LAKE_DATA")


@contextmanager
def pointed_at(env: dict[str, str]) -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    for key in LAKE_VARIABLES:
        patch.setenv(key, env[key])
    try:
        yield
    finally:
        patch.undo()


def lake_query(env: dict[str, str], sql: str, *, published: bool = True) -> list[tuple]:
    """`sql` against the lake at its serving snapshot (published) or its head."""
    from ingest import lake, publish

    with pointed_at(env):
        con = lake.connect(read_only=True, snapshot=publish.serving_snapshot() if published else None)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()
