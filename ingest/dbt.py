"""Run dbt (dbt-duckdb) against the writer warehouse, in-process through dbtRunner."""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ingest import lake
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

    write_catalog_artifacts()
    target = target_path or settings.home / "dbt" / "target"
    seed_partial_parse(target)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    with _in_home(settings):
        result = dbtRunner().invoke(dbt_args(command, settings, target))
        stale = target / PARTIAL_PARSE_FILE
        if not result.success and result.result is None and stale.exists():
            # failed before running anything, with a saved parse state: dbt's partial parsing can
            # trip over a moved file (DuplicateResourceNameError), so parse once more from scratch
            stale.unlink()
            result = dbtRunner().invoke(dbt_args(command, settings, target))
    outcomes: list[tuple[str, str]] = []
    if result.result is not None and hasattr(result.result, "results"):
        outcomes = [(r.node.unique_id, str(r.status)) for r in result.result.results]
    if not result.success:
        failed = [f"{node} ({status})" for node, status in outcomes
                  if status in ("error", "fail", "runtime error")]
        reason = "; ".join(failed) or repr(result.exception)
        raise DbtFailed(f"dbt {' '.join(command)} failed: {reason}")
    return outcomes


@contextmanager
def _in_home(settings: Settings):
    """Run dbt from the warehouse home with the warehouse named relative to it. dbt keys its
    partial-parse state on the profile's values, the path included: a relative path makes the
    state of one home (or of `citywh manifest`) valid in every other, so a cold build in a fresh
    home re-parses only what changed instead of the whole project (~5 s)."""
    settings.home.mkdir(parents=True, exist_ok=True)
    previous = os.getcwd()
    os.environ["CITYWH_WAREHOUSE_PATH"] = os.path.relpath(settings.warehouse_path, settings.home)
    if lake.enabled():  # the profile's `ducklake` target: its extensions and an absolute data path
        lake.install_extensions(duckdb.connect())
        os.environ.update(lake.dbt_env())
    os.chdir(settings.home)
    try:
        yield
    finally:
        _close_duckdb()
        os.chdir(previous)


def _close_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the process after a command. Kept, the
    next command with the same (relative) path would reuse it, whichever home it is for; and the
    writer file would stay open after the build."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:  # noqa: SLF001 - dbt-duckdb offers no public close
        if DuckDBConnectionManager._ENV is not None:  # noqa: SLF001
            DuckDBConnectionManager._ENV.close()  # noqa: SLF001
            DuckDBConnectionManager._ENV = None  # noqa: SLF001


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def seed_partial_parse(target: Path) -> None:
    """A home's first dbt command starts from the parse state `citywh manifest` keeps beside the
    project's manifest (dbt_project/target/, written at install), not from nothing."""
    shared = DBT_MANIFEST_PATH.parent / PARTIAL_PARSE_FILE
    if target != DBT_MANIFEST_PATH.parent and not (target / PARTIAL_PARSE_FILE).exists() and shared.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, target / PARTIAL_PARSE_FILE)


def keep_build_artifacts(project_dir: str, **_context) -> None:
    """Cosmos's producer callback: copy the build's manifest (compiled SQL included) and run
    results from Cosmos's temporary project copy into the warehouse home's dbt target, where
    `citywh build` leaves them. Publish then writes the docs site without compiling the project
    again (~8 s in an Airflow task)."""
    from ingest.config import settings

    built = Path(project_dir) / "target"
    kept = settings().home / "dbt" / "target"
    kept.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", "run_results.json"):
        if (built / name).exists():
            staging = kept / f"{name}.part"
            shutil.copyfile(built / name, staging)
            os.replace(staging, kept / name)


def build_manifest(settings: Settings) -> Path:
    """`dbt parse` into dbt_project/target/: the manifest.json the Airflow build DAG renders."""
    run_dbt(["parse"], settings, target_path=DBT_MANIFEST_PATH.parent)
    return DBT_MANIFEST_PATH


# --- what dbt learns from the catalog ----------------------------------------------------------

GENERATED_SOURCES = DBT_PROJECT_DIR / "models" / "staging" / "_catalog__sources.yml"
GENERATED_MACROS = DBT_PROJECT_DIR / "macros" / "_catalog.sql"
GENERATED_HEADER = "generated from ingest/catalog.py by ingest/dbt.py before every dbt command; do not edit"


def catalog_sources_yml() -> dict:
    """dbt sources: one per catalog source, one table per raw table, its declared columns (the
    non-null ones say so) and its key as a source test; and the meta schema the pipeline writes.
    Non-null columns are not tested again here: Great Expectations checked every row of every
    batch before it was landed. The key is: GX sees one batch, and a key can repeat across the
    batches (snapshot files) of one table."""
    from ingest import catalog

    sources = []
    for source in catalog.SOURCES:
        tables = []
        for table in source.tables:
            key = [] if table.nullable_key else list(table.unique_key)
            not_null = set(key) | set(table.not_null)
            columns = [{"name": c, "description": f"{dtype}, never null (GX-checked)" if c in not_null
                        else dtype} for c, dtype in table.columns.items()]
            entry = {"name": source.raw_table(table), "description": table.description,
                     "columns": columns}
            if key:
                entry["data_tests"] = [{"unique_combination_of_columns": {
                    "arguments": {"combination_of_columns": key}}}]
            tables.append(entry)
        o = source.origin
        sources.append({
            "name": source.name, "description": f"{source.description} Licence: {o.licence}.",
            "schema": "raw", "loaded_at_field": "_loaded_at",
            "meta": {"producer": o.producer, "licence": o.licence, "citation": o.citation,
                     "non_commercial": o.non_commercial, "share_alike": o.share_alike},
            "tables": tables})
    sources.append({"name": "meta", "schema": "meta",
                    "description": "What the pipeline records: every load, and every source's origin.",
                    "tables": [{"name": "loads"}, {"name": "sources"}]})
    return {"version": 2, "sources": sources}


def catalog_macros() -> str:
    """Jinja macros the models loop over: the roster staging models, which source gives which
    network's roster, the non-commercial sources."""
    from ingest import catalog

    rosters = [{"source": s.name, "model": f"stg_{s.raw_table(t)}", "kind": t.roster_kind}
               for s in catalog.SOURCES for t in s.tables if t.roster]
    roster_networks = [{"network_id": network, "source": s.name, "kind": t.kind_for(network),
                        "live_only": t.live_only}
                       for s in catalog.SOURCES for t in s.tables if t.roster
                       for network in t.roster_networks()]
    non_commercial = [s.name for s in catalog.SOURCES if s.origin.non_commercial]
    macros = {"catalog_rosters": rosters, "catalog_roster_networks": roster_networks,
              "non_commercial_sources": non_commercial}
    return f"{{# {GENERATED_HEADER} #}}\n" + "".join(
        f"{{% macro {name}() %}}{{{{ return({json.dumps(value)}) }}}}{{% endmacro %}}\n"
        for name, value in macros.items())


def write_catalog_artifacts() -> None:
    """Write the generated dbt files (git-ignored) when they differ, so partial parsing holds;
    by rename, so that a dbt parsing at the same time (another process) never reads half a file."""
    import yaml

    for path, text in ((GENERATED_SOURCES, f"# {GENERATED_HEADER}\n"
                        + yaml.safe_dump(catalog_sources_yml(), sort_keys=False, width=100)),
                       (GENERATED_MACROS, catalog_macros())):
        if not path.exists() or path.read_text() != text:
            staging = path.with_name(f".{path.name}.{os.getpid()}")
            staging.write_text(text)
            os.replace(staging, path)
