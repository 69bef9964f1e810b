"""Landing: write a validated batch into `raw.<source>__<entity>` as one transaction, or keep a
rejected one in quarantine.

Each snapshot file is a batch identified by (source, snapshot key). Landing replaces that batch's
rows, stamps them with load metadata (_load_id, _source, _snapshot_key, _snapshot_sha256,
_loaded_at) and records the load in meta.loads, all inside one transaction: a failure anywhere
rolls back and leaves the previous rows in place."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from ingest.lake import retry_on_conflict
from ingest.snapshots import Snapshot
from ingest.sources.base import RawTable
from ingest.warehouse import connect, ensure_meta, replace_batch


@dataclass(frozen=True)
class LoadResult:
    source: str
    snapshot_key: str
    status: str  # landed | unchanged | quarantined
    rows: int
    load_id: str | None = None
    message: str = ""


def landed_batches(warehouse: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(source, snapshot key) -> (sha256, parser_version) of every batch's landed snapshot, read
    in one connection (opening the warehouse is the cost of a no-change run)."""
    with connect(warehouse) as con:
        return read_landed_batches(con)


def read_landed_batches(con) -> dict[tuple[str, str], tuple[str, str | None]]:
    """landed_batches on an open connection to the warehouse."""
    ensure_meta(con)
    rows = con.execute("""select source, snapshot_key, arg_max(snapshot_sha256, finished_at),
                                 arg_max(parser_version, finished_at)
                          from meta.loads where status = 'landed' group by all""").fetchall()
    return {(source, key): (sha256, parser) for source, key, sha256, parser in rows}


def already_landed(landed: dict, table: RawTable, snapshot: Snapshot) -> LoadResult | None:
    """The 'unchanged' result when this very snapshot (same sha256), parsed by this very parser,
    is the batch's landed one (`landed`: from landed_batches)."""
    if landed.get((table.source.name, snapshot.key)) != (snapshot.sha256, table.parser_version):
        return None
    return LoadResult(table.source.name, snapshot.key, "unchanged", 0,
                      message=f"snapshot {snapshot.sha256[:12]} already landed")


def new_load_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def land(warehouse: Path, table: RawTable, snapshot: Snapshot, frame: pl.DataFrame, *,
         validation_checkpoint: str | None = None, load_id: str | None = None,
         started_at: datetime | None = None, before_commit: Callable[[], None] | None = None) -> LoadResult:
    """Replace the batch of `snapshot` in raw.<table> with `frame`, atomically. before_commit
    runs last in the transaction: what it raises rolls the batch back (validation that runs
    while the batch is written)."""
    load_id = load_id or new_load_id()
    started_at = started_at or datetime.now(UTC)
    source = table.source.name
    batch = frame.with_columns(
        _load_id=pl.lit(load_id), _source=pl.lit(source), _snapshot_key=pl.lit(snapshot.key),
        _snapshot_sha256=pl.lit(snapshot.sha256), _loaded_at=pl.lit(datetime.now(UTC)),
    ).to_arrow()

    def write() -> None:
        with connect(warehouse) as con:
            ensure_meta(con)
            con.execute("begin transaction")
            try:
                replace_batch(con, f"raw.{table.name}", batch, where="_source = ? and _snapshot_key = ?",
                              parameters=[source, snapshot.key], label=source)
                _record_load(con, load_id=load_id, table=table, snapshot=snapshot, rows=frame.height,
                             status="landed", validation_success=True,
                             validation_checkpoint=validation_checkpoint, message="", started_at=started_at)
                _record_source(con, table)
                _drill_pause("landing")
                if before_commit:
                    before_commit()
                con.execute("commit")
            except BaseException:
                with contextlib.suppress(duckdb.Error):  # a failed commit has rolled back already
                    con.execute("rollback")
                raise

    # in lake mode another process's landing may conflict at commit: the whole batch goes again
    retry_on_conflict(write, what=f"landing {source}/{snapshot.key}")
    return LoadResult(source, snapshot.key, "landed", frame.height, load_id)


def _drill_pause(moment: str) -> None:
    """Fault-injection point for the kill -9 drills (tests/test_end_to_end.py): with
    CITYWH_DRILL_PAUSE=<moment>, say so on stderr and wait, inside the transaction, to be killed."""
    if os.environ.get("CITYWH_DRILL_PAUSE") == moment:
        print(f"drill: paused in {moment}", file=sys.stderr, flush=True)
        time.sleep(60)


def _record_load(con, *, load_id: str, table: RawTable, snapshot: Snapshot, rows: int, status: str,
                 validation_success: bool | None, validation_checkpoint: str | None, message: str,
                 started_at: datetime) -> None:
    con.execute(
        "insert into meta.loads (load_id, source, raw_table, snapshot_key, snapshot_file, snapshot_sha256, "
        "snapshot_fetched_at, rows, status, validation_success, validation_checkpoint, message, "
        "started_at, finished_at, parser_version) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, table.source.name, table.name, snapshot.key, str(snapshot.path), snapshot.sha256,
         snapshot.fetched_at, rows, status, validation_success, validation_checkpoint, message,
         started_at, datetime.now(UTC), table.parser_version],
    )


def _record_source(con, table: RawTable) -> None:
    """The source's origin and licence, written when it changed (a rewrite on every landing would
    make concurrent landings in lake mode conflict over one table)."""
    source, o = table.source, table.source.origin
    row = [source.name, ", ".join(source.raw_table(t) for t in source.tables), o.producer, o.title,
           o.licence, o.licence_url, o.citation, o.landing_page, o.non_commercial, o.share_alike,
           source.description]
    columns = ("source, raw_table, producer, title, licence, licence_url, citation, landing_page, "
               "non_commercial, share_alike, description")
    recorded = con.execute(f"select {columns} from meta.sources where source = ?", [source.name]).fetchall()
    if recorded == [tuple(row)]:
        return
    con.execute("delete from meta.sources where source = ?", [source.name])
    con.execute(f"insert into meta.sources ({columns}) values ({', '.join('?' * len(row))})", row)


def quarantine(warehouse: Path, quarantine_root: Path, table: RawTable, snapshot: Snapshot,
               frame: pl.DataFrame | None, *, stage: str, reason: str, failed: list[str] = (),
               checkpoint: str | None = None, result: dict | None = None, row: int | None = None,
               field: str | None = None, started_at: datetime) -> Path:
    """Keep a rejected snapshot - unparseable (stage 'parse'), not in the declared shape
    ('schema') or failing its expectations ('validation') - with a machine-readable reason.json
    (the snapshot by reference: path and sha256; the parsed batch as batch.parquet when there is
    one) and record it in meta.loads. raw is untouched."""
    load_id = new_load_id()
    folder = quarantine_root / table.source.name / f"{snapshot.key}-{load_id}"
    folder.mkdir(parents=True, exist_ok=True)
    if frame is not None:
        frame.write_parquet(folder / "batch.parquet")
    (folder / "reason.json").write_text(json.dumps(
        {"stage": stage, "reason": reason, "source": table.source.name, "raw_table": table.name,
         "file": snapshot.path.name, "row": row, "field": field,
         "snapshot": {k: str(v) for k, v in asdict(snapshot).items()},
         "failed_expectations": list(failed), "checkpoint": checkpoint, "gx_result": result},
        indent=2, default=str))
    with connect(warehouse) as con:
        ensure_meta(con)
        _record_load(con, load_id=load_id, table=table, snapshot=snapshot,
                     rows=frame.height if frame is not None else 0, status="quarantined",
                     validation_success=False if stage == "validation" else None,
                     validation_checkpoint=checkpoint,
                     message=f"{stage}: {reason}"[:4000] + f" (quarantined at {folder})",
                     started_at=started_at)
    return folder
