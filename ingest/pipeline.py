"""The pipeline's steps as plain functions: the CLI runs them in-process, the DAGs run each as a
task. Every step that writes the warehouse opens and closes its own connection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from ingest import landing, publish
from ingest.acquire import acquire_all
from ingest.config import Settings
from ingest.dbt import run_dbt
from ingest.errors import MissingSnapshotError, ValidationFailed
from ingest.landing import LoadResult
from ingest.snapshots import Snapshot
from ingest.sources import SOURCES, get_source
from ingest.sources.base import Source
from ingest.validation import validate

Report = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def ingest_snapshot(source: Source, snapshot: Snapshot, settings: Settings) -> LoadResult:
    """Parse, validate and land one snapshot file. A failing batch is quarantined, raw is left
    unchanged and ValidationFailed is raised."""
    started_at = datetime.now(UTC)
    with landing.connect(settings.warehouse_path) as con:
        landing.ensure_meta(con)
        if landing.landed_sha256(con, source.name, snapshot.key) == snapshot.sha256:
            return LoadResult(source.name, snapshot.key, "unchanged", 0,
                              message=f"snapshot {snapshot.sha256[:12]} already landed")
    frame = source.parse(snapshot.path, source.spec(snapshot.key))
    outcome = validate(source.table, frame)
    if not outcome.success:
        folder = landing.quarantine(
            settings.warehouse_path, settings.quarantine_dir, source, snapshot, frame,
            checkpoint=outcome.checkpoint, failed=outcome.failed, result=outcome.result,
            started_at=started_at)
        raise ValidationFailed(source.name, source.table, outcome.failed, str(folder),
                               file=snapshot.path.name)
    return landing.land(settings.warehouse_path, source, snapshot, frame,
                        validation_checkpoint=outcome.checkpoint, started_at=started_at)


def ingest_source(name: str, settings: Settings, report: Report = _quiet,
                  snapshots: list[Snapshot] | None = None) -> list[LoadResult]:
    """Acquire (unless given) and ingest every snapshot file of one source."""
    source = get_source(name)
    results = []
    for snapshot in snapshots if snapshots is not None else acquire_all(source, settings):
        result = ingest_snapshot(source, snapshot, settings)
        report(f"{source.name}/{snapshot.key}: {result.status}"
               + (f", {result.rows:,} rows" if result.status == "landed" else "")
               + f" (sha256 {snapshot.sha256[:12]}, via {snapshot.acquired_via.split(':')[0]})")
        results.append(result)
    return results


def report_crosswalk(settings: Settings, report: Report = _quiet) -> None:
    """One line per entity type of the city crosswalk dbt built: resolved, by method."""
    # not read_only: dbt-duckdb may still hold the file open in this process with that config
    with landing.connect(settings.warehouse_path) as con:
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
    landing.ensure_raw_tables(settings.warehouse_path, SOURCES.values())
    return run_dbt(["build"], settings)


def run_all(settings: Settings, report: Report = _quiet) -> None:
    """The whole pipeline: every source, then dbt build, then publish. Every missing file is
    reported before anything is landed; the first failure stops the run before anything
    downstream, and the serving file keeps its last good version."""
    acquired, missing = {}, []
    for name, source in SOURCES.items():
        try:
            acquired[name] = acquire_all(source, settings)
        except MissingSnapshotError as exc:
            missing.extend(exc.missing)
    if missing:
        raise MissingSnapshotError(missing)
    for name, snapshots in acquired.items():
        ingest_source(name, settings, report, snapshots)
    outcomes = build(settings)
    # every status with its count: exposures are "no-op", warnings "warn", not silent failures
    statuses = Counter("passed" if status in ("success", "pass") else status for _, status in outcomes)
    report(f"dbt build: {len(outcomes)} nodes, "
           + ", ".join(f"{count} {status}" for status, count in statuses.most_common()))
    report_crosswalk(settings, report)
    report(f"published {publish.publish(settings)}")
