"""Lake mode (CITYWH_WAREHOUSE=ducklake) for real: a DuckLake catalog on a throwaway PostgreSQL
cluster, Parquet data under a local path, the real sources of the bundle. Three sources land at
once; the whole build gives the same marts as the file mode; readers stay on the published
snapshot while a build commits; kill -9 mid-landing leaves the catalog consistent."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from background import CITYWH, start_citywh, wait_for
from bundle_overlays import bundle_without_london_in_c40_list
from ingest.devstack import Postgres, require_postgres_bindir
from lake_fixtures import LAKE_VARIABLES, lake_query, pointed_at

pytestmark = pytest.mark.slow  # `make test-quick` leaves these out; `make test` runs them

C40_CURRENT = ("select count(*) from fct_network_membership_history where network_id = 'c40' "
               "and roster_source = 'c40_roster' and is_current")


@pytest.fixture(scope="module")
def postgres():
    cluster = Postgres(require_postgres_bindir())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


_LAKES = iter(range(1000))


def _lake_env(postgres: Postgres, home: Path, bundle: Path) -> dict[str, str]:
    catalog = postgres.create_database(f"lake_{os.getpid()}_{next(_LAKES)}")
    return {**os.environ, "CITYWH_HOME": str(home), "CITYWH_BUNDLE": str(bundle), "CITYWH_FETCH": "offline",
            "CITYWH_WAREHOUSE": "ducklake", "CITYWH_LAKE_CATALOG": catalog, "CITYWH_LAKE_DATA": "lake"}


def _citywh(env, *args, timeout=900) -> subprocess.CompletedProcess:
    return subprocess.run([str(CITYWH), *args], env=env, capture_output=True, text=True, timeout=timeout)


# When the pipeline first saw a membership (the dbt snapshot's clock): two builds at different
# times differ there and nowhere else.
BUILD_TIME_COLUMNS = ("first_seen_at", "valid_from", "valid_to")


def _digests(con) -> dict[str, str]:
    """Every mart's content hash (rows in a fixed order, the build-time columns left out)."""
    marts = [r[0] for r in con.execute("select table_name from information_schema.tables where table_schema = 'main' "
                                       "and table_catalog = current_database() order by 1").fetchall()]
    kept = f"columns(c -> c not in {BUILD_TIME_COLUMNS})"
    return {mart: con.execute(f"select md5(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')) "
                              f"from (select {kept} from main.{mart}) t").fetchone()[0] for mart in marts}


class Lake:
    """A lake `citywh` built, seen from this test process."""

    def __init__(self, env: dict[str, str]):
        self.env = env

    def serving(self, query: str | None = None):
        """(serving snapshot, marts' digests or the query's rows) at the published snapshot."""
        from ingest import publish

        with pointed_at(self.env):
            with publish.open_serving(Path("unused")) as serving:
                con = serving.con
                return serving.snapshot, (_digests(con) if query is None else con.execute(query).fetchall())

    def head(self, query: str):
        return lake_query(self.env, query, published=False)


@pytest.fixture(scope="module")
def built(postgres, tmp_path_factory, bundle_dir, file_build):
    """One lake built by `citywh run`, and the marts' digests of the session's file-mode build of
    the same snapshots (conftest.file_build; taken at once: later tests change the lake)."""
    root = tmp_path_factory.mktemp("lake")
    env = _lake_env(postgres, root / "home", bundle_dir)
    run = _citywh(env, "run")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    import duckdb

    con = duckdb.connect(str(file_build[0] / "warehouse" / "serving.duckdb"), read_only=True)
    try:
        file_digests = _digests(con)
    finally:
        con.close()
    lake = Lake(env)
    return lake, run, lake.serving(), file_digests, lake.serving(C40_CURRENT)[1]


def test_the_lake_builds_the_same_marts_as_the_file(built):
    lake, run, (snapshot, lake_digests), file_digests, c40_current = built
    assert "published lake snapshot" in run.stderr
    assert len(file_digests) >= 15 and lake_digests == file_digests, \
        {m for m in file_digests if file_digests[m] != lake_digests.get(m)}
    # real values through the CLI's reader, at the serving snapshot
    answer = _citywh(lake.env, "sql", "--csv", "select city_name, population from fct_city_population "
                                                "where year = 2018 order by population desc limit 1")
    assert answer.returncode == 0 and answer.stdout.splitlines()[1] == "Tokyo,37468302", answer.stderr
    assert c40_current == [(79,)]


def test_bi_tools_and_status_read_the_published_snapshot(built):
    """A BI tool's way in (SQLAlchemy with duckdb-engine) runs `citywh lake attach`'s SQL on each
    new connection, then reads the marts; `citywh status` names the snapshot it reads."""
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.pool import NullPool

    lake, *_ = built
    attach = _citywh(lake.env, "lake", "attach")
    assert attach.returncode == 0 and "READ_ONLY, SNAPSHOT_VERSION" in attach.stdout, attach.stderr
    engine = create_engine("duckdb:///:memory:", poolclass=NullPool)
    event.listen(engine, "connect", lambda connection, _: connection.execute(attach.stdout))
    with engine.connect() as connection:
        assert connection.execute(text("select member_count from dim_network where network_id = 'c40'")
                                  ).fetchall() == [(97,)]
    status = _citywh(lake.env, "status")
    assert status.returncode == 0 and "at snapshot" in status.stdout and "c40_roster" in status.stdout


def test_a_publish_expires_snapshots_past_the_retention_but_never_the_published_one(postgres, tmp_path,
                                                                                    monkeypatch):
    from ingest import lake, publish

    env = _lake_env(postgres, tmp_path / "home", tmp_path)
    for key in LAKE_VARIABLES:
        monkeypatch.setenv(key, env[key])
    con = lake.connect(create=True)
    try:
        # rows enough to be written to files (a few rows the catalog may hold inline)
        con.execute("create table t as select 1 as version from range(10000)")
        for version in (2, 3):
            con.execute(f"update t set version = {version}")
        current = con.execute(f"select id from ducklake_current_snapshot('{lake.ALIAS}')").fetchone()[0]
        monkeypatch.setenv("CITYWH_LAKE_RETAIN_DAYS", "7")
        publish._expire_snapshots(con, keep_from=current)  # all younger than 7 days: all kept
        assert con.execute(f"select count(*) from {lake.ALIAS}.snapshots()").fetchone()[0] == current + 1
        monkeypatch.setenv("CITYWH_LAKE_RETAIN_DAYS", "0")
        publish._expire_snapshots(con, keep_from=current)
        assert con.execute(f"select min(snapshot_id) from {lake.ALIAS}.snapshots()").fetchone()[0] == current
        assert con.execute("select distinct version from t").fetchall() == [(3,)]
        # the expired versions' files wait out the grace period (a reader may still be on them)
        waiting = f"select count(*) from __ducklake_metadata_{lake.ALIAS}.ducklake_files_scheduled_for_deletion"
        assert con.execute(waiting).fetchone()[0] >= 2
        monkeypatch.setenv("CITYWH_LAKE_FILE_GRACE_HOURS", "0")
        publish._expire_snapshots(con, keep_from=current)
        assert con.execute(waiting).fetchone()[0] == 0
    finally:
        con.close()


def test_writers_refuse_a_lake_nobody_initialised_then_three_sources_land_at_once(postgres, tmp_path, bundle_dir):
    env = _lake_env(postgres, tmp_path / "home", bundle_dir)
    refused = _citywh(env, "ingest", "eurocities")
    assert refused.returncode == 1 and "run `citywh lake init` once" in " ".join(refused.stderr.split())
    init = _citywh(env, "lake", "init")
    assert init.returncode == 0 and "lake ready" in init.stdout, init.stderr
    sources = ("worldbank", "eurocities", "unesco_creative_cities")
    runs = [start_citywh(env, tmp_path / f"{source}.log", "ingest", source) for source in sources]
    for source, process in zip(sources, runs, strict=True):
        assert process.wait(timeout=600) == 0, (tmp_path / f"{source}.log").read_text()[-2000:]
    lake = Lake(env)
    landed = dict(lake.head("select source, sum(rows) from meta.loads where status = 'landed' group by all"))
    assert landed == {"worldbank": 13_979 + 17_195 + 17_095, "eurocities": 206, "unesco_creative_cities": 349}
    assert lake.head("select count(*) from raw.eurocities__members") == [(206,)]
    # they ran at once: each source's landing window overlaps another's
    windows = lake.head("select source, min(started_at), max(finished_at) from meta.loads group by all")
    overlapping = [a for a in windows for b in windows if a[0] != b[0] and a[1] < b[2] and b[1] < a[2]]
    assert len(overlapping) >= 2, windows
    assert lake.head("select count(*) from meta.sources") == [(3,)]


def test_readers_stay_on_the_published_snapshot_while_a_build_commits(built, tmp_path):
    lake, *_ = built
    before_snapshot, before = lake.serving()
    log = tmp_path / "rebuild.log"
    rebuild = start_citywh(lake.env, log, "run", "--force")
    reads, errors = 0, []
    try:
        while rebuild.poll() is None:
            try:
                snapshot, digests = lake.serving()
                if snapshot == before_snapshot:  # until the publish, exactly the published build
                    assert digests == before
                reads += 1
            except Exception as exc:  # noqa: BLE001 - any failure of a reader is the finding
                errors.append(repr(exc))
    finally:
        rebuild.wait(timeout=900)
    assert rebuild.returncode == 0, log.read_text()[-2000:]
    assert reads >= 5 and errors == []
    after_snapshot, after = lake.serving()
    assert after_snapshot > before_snapshot and after == before  # a new snapshot, the same content
    # the build committed many snapshots in between; readers never saw one
    assert lake.head(f"select count(*) from citywh.snapshots() where snapshot_id > {before_snapshot}")[0][0] > 20


def test_kill_9_while_landing_leaves_the_lake_consistent_and_the_rerun_converges(built, bundle_dir, tmp_path):
    lake, *_ = built
    overlay = bundle_without_london_in_c40_list(bundle_dir, tmp_path)
    env = {**lake.env, "CITYWH_BUNDLE": str(overlay)}
    snapshot, before = lake.serving()
    log = tmp_path / "killed.log"
    run = start_citywh({**env, "CITYWH_DRILL_PAUSE": "landing"}, log, "ingest", "c40_roster")
    wait_for(lambda: "drill: paused in landing" in log.read_text(errors="replace") or run.poll() is not None,
             seconds=300)
    run.kill()
    assert run.wait(timeout=60) == -9, log.read_text(errors="replace")[-2000:]
    assert lake.serving() == (snapshot, before)  # readers: the last published build, untouched
    assert lake.head("select count(*) from raw.c40_roster__members") == [(79,)]  # rolled back whole
    again = _citywh(env, "run")
    assert again.returncode == 0, again.stderr[-2000:]
    assert lake.head("select count(*) from raw.c40_roster__members") == [(78,)]
    assert lake.serving(C40_CURRENT)[1] == [(78,)]
