"""The Airflow end to end in lake mode: a real Airflow (LocalExecutor) on PostgreSQL, the warehouse
a DuckLake whose catalog is another database of that PostgreSQL. Five ingest DAGs run at once and
land concurrently (no writer pool for landings); the Asset-driven build publishes a lake snapshot
holding the real values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.devstack import AirflowStack, Postgres, ingest_dag_ids, require_postgres_bindir
from lake_fixtures import lake_query

pytestmark = pytest.mark.slow  # `make test-quick` leaves these out; `make test` runs them

INGEST_DAGS = ingest_dag_ids()  # World Bank first


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, bundle_dir):
    workdir = tmp_path_factory.mktemp("airflow-lake")
    postgres = Postgres(require_postgres_bindir())
    stack = None
    try:
        metadata = postgres.start()
        citywh_env = {"CITYWH_HOME": str(workdir / "home"), "CITYWH_BUNDLE": str(bundle_dir),
                      "CITYWH_FETCH": "offline", "CITYWH_WAREHOUSE": "ducklake",
                      "CITYWH_LAKE_CATALOG": postgres.create_database("citywh_lake"),
                      "CITYWH_LAKE_DATA": str(workdir / "lake")}
        # what docker-compose's airflow-init does before any worker starts
        init = subprocess.run([str(Path(sys.executable).with_name("citywh")), "lake", "init"],
                              env={**os.environ, **citywh_env}, capture_output=True, text=True)
        assert init.returncode == 0, init.stderr
        stack = AirflowStack(workdir, citywh_env)
        stack.start(metadata)
        yield stack
    finally:
        if stack is not None:
            stack.stop()
        postgres.stop()


def test_ingest_dags_land_at_once_and_the_build_publishes_a_lake_snapshot(airflow):
    with airflow.client() as client:
        airflow.wait_for_dags(client, [*INGEST_DAGS, "warehouse_build"])
        assert client.get("/importErrors").json()["total_entries"] == 0
        airflow.trigger_and_wait(client, INGEST_DAGS[1:])  # five at once; the build paused
        for dag_id in INGEST_DAGS[1:]:
            (run,) = airflow.dag_runs(client, dag_id)
            assert run["state"] == "success", dag_id
            lands = [t for t in airflow.task_instances(client, dag_id, run["dag_run_id"])
                     if t["task_id"] == "validate_and_land"]
            assert lands and {t["pool"] for t in lands} == {"default_pool"}, dag_id  # no writer slot
        client.patch("/dags/warehouse_build", json={"is_paused": False}).raise_for_status()
        airflow.trigger_and_wait(client, INGEST_DAGS[:1])
        build = airflow.wait_for_build(client)
        tasks = airflow.task_instances(client, "warehouse_build", build["dag_run_id"])
        assert {t["state"] for t in tasks} == {"success"}
    # landings of different DAGs overlapped in time: they did not queue for one writer
    windows = lake_query(airflow.env, "select source, min(started_at), max(finished_at) from meta.loads "
                                   "where status = 'landed' group by all", published=False)
    assert any(a[0] != b[0] and a[1] < b[2] and b[1] < a[2] for a in windows for b in windows), windows
    assert lake_query(airflow.env, "select population from country_indicators where country_code = 'JPN' "
                                "and year = 2020") == [(126_261_000,)]
    assert lake_query(airflow.env, "select city_name, population from fct_city_population where year = 2018 "
                                "order by population desc limit 1") == [("Tokyo", 37_468_302)]
    assert lake_query(airflow.env, "select member_count, roster_status from dim_network "
                                "where network_id = 'c40'") == [(97, "held")]
    report = airflow.env["CITYWH_HOME"] + "/report/citywh-report.html"
    assert "at snapshot" in Path(report).read_text(encoding="utf-8")  # the report read the published snapshot
