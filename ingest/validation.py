"""Great Expectations runner: validate a parsed batch before it may reach raw.

The GX file context lives in `expectations/` (suites, validation definitions and checkpoints in
git; results in the ignored `uncommitted/`). Each raw table has a checkpoint `raw_<table>` over
one pandas dataframe asset, so a batch is validated in memory (polars -> pandas via pyarrow):
GX's SQL datasource does not work on DuckDB."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache

import polars as pl

from ingest.config import EXPECTATIONS_DIR


@dataclass(frozen=True)
class ValidationOutcome:
    checkpoint: str
    success: bool
    failed: list[str] = field(default_factory=list)  # one readable line per failed expectation
    statistics: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)  # the full GX result, for quarantine


def checkpoint_name(table: str) -> str:
    return f"raw_{table}"


@cache
def gx_context():
    # GX logs every registered API at INFO once Airflow has configured structlog: keep it quiet.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    return gx.get_context(mode="file", context_root_dir=str(EXPECTATIONS_DIR))


def validate(table: str, frame: pl.DataFrame) -> ValidationOutcome:
    """Run the table's checkpoint on the batch. The checkpoint's result format names the source's
    unique key, so a failure says which rows broke it (`191.782 at country_code='JPN', ...`)."""
    name = checkpoint_name(table)
    checkpoint = gx_context().checkpoints.get(name)
    result = checkpoint.run(batch_parameters={"dataframe": _as_pandas(frame)})
    failed, statistics, details = [], {}, {}
    for validation in result.run_results.values():
        statistics = dict(validation.statistics)
        details = validation.to_json_dict()
        for outcome in validation.results:
            if not outcome.success:
                failed.append(_describe_failure(outcome))
    return ValidationOutcome(checkpoint=name, success=bool(result.success), failed=failed,
                             statistics=statistics, result=details)


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
