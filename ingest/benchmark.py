"""Speed goals, measured and printed as ratios (never asserted in tests: timings vary by machine).

    uv run citywh benchmark

1. Parse time of each DAG file, each in a fresh interpreter as the dag-processor sees it, against
   Airflow's dagbag_import_timeout (30 s) and our own budget (2 s per file).
2. GaWC connectivity on the warehouse: the membership identity the mart uses against the pairwise
   definition, to show the cost grows with memberships, not with pairs.
3. The city crosswalk over every source city against the cities500 gazetteer (building the name
   index included), against a plain DuckDB join of folded names on the same inputs: the price of
   weighing evidence over a lookup.
4. With --builds N: N cold `citywh run`s, each in a fresh home on the same bundle, each followed by
   a no-change rerun (nothing landed: no dbt, no publish): wall time, the rerun's share of the cold
   run (goal: at most 25 %), and the peak memory of any run (goal: 1 GB).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import sys
import time
from pathlib import Path

from ingest.config import REPO_ROOT, Settings

DAGBAG_IMPORT_TIMEOUT_S = 30.0
DAG_PARSE_BUDGET_S = 2.0

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

    from ingest.crosswalk import resolve

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
            matched = resolve(mentions, cities, admin1)
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


NO_CHANGE_SHARE_GOAL = 0.25
PEAK_MEMORY_GOAL_MB = 1024


def build_timings(settings: Settings, builds: int) -> tuple[list[float], list[float], float]:
    """(cold seconds, no-change seconds, peak RSS in MB of any run) over `builds` fresh homes."""
    citywh = Path(sys.executable).with_name("citywh")
    cold, again = [], []
    for _ in range(builds):
        with tempfile.TemporaryDirectory(prefix="citywh-bench-") as home:
            env = {**os.environ, "CITYWH_HOME": home, "CITYWH_BUNDLE": str(settings.bundle_dir),
                   "CITYWH_FETCH": "offline"}
            for timings in (cold, again):
                started = time.perf_counter()
                subprocess.run([str(citywh), "run"], env=env, check=True, capture_output=True)
                timings.append(time.perf_counter() - started)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    return sorted(cold), sorted(again), peak_mb


def run(settings: Settings, echo=print, builds: int = 0) -> None:
    echo("DAG file parse time (fresh interpreter each):")
    for name, seconds, dags, errors in dag_parse_times():
        echo(f"  {name:28} {seconds:6.2f} s  = {seconds / DAGBAG_IMPORT_TIMEOUT_S:5.1%} of the 30 s "
             f"import timeout, {seconds / DAG_PARSE_BUDGET_S:4.2f}x our 2 s budget  "
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
    if builds:
        cold, again, peak_mb = build_timings(settings, builds)
        cold_median, again_median = cold[len(cold) // 2], again[len(again) // 2]
        echo(f"cold build (fresh home, offline bundle): min {cold[0]:.1f} s, median {cold_median:.1f} s "
             f"over {len(cold)} run(s)")
        echo(f"no-change rerun: min {again[0]:.2f} s, median {again_median:.2f} s = "
             f"{again_median / cold_median:.1%} of the cold build (goal: at most {NO_CHANGE_SHARE_GOAL:.0%})")
        echo(f"peak memory of any run: {peak_mb:,.0f} MB = {peak_mb / PEAK_MEMORY_GOAL_MB:.2f}x the "
             f"{PEAK_MEMORY_GOAL_MB:,} MB goal")
