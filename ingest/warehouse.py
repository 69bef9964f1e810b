"""The writer warehouse: connections, the meta tables, empty raw tables, and replacing one batch.

DuckDB allows one writing process: every step opens a short-lived connection and closes it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from ingest.errors import CitywhError

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
    status varchar not null,          -- landed | quarantined
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
"""


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
    arrow `batch` by column name (creating the table from the batch on first use). A batch whose
    columns differ from the table's is schema drift, an error naming both sides."""
    con.register("incoming_batch", batch)
    try:
        con.execute(f"create table if not exists {table} as select * from incoming_batch limit 0")
        existing = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        if sorted(existing) != sorted(batch.column_names):
            raise CitywhError(
                f"[{label}] schema drift in {table}: table has {sorted(set(existing) - set(batch.column_names))} "
                f"the batch lacks, batch has {sorted(set(batch.column_names) - set(existing))} the table lacks")
        con.execute(f"delete from {table} where {where}", parameters)
        con.execute(f"insert into {table} by name select * from incoming_batch")
    finally:
        con.unregister("incoming_batch")
