"""The pipeline's steps as plain functions: the CLI runs them in-process, the Airflow DAGs run each
as a task (ingest.orchestration only calls these). Every step that writes the warehouse opens and
closes its own connection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

import polars as pl

from ingest import landing, publish, warehouse
from ingest.acquire import acquire_all
from ingest.config import Settings
from ingest.dbt import run_dbt
from ingest.errors import MissingSnapshotError, ValidationFailed
from ingest.landing import LoadResult
from ingest.snapshots import Snapshot
from ingest.sources import raw_tables, table_of_file, tables_of
from ingest.sources.base import RawTable
from ingest.validation import validate

Report = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def acquire(tables: Iterable[RawTable], settings: Settings) -> list[Snapshot]:
    """Every file of the tables, from the bundle, a package or live; all missing files are
    reported together before anything is landed."""
    snapshots, missing = [], []
    for table in tables:
        try:
            snapshots += acquire_all(table, settings)
        except MissingSnapshotError as exc:
            missing.extend(exc.missing)
    if missing:
        raise MissingSnapshotError(missing)
    return snapshots


def ingest_snapshot(table: RawTable, snapshot: Snapshot, settings: Settings) -> LoadResult:
    """Parse, validate and land one snapshot file. A failing batch is quarantined, raw is left
    unchanged and ValidationFailed is raised."""
    started_at = datetime.now(UTC)
    unchanged = landing.already_landed(settings.warehouse_path, table, snapshot)
    if unchanged:
        return unchanged
    spec = table.spec(snapshot.key)
    frame = _dated(table.parse(snapshot.path, spec), spec.as_of, snapshot)
    outcome = validate(table.name, frame)
    if not outcome.success:
        folder = landing.quarantine(
            settings.warehouse_path, settings.quarantine_dir, table, snapshot, frame,
            checkpoint=outcome.checkpoint, failed=outcome.failed, result=outcome.result,
            started_at=started_at)
        raise ValidationFailed(table.source.name, table.name, outcome.failed, str(folder),
                               file=snapshot.path.name)
    return landing.land(settings.warehouse_path, table, snapshot, frame,
                        validation_checkpoint=outcome.checkpoint, started_at=started_at)


def _dated(frame: pl.DataFrame, declared: str | None, snapshot: Snapshot) -> pl.DataFrame:
    """Rows that do not say which date they describe (`as_of`) are as of the file's declared date,
    or, downloaded live, of the day they were fetched."""
    if "as_of" not in frame.columns:
        return frame
    default = declared or (snapshot.fetched_at[:10] if snapshot.acquired_via == "live" else None)
    if default is None:
        return frame
    return frame.with_columns(pl.col("as_of").fill_null(date.fromisoformat(default)))


def ingest_snapshots(snapshots: Iterable[Snapshot], settings: Settings,
                     report: Report = _quiet) -> list[LoadResult]:
    results = []
    for snapshot in snapshots:
        result = ingest_snapshot(table_of_file(snapshot.source, snapshot.key), snapshot, settings)
        report(f"{snapshot.source}/{snapshot.key}: {result.status}"
               + (f", {result.rows:,} rows" if result.status == "landed" else "")
               + f" (sha256 {snapshot.sha256[:12]}, via {snapshot.acquired_via.split(':')[0]})")
        results.append(result)
    return results


def ingest_source(name: str, settings: Settings, report: Report = _quiet) -> list[LoadResult]:
    """Acquire and ingest every file of one source."""
    return ingest_snapshots(acquire(tables_of(name), settings), settings, report)


def report_crosswalk(settings: Settings, report: Report = _quiet) -> None:
    """One line per entity type of the city crosswalk dbt built: resolved, by method."""
    # not read_only: dbt-duckdb may still hold the file open in this process with that config
    with warehouse.connect(settings.warehouse_path) as con:
        rows = con.execute("""select entity_type, method, count(*) from intermediate.int_city_matches
                              group by all order by 1, 3 desc""").fetchall()
    methods: dict[str, dict[str, int]] = {}
    for entity_type, method, count in rows:
        methods.setdefault(entity_type, {})[method] = count
    for entity_type, counts in methods.items():
        total = sum(counts.values())
        resolved = total - counts.get("unresolved", 0)
        report(f"crosswalk {entity_type}: {resolved:,} of {total:,} resolved to GeoNames ("
               + ", ".join(f"{m} {n:,}" for m, n in counts.items()) + ")")


def build(settings: Settings) -> list[tuple[str, str]]:
    """dbt build: models, snapshots, tests and unit tests, against the writer warehouse."""
    warehouse.ensure_raw_tables(settings.warehouse_path, raw_tables().values())
    return run_dbt(["build"], settings)


def run_all(settings: Settings, report: Report = _quiet) -> None:
    """The whole pipeline: every source, then dbt build, then publish. The first failure stops
    the run before anything downstream, and the serving file keeps its last good version."""
    ingest_snapshots(acquire(raw_tables().values(), settings), settings, report)
    outcomes = build(settings)
    # every status with its count: exposures are "no-op", warnings "warn", not silent failures
    statuses = Counter("passed" if status in ("success", "pass") else status for _, status in outcomes)
    report(f"dbt build: {len(outcomes)} nodes, "
           + ", ".join(f"{count} {status}" for status, count in statuses.most_common()))
    report_crosswalk(settings, report)
    report(f"published {publish.publish(settings)}")
