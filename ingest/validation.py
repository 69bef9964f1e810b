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
    name = checkpoint_name(table)
    checkpoint = gx_context().checkpoints.get(name)
    result = checkpoint.run(batch_parameters={"dataframe": frame.to_pandas()})
    failed, statistics, details = [], {}, {}
    for validation in result.run_results.values():
        statistics = dict(validation.statistics)
        details = validation.to_json_dict()
        for outcome in validation.results:
            if not outcome.success:
                failed.append(_describe_failure(outcome))
    return ValidationOutcome(checkpoint=name, success=bool(result.success), failed=failed,
                             statistics=statistics, result=details)


def _describe_failure(outcome) -> str:
    config = outcome.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "value_set")}
    what = f"{config.type}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"
    res = outcome.result or {}
    if outcome.exception_info and outcome.exception_info.get("raised_exception"):
        return f"{what}: raised {outcome.exception_info.get('exception_message')}"
    if "observed_value" in res:
        return f"{what}: observed {res['observed_value']!r}"
    sample = res.get("partial_unexpected_list", [])[:5]
    return f"{what}: {res.get('unexpected_count', '?')} unexpected, e.g. {sample}"
