"""Publishing: copy the writer warehouse to the read-only serving file by atomic swap.

BI tools and analysts open the serving file read-only; the swap (os.replace) means a reader sees
either the previous complete file or the new complete file, never a half-written one, and a
reader that already has the old file open keeps reading it."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import duckdb

from ingest.config import Settings
from ingest.errors import CitywhError
from ingest.warehouse import writer_lock

REQUIRED_RELATIONS = ("country_indicators", "dim_country", "dim_city", "fct_city_population",
                      "fct_city_gdp", "dim_network", "fct_network_membership",
                      "fct_network_membership_history", "fct_city_partnership",
                      "city_influence", "city_cooperation", "network_summary",
                      "country_urbanization")


def publish(settings: Settings) -> Path:
    """Copy the writer warehouse to the serving file, atomically. A publish is short: one that
    finds another writer at work waits for it (CITYWH_PUBLISH_WAIT seconds, default 300)."""
    with writer_lock(settings.warehouse_path, wait=float(os.environ.get("CITYWH_PUBLISH_WAIT", "300"))):
        return _publish(settings.warehouse_path, settings.serving_path)


def _publish(source: Path, target: Path) -> Path:
    if not source.exists():
        raise CitywhError(f"nothing to publish: {source} does not exist (run the build first)")
    # Fold the write-ahead log into the main file so that a byte copy is complete. An explicit
    # CHECKPOINT is needed: dbt-duckdb may still hold the same database open in this process.
    con = duckdb.connect(str(source))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    # a staging file of this process's own: two publishers never write the same file
    staging = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.publishing")
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
