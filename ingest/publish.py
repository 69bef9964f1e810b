"""Publishing: copy the writer warehouse to the read-only serving file by atomic swap.

BI tools and analysts open the serving file read-only; the swap (os.replace) means a reader sees
either the previous complete file or the new complete file, never a half-written one, and a
reader that already has the old file open keeps reading it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from ingest.config import Settings
from ingest.errors import CitywhError

REQUIRED_RELATIONS = ("country_indicators", "dim_country", "dim_city", "fct_city_population",
                      "fct_city_gdp", "dim_network", "fct_network_membership",
                      "fct_network_membership_history", "fct_city_partnership",
                      "city_influence", "city_cooperation", "network_summary",
                      "country_urbanization")


def publish(settings: Settings) -> Path:
    source, target = settings.warehouse_path, settings.serving_path
    if not source.exists():
        raise CitywhError(f"nothing to publish: {source} does not exist (run the build first)")
    # Fold the write-ahead log into the main file so that a byte copy is complete. An explicit
    # CHECKPOINT is needed: dbt-duckdb may still hold the same database open in this process.
    con = duckdb.connect(str(source))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    staging = target.with_name(f".{target.name}.publishing")
    staging.unlink(missing_ok=True)
    shutil.copyfile(source, staging)
    try:
        _check_servable(staging)
        os.chmod(staging, 0o444)
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return target


def _check_servable(path: Path) -> None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'").fetchall()}
        missing = [name for name in REQUIRED_RELATIONS if name not in tables]
        if missing:
            raise CitywhError(f"refusing to publish {path}: marts missing {missing}")
    finally:
        con.close()
