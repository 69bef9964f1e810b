"""Airflow for real: PostgreSQL metadata DB, api-server, scheduler and dag-processor on this
repository's dags/; the ingest DAGs are unpaused and triggered over REST API v2; their Assets run
the Cosmos-rendered build, which publishes the serving file; marts are read back from it."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from ingest.devstack import AirflowStack, Postgres, ingest_dag_ids, require_postgres_bindir

pytestmark = pytest.mark.slow  # `make test-quick` leaves these out; `make test` runs them

INGEST_DAGS = ingest_dag_ids()  # World Bank first


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, bundle_dir):
    bindir = require_postgres_bindir()
    workdir = tmp_path_factory.mktemp("airflow-e2e")
    citywh_env = {"CITYWH_HOME": str(workdir / "home"), "CITYWH_BUNDLE": str(bundle_dir),
                  "CITYWH_FETCH": "offline"}
    postgres = Postgres(bindir)
    stack = AirflowStack(workdir, citywh_env)
    try:
        stack.start(postgres.start())
        yield stack
    finally:
        stack.stop()
        postgres.stop()


def test_ingest_dags_trigger_the_build_that_publishes(airflow):
    """Five sources land while the build is paused (no build runs; their Asset events wait); then
    the build is unpaused and the World Bank ingest is triggered: one build runs, on the events of
    the runs triggered here, and none of a cron schedule."""
    first, last = INGEST_DAGS[1:], INGEST_DAGS[0]
    with airflow.client() as client:
        airflow.wait_for_dags(client, [*INGEST_DAGS, "warehouse_build"])
        assert client.get("/importErrors").json()["total_entries"] == 0
        started = time.monotonic()
        airflow.trigger_and_wait(client, first)
        assert airflow.dag_runs(client, "warehouse_build") == []  # paused: no build ran (their events wait)
        client.patch("/dags/warehouse_build", json={"is_paused": False}).raise_for_status()
        airflow.trigger_and_wait(client, [last])
        airflow.wait_for_build(client)  # asset-triggered, not by hand; done once no further run is queued
        # one run per ingest DAG, the one triggered here (no cron run: CITYWH_SCHEDULES=off)
        runs = {dag_id: airflow.dag_runs(client, dag_id) for dag_id in INGEST_DAGS}
        assert {dag_id: [r["run_type"] for r in found] for dag_id, found in runs.items()} == \
            {dag_id: ["manual"] for dag_id in INGEST_DAGS}
        (build,) = airflow.dag_runs(client, "warehouse_build")
        # the one build was triggered by the Asset events of the runs triggered here over REST: the
        # World Bank run that released it, and the five whose events waited while it was paused
        events = client.get(f"/dags/warehouse_build/dagRuns/{build['dag_run_id']}/upstreamAssetEvents")
        events.raise_for_status()
        sources = {(e["source_dag_id"], e["source_run_id"]) for e in events.json()["asset_events"]}
        triggered_here = {(dag_id, found[0]["dag_run_id"]) for dag_id, found in runs.items()}
        assert ("ingest_worldbank", runs["ingest_worldbank"][0]["dag_run_id"]) in sources
        assert sources <= triggered_here, sources - triggered_here
        tasks = airflow.task_instances(client, "warehouse_build", build["dag_run_id"])
        assert {t["state"] for t in tasks} == {"success"}
        assert {"prepare_raw_tables", "dbt.dbt_producer_watcher",
                "dbt.models.marts.influence.city_influence.run",
                "dbt.models.marts.influence.city_influence.test", "publish", "report"} <= {t["task_id"] for t in tasks}
        # one `dbt build` (the watcher's producer, in the writer pool); the node tasks only report it
        assert {t["task_id"] for t in tasks if t["pool"] == "duckdb_writer"} == \
            {"prepare_raw_tables", "dbt.dbt_producer_watcher", "publish"}
        assert [t["try_number"] for t in tasks if t["task_id"] == "dbt.dbt_producer_watcher"] == [1]
        print(f"warehouse_build on a real Airflow: {build['start_date']} .. {build['end_date']}")
        print(f"ingest + build on a real Airflow: {time.monotonic() - started:.0f}s")

    serving = airflow.env["CITYWH_HOME"] + "/warehouse/serving.duckdb"
    con = duckdb.connect(serving, read_only=True)
    try:
        assert con.execute("select population from country_indicators where country_code = 'JPN' "
                           "and year = 2020").fetchone() == (126_261_000,)
        assert con.execute("select city_name, population from fct_city_population where year = 2018 "
                           "order by population desc limit 1").fetchone() == ("Tokyo", 37_468_302)
        assert con.execute("select member_count, roster_status from dim_network where network_id = 'c40'"
                           ).fetchone() == (97, "held")
        assert con.execute("select count(*) from city_influence").fetchone()[0] > 5_000
    finally:
        con.close()
    report_dir = Path(airflow.env["CITYWH_HOME"]) / "report"
    assert "San Diego" in (report_dir / "citywh-report.html").read_text(encoding="utf-8")  # Yokohama's first sister city
    assert "influence_benchmark" in (report_dir / "dbt-docs.html").read_text(encoding="utf-8")  # publish wrote dbt's docs
    assert (report_dir / "data-docs" / "expectations" / "raw_worldbank__indicator_values.html").is_file()
    # the producer kept its build's artifacts in the home (so publish's docs did not compile again)
    kept = json.loads((Path(airflow.env["CITYWH_HOME"]) / "dbt" / "target" / "run_results.json").read_text())
    assert {r["unique_id"]: r["status"] for r in kept["results"]}["model.citywh.city_influence"] == "success"
    assert kept["args"]["which"] == "build"


def test_the_ui_shows_logical_assets_dag_descriptions_and_a_no_change_run(airflow, tmp_path):
    """After the build above, in a real headless browser: the Assets page lists the project's
    logical Assets only (raw tables and the serving file, in their groups; none per dbt model),
    every DAG's details show its description, and a run that finds nothing new says so: the
    file's task reads "unchanged", announce is skipped, and no build follows."""
    from ingest import catalog

    with airflow.client() as client:
        client.post("/dags/ingest_c40_gdp/dagRuns", json={"logical_date": None}).raise_for_status()

        def rerun_done():
            run = airflow.dag_runs(client, "ingest_c40_gdp")[0]
            assert run["state"] != "failed", airflow.log_tail("scheduler")
            return run if run["state"] == "success" else None

        rerun = airflow.wait_for(rerun_done, timeout=300, what="the no-change ingest run", interval=3)
        tasks = {t["task_id"]: t for t in airflow.task_instances(client, "ingest_c40_gdp", rerun["dag_run_id"])}
        assert tasks["validate_and_land"]["rendered_map_index"].endswith(": unchanged")
        assert tasks["announce"]["state"] == "skipped"
        descriptions = {d["dag_id"]: d["description"] for d in client.get("/dags", params={"limit": 100}).json()["dags"]}
        time.sleep(10)  # time for a build to be (wrongly) queued
        assert len(airflow.dag_runs(client, "warehouse_build")) == 1

    run_page = f"/dags/ingest_c40_gdp/runs/{quote(rerun['dag_run_id'], safe='')}"
    pages = airflow.page_texts(["/assets", run_page, *(f"/dags/{d}/details" for d in descriptions)], tmp_path)
    expected = {f"citywh_raw_{table}" for table in catalog.raw_tables()} | {"citywh_serving"}
    assert set(re.findall(r"\bcitywh_(?:raw_\w+|serving)\b", pages["/assets"])) == expected
    assert f"{len(expected)} Assets" in pages["/assets"] and "duckdb://" not in pages["/assets"]
    assert " raw " in pages["/assets"] and " serving " in pages["/assets"]
    for dag_id, description in descriptions.items():
        assert description and f"Description {description}" in pages[f"/dags/{dag_id}/details"], dag_id
    assert re.search(r"announce Skipped .* validate_and_land c40_gdp/C40_GPC_Database \w+: unchanged Success",
                     pages[run_page]), pages[run_page][:2000]
