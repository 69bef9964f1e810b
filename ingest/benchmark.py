"""Speed goals, measured and printed as ratios (never asserted in tests: timings vary by machine).

    uv run citywh benchmark

1. Parse time of each DAG file, each in a fresh interpreter as the dag-processor sees it, against
   Airflow's dagbag_import_timeout (30 s) and our own budget (2 s per file).
2. GaWC connectivity on the warehouse: the membership identity the mart uses against the pairwise
   definition, to show the cost grows with memberships, not with pairs.
3. The city crosswalk over every source city against the cities500 gazetteer (building the name
   index included), against a plain DuckDB join of folded names on the same inputs: the price of
   weighing evidence over a lookup.
4. Landing against the engine's own reader, per snapshot file: our parser (text to the typed,
   checked frame) against DuckDB's read_csv for CSV/TSV (a zip's member too), polars/calamine
   reading every sheet of a workbook, json.loads for JSON; HTML has no engine reader. Goal: 1.5x.
5. With --builds N: N cold `citywh run`s, each in a fresh home on the same bundle, each followed by
   a no-change rerun (nothing landed: no dbt, no publish): wall time against the goals (cold 20 s,
   no-change 1 s), the phases of the cold run (from the run's last-run.json), validation's share
   of it (goal: at most 25 %), and the peak memory of any run, all its processes at once (goal: 1 GB).
6. With --airflow: a real Airflow (ingest.devstack: PostgreSQL, LocalExecutor) lands every source
   and runs warehouse_build; its wall time against `citywh build` on the same data (goal: 1.5x).
7. With --lake: file mode against lake mode (a DuckLake on a local PostgreSQL, data on local disk):
   a cold `citywh run` each, and three sources ingested at once (file mode: they queue for the
   writer lock; lake mode: they land concurrently).
8. With --scale N (repeatable: --scale 10 --scale 100; only this, 1-7 are skipped): a bundle at 1x
   and at each N (ingest/scale.py: N x the cities, members and twinnings in the real formats, the
   catalog's row bounds widened N-fold), a cold `citywh run` on each in a fresh home: rows
   generated, wall time, peak memory (all the run's processes at once), phases, and the slope
   (time ratio / data ratio against 1x; at most 1 is at most linear). Goals at 100x: at most
   10 min and 4 GB.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ingest.config import REPO_ROOT, Settings

DAGBAG_IMPORT_TIMEOUT_S = 30.0
DAG_PARSE_BUDGET_S = 0.5

_PARSE_PROBE = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
started = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - started, "dags": sorted(bag.dag_ids),
                  "errors": len(bag.import_errors)}))
"""


def dag_parse_times() -> list[tuple[str, float, list[str], int]]:
    rows = []
    for path in sorted((REPO_ROOT / "dags").glob("*.py")):
        done = subprocess.run([sys.executable, "-c", _PARSE_PROBE, str(path)], capture_output=True,
                              text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append((path.name, result["seconds"], result["dags"], result["errors"]))
    return rows


def connectivity_timings(warehouse: Path) -> tuple[float, float, int, int] | None:
    import duckdb

    if not warehouse.exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        memberships = con.execute("select count(*) from intermediate.int_city_network_values").fetchone()[0]
        identity = """
            with v as (select * from intermediate.int_city_network_values),
            t as (select network_id, sum(service_value) total from v group by network_id)
            select count(*), sum(c) from (select v.geonameid,
                sum(v.service_value * (t.total - v.service_value)) c
                from v join t using (network_id) group by v.geonameid)"""
        pairwise = """
            with v as (select * from intermediate.int_city_network_values)
            select count(*), sum(c) from (select a.geonameid, sum(a.service_value * b.service_value) c
                from v a join v b on b.network_id = a.network_id and b.geonameid <> a.geonameid
                group by a.geonameid)"""
        timings = []
        for query in (identity, pairwise):
            started = time.perf_counter()
            con.execute(query).fetchone()
            timings.append(time.perf_counter() - started)
        pairs = con.execute("""select sum(n * (n - 1)) from (select count(*) n from
                               intermediate.int_city_network_values group by network_id)""").fetchone()[0]
        return timings[0], timings[1], memberships, int(pairs)
    finally:
        con.close()


def matcher_timings(warehouse: Path, runs: int = 3) -> dict | None:
    """The crosswalk (ingest.crosswalk.resolve, as the dbt model runs it) against a plain DuckDB
    join of folded (country, name) on the gazetteer's names, each over `runs` runs."""
    import duckdb

    from ingest.crosswalk import Gazetteer, resolve

    if not warehouse.exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        mentions = con.sql("select * from intermediate.int_city_mentions").pl()
        cities = con.sql("select * from staging.stg_geonames__cities").pl()
        admin1 = con.sql("select * from staging.stg_geonames__admin1_codes").pl()
        crosswalk = []
        for _ in range(runs):
            started = time.perf_counter()
            matched = resolve(mentions, Gazetteer(cities, admin1))
            crosswalk.append(time.perf_counter() - started)
        fold = ("trim(regexp_replace(regexp_replace(replace(translate(strip_accents(lower({})), "
                "'łøđıħ', 'lodih'), 'ß', 'ss'), '[''’‘`ʻʼ]', '', 'g'), '[^\\p{{L}}\\p{{N}}]+', ' ', 'g'))")
        join = f"""
            with names as (
                select distinct geonameid, country_iso2, {fold.format('n')} as key
                from (select geonameid, country_iso2, unnest(list_append(alternate_names, city_name)) as n
                      from staging.stg_geonames__cities)),
            queries as (select distinct entity_type, entity_key, country_iso2, {fold.format('name')} as key
                        from intermediate.int_city_mentions where name is not null)
            select count(distinct (q.entity_type, q.entity_key))
            from queries q join names g on g.key = q.key
                 and (q.country_iso2 is null or g.country_iso2 = q.country_iso2)"""
        plain = []
        for _ in range(runs):
            started = time.perf_counter()
            con.execute(join).fetchone()
            plain.append(time.perf_counter() - started)
        return {"entities": matched.height, "crosswalk": sorted(crosswalk), "plain_join": sorted(plain)}
    finally:
        con.close()


CITYWH = Path(sys.executable).with_name("citywh")  # the CLI of this environment, run as users run it
COLD_BUILD_GOAL_S = 20.0
NO_CHANGE_GOAL_S = 1.0
VALIDATION_SHARE_GOAL = 0.25
PEAK_MEMORY_GOAL_MB = 1024
LANDING_RATIO_GOAL = 1.5
NOISE_FLOOR_S = 0.01  # a file read in less counts as this long: below it fixed costs and timer noise rule


def build_timings(settings: Settings, builds: int) -> tuple[list[float], list[float], float, list[dict]]:
    """(cold seconds, no-change seconds, peak memory in MB of any run, each cold run's phases) over
    `builds` fresh homes."""
    cold, again, phases, peaks = [], [], [], []
    for _ in range(builds):
        with tempfile.TemporaryDirectory(prefix="citywh-bench-") as home:
            env = {**os.environ, "CITYWH_HOME": home, "CITYWH_BUNDLE": str(settings.bundle_dir),
                   "CITYWH_FETCH": "offline"}
            for timings in (cold, again):
                run = measured_run([str(CITYWH), "run"], env)
                if run.returncode:
                    raise RuntimeError(f"citywh run failed: {run.output}")
                timings.append(run.seconds)
                peaks.append(run.peak_mb)
                if timings is cold:
                    phases.append(json.loads((Path(home) / "last-run.json").read_text())["phases"])
    return sorted(cold), sorted(again), max(peaks), phases


@dataclasses.dataclass
class MeasuredRun:
    seconds: float
    peak_mb: float  # the most its processes held at once
    returncode: int
    output: str  # the end of its stderr (else stdout)


def measured_run(command: list[str], env: dict[str, str], sample_s: float = 0.1) -> MeasuredRun:
    """Run a command: its wall time, and its peak memory as the resident memory of the process
    and all its children summed (a run's helper processes count: the validation worker, dbt),
    sampled every sample_s, and never below the largest single process's own high-water mark.
    The sampling runs in a thread: the wall time ends when the process does, not at the next
    sample."""
    import psutil

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        peak, finished = [0], threading.Event()

        def sample() -> None:
            try:
                root = psutil.Process(process.pid)
                while not finished.is_set():
                    peak[0] = max(peak[0], _tree_memory(root))
                    finished.wait(sample_s)
            except psutil.NoSuchProcess:
                pass

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - started
        finished.set()
        sampler.join()
        out.seek(0), err.seek(0)
        text = (err.read() or out.read()).decode(errors="replace")
    return MeasuredRun(seconds, peak[0] / 2**20, returncode, text[-3000:])


def _tree_memory(root) -> int:
    """Bytes: the processes' resident memory summed, or the largest one's high-water mark."""
    import psutil

    total, high_water = 0, 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
            status = Path(f"/proc/{process.pid}/status").read_text()
            high_water = max(high_water, int(status.split("VmHWM:")[1].split()[0]) * 1024)
        except (psutil.NoSuchProcess, FileNotFoundError, IndexError):
            pass
    return max(total, high_water)


AIRFLOW_RATIO_GOAL = 1.5


def airflow_build_timings(settings: Settings) -> tuple[float, float, float]:
    """(warehouse_build's wall seconds in a real Airflow: the first run, triggered by the landed
    raw Assets, and a second one triggered by hand on the same data; then `citywh build`'s seconds
    on that data: the same work, dbt build, publish, docs and report). The first run's dbt parses
    the whole project for Airflow's profile (the parse state made at install is the CLI's); Cosmos
    keeps that parse, so the second run is what every later build costs."""
    from ingest.devstack import AirflowStack, Postgres, ingest_dag_ids, require_postgres_bindir

    bindir = require_postgres_bindir()
    ingest_dags = ingest_dag_ids()
    with tempfile.TemporaryDirectory(prefix="citywh-bench-airflow-") as work:
        env = {"CITYWH_HOME": f"{work}/home", "CITYWH_BUNDLE": str(settings.bundle_dir),
               "CITYWH_FETCH": "offline"}
        postgres, stack = Postgres(bindir), AirflowStack(Path(work), env)
        try:
            stack.start(postgres.start())
            with stack.client() as client:
                stack.wait_for_dags(client, [*ingest_dags, "warehouse_build"])
                stack.trigger_and_wait(client, ingest_dags[1:])  # the build paused: events wait
                client.patch("/dags/warehouse_build", json={"is_paused": False}).raise_for_status()
                stack.trigger_and_wait(client, ingest_dags[:1])
                first = stack.wait_for_build(client)
                stack.trigger_and_wait(client, ["warehouse_build"])
                second = stack.dag_runs(client, "warehouse_build")[0]
        finally:
            stack.stop()
            postgres.stop()
        started = time.perf_counter()
        subprocess.run([str(CITYWH), "build"], env={**os.environ, **env},
                       check=True, capture_output=True)
        return _run_seconds(first), _run_seconds(second), time.perf_counter() - started


def _run_seconds(dag_run: dict) -> float:
    from datetime import datetime

    started, ended = (datetime.fromisoformat(dag_run[key]) for key in ("start_date", "end_date"))
    return (ended - started).total_seconds()


LAKE_CONCURRENT_SOURCES = ("worldbank", "wikidata_p190", "climactor")


def lake_timings(settings: Settings) -> dict[str, dict[str, float]]:
    """{mode: {"cold": seconds of a cold `citywh run`, "concurrent": seconds of three `citywh
    ingest`s started at once}} for mode file and ducklake, each in fresh homes."""
    from ingest.devstack import Postgres, require_postgres_bindir

    postgres = Postgres(require_postgres_bindir())
    postgres.start()
    results: dict[str, dict[str, float]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="citywh-bench-lake-") as work:
            for mode in ("file", "ducklake"):
                def env_for(name: str) -> dict[str, str]:
                    env = {**os.environ, "CITYWH_HOME": f"{work}/{mode}-{name}", "CITYWH_FETCH": "offline",
                           "CITYWH_BUNDLE": str(settings.bundle_dir), "CITYWH_WAREHOUSE": mode,
                           "CITYWH_LOCK_WAIT": "900"}  # file mode: the ingests queue for the lock
                    if mode == "ducklake":
                        env |= {"CITYWH_LAKE_CATALOG": postgres.create_database(f"bench_{name}"),
                                "CITYWH_LAKE_DATA": "lake"}
                    return env
                started = time.perf_counter()
                subprocess.run([str(CITYWH), "run"], env=env_for("cold"), check=True, capture_output=True)
                cold = time.perf_counter() - started
                env = env_for("concurrent")
                if mode == "ducklake":
                    subprocess.run([str(CITYWH), "lake", "init"], env=env, check=True, capture_output=True)
                started = time.perf_counter()
                runs = [subprocess.Popen([str(CITYWH), "ingest", source], env=env, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL) for source in LAKE_CONCURRENT_SOURCES]
                if any(run.wait() != 0 for run in runs):
                    raise RuntimeError(f"a concurrent ingest failed in {mode} mode")
                results[mode] = {"cold": cold, "concurrent": time.perf_counter() - started}
    finally:
        postgres.stop()
    return results


def engine_read(path: Path):
    """The file read by the engine's own reader, with no knowledge of the source: None for HTML."""
    import io
    import zipfile

    import duckdb
    import polars as pl

    # calamine (fastexcel) logs a line per text column of every sheet it reads untyped
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    content = path.read_bytes()
    if content[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if "xl/workbook.xml" in names:
                return pl.read_excel(path, sheet_id=0, engine="calamine")
            member = max(names, key=lambda n: archive.getinfo(n).file_size)
            with tempfile.NamedTemporaryFile(suffix=Path(member).suffix) as unzipped:
                unzipped.write(archive.read(member))
                unzipped.flush()
                return duckdb.sql(f"select * from read_csv('{unzipped.name}', ignore_errors=true)").pl()
    if content[:8] == bytes.fromhex("d0cf11e0a1b11ae1"):  # an .xls workbook (OLE2)
        return pl.read_excel(path, sheet_id=0, engine="calamine")
    head = content.lstrip()[:1]
    if head in (b"{", b"["):
        return json.loads(content)
    if head == b"<":
        return None
    return duckdb.sql(f"select * from read_csv('{path}', ignore_errors=true)").pl()


def _best_of(runs: int, work, *, at_least_s: float = 0.5, at_most: int = 50) -> float:
    """The fastest of `runs` runs, or of as many as fill at_least_s (at most at_most): a read of a
    few milliseconds is timed often enough for the minimum to stand above the machine's noise."""
    timings: list[float] = []
    while len(timings) < runs or (sum(timings) < at_least_s and len(timings) < at_most):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def landing_timings(settings: Settings, runs: int = 3) -> list[tuple[str, float, float | None]]:
    """(file, our parser's seconds, the engine reader's seconds or None), best of `runs`, for every
    snapshot file the offline bundle holds."""
    from ingest.pipeline import acquire
    from ingest.sources import raw_tables, table_of_file

    rows = []
    with tempfile.TemporaryDirectory(prefix="citywh-bench-") as home:
        offline = dataclasses.replace(settings, home=Path(home), fetch_mode="offline")
        for snapshot in acquire(raw_tables().values(), offline):
            table = table_of_file(snapshot.source, snapshot.key)
            spec = table.spec(snapshot.key)
            ours = _best_of(runs, lambda: table.parse(snapshot.path, spec))
            engine = None if engine_read(snapshot.path) is None else \
                _best_of(runs, lambda: engine_read(snapshot.path))
            rows.append((f"{snapshot.source}/{snapshot.path.name}", ours, engine))
    return rows


SCALE_GOAL_FACTOR = 100
SCALE_TIME_GOAL_S = 600.0
SCALE_MEMORY_GOAL_MB = 4096

@dataclasses.dataclass
class ScaleRun:
    factor: int
    rows: int  # records of the files that scale (their real count at 1x)
    real_rows: int
    generate_s: float
    seconds: float
    peak_mb: float
    phases: dict[str, float]
    scaled: list[str]
    kept: list[str]
    error: str | None = None  # the end of the run's output when it failed


def scale_run(settings: Settings, factor: int, echo=print) -> ScaleRun:
    """A bundle at `factor` x in a temporary folder, and a cold `citywh run` on it in a fresh home."""
    from ingest.scale import ROW_BOUNDS_ENV, read_manifest, write_scaled_bundle

    with tempfile.TemporaryDirectory(prefix=f"citywh-bench-scale{factor}-") as work:
        started = time.perf_counter()
        bundle = write_scaled_bundle(settings.bundle_dir, Path(work) / "bundle", factor)
        generate_s = time.perf_counter() - started
        manifest = read_manifest(bundle)
        echo(f"  {factor}x: bundle written in {generate_s:.1f} s; running a cold `citywh run` ...")
        home = Path(work) / "home"
        env = {**os.environ, "CITYWH_HOME": str(home), "CITYWH_BUNDLE": str(bundle),
               "CITYWH_FETCH": "offline", ROW_BOUNDS_ENV: str(factor)}
        measured = measured_run([str(CITYWH), "run"], env)
        failed = measured.returncode != 0  # still measured: how far it got, and at what cost
        last_run = home / "last-run.json"
        phases = json.loads(last_run.read_text())["phases"] if last_run.exists() else {}
    return ScaleRun(factor=factor, rows=manifest.rows or manifest.real_rows, real_rows=manifest.real_rows,
                    generate_s=generate_s, seconds=measured.seconds, peak_mb=measured.peak_mb,
                    phases=phases, scaled=[f.path for f in manifest.files if f.scaled],
                    kept=[f.path for f in manifest.files if not f.scaled],
                    error=" ".join(measured.output.split()[-60:]) if failed else None)


def run_scales(settings: Settings, factors: list[int], echo=print) -> list[ScaleRun]:
    """1x and every factor: each line printed as soon as its run is done."""
    echo("scaled bundles (ingest/scale.py), a cold `citywh run` each in a fresh home:")
    runs = []
    for factor in sorted({1, *factors}):
        runs.append(scale_run(settings, factor, echo))
        base, now = runs[0], runs[-1]
        if now.factor == 1:
            echo(f"  1x: {now.seconds:.1f} s, peak {now.peak_mb:,.0f} MB")
        else:
            base_rows = now.real_rows  # the real records of the files that scale
            data, speed = now.rows / base_rows, now.seconds / base.seconds
            exponent = math.log(speed) / math.log(data) if data > 1 and speed > 0 else float("nan")
            echo(f"  {now.factor}x: {now.rows:,} rows in the scaled files ({data:.1f}x the real {base_rows:,}); "
                 f"{now.seconds:.1f} s = {speed:.1f}x the 1x run; peak {now.peak_mb:,.0f} MB = "
                 f"{now.peak_mb / base.peak_mb:.1f}x; slope (time ratio / data ratio) {speed / data:.2f} "
                 f"(log-log exponent {exponent:.2f}; at most 1 is at most linear)")
        if now.error:
            echo(f"    FAILED ({now.seconds:.0f} s): ... {now.error}")
        echo("    phases: " + ", ".join(f"{n} {s:.1f} s" for n, s in
                                        sorted(now.phases.items(), key=lambda item: -item[1])))
        echo(f"    against the {SCALE_GOAL_FACTOR}x goals: {now.seconds / SCALE_TIME_GOAL_S:.2f} of "
             f"{SCALE_TIME_GOAL_S / 60:.0f} min, {now.peak_mb / SCALE_MEMORY_GOAL_MB:.2f} of "
             f"{SCALE_MEMORY_GOAL_MB / 1024:.0f} GB" + ("" if now.factor == SCALE_GOAL_FACTOR else
                                                      f" (measured at {now.factor}x)"))
    if runs[-1].factor > 1:
        echo(f"  scaled: {', '.join(runs[-1].scaled)}")
        echo(f"  kept at 1x (linked): {', '.join(p for p in runs[-1].kept if not p.endswith('.md'))}")
    return runs


def run(settings: Settings, echo=print, builds: int = 0, airflow: bool = False, lake: bool = False,
        scales: list[int] | None = None) -> None:
    if scales:
        run_scales(settings, scales, echo)
        return
    echo("DAG file parse time (fresh interpreter each):")
    for name, seconds, dags, errors in dag_parse_times():
        echo(f"  {name:28} {seconds:6.2f} s  = {seconds / DAGBAG_IMPORT_TIMEOUT_S:5.1%} of the 30 s "
             f"import timeout, {seconds / DAG_PARSE_BUDGET_S:4.2f}x our 0.5 s goal  "
             f"({', '.join(dags)}{'; IMPORT ERRORS' if errors else ''})")
    timings = connectivity_timings(settings.warehouse_path)
    if timings is None:
        echo("connectivity: no warehouse yet (run `citywh run` first)")
    else:
        identity, pairwise, memberships, pairs = timings
        echo(f"connectivity over {memberships:,} memberships ({pairs:,} ordered co-member pairs): "
             f"identity {identity:.3f} s, pairwise {pairwise:.3f} s, pairwise/identity = "
             f"{pairwise / identity:.1f}x")
    timings = matcher_timings(settings.serving_path if settings.serving_path.exists()
                              else settings.warehouse_path)
    if timings:
        entities, crosswalk, plain = timings["entities"], timings["crosswalk"], timings["plain_join"]
        median = crosswalk[len(crosswalk) // 2]
        echo(f"city crosswalk: {entities:,} source cities against the cities500 gazetteer, index "
             f"included: min {crosswalk[0]:.2f} s, median {median:.2f} s over {len(crosswalk)} runs "
             f"({entities / median:,.0f} cities/s); a plain DuckDB join of folded names takes "
             f"{plain[len(plain) // 2]:.2f} s: crosswalk/join = {median / plain[len(plain) // 2]:.1f}x")
    echo("landing: our parser against the engine's own reader on the same file (best of 3 runs, or of as many as fill 0.5 s; "
         f"under {NOISE_FLOOR_S * 1000:.0f} ms counts as {NOISE_FLOOR_S * 1000:.0f} ms):")
    ratios = []
    for name, ours, engine in landing_timings(settings):
        if engine is None:
            echo(f"  {name:60} {ours:6.3f} s  (HTML: no engine reader)")
            continue
        ratio = max(ours, NOISE_FLOOR_S) / max(engine, NOISE_FLOOR_S)
        ratios.append((ratio, name))
        echo(f"  {name:60} {ours:6.3f} s vs {engine:6.3f} s = {ratio:5.2f}x")
    worst, worst_name = max(ratios)
    echo(f"landing: worst {worst:.2f}x ({worst_name}) = {worst / LANDING_RATIO_GOAL:.2f} of the "
         f"{LANDING_RATIO_GOAL}x goal; {sum(r <= LANDING_RATIO_GOAL for r, _ in ratios)} of {len(ratios)} files within it")
    if builds:
        cold, again, peak_mb, phases = build_timings(settings, builds)
        cold_median, again_median = cold[len(cold) // 2], again[len(again) // 2]
        echo(f"cold build (fresh home, offline bundle): min {cold[0]:.1f} s, median {cold_median:.1f} s "
             f"over {len(cold)} run(s) = {cold_median / COLD_BUILD_GOAL_S:.2f}x the {COLD_BUILD_GOAL_S:.0f} s goal")
        names = sorted({name for run in phases for name in run}, key=lambda n: -max(r.get(n, 0) for r in phases))
        median_phase = {n: sorted(r.get(n, 0.0) for r in phases)[len(phases) // 2] for n in names}
        echo("  phases (median): " + ", ".join(f"{n} {median_phase[n]:.1f} s" for n in names))
        share = median_phase.get("validate", 0.0) / cold_median
        echo(f"  validation (Great Expectations, its import included): {median_phase.get('validate', 0.0):.1f} s = "
             f"{share:.0%} of the cold build (goal: at most {VALIDATION_SHARE_GOAL:.0%})")
        echo(f"no-change rerun: min {again[0]:.2f} s, median {again_median:.2f} s = "
             f"{again_median / NO_CHANGE_GOAL_S:.2f}x the {NO_CHANGE_GOAL_S:.0f} s goal "
             f"({again_median / cold_median:.1%} of the cold build)")
        echo(f"peak memory of any run (its processes summed): {peak_mb:,.0f} MB = {peak_mb / PEAK_MEMORY_GOAL_MB:.2f}x the "
             f"{PEAK_MEMORY_GOAL_MB:,} MB goal")
    if airflow:
        first, later, cli = airflow_build_timings(settings)
        echo(f"warehouse_build in a real Airflow (LocalExecutor, watcher mode): {later:.1f} s "
             f"({first:.1f} s the first time, when dbt parses the project for Airflow's profile); "
             f"`citywh build` on the same data: {cli:.1f} s; Airflow/CLI = {later / cli:.2f}x, "
             f"{first / cli:.2f}x the first time (goal: at most {AIRFLOW_RATIO_GOAL}x)")
    if lake:
        modes = lake_timings(settings)
        file, ducklake = modes["file"], modes["ducklake"]
        echo(f"lake mode against file mode: cold `citywh run` {ducklake['cold']:.1f} s vs {file['cold']:.1f} s "
             f"= {ducklake['cold'] / file['cold']:.2f}x; {', '.join(LAKE_CONCURRENT_SOURCES)} ingested at once "
             f"{ducklake['concurrent']:.1f} s vs {file['concurrent']:.1f} s (file mode queues them) "
             f"= {ducklake['concurrent'] / file['concurrent']:.2f}x")
