"""The Airflow DAGs: they parse, carry owner/retries/tags/docs, do no work at import time, and
the ingest DAG really lands data when run with dag.test()."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DAGS_DIR = REPO_ROOT / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_dagbag_has_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"ingest_worldbank", "ingest_geonames", "ingest_un_wup",
                                   "ingest_c40_gdp", "ingest_networks", "ingest_sister_cities",
                                   "warehouse_build"}


def test_every_dag_has_owner_retries_tags_description_and_docs(dagbag):
    for dag in dagbag.dags.values():
        assert dag.tags and "citywh" in dag.tags, dag.dag_id
        assert dag.description and len(dag.description) > 20, dag.dag_id
        assert dag.doc_md and dag.dag_id in dag.doc_md
        for task in dag.tasks:
            assert task.owner == "citywh"
            assert task.retries >= 1, (dag.dag_id, task.task_id)
            assert task.execution_timeout is not None


def ancestors(dag, task_id: str) -> set[str]:
    seen, todo = set(), [task_id]
    while todo:
        for upstream in dag.get_task(todo.pop()).upstream_task_ids - seen:
            seen.add(upstream)
            todo.append(upstream)
    return seen


def test_writers_share_the_one_slot_pool_and_assets_chain(dagbag):
    from ingest import catalog

    build = dagbag.dags["warehouse_build"]
    # every task that writes the warehouse holds the pool: the one `dbt build` (the watcher's
    # producer) among them; the node sensors only read XCom, the report only the serving file
    writers = {t.task_id for t in build.tasks if t.pool == "duckdb_writer"}
    assert writers == {"prepare_raw_tables", "dbt.dbt_producer_watcher", "publish"}
    order = [t.task_id for t in build.topological_sort()]
    assert order[0] == "prepare_raw_tables" and order[-2:] == ["publish", "report"]
    assert build.get_task("report").upstream_task_ids == {"publish"}
    # Cosmos renders the graph in folder groups, a run/seed/snapshot task per node and a test task
    # per model with tests; all report on the single `dbt build` the producer runs
    dbt_tasks = {t.task_id: t for t in build.tasks if t.task_id.startswith("dbt.")}
    assert {"dbt.models.marts.influence.city_influence.run", "dbt.models.marts.influence.city_influence.test",
            "dbt.models.intermediate.membership_history_snapshot", "dbt.seeds.networks.seed",
            "dbt.models.intermediate.int_partnership_centrality.run"} <= set(dbt_tasks)
    assert sorted(build.task_group.children["dbt"].children["dbt.models"].children) == \
        ["dbt.models.intermediate", "dbt.models.marts", "dbt.models.staging"]
    assert type(dbt_tasks["dbt.dbt_producer_watcher"]).__name__ == "DbtProducerWatcherOperator"
    assert {type(t).__name__ for i, t in dbt_tasks.items() if i.endswith((".run", ".test"))} == \
        {"DbtRunWatcherOperator", "DbtTestWatcherOperator"}
    # nothing is published before every node and test reported success
    dbt_leaves = {i for i, t in dbt_tasks.items() if not t.downstream_task_ids & set(dbt_tasks)}
    assert build.get_task("publish").upstream_task_ids == dbt_leaves
    assert "dbt.models.marts.influence.city_influence.test" in ancestors(build, "publish")
    # a model's tests report beside the models built on it (the one dbt build orders them): the
    # crosswalk's downstream models wait for its run task, not its test task; publish waits for both
    matches = "dbt.models.intermediate.int_city_matches"
    assert f"{matches}.run" in build.get_task("dbt.models.intermediate.int_network_memberships.run").upstream_task_ids
    assert build.get_task(f"{matches}.test").downstream_task_ids == {"publish"}
    assert {i for i in dbt_tasks if i.endswith(".test")} <= build.get_task("publish").upstream_task_ids
    # a node's Doc tab carries its description; a test task names its tests
    assert "influence index" in dbt_tasks["dbt.models.marts.influence.city_influence.run"].doc_md
    assert "value_between_city_influence_sister_city_pagerank__1__0" in dbt_tasks["dbt.models.marts.influence.city_influence.test"].doc_md
    # no Asset per dbt model: the Assets page lists the raw tables and the serving file only
    cosmos_tasks = [t for t in dbt_tasks.values() if type(t).__name__.startswith("Dbt")]
    assert len(cosmos_tasks) == len(dbt_tasks) - 1  # all but the producer's done-gateway
    assert {t.emit_datasets for t in cosmos_tasks} == {False}
    announced = []
    for dag_id, dag in dagbag.dags.items():
        if dag_id.startswith("ingest_"):
            assert dag.get_task("validate_and_land").pool == "duckdb_writer"
            announced += [asset.uri for asset in dag.get_task("announce").outlets]
            assert {asset.group for asset in dag.get_task("announce").outlets} == {"raw"}
    # every raw table of the catalog is announced by an ingest DAG and triggers the build
    expected = sorted(f"citywh://warehouse/raw/{table}" for table in catalog.raw_tables())
    assert len(expected) == 21
    assert sorted(announced) == expected
    assert sorted(a.uri for a in build.timetable.asset_condition.objects) == expected
    assert [(o.uri, o.group) for o in build.get_task("publish").outlets] == [("citywh://warehouse/serving", "serving")]


# Parses every DAG file as the dag-processor does, with a PEP 578 audit hook recording each
# write, delete, network call, subprocess and database connection the DAG code makes.
_IMPORT_PROBE = """
import json, os, runpy, sys
import airflow.sdk, croniter  # loaded before any DAG file in the dag-processor: their work is theirs
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
IO_EVENTS = {"socket.connect", "socket.getaddrinfo", "subprocess.Popen", "os.system", "os.exec",
             "os.posix_spawn", "os.fork", "os.remove", "os.rename", "os.rmdir", "os.mkdir",
             "shutil.rmtree", "shutil.copyfile", "sqlite3.connect", "urllib.Request"}
seen = []
def audit(event, args):
    if event == "open" and isinstance(args[2], int) and args[2] & WRITE_FLAGS:
        if str(args[0]) != os.devnull:
            seen.append(["open for writing", str(args[0])])
    elif event in IO_EVENTS:
        seen.append([event, str(args[0])])
sys.addaudithook(audit)
for path in sys.argv[1:]:
    runpy.run_path(path)
import cosmos.settings
heavy = [m for m in ("duckdb", "polars", "great_expectations", "dbt", "pandas", "ingest.pipeline")
         if m in sys.modules]
print(json.dumps({"io": seen, "heavy": heavy, "cosmos_cache_dir": str(cosmos.settings.cache_dir)}))
"""


def test_importing_a_dag_file_does_no_work():
    """Parsing the DAG files imports no pipeline library and does no I/O beyond reading: no file
    written or removed, no network, no subprocess, no database. The one allowed exception is
    Cosmos creating its cache folder, where dbt's partial-parse state lives between tasks."""
    out = subprocess.run([sys.executable, "-c", _IMPORT_PROBE, *sorted(str(p) for p in DAGS_DIR.glob("*.py"))],
                         capture_output=True, text=True, check=True, env={**os.environ})
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["heavy"] == []
    cosmos_cache = f"{probe['cosmos_cache_dir']}/warehouse_build__dbt/target"
    assert [event for event in probe["io"] if event != ["os.mkdir", cosmos_cache]] == []


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory) -> Path:
    """A migrated SQLite metadata DB, shared by the dag.test() runs of this module."""
    home = tmp_path_factory.mktemp("airflow")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    subprocess.run([str(Path(sys.executable).with_name("airflow")), "db", "migrate"], env=env,
                   check=True, capture_output=True)
    return home


# Runs one DAG with dag.test() in a fresh interpreter and prints its run state, every task
# instance (task, map index, state, try number), the mapped tasks' labels and the Asset events it
# emitted (uri -> extra) as JSON on the last line.
_DAG_TEST = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.models.taskinstance import TaskInstance
from airflow.utils.session import create_session
from airflow.models.asset import AssetEvent, AssetModel
run = DagBag(dag_folder=sys.argv[1]).dags[sys.argv[2]].test()
with create_session() as session:
    tis = session.query(TaskInstance).filter(TaskInstance.run_id == run.run_id).all()
    events = session.query(AssetModel.uri, AssetEvent.extra).join(AssetModel, AssetEvent.asset_id == AssetModel.id) \
        .filter(AssetEvent.source_run_id == run.run_id).all()
    print(json.dumps({"state": str(run.state), "tasks": sorted(
        [t.task_id, t.map_index, str(t.state), t.try_number] for t in tis),
        "labels": sorted(t.rendered_map_index for t in tis if t.rendered_map_index),
        "events": {uri: extra for uri, extra in events}}))
"""


def dag_test(dag_id: str, airflow_home: Path, citywh_home: Path, bundle: Path) -> tuple[dict, str]:
    """(run state and task instances, everything the run logged)."""
    env = {**os.environ, "AIRFLOW_HOME": str(airflow_home), "CITYWH_HOME": str(citywh_home),
           "CITYWH_BUNDLE": str(bundle), "CITYWH_FETCH": "offline",
           "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    try:
        # an unexpected error would put a task up for retry, and dag.test() would wait out the
        # backoff: stop it (SIGKILL) and show why
        out = subprocess.run([sys.executable, "-c", _DAG_TEST, str(DAGS_DIR), dag_id], env=env,
                             capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as exc:  # its output is bytes, whatever text= said
        logged = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else str(exc.stderr)
        pytest.fail(f"dag.test() of {dag_id} did not finish in 300 s:\n{logged[-3000:]}")
    logged = out.stdout + out.stderr
    assert out.returncode == 0 and out.stdout.strip(), logged[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1]), logged


def test_dag_test_of_ingest_lands_into_a_temporary_warehouse(tmp_path, airflow_home, bundle_dir):
    run, logged = dag_test("ingest_worldbank", airflow_home, tmp_path / "home", bundle_dir)
    assert run["state"] == "success", logged[-3000:]
    con = duckdb.connect(str(tmp_path / "home" / "warehouse" / "citywh.duckdb"), read_only=True)
    try:
        loads = con.execute("select snapshot_key, status, rows from meta.loads order by 1").fetchall()
        japan = con.execute("select value from raw.worldbank__indicator_values where country_code = 'JPN' "
                            "and year = 2020 and indicator_code = 'SP.POP.TOTL'").fetchone()
    finally:
        con.close()
    assert loads == [("NY.GDP.MKTP.CD", "landed", 13_979), ("SP.POP.TOTL", "landed", 17_195),
                     ("SP.URB.TOTL.IN.ZS", "landed", 17_095)]
    assert japan == (126_261_000.0,)
    # the grid labels each file's task with its outcome; the Asset event says what landed
    assert run["labels"] == ["worldbank/NY.GDP.MKTP.CD b8df0451af89: landed 13,979 rows",
                             "worldbank/SP.POP.TOTL 62ab92324e0b: landed 17,195 rows",
                             "worldbank/SP.URB.TOTL.IN.ZS 95c50136a2a6: landed 17,095 rows"]
    event = run["events"]["citywh://warehouse/raw/worldbank__indicator_values"]
    assert event["rows_landed"] == 48_269
    assert {f["key"]: f["rows"] for f in event["files"]} == {
        "NY.GDP.MKTP.CD": 13_979, "SP.POP.TOTL": 17_195, "SP.URB.TOTL.IN.ZS": 17_095}


def test_a_bad_batch_fails_at_once_names_file_row_and_expectation_and_keeps_the_good_data(
        tmp_path, airflow_home, linked_bundle):
    """A revised urban-share file puts Japan at 191.782 % in 2020. In Airflow its
    validate_and_land task fails on the first try (no retries for bad data), the task log and the
    failure callback name the file, the row and the expectation, the batch is quarantined, the
    previous good data stays in raw, and no Asset event is emitted (no build follows)."""
    home = tmp_path / "home"
    good, logged = dag_test("ingest_worldbank", airflow_home, home, linked_bundle.path)
    assert good["state"] == "success", logged[-3000:]

    linked_bundle.revise_japan_urban_share_2020()
    bad, logged = dag_test("ingest_worldbank", airflow_home, home, linked_bundle.path)
    assert bad["state"] == "failed"
    states = {(task, index): (state, tries) for task, index, state, tries in bad["tasks"]}
    # three files map to three validate_and_land tasks: two unchanged, the urban share failed
    # on its first try although the DAG allows 3 retries
    assert sorted(states[("validate_and_land", i)] for i in range(3)) == \
        [("failed", 1), ("success", 1), ("success", 1)]
    assert states[("announce", -1)][0] == "upstream_failed"
    assert [label.split(": ")[-1] for label in bad["labels"]] == ["unchanged", "unchanged", "rejected"]
    assert bad["events"] == {}
    expected = ("[worldbank] API_SP.URB.TOTL.IN.ZS_DS2_en_csv_v2_22447.csv: batch for "
                "raw.worldbank__indicator_values failed validation (1 expectation(s)): "
                "expect_column_values_to_be_between(column='value'")
    row = "1 unexpected, e.g. 191.782 at country_code='JPN', indicator_code='SP.URB.TOTL.IN.ZS', year=2020"
    callback = next(line for line in logged.splitlines() if "citywh task failed:" in line)
    assert "dag=ingest_worldbank task=validate_and_land" in callback
    assert expected in callback and row in callback
    assert "AirflowFailException: " + expected in logged  # the task's own log

    (folder,) = (home / "quarantine" / "worldbank").iterdir()
    assert folder.name.startswith("SP.URB.TOTL.IN.ZS-") and str(folder) in callback
    quarantined = pl.read_parquet(folder / "batch.parquet").filter(
        (pl.col("country_code") == "JPN") & (pl.col("year") == 2020))
    assert quarantined["value"].to_list() == [191.782]
    con = duckdb.connect(str(home / "warehouse" / "citywh.duckdb"), read_only=True)
    try:
        kept = con.execute("select value from raw.worldbank__indicator_values where country_code = 'JPN' "
                           "and year = 2020 and indicator_code = 'SP.URB.TOTL.IN.ZS'").fetchone()
        loads = con.execute("select status, count(*) from meta.loads where snapshot_key = "
                            "'SP.URB.TOTL.IN.ZS' group by 1 order by 1").fetchall()
    finally:
        con.close()
    assert kept == (91.782,)
    assert loads == [("landed", 1), ("quarantined", 1)]


def test_no_deprecated_airflow_imports_or_warnings():
    """DAG code uses the Airflow 3 authoring interface (airflow.sdk) only, and parsing it raises
    no deprecation warning from our files."""
    import warnings

    deprecated = re.compile(r"^\s*(from|import)\s+airflow\.(operators|decorators|datasets|models\.dag|"
                            r"models\.baseoperator|utils\.dates|sensors)\b", re.M)
    for path in [*DAGS_DIR.glob("*.py"), REPO_ROOT / "ingest" / "orchestration.py"]:
        assert not deprecated.search(path.read_text()), path
    from airflow.dag_processing.dagbag import DagBag

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        DagBag(dag_folder=str(DAGS_DIR))
    ours = [w for w in caught if str(REPO_ROOT) in str(w.filename) and ".venv" not in str(w.filename)]
    assert ours == [], [f"{w.filename}:{w.lineno} {w.message}" for w in ours]


def test_failure_callback_names_the_source_and_the_failed_expectations():
    import logging

    from ingest.errors import ValidationFailed
    from ingest.orchestration import notify_failure  # imports Airflow, which configures logging

    class TaskInstance:
        dag_id, task_id = "ingest_un_wup", "validate_and_land"

    error = ValidationFailed("un_wup", "un_wup__city_populations",
                             ["expect_column_values_to_be_between(column='population'): 3 unexpected"],
                             "/var/lib/citywh/quarantine/un_wup/F12-x", file="WUP2018-F12.xls")
    # our own handler on the callback's logger: whatever Airflow did to the root logger
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.ERROR)
    handler.emit = records.append
    logger = logging.getLogger("ingest.orchestration")
    logger.addHandler(handler)
    try:
        notify_failure({"task_instance": TaskInstance(), "exception": error})
    finally:
        logger.removeHandler(handler)
    (record,) = records
    line = record.getMessage()
    assert "dag=ingest_un_wup task=validate_and_land" in line
    assert "[un_wup] WUP2018-F12.xls: batch for raw.un_wup__city_populations" in line
    assert "expect_column_values_to_be_between(column='population')" in line
    assert "quarantine/un_wup/F12-x" in line
