"""The pipeline's steps as plain functions: the CLI runs them in-process, the Airflow DAGs run each
as a task (ingest.orchestration only calls these). Every step that writes the warehouse opens and
closes its own connection."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from functools import cache
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl

from ingest import lake, landing, publish, warehouse
from ingest.acquire import acquire_all
from ingest.config import DBT_PROJECT_DIR, REPO_ROOT, Settings
from ingest.dbt import run_dbt
from ingest.errors import CitywhError, MissingSnapshotError, ParseError, SchemaDrift, ValidationFailed
from ingest.landing import LoadResult
from ingest.snapshots import Snapshot, SnapshotStore
from ingest.sources import raw_tables, table_of_file, tables_of
from ingest.sources.base import RawTable
from ingest.validation import ValidationOutcome, ValidationWorker, checkpoint_name, validate

Report = Callable[[str], None]

# Seconds spent per phase in this process (parse, validate, land, dbt, ...): run_all writes them
# to the home's last-run.json, where `citywh benchmark` reads how a build's time divides.
PHASE_SECONDS: Counter[str] = Counter()


@contextmanager
def timed(phase: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        PHASE_SECONDS[phase] += time.perf_counter() - started


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


def ingest_snapshot(table: RawTable, snapshot: Snapshot, settings: Settings, *,
                    landed: dict | None = None) -> LoadResult:
    """Parse, validate and land one snapshot file, in one transaction. Any reject - a file that
    cannot be parsed, a batch not in the declared shape, a batch failing its expectations - is
    quarantined with its reason and raised (ParseError or ValidationFailed naming source, file
    and row or field); raw, the serving file and the last good snapshot are left as they were."""
    with warehouse.landing_lock(settings.warehouse_path):
        return _ingest_snapshot(table, snapshot, settings,
                                landing.landed_batches(settings.warehouse_path) if landed is None else landed)


def _ingest_snapshot(table: RawTable, snapshot: Snapshot, settings: Settings, landed: dict,
                     checked: Future | None = None) -> LoadResult:
    """checked: the file's (frame, validation outcome) from _ParseAhead; else both happen here."""
    started_at = datetime.now(UTC)
    store = SnapshotStore(settings.store_dir)
    unchanged = landing.already_landed(landed, table, snapshot)
    if unchanged:
        if (snapshot.status() or {}).get("status") != "landed":
            store.mark(snapshot, "landed")
        return unchanged
    spec = table.spec(snapshot.key)

    def reject(stage: str, error: ParseError | CitywhError, frame=None, **details) -> Path:
        folder = landing.quarantine(
            settings.warehouse_path, settings.quarantine_dir, table, snapshot, frame, stage=stage,
            reason=str(error), row=getattr(error, "row", None), field=getattr(error, "field", None),
            started_at=started_at, **details)
        store.mark(snapshot, "rejected", reason=str(error))
        return folder

    try:
        frame, validation = checked.result() if checked else (parse(table, snapshot), None)
    except ParseError as exc:
        folder = reject("parse", exc)
        raise exc.quarantined(folder, table.name) from exc
    except Exception as exc:  # a reader's own failure on input it did not foresee: still a reject
        error = ParseError(table.source.name, str(snapshot.path), f"unreadable: {type(exc).__name__}: {exc}")
        folder = reject("parse", error)
        raise error.quarantined(folder, table.name) from exc
    validation_outcome = cache(lambda: _validated(table, frame, validation))  # waited for once

    def passed() -> bool:
        return validation_outcome().success

    def rejected() -> ValidationFailed:
        outcome = validation_outcome()
        folder = reject("validation", CitywhError("; ".join(outcome.failed)), frame,
                        failed=outcome.failed, checkpoint=outcome.checkpoint, result=outcome.result)
        return ValidationFailed(table.source.name, table.name, outcome.failed, str(folder),
                                file=snapshot.path.name)

    def commit_if_passed() -> None:  # inside the landing's transaction: a failed batch rolls back
        started = time.perf_counter()
        ok = passed()
        PHASE_SECONDS["land"] -= time.perf_counter() - started  # validation's wait, not landing's
        if not ok:
            raise _Failed

    # validated here: before it is landed. Validated in the worker: while it is written (the
    # worker's first batch waits for GX to import, ~3 s the landing no longer idles through),
    # committed only once it passed.
    if validation is None and not passed():
        raise rejected()
    try:
        with timed("land"):
            result = landing.land(settings.warehouse_path, table, snapshot, frame,
                                  validation_checkpoint=checkpoint_name(table.name), started_at=started_at,
                                  before_commit=commit_if_passed)
    except _Failed:
        raise rejected() from None
    except SchemaDrift as exc:
        if not passed():  # a batch failing its expectations says so first, as when validated before
            raise rejected() from None
        folder = reject("schema", exc, frame)
        raise ParseError(table.source.name, str(snapshot.path), str(exc)).quarantined(folder, table.name) from exc
    store.mark(snapshot, "landed", load_id=result.load_id)
    store.prune(spec)  # only now: the last good snapshot is the one just landed
    return result


class _Failed(Exception):
    """Raised in the landing's transaction: the batch failed validation (rolled back)."""


def _validated(table: RawTable, frame: pl.DataFrame, in_worker: Future | None) -> ValidationOutcome:
    if in_worker is None:
        with timed("validate"):  # the first call pays for importing Great Expectations
            return validate(table.name, frame)
    try:
        outcome = in_worker.result()
    except BrokenProcessPool as exc:
        raise CitywhError(
            f"the validation worker (Great Expectations) died before it checked {table.name}: killed, out "
            "of memory, or - in a Python script that runs the pipeline - the script's own code re-ran in "
            "it on import (guard the script's entry with `if __name__ == '__main__':`)") from exc
    PHASE_SECONDS["validate"] += outcome.seconds  # the worker's time, though the landing overlapped it
    return outcome


def parse(table: RawTable, snapshot: Snapshot) -> pl.DataFrame:
    """The snapshot file as the table's typed frame (ParseError naming file and row or field)."""
    spec = table.spec(snapshot.key)
    with timed("parse"):
        return _dated(table.parse(snapshot.path, spec), spec.as_of, snapshot)


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
    with warehouse.landing_lock(settings.warehouse_path):
        landed = landing.landed_batches(settings.warehouse_path)  # once: each file's key comes once
        work = [(table_of_file(s.source, s.key), s) for s in snapshots]
        new = [(table, s) for table, s in work if landing.already_landed(landed, table, s) is None]
        # the next new file is parsed (polars, off the GIL) and validated (in the worker) while
        # this one is landed; at most two parsed frames are held at once. Nothing new: no worker.
        with ValidationWorker() if new else nullcontext() as worker, \
                ThreadPoolExecutor(1, "parse-ahead") as ahead:
            checked = _ParseAhead(ahead, worker, new)
            try:
                for table, snapshot in work:
                    result = _ingest_snapshot(table, snapshot, settings, landed, checked.take(snapshot))
                    report(f"{snapshot.source}/{snapshot.key}: {result.status}"
                           + (f", {result.rows:,} rows" if result.status == "landed" else "")
                           + f" (sha256 {snapshot.sha256[:12]}, via {snapshot.acquired_via.split(':')[0]})")
                    results.append(result)
            finally:  # a reject too: its failed expectations are what the Data Docs are for
                if worker:
                    with timed("data_docs"):
                        docs = worker.data_docs(settings.data_docs_dir)
                    PHASE_SECONDS["validate"] += worker.setup_seconds
                    if docs:
                        report(f"Great Expectations Data Docs: {docs}")
    return results


class _ParseAhead:
    """Parses the files to land in order and hands each to the validation worker, one ahead of
    the one being landed."""

    def __init__(self, executor: ThreadPoolExecutor, worker: ValidationWorker,
                 files: list[tuple[RawTable, Snapshot]]):
        self._executor, self._worker, self._files, self._pending = executor, worker, iter(files), {}
        self._submit_next()

    def take(self, snapshot: Snapshot) -> Future | None:
        future = self._pending.pop(id(snapshot), None)
        if future is not None:
            self._submit_next()
        return future

    def _submit_next(self) -> None:
        following = next(self._files, None)
        if following is not None:
            table, snapshot = following
            self._pending[id(snapshot)] = self._executor.submit(self._parse_and_check, table, snapshot)

    def _parse_and_check(self, table: RawTable, snapshot: Snapshot) -> tuple[pl.DataFrame, Future]:
        frame = parse(table, snapshot)
        try:
            return frame, self._worker.submit(table.name, frame)
        except BrokenProcessPool as exc:  # the worker is gone: not the file's fault (see _validated)
            gone: Future = Future()
            gone.set_exception(exc)
            return frame, gone


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


def init_lake(settings: Settings) -> str:
    """Lake mode: create the catalog (once), the meta tables and every raw table, empty."""
    if not lake.enabled():
        raise CitywhError("citywh lake init: set CITYWH_WAREHOUSE=ducklake (and CITYWH_LAKE_CATALOG, "
                          "CITYWH_LAKE_DATA) first")
    lake.connect(create=True).close()
    with warehouse.writer_lock(settings.warehouse_path):
        created = warehouse.ensure_raw_tables(settings.warehouse_path, raw_tables().values())
        with warehouse.connect(settings.warehouse_path) as con:
            con.execute(publish.PUBLISHES_DDL)
    where = lake.lake_settings()
    return (f"lake ready: catalog {lake.redacted(where.catalog)}, data {where.data} "
            f"({len(created)} raw tables created)")


def build(settings: Settings, select: list[str] | None = None) -> list[tuple[str, str]]:
    """dbt build: models, snapshots, tests and unit tests, against the writer warehouse (all of
    them, or the `select`ed nodes)."""
    with warehouse.writer_lock(settings.warehouse_path):
        warehouse.ensure_raw_tables(settings.warehouse_path, raw_tables().values())
        warehouse.record_build_started(settings.warehouse_path)
        return run_dbt(["build", *(["--select", *select] if select else [])], settings)


def build_and_publish(settings: Settings, report: Report = _quiet, *, force: bool = False) -> bool:
    """dbt build and publish, unless nothing the build reads changed since the last one (the
    landed batches, the dbt project, the crosswalk code) and the serving file is there; return
    whether it built. When only landed data changed since the last published build, only the
    raw tables that changed and what depends on them are built (the rest of the writer is that
    build's, unchanged); code changed, a build that did not publish, or --force: everything."""
    with warehouse.writer_lock(settings.warehouse_path):
        with warehouse.connect(settings.warehouse_path) as con:  # one opening (~45 ms) for both
            landed, last = landing.read_landed_batches(con), warehouse.read_last_build(con)
        inputs = build_inputs(settings, landed)
        current = publish.published_name(settings.serving_path)
        if not force and last and last.published and last.inputs_sha256 == inputs.sha256 and current:
            report(f"nothing changed since the last build (inputs {inputs.sha256[:12]}): dbt build and "
                   f"publish skipped; {current} is current (--force rebuilds)")
            return False
        changed = None if force or not current or not last or not last.published \
            else inputs.changed_tables(last.inputs)
        tables = raw_tables()
        if changed and not set(changed) <= set(tables):
            changed = None  # a batch outside the catalog's tables changed: build everything
        select = [f"source:{tables[table].source.name}.{table}+" for table in changed or ()]
        if changed:
            report(f"changed since the last build: {', '.join(changed)}; building what depends on them")
        with timed("dbt_build"):
            outcomes = build(settings, select)
        # every status with its count: exposures are "no-op", warnings "warn", not silent failures
        statuses = Counter("passed" if status in ("success", "pass") else status for _, status in outcomes)
        report(f"dbt build: {len(outcomes)} nodes, "
               + ", ".join(f"{count} {status}" for status, count in statuses.most_common()))
        report_crosswalk(settings, report)
        with timed("publish"):
            report(f"published {publish.publish(settings)}")
            warehouse.record_build(settings.warehouse_path, inputs.sha256, inputs.parts)
        with timed("dbt_docs"):
            report(f"dbt docs: {write_dbt_docs(settings)}")
        with timed("report"):
            from ingest.report import write_report

            report(f"report: {write_report(settings.serving_path, settings.report_path)}")
        return True


def write_dbt_docs(settings: Settings) -> Path:
    """dbt's docs site (models, columns, tests, lineage, the warehouse's catalog) as one static
    HTML file beside the report. After `citywh build`, or Airflow's build (its producer keeps the
    artifacts: ingest.dbt.keep_build_artifacts), the target holds the build's compiled manifest,
    so nothing is compiled again; without one, dbt compiles."""
    target = settings.home / "dbt" / "target"
    compiled = ["--no-compile"] if (target / "manifest.json").exists() else []
    with warehouse.writer_lock(settings.warehouse_path):
        run_dbt(["docs", "generate", "--static", *compiled], settings)
    settings.report_dir.mkdir(parents=True, exist_ok=True)
    staging = settings.dbt_docs_path.with_suffix(".html.part")
    shutil.copyfile(target / "static_index.html", staging)
    os.replace(staging, settings.dbt_docs_path)
    return settings.dbt_docs_path


@dataclass(frozen=True)
class BuildInputs:
    """What a build reads: the code dbt runs, and every raw table's landed batches (each batch's
    snapshot sha256 and parser version)."""

    code: str
    tables: dict[str, str]

    @property
    def parts(self) -> dict:
        return {"code": self.code, "tables": self.tables}

    @property
    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.parts, sort_keys=True).encode()).hexdigest()

    def changed_tables(self, previous: dict | None) -> list[str] | None:
        """The raw tables whose batches changed since `previous` (a build's parts); None when
        the code changed too, or previous is unknown: then everything is built."""
        if not previous or previous.get("code") != self.code:
            return None
        return sorted(t for t, digest in self.tables.items() if previous.get("tables", {}).get(t) != digest)


def build_inputs(settings: Settings, landed: dict | None = None) -> BuildInputs:
    """The inputs of a build from the landed batches (`landed`: from landing.landed_batches,
    read here when not given)."""
    if landed is None:
        landed = landing.landed_batches(settings.warehouse_path)
    per_table: dict[str, hashlib._Hash] = {}
    for (source, key), (sha256, parser_version) in sorted(landed.items()):
        try:
            table = table_of_file(source, key).name
        except KeyError:  # a file the catalog no longer declares: its batch is still read
            table = f"{source}/{key}"
        per_table.setdefault(table, hashlib.sha256()).update(
            f"{source}|{key}|{sha256}|{parser_version or ''}".encode() + b"\n")
    code = hashlib.sha256()
    for path in sorted(BUILD_CODE_FILES()):
        code.update(str(path.relative_to(REPO_ROOT)).encode() + path.read_bytes())
    return BuildInputs(code.hexdigest(), {table: digest.hexdigest() for table, digest in per_table.items()})


def BUILD_CODE_FILES() -> list[Path]:  # noqa: N802 - a constant computed on use
    dbt_files = [p for p in DBT_PROJECT_DIR.rglob("*") if p.is_file()
                 and not {"target", "logs", "dbt_packages"} & set(p.relative_to(DBT_PROJECT_DIR).parts)]
    ingest_dir = REPO_ROOT / "ingest"
    return [*dbt_files, ingest_dir / "crosswalk.py", ingest_dir / "catalog.py",
            *(ingest_dir / "reference").rglob("*.*")]


def run_all(settings: Settings, report: Report = _quiet, *, force: bool = False) -> None:
    """The whole pipeline: every source, then dbt build, then publish - the build skipped when
    nothing it reads changed. The first failure stops the run before anything downstream, and the
    serving file keeps its last good version. One run at a time (the writer lock)."""
    started = time.perf_counter()
    PHASE_SECONDS.clear()
    with warehouse.writer_lock(settings.warehouse_path):
        if lake.enabled():  # one CLI run: it may create the lake (Airflow: `citywh lake init`)
            init_lake(settings)
        with timed("acquire"):
            snapshots = acquire(raw_tables().values(), settings)
        ingest_snapshots(snapshots, settings, report)
        built = build_and_publish(settings, report, force=force)
    settings.last_run_path.write_text(json.dumps(
        {"built": built, "seconds": round(time.perf_counter() - started, 3),
         "phases": {phase: round(seconds, 3) for phase, seconds in PHASE_SECONDS.items()}}, indent=1))
