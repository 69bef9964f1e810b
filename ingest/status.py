"""What is in the warehouse: per source file the last good (landed) and the last rejected
snapshot, and the row counts of the marts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest import lake, publish, warehouse
from ingest.config import Settings


@dataclass(frozen=True)
class Status:
    database: Path | str
    loads: list[dict]
    marts: dict[str, int]


def read_status(settings: Settings) -> Status | None:
    if lake.enabled():
        return _read_lake_status(settings)
    return _read_file_status(settings)


def _read_lake_status(settings: Settings) -> Status:
    """Lake mode: loads from the lake's head (landings commit there, also during a build), marts
    at the serving snapshot (what readers see) or the head when nothing was published yet."""
    with warehouse.connect(settings.warehouse_path, read_only=True) as con:
        loads = _loads(con)
    try:
        with publish.open_serving(settings.serving_path) as serving:
            return Status(serving.name, loads, _marts(serving.con))
    except publish.NothingPublished:
        pass
    with warehouse.connect(settings.warehouse_path, read_only=True) as con:
        return Status("the lake's head (nothing published yet)", loads, _marts(con))


def _marts(con) -> dict[str, int]:
    return {table: con.execute(f'select count(*) from main."{table}"').fetchone()[0]
            for (table,) in con.execute("select table_name from information_schema.tables where "
                                        "table_schema = 'main' and table_catalog = current_database() "
                                        "order by 1").fetchall()}


def _read_file_status(settings: Settings) -> Status | None:
    """Loads from the writer file when no run holds it (it has the rejects a failed run did not
    publish), else from the serving file; marts from the serving file (what readers see), or the
    writer file when nothing has been published yet."""
    candidates = [p for p in (settings.warehouse_path, settings.serving_path) if p.exists()]
    if not candidates:
        return None
    loads, loads_from = [], None
    for path in candidates:
        try:
            with warehouse.connect(path, read_only=True) as con:
                loads, loads_from = _loads(con), path
            break
        except duckdb.IOException:  # a run holds the writer file: its lock refuses readers
            continue
    marts_from = settings.serving_path if settings.serving_path.exists() else candidates[0]
    with warehouse.connect(marts_from, read_only=True) as con:
        marts = _marts(con)
    return Status(loads_from or marts_from, loads, marts)


def _loads(con) -> list[dict]:
    """Per source file: the last landed snapshot, and the last rejected one if it came later."""
    has_meta = con.execute("select count(*) from information_schema.tables where table_schema = 'meta' "
                           "and table_name = 'loads' and table_catalog = current_database()").fetchone()[0]
    if not has_meta:
        return []
    cursor = con.execute("""
        with ranked as (
            select *, row_number() over (partition by source, snapshot_key, status
                                         order by finished_at desc, load_id desc) as recency
            from meta.loads
        )
        select coalesce(g.source, b.source) as source, coalesce(g.snapshot_key, b.snapshot_key) as snapshot_key,
               g.finished_at, g.rows, g.snapshot_sha256,
               b.finished_at as rejected_at, b.snapshot_sha256 as rejected_sha256, b.message as rejected_reason
        from (select * from ranked where status = 'landed' and recency = 1) g
        full join (select * from ranked where status = 'quarantined' and recency = 1) b
          on b.source = g.source and b.snapshot_key = g.snapshot_key
         and (g.finished_at is null or b.finished_at > g.finished_at)
        order by coalesce(g.source, b.source), coalesce(g.snapshot_key, b.snapshot_key)""")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
