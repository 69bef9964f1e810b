"""The DuckLake backend (CITYWH_WAREHOUSE=ducklake): the warehouse as a DuckLake - its catalog in
PostgreSQL (CITYWH_LAKE_CATALOG), its data as Parquet files under a path or an s3:// URL
(CITYWH_LAKE_DATA) - so that several processes, on several machines, write it at once with
snapshot isolation, and readers stay on the snapshot of the last published build.

The same SQL runs in both modes: a lake connection attaches the lake as `citywh` and makes it the
default database, so `raw.x`, `meta.loads` and `main.dim_city` name the same tables as in the file.

DuckDB cannot download extensions at run time here; their wheels (duckdb-extension-*) carry them,
and `install_extensions` installs them from there into the user's extension directory, once."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from ingest.errors import CitywhError

BACKENDS = ("file", "ducklake")
ALIAS = "citywh"  # the attached lake's name: every connection `USE`s it
EXTENSIONS = ("ducklake", "postgres", "parquet", "httpfs")


if TYPE_CHECKING:  # duckdb is imported where used: the DAG files import this module to pick dbt's target
    import duckdb


class LakeError(CitywhError):
    pass


def backend() -> str:
    """`file` (default: one embedded DuckDB file, a published read-only copy) or `ducklake`."""
    chosen = os.environ.get("CITYWH_WAREHOUSE", "file")
    if chosen not in BACKENDS:
        raise CitywhError(f"CITYWH_WAREHOUSE must be one of {BACKENDS}, got {chosen!r}")
    return chosen


def enabled() -> bool:
    return backend() == "ducklake"


@dataclass(frozen=True)
class LakeSettings:
    catalog: str  # libpq connection string of the PostgreSQL catalog database
    data: str  # where the Parquet files go: a directory or an s3:// URL

    @property
    def url(self) -> str:
        return f"ducklake:postgres:{self.catalog}"


def lake_settings() -> LakeSettings:
    missing = [name for name in ("CITYWH_LAKE_CATALOG", "CITYWH_LAKE_DATA") if not os.environ.get(name)]
    if missing:
        raise LakeError(f"CITYWH_WAREHOUSE=ducklake needs {' and '.join(missing)}: the PostgreSQL catalog "
                        "(e.g. 'dbname=citywh_lake host=postgres user=airflow') and the data path or s3:// URL")
    data = os.environ["CITYWH_LAKE_DATA"]
    if not data.startswith("s3://"):  # a relative path is under the warehouse home
        data = os.path.join(os.environ.get("CITYWH_HOME", os.getcwd()), data)
        data = os.path.abspath(data)
    return LakeSettings(os.environ["CITYWH_LAKE_CATALOG"], data.rstrip("/") + "/")


def dbt_env() -> dict[str, str]:
    """What dbt's `ducklake` target reads, resolved here (Cosmos runs dbt in a directory of its
    own, where a relative data path would mean something else); nothing in file mode."""
    return {"CITYWH_LAKE_DATA": lake_settings().data} if enabled() else {}


def install_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """Install (from the wheels, once per user) and load the extensions a lake needs."""
    installed = {name for name, ok in con.execute(
        "select extension_name, installed from duckdb_extensions()").fetchall() if ok}
    for name in EXTENSIONS:
        if {name, f"{name}_scanner"}.isdisjoint(installed):
            from duckdb_extensions import import_extension

            import_extension(name, con=con)
        con.execute(f"load {name}")


def s3_settings() -> dict[str, str]:
    """DuckDB's S3 settings from CITYWH_LAKE_S3_* (MinIO in docker-compose: path-style URLs)."""
    env = os.environ
    values = {"s3_endpoint": env.get("CITYWH_LAKE_S3_ENDPOINT"),
              "s3_access_key_id": env.get("CITYWH_LAKE_S3_ACCESS_KEY_ID"),
              "s3_secret_access_key": env.get("CITYWH_LAKE_S3_SECRET_ACCESS_KEY"),
              "s3_region": env.get("CITYWH_LAKE_S3_REGION", "us-east-1"),
              "s3_use_ssl": env.get("CITYWH_LAKE_S3_USE_SSL", "true"),
              "s3_url_style": "path" if env.get("CITYWH_LAKE_S3_ENDPOINT") else "vhost"}
    return {key: value for key, value in values.items() if value}


def attach_statements(*, read_only: bool = False, snapshot: int | None = None,
                      create: bool = False) -> list[str]:
    """The SQL that attaches the lake as `citywh` and uses it (extensions already loaded)."""
    lake = lake_settings()
    statements = []
    if lake.data.startswith("s3://"):
        statements += [f"set {key} = '{value}'" for key, value in s3_settings().items()]
    options = [f"DATA_PATH '{lake.data}'", f"CREATE_IF_NOT_EXISTS {'true' if create else 'false'}"]
    if read_only:
        options.append("READ_ONLY")
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    return [*statements, f"attach '{lake.url}' as {ALIAS} ({', '.join(options)})", f"use {ALIAS}"]


def attach_sql(*, snapshot: int | None) -> str:
    """What a reader outside citywh runs: load the extensions, attach read-only at `snapshot`."""
    return ";\n".join([*(f"load {name}" for name in EXTENSIONS),
                        *attach_statements(read_only=True, snapshot=snapshot)]) + ";"


def attach(con: duckdb.DuckDBPyConnection, *, read_only: bool = False, snapshot: int | None = None,
           create: bool = False) -> None:
    """Attach the lake as `citywh` and use it. Only `citywh lake init` (create=True) may create
    the catalog: two processes creating it at once collide."""
    import duckdb

    install_extensions(con)
    *settings, attach_statement, use = attach_statements(read_only=read_only, snapshot=snapshot, create=create)
    for statement in settings:
        con.execute(statement)
    try:
        con.execute(attach_statement)
    except duckdb.InvalidInputException as exc:
        if "creating a new DuckLake is explicitly disabled" in str(exc):
            raise LakeError("the lake's catalog is not initialised: run `citywh lake init` once "
                            f"(catalog {redacted(lake_settings().catalog)})") from None
        raise
    except duckdb.IOException as exc:
        lake = lake_settings()
        raise LakeError(f"cannot attach the lake (catalog {redacted(lake.catalog)}, data {lake.data}): "
                        f"{str(exc).splitlines()[0]}") from None
    con.execute(use)


def redacted(catalog: str) -> str:
    """The catalog's connection string without its password (for messages)."""
    return " ".join("password=***" if part.startswith("password=") else part for part in catalog.split())


def connect(*, read_only: bool = False, snapshot: int | None = None,
            create: bool = False) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect()
    try:
        attach(con, read_only=read_only, snapshot=snapshot, create=create)
    except BaseException:
        con.close()
        raise
    return con


T = TypeVar("T")


def retry_on_conflict(work: Callable[[], T], *, attempts: int = 8, what: str = "lake commit") -> T:
    """Run `work` (one whole transaction) again when another writer's commit conflicted with it:
    DuckLake detects conflicts at commit (two writers changing the same table's rows, or both
    creating the same schema), the loser's transaction is rolled back whole."""
    import duckdb

    for attempt in range(1, attempts + 1):
        try:
            return work()
        except duckdb.TransactionException as exc:
            if attempt == attempts:
                raise LakeError(f"{what}: still conflicting after {attempts} attempts: {exc}") from exc
            time.sleep(min(0.1 * 2 ** attempt, 3.0))
    raise AssertionError("unreachable")
