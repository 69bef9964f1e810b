"""Where things live. Every path can be overridden by an environment variable so that tests,
Airflow workers and the CLI can point the same code at different warehouses."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
CURATED_DIR = REPO_ROOT / "ingest" / "curated"  # hand-kept, cited source files (README.md there)
# The manifest Airflow renders the dbt task graph from (Cosmos, LoadMode.DBT_MANIFEST). Built by
# `citywh manifest` (the Docker image builds it; tests build it once per session), never while
# a DAG file is parsed.
DBT_MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"

# How snapshots are acquired when the store does not already hold one:
#   auto    - seed from the offline bundle if it has the file, else fetch live
#   offline - bundle only (never touch the network)
#   live    - always fetch live (a scheduled production run)
FETCH_MODES = ("auto", "offline", "live")


@dataclass(frozen=True)
class Settings:
    home: Path  # root of all mutable state (warehouse, snapshot store, quarantine)
    bundle_dir: Path  # offline bundle of real source files (../shared/snapshots)
    fetch_mode: str

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def warehouse_path(self) -> Path:
        """The file the pipeline writes (single writer)."""
        return self.warehouse_dir / "citywh.duckdb"

    @property
    def serving_path(self) -> Path:
        """The published, read-only copy that analysts and BI tools open."""
        return self.warehouse_dir / "serving.duckdb"

    @property
    def report_dir(self) -> Path:
        """What analysts open in a browser, from disk: the report, dbt's docs, GX Data Docs."""
        return self.home / "report"

    @property
    def report_path(self) -> Path:
        """`citywh report`'s page: one self-contained HTML file (opens offline, from disk)."""
        return self.report_dir / "citywh-report.html"

    @property
    def dbt_docs_path(self) -> Path:
        """dbt's docs site as one static file: every model, column, test and the lineage."""
        return self.report_dir / "dbt-docs.html"

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs: every suite, and the validations of the last landing."""
        return self.report_dir / "data-docs"

    @property
    def last_run_path(self) -> Path:
        """Seconds per phase of the last `citywh run` (what `citywh benchmark` reads)."""
        return self.home / "last-run.json"

    @property
    def store_dir(self) -> Path:
        return self.home / "snapshots"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"


def settings() -> Settings:
    """Read settings from the environment at call time (never at import time)."""
    fetch_mode = os.environ.get("CITYWH_FETCH", "auto")
    if fetch_mode not in FETCH_MODES:
        raise ValueError(f"CITYWH_FETCH must be one of {FETCH_MODES}, got {fetch_mode!r}")
    return Settings(
        home=Path(os.environ.get("CITYWH_HOME", REPO_ROOT / "var")).resolve(),
        bundle_dir=Path(
            os.environ.get("CITYWH_BUNDLE", REPO_ROOT.parent / "shared" / "snapshots")
        ).resolve(),
        fetch_mode=fetch_mode,
    )
