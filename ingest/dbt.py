"""Run dbt (dbt-duckdb) against the writer warehouse, in-process through dbtRunner."""

from __future__ import annotations

import os
from pathlib import Path

from ingest.config import DBT_MANIFEST_PATH, DBT_PROJECT_DIR, Settings
from ingest.errors import CitywhError


class DbtFailed(CitywhError):
    pass


def dbt_args(command: list[str], settings: Settings, target_path: Path | None = None) -> list[str]:
    # target/ and logs/ are per warehouse home so that separate warehouses never share state.
    return [
        *command,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target_path or settings.home / "dbt" / "target"),
        "--log-path", str(settings.home / "dbt" / "logs"),
    ]


def run_dbt(command: list[str], settings: Settings,
            target_path: Path | None = None) -> list[tuple[str, str]]:
    """Invoke dbt; return (node, status) pairs; raise DbtFailed naming every failed node."""
    from dbt.cli.main import dbtRunner

    os.environ["CITYWH_WAREHOUSE_PATH"] = str(settings.warehouse_path)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    result = dbtRunner().invoke(dbt_args(command, settings, target_path))
    outcomes: list[tuple[str, str]] = []
    if result.result is not None and hasattr(result.result, "results"):
        outcomes = [(r.node.unique_id, str(r.status)) for r in result.result.results]
    if not result.success:
        failed = [f"{node} ({status})" for node, status in outcomes
                  if status in ("error", "fail", "runtime error")]
        reason = "; ".join(failed) or repr(result.exception)
        raise DbtFailed(f"dbt {' '.join(command)} failed: {reason}")
    return outcomes


def build_manifest(settings: Settings) -> Path:
    """`dbt parse` into dbt_project/target/: the manifest.json the Airflow build DAG renders."""
    run_dbt(["parse"], settings, target_path=DBT_MANIFEST_PATH.parent)
    return DBT_MANIFEST_PATH
