"""The writer warehouse: connections, the meta tables, empty raw tables, replacing one batch, and
the writer lock.

In file mode (the default) DuckDB allows one writing process: every step opens a short-lived
connection and closes it, and every step that writes holds the writer lock, so two runs never
interleave. In lake mode (CITYWH_WAREHOUSE=ducklake, ingest.lake) the same SQL runs against a
DuckLake that many processes write at once; landing then takes no lock, builds still do."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import polars as pl
from filelock import FileLock, Timeout

from ingest import lake
from ingest.errors import CitywhError, SchemaDrift

LOAD_COLUMNS = {"_load_id": pl.String, "_source": pl.String, "_snapshot_key": pl.String,
                "_snapshot_sha256": pl.String, "_loaded_at": pl.Datetime("us", "UTC")}

META_DDL = """
create schema if not exists raw;
create schema if not exists meta;
create table if not exists meta.loads (
    load_id varchar primary key,
    source varchar not null,
    raw_table varchar not null,
    snapshot_key varchar not null,
    snapshot_file varchar not null,
    snapshot_sha256 varchar not null,
    snapshot_fetched_at varchar,
    rows bigint not null,
    status varchar not null,          -- landed | quarantined (parse, schema or validation)
    validation_success boolean,
    validation_checkpoint varchar,
    message varchar,
    started_at timestamptz not null,
    finished_at timestamptz not null
);
create table if not exists meta.sources (
    source varchar primary key,
    raw_table varchar not null,       -- the source's raw tables, comma-separated
    producer varchar, title varchar, licence varchar, licence_url varchar,
    citation varchar, landing_page varchar, non_commercial boolean, description varchar
);
alter table meta.sources add column if not exists share_alike boolean;
-- the version of the code that parsed the batch: a changed parser re-lands an unchanged file
alter table meta.loads add column if not exists parser_version varchar;
create table if not exists meta.builds (
    build_id varchar primary key,
    inputs_sha256 varchar not null,   -- the landed batches and the dbt project the build read
    finished_at timestamptz not null
);
-- started (a dbt build began: until a published row follows, the writer's models may be half
-- rebuilt) or published (null: published, written before this column); and what it read, per part
alter table meta.builds add column if not exists status varchar;
alter table meta.builds add column if not exists inputs varchar;
"""


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection to the writer warehouse `path`: DuckDB allows one writing process,
    so never hold one open. In lake mode: a cursor on this process's attachment of the lake (the
    path only names where local state lives); `read_only` is then the caller's promise."""
    if lake.enabled():
        con = _lake_connection().cursor()
        con.execute(f"use {lake.ALIAS}")  # a cursor starts in the in-memory database
    else:
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


_LAKE: dict[str, duckdb.DuckDBPyConnection] = {}


def _lake_connection() -> duckdb.DuckDBPyConnection:
    """One attachment of the lake per process and catalog (attaching costs ~0.4 s); every
    `connect` is a cursor of it, with a transaction of its own."""
    key = lake.lake_settings().url
    if key not in _LAKE:
        _LAKE[key] = lake.connect()
    return _LAKE[key]


_LAKES_WITH_META: set[lake.LakeSettings] = set()


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    if not lake.enabled():
        con.execute(META_DDL)
        return
    # once per process and lake: each statement is a round trip to the catalog's database.
    # DuckLake has no PRIMARY KEY constraints: there the keys are the writers' promise.
    where = lake.lake_settings()
    if where not in _LAKES_WITH_META:
        con.execute(META_DDL.replace(" primary key", ""))
        _LAKES_WITH_META.add(where)


def existing_raw_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}


def ensure_raw_tables(warehouse: Path, tables: Iterable) -> list[str]:
    """Create every raw table, empty, that was never landed: dbt then always finds its sources
    (a live-only source offline, or a build triggered before every source landed)."""
    created = []
    with connect(warehouse) as con:
        ensure_meta(con)
        existing = existing_raw_tables(con)
        for table in tables:
            if table.name in existing:
                continue
            empty = pl.DataFrame(schema={**table.schema, **LOAD_COLUMNS}).to_arrow()
            con.register("empty_batch", empty)
            con.execute(f"create table raw.{table.name} as select * from empty_batch")
            con.unregister("empty_batch")
            created.append(table.name)
    return created


def replace_batch(con: duckdb.DuckDBPyConnection, table: str, batch, *, where: str,
                  parameters: list, label: str) -> None:
    """Inside the caller's transaction: delete the rows `where` selects from `table`, insert the
    arrow `batch` by column name (creating the table from the batch on first use). Columns the
    catalog newly declares are added to the table; a batch lacking a column the table has is
    schema drift, an error naming both sides."""
    con.register("incoming_batch", batch)
    try:
        con.execute(f"create table if not exists {table} as select * from incoming_batch limit 0")
        existing = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        added = [c for c in batch.column_names if c not in existing]
        if added and set(existing) <= set(batch.column_names):
            # the catalog declares new columns: earlier batches have them null until re-landed
            types = dict(con.execute("select column_name, data_type from (describe incoming_batch)").fetchall())
            for column in added:
                con.execute(f'alter table {table} add column "{column}" {types[column]}')
            existing += added
        if sorted(existing) != sorted(batch.column_names):
            raise SchemaDrift(
                f"[{label}] schema drift in {table}: table has {sorted(set(existing) - set(batch.column_names))} "
                f"the batch lacks, batch has {sorted(set(batch.column_names) - set(existing))} the table lacks")
        con.execute(f"delete from {table} where {where}", parameters)
        con.execute(f"insert into {table} by name select * from incoming_batch")
    finally:
        con.unregister("incoming_batch")


class LastBuild(NamedTuple):
    inputs_sha256: str
    inputs: dict | None  # {"code": digest, "tables": {raw table: digest}}; None before it was kept
    published: bool  # False: a build started and did not publish, so the models may be half built


def last_build(warehouse: Path) -> LastBuild | None:
    with connect(warehouse) as con:
        return read_last_build(con)


def read_last_build(con: duckdb.DuckDBPyConnection) -> LastBuild | None:
    """last_build on an open connection to the warehouse."""
    ensure_meta(con)
    row = con.execute("select inputs_sha256, inputs, coalesce(status, 'published') from meta.builds "
                      "order by finished_at desc limit 1").fetchone()
    return LastBuild(row[0], json.loads(row[1]) if row[1] else None, row[2] == "published") if row else None


def record_build_started(warehouse: Path) -> None:
    """Before dbt writes: should it fail, the next build knows the models are not the last
    published build's and rebuilds them all."""
    _record_build(warehouse, "", None, "started")


def record_build(warehouse: Path, inputs_sha256: str, inputs: dict | None = None) -> None:
    """A build published."""
    _record_build(warehouse, inputs_sha256, inputs, "published")


def _record_build(warehouse: Path, inputs_sha256: str, inputs: dict | None, status: str) -> None:
    with connect(warehouse) as con:
        ensure_meta(con)
        con.execute("insert into meta.builds (build_id, inputs_sha256, finished_at, status, inputs) "
                    "values (?, ?, ?, ?, ?)",
                    [datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f"), inputs_sha256, datetime.now(UTC), status,
                     json.dumps(inputs, sort_keys=True) if inputs else None])


# --- one writer at a time -----------------------------------------------------------------------

class WarehouseBusy(CitywhError):
    pass


_LOCKS: dict[Path, FileLock] = {}


def landing_lock(warehouse: Path):
    """What landing holds: the writer lock in file mode; nothing in lake mode, where landings of
    different sources commit concurrently (a conflicting commit is retried)."""
    return nullcontext() if lake.enabled() else writer_lock(warehouse)


@contextmanager
def writer_lock(warehouse: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock (re-entrant within a process): a second writer - another
    `citywh run`, an Airflow task on the same home - waits up to `wait` seconds
    (CITYWH_LOCK_WAIT, default 0) and then stops with one line naming the holder."""
    path = warehouse.parent / f".{warehouse.name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _LOCKS.setdefault(path, FileLock(path))
    holder = path.with_name(path.name + ".holder")
    wait = float(os.environ.get("CITYWH_LOCK_WAIT", "0")) if wait is None else wait
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        who = holder.read_text().strip() if holder.exists() else "another process"
        raise WarehouseBusy(f"the warehouse {warehouse} is being written by {who}; waited {wait:.0f} s. "
                            "Let it finish (or stop it) and run again (CITYWH_LOCK_WAIT=<seconds> to wait longer)") \
            from None
    try:
        if lock.lock_counter == 1:
            holder.write_text(f"pid {os.getpid()} on {socket.gethostname()} ({' '.join(sys.argv[:3])}, "
                              f"since {datetime.now(UTC).isoformat(timespec='seconds')})")
        yield
    finally:
        if lock.lock_counter == 1:  # the outermost hold ends: nobody holds it now
            holder.unlink(missing_ok=True)
        lock.release()
