"""Airflow glue shared by the thin files in dags/: default arguments, Assets, the writer pool
and the DAG factories. Importing this module does no I/O and imports nothing heavy: the pipeline
is imported inside the tasks, when they run."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from airflow.sdk import Asset, AssetAny, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

log = logging.getLogger(__name__)

# DuckDB allows one writing process: every task that writes the warehouse takes this pool's one
# slot. Create it once per deployment: `airflow pools set duckdb_writer 1 "DuckDB single writer"`.
# In lake mode (CITYWH_WAREHOUSE=ducklake) only the build takes it: landings commit concurrently.
WRITER_POOL = "duckdb_writer"


def landing_pool() -> str:
    from ingest import lake

    return "default_pool" if lake.enabled() else WRITER_POOL
# Assets are logical names in two groups, `raw` (a raw table landed) and `serving` (the file BI
# reads was replaced); each event's extra says what changed (files, rows, sha256).
SERVING_ASSET = Asset(name="citywh_serving", uri="citywh://warehouse/serving", group="serving")
START_DATE = datetime(2026, 1, 1)


def raw_asset(table: str) -> Asset:
    return Asset(name=f"citywh_raw_{table}", uri=f"citywh://warehouse/raw/{table}", group="raw")


def notify_failure(context) -> None:
    """Failure callback: one line naming the DAG, task and the error (source and expectations
    are named in the exception message itself)."""
    ti = context.get("task_instance")
    log.error("citywh task failed: dag=%s task=%s error=%s",
              getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?"), context.get("exception"))


DEFAULT_ARGS = {
    "owner": "citywh",
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": notify_failure,
}


def ingest_schedule(declared: str) -> str | None:
    """The catalog's schedule, or none with CITYWH_SCHEDULES=off (a staging deployment, or a test,
    where only triggered runs and the Asset-driven build run: unpausing creates no run)."""
    return None if os.environ.get("CITYWH_SCHEDULES", "on").lower() == "off" else declared


def source_ingest_dag(name: str):
    """ingest_<name>, for the catalog DAG `name`: fetch -> validate_and_land (one mapped task per
    snapshot file) -> announce (the Assets of the raw tables that changed). Everything it needs is
    read from ingest.catalog, which imports nothing heavy."""
    from ingest import catalog

    declared = catalog.dag(name)
    sources = catalog.sources_of(name)
    tables = [source.raw_table(table) for source in sources for table in source.tables]
    assets = [raw_asset(table) for table in tables]
    doc_md = f"### ingest_{name}\n{declared.description}\n\n" + "\n".join(
        f"- **{s.name}** ({', '.join(f'`raw.{s.raw_table(t)}`' for t in s.tables)}): {s.description} "
        f"Licence: {s.origin.licence}." for s in sources)

    @dag(dag_id=f"ingest_{name}", schedule=ingest_schedule(declared.schedule), start_date=START_DATE, catchup=False,
         max_active_runs=1, default_args=DEFAULT_ARGS, tags=["citywh", "ingest", name],
         description=declared.description, doc_md=doc_md)
    def ingest_dag():
        @task(execution_timeout=timedelta(minutes=30))
        def fetch() -> list[str]:
            """Acquire every snapshot file (bundle or live); return their metadata paths."""
            from ingest.config import settings
            from ingest.pipeline import acquire
            from ingest.sources import raw_table

            return [str(s.meta_path) for s in acquire([raw_table(t) for t in tables], settings())]

        @task(pool=landing_pool(), map_index_template="{{ snapshot_label }}")
        def validate_and_land(meta_path: str) -> dict:
            """Parse, validate with GX and land one file in one transaction (or quarantine it)."""
            from pathlib import Path

            from ingest.config import settings
            from ingest.errors import ParseError, ValidationFailed
            from ingest.pipeline import ingest_snapshot
            from ingest.snapshots import read_snapshot
            from ingest.sources import table_of_file
            from ingest.validation import build_data_docs

            snapshot = read_snapshot(Path(meta_path))
            table = table_of_file(snapshot.source, snapshot.key)
            context = get_current_context()
            context["snapshot_label"] = f"{snapshot.source}/{snapshot.key} {snapshot.sha256[:12]}"
            try:
                result = ingest_snapshot(table, snapshot, settings())
            except (ValidationFailed, ParseError) as exc:
                context["snapshot_label"] += ": rejected"
                # Bad data does not get better on retry: fail at once, naming what failed.
                raise AirflowFailException(str(exc)) from exc
            finally:  # the validation's page in the Data Docs (none when the file was already landed)
                docs = build_data_docs(settings().data_docs_dir)
                if docs:
                    log.info("Great Expectations Data Docs: %s", docs)
            # the grid shows each file's outcome in its label: "... : landed 13,979 rows" or ": unchanged"
            context["snapshot_label"] += f": landed {result.rows:,} rows" if result.status == "landed" \
                else f": {result.status}"
            log.info("%s/%s: %s %s rows", snapshot.source, snapshot.key, result.status, result.rows)
            return {"source": snapshot.source, "key": snapshot.key, "status": result.status,
                    "rows": result.rows, "sha256": snapshot.sha256, "table": table.name}

        @task(outlets=assets)
        def announce(results: list[dict]) -> None:
            """Emit the raw Assets only when a load changed raw, so the build runs when needed;
            each event's extra lists the files landed into that table (key, rows, sha256)."""
            landed = [r for r in results if r["status"] == "landed"]
            if not landed:
                raise AirflowSkipException(
                    f"nothing new: all {len(results)} snapshot files were already landed, so no "
                    "Asset event and no build")
            outlet_events = get_current_context()["outlet_events"]
            for table, asset in zip(tables, assets, strict=True):
                files = [{"key": r["key"], "rows": r["rows"], "sha256": r["sha256"]}
                         for r in landed if r["table"] == table]
                outlet_events[asset].extra = {"rows_landed": sum(f["rows"] for f in files), "files": files}
            log.info("landed: %s", ", ".join(f"{r['source']}/{r['key']} ({r['rows']:,} rows)" for r in landed))

        announce(validate_and_land.expand(meta_path=fetch()))

    return ingest_dag()


class AnyRawTable(AssetAny):
    """AssetAny that hashes its assets once. Airflow hashes the DAG, schedule included, each time
    a dependency is set (Cosmos sets ~350): rehashing ~35 Assets each time (a JSON dump of each)
    was 60 % of parsing this DAG file, which every one of its ~100 task processes does."""

    def __hash__(self) -> int:
        if not hasattr(self, "_hash"):
            self._hash = super().__hash__()
        return self._hash


def warehouse_build_dag(*, doc_md: str):
    """On any raw Asset: make sure every raw table exists -> dbt, one Airflow task per dbt node
    rendered by Cosmos from the pre-built manifest (the city crosswalk is one of them) -> publish
    the serving file (Asset) -> the HTML report from it."""
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    from ingest import catalog, lake
    from ingest.config import DBT_MANIFEST_PATH, DBT_PROJECT_DIR, settings

    tables = list(catalog.raw_tables())

    @dag(dag_id="warehouse_build", schedule=AnyRawTable(*(raw_asset(t) for t in tables)),
         start_date=START_DATE, catchup=False, max_active_runs=1, default_args=DEFAULT_ARGS,
         tags=["citywh", "dbt", "publish"], doc_md=doc_md,
         description="Rebuild the warehouse with dbt when a raw table changed, then publish the serving file.")
    def build_dag():
        @task(pool=WRITER_POOL)
        def prepare_raw_tables() -> None:
            """Create, empty, every raw table no source has landed yet, so dbt finds its sources."""
            from ingest import warehouse
            from ingest.config import settings
            from ingest.sources import raw_tables

            created = warehouse.ensure_raw_tables(settings().warehouse_path, raw_tables().values())
            log.info("created empty raw tables: %s", created or "none")
            # until publish records it, the writer's models are not the last published build's
            warehouse.record_build_started(settings().warehouse_path)

        project = ProjectConfig(dbt_project_path=DBT_PROJECT_DIR, manifest_path=DBT_MANIFEST_PATH)
        # Cosmos makes the manifest's path an ObjectStoragePath, whose open() loads every Airflow
        # plugin to collect lineage, Cosmos's own importing FastAPI: ~0.5 s of each parse. The
        # manifest is a local file.
        project.manifest_path = DBT_MANIFEST_PATH
        dbt = DbtTaskGroup(
            group_id="dbt",
            project_config=project,
            profile_config=ProfileConfig(profile_name="citywh", target_name=lake.backend(),
                                         profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml"),
            # The graph comes from the manifest (dbt is not invoked while the DAG file is parsed),
            # one task group per folder (staging, intermediate, marts/...), one task per model,
            # seed and snapshot and one per model's tests, so a failed test shows on its model.
            # Exposures document the marts' consumers; they are not tasks. No Asset per dbt model
            # (Cosmos would name each by the writer file's absolute path): the Assets a data
            # engineer sees are the raw tables and the serving file.
            render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST,
                                       test_behavior=TestBehavior.AFTER_EACH,
                                       group_nodes_by_folder=True,
                                       exclude=["resource_type:exposure"], emit_datasets=False),
            # Watcher mode: one producer task runs a single `dbt build` (as `citywh build` does,
            # with the profile's threads) and holds the writer slot; every node's task is a sensor
            # that turns green or red with that node's result in the build (the producer's
            # priority weight puts it first in the queue). A node task's retry
            # runs its node alone (ExecutionMode.LOCAL); DuckDB's file lock refuses a second
            # writer rather than let two write, and the task retries.
            execution_config=ExecutionConfig(execution_mode=ExecutionMode.WATCHER,
                                             invocation_mode=InvocationMode.DBT_RUNNER,
                                             setup_operator_args={"pool": WRITER_POOL,
                                                                  # imported when it runs, not at parse
                                                                  "callback": "ingest.dbt.keep_build_artifacts"}),
            operator_args={"install_deps": False,
                           "env": {"CITYWH_WAREHOUSE_PATH": str(settings().warehouse_path),
                                   **lake.dbt_env()},
                           "append_env": True, "poke_interval": 2,
                           # a sensor that defers starts twice (defer, resume): on a small worker
                           # those task starts starve the producer's dbt build of CPU. Polling,
                           # a sensor starts once and sleeps between pokes.
                           "deferrable": False},
            default_args={**DEFAULT_ARGS, "retries": 1, "retry_delay": timedelta(seconds=30),
                          "retry_exponential_backoff": False},
        )

        tests_beside_models(dbt)
        describe_dbt_tasks(dbt, DBT_MANIFEST_PATH)

        @task(pool=WRITER_POOL, outlets=[SERVING_ASSET])
        def publish() -> str:
            from ingest import publish as publishing
            from ingest import warehouse
            from ingest.config import settings
            from ingest.pipeline import build_inputs, write_dbt_docs

            current = settings()
            served = publishing.publish(current)
            # a later `citywh run` with nothing new skips its build, as after its own
            inputs = build_inputs(current)
            warehouse.record_build(current.warehouse_path, inputs.sha256, inputs.parts)
            get_current_context()["outlet_events"][SERVING_ASSET].extra = {
                "path": str(served), "build_inputs_sha256": inputs.sha256}
            log.info("dbt docs: %s", write_dbt_docs(current))  # reads the writer: in this slot
            return str(served)

        @task
        def report() -> str:
            """`citywh report` on the file just published. It only reads the serving file, so it
            takes no writer slot."""
            from ingest.config import settings
            from ingest.report import write_report

            current = settings()
            return str(write_report(current.serving_path, current.report_path))

        prepare_raw_tables() >> dbt >> publish() >> report()

    return build_dag()


def tests_beside_models(group) -> None:
    """A model's test task reports beside the models built on it, not before them. Cosmos chains
    model -> its tests -> the models downstream; in watcher mode the one `dbt build` already
    orders them (a failed test skips what is built on its model, and the skip shows on those
    tasks), so that chain only doubled the number of task starts between the build's end and
    publish. Publish still waits for every test task."""
    for test in [t for t in _tasks_of(group) if t.task_id.endswith(".test")]:
        for downstream in list(test.downstream_list):
            test.downstream_task_ids.discard(downstream.task_id)
            downstream.upstream_task_ids.discard(test.task_id)
            for model in test.upstream_list:
                model.set_downstream(downstream)


def describe_dbt_tasks(group, manifest_path) -> None:
    """Each dbt task's Doc tab: its node's description from the manifest (the producer's and the
    gateway's own docs are Cosmos's); a test task lists the tests it reports."""
    import json

    manifest = json.loads(manifest_path.read_text())
    nodes = manifest["nodes"]
    tests_of: dict[str, list[str]] = {}
    for node in [*nodes.values(), *manifest.get("unit_tests", {}).values()]:
        if node["resource_type"] in ("test", "unit_test"):
            for parent in node["depends_on"]["nodes"]:
                tests_of.setdefault(parent, []).append(node["name"])
    for operator in _tasks_of(group):
        unique_id = getattr(operator, "model_unique_id", None)
        node = nodes.get(unique_id or "")
        if node is None:
            continue
        if operator.task_id.endswith(".test"):
            names = sorted(tests_of.get(unique_id, []))
            operator.doc_md = (f"Tests on `{unique_id}` ({len(names)}; a test on two models, such as a "
                               "relationship, is reported on one of them):\n" + "\n".join(f"- `{n}`" for n in names))
        else:
            operator.doc_md = f"`{unique_id}` ({node['config'].get('materialized', node['resource_type'])}): " \
                              f"{node.get('description') or 'no description'}"


def _tasks_of(group):
    for child in group.children.values():
        if hasattr(child, "children"):
            yield from _tasks_of(child)
        else:
            yield child
