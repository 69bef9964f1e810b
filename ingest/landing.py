"""Landing: write a validated batch into DuckDB raw.<table> as one transaction.

Each snapshot file is a batch identified by (source, snapshot key). Landing replaces that batch's
rows, stamps them with load metadata (_load_id, _source, _snapshot_key, _snapshot_sha256,
_loaded_at) and records the load in meta.loads, all inside one transaction: a failure anywhere
rolls back and leaves the previous rows in place. A snapshot whose sha256 is already the landed
one for its key is a no-op."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, asdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingest.errors import CitywhError
from ingest.snapshots import Snapshot
from ingest.sources.base import Source

LOAD_COLUMNS = ("_load_id", "_source", "_snapshot_key", "_snapshot_sha256", "_loaded_at")

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
    status varchar not null,          -- landed | quarantined
    validation_success boolean,
    validation_checkpoint varchar,
    message varchar,
    started_at timestamptz not null,
    finished_at timestamptz not null
);
create table if not exists meta.sources (
    source varchar primary key,
    raw_table varchar not null,
    producer varchar, title varchar, licence varchar, licence_url varchar,
    citation varchar, landing_page varchar, non_commercial boolean, description varchar
);
"""


@dataclass(frozen=True)
class LoadResult:
    source: str
    snapshot_key: str
    status: str  # landed | unchanged | quarantined
    rows: int
    load_id: str | None = None
    message: str = ""


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived connection: DuckDB allows one writing process, so never hold one open."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)


def landed_sha256(con: duckdb.DuckDBPyConnection, source: str, key: str) -> str | None:
    row = con.execute(
        """select snapshot_sha256 from meta.loads
           where source = ? and snapshot_key = ? and status = 'landed'
           order by finished_at desc limit 1""",
        [source, key],
    ).fetchone()
    return row[0] if row else None


def ensure_raw_tables(warehouse: Path, sources) -> list[str]:
    """Create every source's raw table, empty, if it was never landed: dbt then always finds
    its sources (a live-only source offline, or a build triggered before every source landed)."""
    created = []
    with connect(warehouse) as con:
        ensure_meta(con)
        existing = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
        for source in sources:
            if source.table in existing:
                continue
            empty = pl.DataFrame(schema={**source.schema, "_load_id": pl.String, "_source": pl.String,
                                         "_snapshot_key": pl.String, "_snapshot_sha256": pl.String,
                                         "_loaded_at": pl.Datetime("us", "UTC")}).to_arrow()
            con.register("empty_batch", empty)
            con.execute(f"create table raw.{source.table} as select * from empty_batch")
            con.unregister("empty_batch")
            created.append(source.table)
    return created


def new_load_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def land(warehouse: Path, source: Source, snapshot: Snapshot, frame: pl.DataFrame, *,
         validation_checkpoint: str | None = None, load_id: str | None = None,
         started_at: datetime | None = None) -> LoadResult:
    """Replace the batch of `snapshot` in raw.<table> with `frame`, atomically."""
    load_id = load_id or new_load_id()
    started_at = started_at or datetime.now(UTC)
    with connect(warehouse) as con:
        ensure_meta(con)
        if landed_sha256(con, source.name, snapshot.key) == snapshot.sha256:
            return LoadResult(source.name, snapshot.key, "unchanged", 0,
                              message=f"snapshot {snapshot.sha256[:12]} already landed")
        batch = frame.with_columns(
            _load_id=pl.lit(load_id),
            _source=pl.lit(source.name),
            _snapshot_key=pl.lit(snapshot.key),
            _snapshot_sha256=pl.lit(snapshot.sha256),
            _loaded_at=pl.lit(datetime.now(UTC)),
        ).to_arrow()
        table = f"raw.{source.table}"
        con.execute("begin transaction")
        try:
            con.register("incoming_batch", batch)
            con.execute(f"create table if not exists {table} as select * from incoming_batch limit 0")
            _check_columns(con, source, table, batch.column_names)
            con.execute(f"delete from {table} where _source = ? and _snapshot_key = ?",
                        [source.name, snapshot.key])
            con.execute(f"insert into {table} by name select * from incoming_batch")
            _record_load(con, load_id=load_id, source=source, snapshot=snapshot, rows=frame.height,
                         status="landed", validation_success=True,
                         validation_checkpoint=validation_checkpoint, message="",
                         started_at=started_at)
            _record_source(con, source)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.unregister("incoming_batch")
    return LoadResult(source.name, snapshot.key, "landed", frame.height, load_id)


def _check_columns(con, source: Source, table: str, incoming: list[str]) -> None:
    existing = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    if sorted(existing) != sorted(incoming):
        raise CitywhError(
            f"[{source.name}] schema drift in {table}: table has {sorted(set(existing) - set(incoming))} "
            f"the batch lacks, batch has {sorted(set(incoming) - set(existing))} the table lacks"
        )


def _record_load(con, *, load_id: str, source: Source, snapshot: Snapshot, rows: int, status: str,
                 validation_success: bool | None, validation_checkpoint: str | None, message: str,
                 started_at: datetime) -> None:
    con.execute(
        "insert into meta.loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source.name, source.table, snapshot.key, str(snapshot.path), snapshot.sha256,
         snapshot.fetched_at, rows, status, validation_success, validation_checkpoint, message,
         started_at, datetime.now(UTC)],
    )


def _record_source(con, source: Source) -> None:
    o = source.origin
    con.execute(
        "insert or replace into meta.sources values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [source.name, source.table, o.producer, o.title, o.licence, o.licence_url, o.citation,
         o.landing_page, o.non_commercial, source.description],
    )


def quarantine(warehouse: Path, quarantine_root: Path, source: Source, snapshot: Snapshot,
               frame: pl.DataFrame, *, checkpoint: str, failed: list[str], result: dict,
               started_at: datetime) -> Path:
    """Keep a failed batch and its validation result; record it in meta.loads. raw is untouched."""
    load_id = new_load_id()
    folder = quarantine_root / source.name / f"{snapshot.key}-{load_id}"
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(folder / "batch.parquet")
    (folder / "validation.json").write_text(json.dumps(
        {"source": source.name, "raw_table": source.table, "snapshot": {
            k: str(v) for k, v in asdict(snapshot).items()},
         "checkpoint": checkpoint, "failed_expectations": failed, "gx_result": result},
        indent=2, default=str))
    with connect(warehouse) as con:
        ensure_meta(con)
        _record_load(con, load_id=load_id, source=source, snapshot=snapshot, rows=frame.height,
                     status="quarantined", validation_success=False,
                     validation_checkpoint=checkpoint,
                     message="; ".join(failed)[:4000] + f" (quarantined at {folder})",
                     started_at=started_at)
    return folder
