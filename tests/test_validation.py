"""Great Expectations as the gate to raw: a failing batch is quarantined, raw keeps its data,
the run fails naming the source and the failed expectations, nothing downstream runs."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from ingest.acquire import acquire_all
from ingest.cli import app
from ingest.errors import ValidationFailed
from ingest.pipeline import ingest_snapshot
from ingest.sources import raw_table

SOURCE = raw_table("worldbank__indicator_values")
from ingest.validation import validate


def test_each_kind_of_defect_is_caught(citywh_env):
    population = acquire_all(SOURCE, citywh_env)[1]
    frame = SOURCE.parse(population.path, SOURCE.spec(population.key))
    defects = {
        "expect_compound_columns_to_be_unique": pl.concat([frame, frame.head(3)]),
        "expect_column_values_to_be_in_set": frame.with_columns(
            country_code=pl.when(pl.col("country_code") == "JPN").then(pl.lit("JPX")).otherwise("country_code")),
        "expect_column_values_to_be_between": frame.with_columns(value=pl.col("value") * 1000),
        "expect_table_row_count_to_be_between": frame.head(100),
        "expect_column_values_to_not_be_null": frame.with_columns(year=pl.lit(None, pl.Int32)),
    }
    for expectation, bad in defects.items():
        outcome = validate(SOURCE.name, bad)
        assert not outcome.success
        assert any(line.startswith(expectation) for line in outcome.failed), (expectation, outcome.failed)


def test_failures_name_the_rows_by_the_source_key(citywh_env):
    """An operator reads which row broke which expectation: the checkpoint reports the source's
    unique key of each failing row (and says which column is missing when the schema drifted)."""
    population = acquire_all(SOURCE, citywh_env)[1]
    frame = SOURCE.parse(population.path, SOURCE.spec(population.key))
    japan_2020 = (pl.col("country_code") == "JPN") & (pl.col("year") == 2020)
    cases = {
        "2 unexpected, e.g. at country_code='JPN', indicator_code='SP.POP.TOTL', year=2020":
            pl.concat([frame, frame.filter(japan_2020)]),
        "1 unexpected, e.g. -1.0 at country_code='JPN', indicator_code='SP.POP.TOTL', year=2020":
            frame.with_columns(value=pl.when(japan_2020).then(-1.0).otherwise("value")),
        "1 unexpected, e.g. nan at country_code='FRA', indicator_code='SP.POP.TOTL', year=1999":
            frame.with_columns(value=pl.when((pl.col("country_code") == "FRA") & (pl.col("year") == 1999))
                               .then(None).otherwise("value")),
        'raised Error: The column "indicator_code" in BatchData does not exist':
            frame.drop("indicator_code"),
    }
    for expected, bad in cases.items():
        failed = validate(SOURCE.name, bad).failed
        assert any(expected in line for line in failed), (expected, failed)


def test_a_column_parsed_as_another_type_fails_naming_it(citywh_env):
    """Types are compared with the declaration on the frame, every column (nullable ones too)."""
    population = acquire_all(SOURCE, citywh_env)[1]
    frame = SOURCE.parse(population.path, SOURCE.spec(population.key))
    assert validate(SOURCE.name, frame).success
    outcome = validate(SOURCE.name, frame.with_columns(pl.col("year").cast(pl.Int64)))
    assert not outcome.success
    assert outcome.failed == ["column year: declared int32, parsed as Int64"]


def test_every_suite_derived_from_the_catalog_passes_on_the_real_files(citywh_env):
    """The suites are built from each table's declaration; every real file of the bundle (and the
    packaged gazetteer) must pass its own, and a duplicated key must be named by that key."""
    from ingest.sources import raw_tables

    checked = 0
    for table in raw_tables().values():
        for snapshot in acquire_all(table, citywh_env):
            frame = table.parse(snapshot.path, table.spec(snapshot.key))
            outcome = validate(table.name, frame)
            assert outcome.success, (table.name, snapshot.key, outcome.failed)
            checked += 1
    assert checked == 25  # every file but the live-only ones
    roster = raw_tables()["c40_roster__members"]
    (snapshot,) = acquire_all(roster, citywh_env)
    frame = roster.parse(snapshot.path, roster.spec(snapshot.key))
    failed = validate(roster.name, pl.concat([frame, frame.head(1)])).failed
    assert any("expect_compound_columns_to_be_unique" in line and "network_id='c40', member_key='Abidjan'"
               in line for line in failed), failed


def test_failed_batch_is_quarantined_and_raw_untouched(citywh_env):
    snapshots = acquire_all(SOURCE, citywh_env)
    urban = snapshots[2]
    good = ingest_snapshot(SOURCE, urban, citywh_env)
    bad_frame = SOURCE.parse(urban.path, SOURCE.spec(urban.key)).with_columns(value=pl.col("value") + 50)
    # A newer snapshot of the same file whose parsed values exceed 100 %.
    bad_source = dataclasses.replace(SOURCE, parse=lambda path, spec: bad_frame)
    newer = dataclasses.replace(urban, sha256="c" * 64)
    with pytest.raises(ValidationFailed) as caught:
        ingest_snapshot(bad_source, newer, citywh_env)
    message = str(caught.value)
    assert "[worldbank]" in message and "raw.worldbank__indicator_values" in message
    assert "expect_column_values_to_be_between" in message and "quarantined" in message
    folder = next((citywh_env.quarantine_dir / "worldbank").iterdir())
    kept = pl.read_parquet(folder / "batch.parquet")
    assert kept.height == bad_frame.height
    result = json.loads((folder / "reason.json").read_text())
    assert result["stage"] == "validation" and result["gx_result"]["success"] is False
    assert result["snapshot"]["sha256"] == "c" * 64 and result["file"] == urban.path.name
    con = duckdb.connect(str(citywh_env.warehouse_path), read_only=True)
    try:
        assert con.execute("select count(*), min(_load_id) from raw.worldbank__indicator_values").fetchone() \
            == (17_095, good.load_id)
        assert con.execute("select status, validation_success from meta.loads order by finished_at").fetchall() \
            == [("landed", True), ("quarantined", False)]
    finally:
        con.close()


def test_run_exits_non_zero_with_the_reason_and_builds_nothing(tmp_path, monkeypatch, linked_bundle):
    """A bundle whose urban-share file has a value above 100 %: the CLI run fails before dbt."""
    linked_bundle.revise_japan_urban_share_2020()
    monkeypatch.setenv("CITYWH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CITYWH_BUNDLE", str(linked_bundle.path))
    monkeypatch.setenv("CITYWH_FETCH", "offline")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "[worldbank]" in output and "expect_column_values_to_be_between" in output
    assert "191.782 at country_code='JPN', indicator_code='SP.URB.TOTL.IN.ZS', year=2020" in output
    assert not (tmp_path / "home" / "warehouse" / "serving.duckdb").exists()
    assert not (tmp_path / "home" / "dbt").exists()  # dbt never ran
    # status names the rejected file and why, beside the files that landed
    status = CliRunner().invoke(app, ["status"], terminal_width=400)
    assert status.exit_code == 0, status.output
    row = next(line for line in status.output.splitlines() if "│ SP.URB.TOTL.IN.ZS" in line)
    assert "never" in row
    reason = next(line for line in status.output.splitlines() if line.startswith("rejected worldbank/SP.URB"))
    assert "validation:" in reason and "191.782 at country_code='JPN'" in reason and "quarantined at" in reason
    landed = next(line for line in status.output.splitlines() if "│ SP.POP.TOTL" in line)
    assert "17,195" in landed


# A script that lands one source the way `citywh run` lands them all (ingest_snapshots), then says
# what it landed and whether Great Expectations was ever imported in its own process.
LANDING_SCRIPT = """
import json, os, sys
from ingest.config import settings
from ingest.pipeline import ingest_source

def main():
    results = ingest_source("worldbank", settings())
    print(json.dumps({"rows": {r.snapshot_key: r.rows for r in results}, "statuses": sorted({r.status for r in results}),
                      "gx_in_this_process": "great_expectations" in sys.modules}))
"""


def _run_script(text: str, citywh_env, tmp_path) -> subprocess.CompletedProcess:
    script = tmp_path / "land.py"
    script.write_text(text)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "CITYWH_HOME": str(citywh_env.home)})


def test_many_files_are_validated_in_a_worker_and_the_landing_process_never_imports_gx(citywh_env, tmp_path):
    done = _run_script(LANDING_SCRIPT + "\nif __name__ == '__main__':\n    main()\n", citywh_env, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["gx_in_this_process"] is False and said["statuses"] == ["landed"]
    assert said["rows"]["SP.POP.TOTL"] == 17_195 and said["rows"]["NY.GDP.MKTP.CD"] == 13_979
    con = duckdb.connect(str(citywh_env.warehouse_path), read_only=True)
    try:  # the worker's verdict reached meta.loads, and the Data Docs it built are on disk
        checkpoints = con.execute("select distinct validation_checkpoint from meta.loads "
                                  "where source = 'worldbank' and status = 'landed'").fetchall()
    finally:
        con.close()
    assert checkpoints == [("raw_worldbank__indicator_values",)]
    assert (citywh_env.data_docs_dir / "index.html").exists()


def test_a_script_without_a_main_guard_is_told_why_the_worker_died(citywh_env, tmp_path):
    # spawn imports the script again in the worker, where it would run the landing a second time
    done = _run_script(LANDING_SCRIPT + "\nmain()\n", citywh_env, tmp_path)
    assert done.returncode != 0
    assert "validation worker" in done.stderr and "if __name__ == '__main__':" in done.stderr
    con = duckdb.connect(str(citywh_env.warehouse_path), read_only=True)
    try:  # nothing landed, nothing quarantined: not the data's fault
        landed = con.execute("select count(*) from meta.loads where status = 'landed'").fetchone()[0]
    finally:
        con.close()
    assert landed == 0 and not list(citywh_env.quarantine_dir.glob("*/*"))
