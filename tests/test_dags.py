"""The Airflow DAGs: they parse, carry owner/retries/tags/docs, do no work at import time, and
the ingest DAG really lands data when run with dag.test()."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
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


def test_every_dag_has_owner_retries_tags_and_docs(dagbag):
    for dag in dagbag.dags.values():
        assert dag.tags and "citywh" in dag.tags, dag.dag_id
        assert dag.doc_md and dag.dag_id in dag.doc_md
        for task in dag.tasks:
            assert task.owner == "citywh"
            assert task.retries >= 1, (dag.dag_id, task.task_id)
            assert task.execution_timeout is not None


def test_writers_share_the_one_slot_pool_and_assets_chain(dagbag):
    from ingest.sources import SOURCES

    build = dagbag.dags["warehouse_build"]
    assert {t.pool for t in build.tasks} == {"duckdb_writer"}
    order = [t.task_id for t in build.topological_sort()]
    assert order[0] == "resolve_cities" and order[-1] == "publish"
    # Cosmos renders one task per dbt node (model, seed, snapshot, each with its tests)
    dbt_tasks = [t for t in build.tasks if t.task_id.startswith("dbt.")]
    assert {"dbt.city_influence_run", "dbt.membership_history_snapshot", "dbt.networks_seed",
            "dbt.int_partnership_centrality_run", "dbt.dbt_project_test"} <= {t.task_id for t in dbt_tasks}
    assert order[-2] == "dbt.dbt_project_test"  # every data and unit test passes before anything is published
    assert len(dbt_tasks) == len(order) - 2
    announced = []
    for dag_id, dag in dagbag.dags.items():
        if dag_id.startswith("ingest_"):
            assert dag.get_task("validate_and_land").pool == "duckdb_writer"
            announced += [asset.uri for asset in dag.get_task("announce").outlets]
    # every source's raw table is announced by an ingest DAG and triggers the build
    expected = sorted(f"citywh://warehouse/raw/{s.table}" for s in SOURCES.values())
    assert sorted(announced) == expected
    assert sorted(a.uri for a in build.timetable.asset_condition.objects) == expected
    assert [o.uri for o in build.get_task("publish").outlets] == ["citywh://warehouse/serving"]


def test_schedules_suit_each_source(dagbag):
    schedules = {dag_id: dag.schedule for dag_id, dag in dagbag.dags.items()}
    assert schedules["ingest_geonames"] == "@weekly"
    assert schedules["ingest_un_wup"] == "@yearly"
    assert schedules["ingest_worldbank"] == "@monthly"
    assert schedules["ingest_networks"] == schedules["ingest_sister_cities"] == "@weekly"


def test_importing_a_dag_file_does_no_work():
    """No pipeline library is imported and no file is written while DAG files are parsed."""
    probe = (
        "import sys, runpy, os; before = set(os.listdir('.'));"
        f"[runpy.run_path(p) for p in {sorted(str(p) for p in DAGS_DIR.glob('*.py'))!r}];"
        "heavy = [m for m in ('duckdb', 'polars', 'great_expectations', 'dbt', 'pandas', 'ingest.pipeline') if m in sys.modules];"
        "print(heavy, sorted(set(os.listdir('.')) - before))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=os.environ.get("AIRFLOW_HOME"), env={**os.environ})
    assert out.stdout.strip().splitlines()[-1] == "[] []"


def test_dag_test_of_ingest_lands_into_a_temporary_warehouse(tmp_path, bundle_dir):
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow"), "CITYWH_HOME": str(tmp_path / "home"),
           "CITYWH_BUNDLE": str(bundle_dir), "CITYWH_FETCH": "offline",
           "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True)
    script = ("from airflow.dag_processing.dagbag import DagBag;"
              f"run = DagBag(dag_folder={str(DAGS_DIR)!r}).dags['ingest_worldbank'].test();"
              "print('DAGRUN_STATE', run.state)")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert "DAGRUN_STATE success" in out.stdout, out.stdout[-3000:] + out.stderr[-3000:]
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


def test_failure_callback_names_the_source_and_the_failed_expectations(caplog):
    from ingest.errors import ValidationFailed
    from ingest.orchestration import notify_failure

    class TaskInstance:
        dag_id, task_id = "ingest_un_wup", "validate_and_land"

    error = ValidationFailed("un_wup", "un_wup__city_populations",
                             ["expect_column_values_to_be_between(column='population'): 3 unexpected"],
                             "/var/lib/citywh/quarantine/un_wup/F12-x")
    with caplog.at_level("ERROR", logger="ingest.orchestration"):
        notify_failure({"task_instance": TaskInstance(), "exception": error})
    line = caplog.records[-1].getMessage()
    assert "dag=ingest_un_wup task=validate_and_land" in line
    assert "[un_wup]" in line and "expect_column_values_to_be_between(column='population')" in line
    assert "quarantine/un_wup/F12-x" in line
