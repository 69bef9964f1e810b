"""Publishing: what readers see is the last green build, never a build in progress.

File mode: copy the writer warehouse to the read-only serving file by atomic swap. BI tools and
analysts open the serving file read-only; the swap (os.replace) means a reader sees either the
previous complete file or the new complete file, never a half-written one, and a reader that
already has the old file open keeps reading it.

Lake mode: record the lake's current snapshot, after a green build, as the serving snapshot
(meta.publishes); readers attach the lake read-only at that snapshot, however many commits later
builds and landings make; snapshots older than the retention (CITYWH_LAKE_RETAIN_DAYS, 7) that no
reader is pinned to expire."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb

from ingest import lake
from ingest.config import Settings
from ingest.errors import CitywhError
from ingest.warehouse import connect, writer_lock

REQUIRED_RELATIONS = ("country_indicators", "dim_country", "dim_city", "fct_city_population",
                      "fct_city_gdp", "dim_network", "fct_network_membership",
                      "fct_network_membership_history", "fct_city_partnership",
                      "city_influence", "city_cooperation", "city_co_members", "network_summary",
                      "country_urbanization")


def publish(settings: Settings) -> str:
    """Copy the writer warehouse to the serving file, atomically (lake mode: pin the lake's
    current snapshot). A publish is short: one that finds another writer at work waits for it
    (CITYWH_PUBLISH_WAIT seconds, default 300)."""
    with writer_lock(settings.warehouse_path, wait=float(os.environ.get("CITYWH_PUBLISH_WAIT", "300"))):
        if lake.enabled():
            return f"lake snapshot {_publish_snapshot(settings)}"
        return str(_publish(settings.warehouse_path, settings.serving_path))


PUBLISHES_DDL = """create table if not exists meta.publishes (
    snapshot_id bigint not null,      -- the lake snapshot readers attach at
    published_at timestamptz not null)"""


def _publish_snapshot(settings: Settings) -> int:
    with connect(settings.warehouse_path) as con:
        _check_relations(con, lake.ALIAS)
        con.execute(PUBLISHES_DDL)
        snapshot = con.execute(f"select id from ducklake_current_snapshot('{lake.ALIAS}')").fetchone()[0]
        con.execute("insert into meta.publishes values (?, ?)", [snapshot, datetime.now(UTC)])
        _expire_snapshots(con, keep_from=snapshot)
    return snapshot


def _expire_snapshots(con, *, keep_from: int) -> None:
    """Expire the snapshots older than the retention and older than the one just published (which
    a reader may still be attached at), then delete the files no snapshot needs any more, once
    they have waited CITYWH_LAKE_FILE_GRACE_HOURS since their snapshot expired: a reader that
    attached at an older snapshot before this publish keeps reading meanwhile."""
    days = float(os.environ.get("CITYWH_LAKE_RETAIN_DAYS", "7"))
    grace_hours = float(os.environ.get("CITYWH_LAKE_FILE_GRACE_HOURS", "24"))
    old = [row[0] for row in con.execute(
        f"select snapshot_id from {lake.ALIAS}.snapshots() where snapshot_id < ? "
        "and snapshot_time < now() - to_days(?::integer)", [keep_from, int(days)]).fetchall()]
    if old:
        con.execute(f"call ducklake_expire_snapshots('{lake.ALIAS}', versions => ?)", [old])
    con.execute(f"call ducklake_cleanup_old_files('{lake.ALIAS}', "
                "older_than => now() - to_microseconds((? * 3600e6)::bigint))", [grace_hours])


def serving_snapshot() -> int | None:
    """The lake snapshot of the last published build (None: nothing published yet)."""
    con = lake.connect(read_only=True)
    try:
        has = con.execute("select count(*) from information_schema.tables where table_catalog = ? "
                          "and table_schema = 'meta' and table_name = 'publishes'", [lake.ALIAS]).fetchone()[0]
        return con.execute("select max(snapshot_id) from meta.publishes").fetchone()[0] if has else None
    finally:
        con.close()


class NothingPublished(CitywhError):
    pass


class Serving(NamedTuple):
    con: duckdb.DuckDBPyConnection
    name: str  # what readers read, for messages and the report
    snapshot: int | None  # lake mode: the snapshot attached at


def published_name(serving_path: Path) -> str | None:
    """What readers read (the serving file, or the lake at its serving snapshot); None when
    nothing was published yet."""
    if lake.enabled():
        snapshot = serving_snapshot()
        return None if snapshot is None else _lake_name(snapshot)
    return str(serving_path) if serving_path.exists() else None


def _lake_name(snapshot: int) -> str:
    return f"the lake ({lake.redacted(lake.lake_settings().catalog)}) at snapshot {snapshot}"


@contextmanager
def open_serving(serving_path: Path) -> Iterator[Serving]:
    """A read-only connection to what was last published, and its name: the serving file at
    `serving_path`, or in lake mode the lake attached at the serving snapshot (found once).
    Raises NothingPublished when nothing was published yet."""
    if lake.enabled():
        snapshot = serving_snapshot()
        if snapshot is None:
            raise NothingPublished("the lake holds no published build yet: run `citywh run` first")
        con, name = lake.connect(read_only=True, snapshot=snapshot), _lake_name(snapshot)
    else:
        if not serving_path.exists():
            raise NothingPublished(f"no serving file at {serving_path}: run `citywh run` first")
        snapshot, con, name = None, duckdb.connect(str(serving_path), read_only=True), str(serving_path)
    try:
        yield Serving(con, name, snapshot)
    finally:
        con.close()


def _publish(source: Path, target: Path) -> Path:
    if not source.exists():
        raise CitywhError(f"nothing to publish: {source} does not exist (run the build first)")
    # Fold the write-ahead log into the main file so that a byte copy is complete. An explicit
    # CHECKPOINT is needed: dbt-duckdb may still hold the same database open in this process.
    con = duckdb.connect(str(source))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    # a staging file of this process's own: two publishers never write the same file
    staging = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.publishing")
    shutil.copyfile(source, staging)
    try:
        _check_servable(staging)
        os.chmod(staging, 0o444)
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return target


def _check_servable(path: Path) -> None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        _check_relations(con, path)
    finally:
        con.close()


def _check_relations(con, what) -> None:
    tables = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_catalog = current_database()").fetchall()}
    missing = [name for name in REQUIRED_RELATIONS if name not in tables]
    if missing:
        raise CitywhError(f"refusing to publish {what}: marts missing {missing}")
