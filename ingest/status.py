"""What is in the warehouse: last load per source file, and row counts of the marts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest import warehouse
from ingest.config import Settings


@dataclass(frozen=True)
class Status:
    database: Path
    loads: list[dict]
    marts: dict[str, int]


def read_status(settings: Settings) -> Status | None:
    """Read from the serving file (always readable, even while the pipeline writes); fall back
    to the writer file when nothing has been published yet."""
    for path in (settings.serving_path, settings.warehouse_path):
        if path.exists():
            break
    else:
        return None
    with warehouse.connect(path, read_only=True) as con:
        has_meta = con.execute("select count(*) from information_schema.tables "
                               "where table_schema = 'meta' and table_name = 'loads'").fetchone()[0]
        loads = []
        if has_meta:
            cursor = con.execute("""
                select source, snapshot_key, status, validation_success, rows, snapshot_sha256,
                       finished_at, message
                from meta.loads
                qualify row_number() over (partition by source, snapshot_key
                                           order by finished_at desc) = 1
                order by source, snapshot_key""")
            names = [d[0] for d in cursor.description]
            loads = [dict(zip(names, row)) for row in cursor.fetchall()]
        marts = {}
        for (table,) in con.execute("select table_name from information_schema.tables "
                                    "where table_schema = 'main' order by 1").fetchall():
            marts[table] = con.execute(f'select count(*) from main."{table}"').fetchone()[0]
    return Status(path, loads, marts)
