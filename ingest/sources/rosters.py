"""What every city-network roster is parsed into, and the checks every roster passes.

One row per (network, member) as the source lists it. A roster row is a membership unless the
network's registry entry says the tie is a declaration (Global Parliament of Mayors). The network
must be in the registry (dbt_project/seeds/networks.csv): an unknown id is an error, not a new
network made up on the fly."""

from __future__ import annotations

import polars as pl

from ingest.catalog import ROSTER_COLUMNS, ROSTER_KEY, registry_networks
from ingest.errors import ParseError
from ingest.sources.base import polars_schema
from ingest.sources.formats import csv_with_header

ROSTER_SCHEMA = polars_schema(ROSTER_COLUMNS)  # declared in ingest.catalog


def finish_roster(frame: pl.DataFrame, *, source: str, file: str, row_kind: str = "line",
                  merge_duplicates: bool = False) -> pl.DataFrame:
    """Fill the registry's relation, type every column, and refuse unknown networks, empty
    rosters, blank names and duplicate members, naming the file and row.

    merge_duplicates: for sources known to list one member twice (a city under two spellings,
    two mayors signing for one municipality), keep the first row and name the others in its
    detail instead of failing."""
    def fail(reason: str, row: int | None = None, field: str | None = None) -> ParseError:
        return ParseError(source, file, reason, row=row, field=field, row_kind=row_kind)

    if frame.is_empty():
        raise fail("the roster is empty: no member rows")
    registry = registry_networks()
    unknown = frame.filter(~pl.col("network_id").is_in(list(registry)))
    if unknown.height:
        raise fail(f"network id {unknown['network_id'][0]!r} is not in the network registry "
                   f"(dbt_project/seeds/networks.csv; known: {sorted(registry)})",
                   row=unknown["source_row"][0], field="network_id")
    blank = frame.filter(pl.col("member_name").fill_null("").str.strip_chars() == "")
    if blank.height:
        raise fail("member without a name", row=blank["source_row"][0], field="member_name")
    if merge_duplicates:
        frame = _merge_duplicates(frame)
    duplicated = frame.filter(pl.struct(*ROSTER_KEY).is_duplicated())
    if duplicated.height:
        row = duplicated.sort("source_row").row(1, named=True)
        raise fail(f"{row['member_name']!r} is listed twice for {row['network_id']}",
                   row=row["source_row"], field="member_key")
    relation = {k: v["relation"] for k, v in registry.items()}
    for column, dtype in ROSTER_SCHEMA.items():
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(column))
    return frame.with_columns(
        relation=pl.col("network_id").replace_strict(relation, return_dtype=pl.String),
        member_name=pl.col("member_name").str.strip_chars(),
    ).select(list(ROSTER_SCHEMA)).cast(ROSTER_SCHEMA).sort(list(ROSTER_KEY))


def _merge_duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    if "detail" not in frame.columns:
        frame = frame.with_columns(detail=pl.lit(None, pl.String))
    frame = frame.sort("source_row").with_columns(
        _listing=pl.format("row {}: {}", pl.col("source_row"),
                           pl.concat_str([pl.col("member_name"), pl.col("detail")], separator=" - ",
                                         ignore_nulls=True)),
        _count=pl.len().over(ROSTER_KEY))
    others = frame.group_by(ROSTER_KEY).agg(pl.col("_listing").slice(1).str.join("; ").alias("_others"))
    return frame.unique(ROSTER_KEY, keep="first", maintain_order=True).join(others, on=ROSTER_KEY) \
        .with_columns(detail=pl.when(pl.col("_count") > 1)
                      .then(pl.concat_str([pl.col("detail"), pl.lit("also listed as " ) + pl.col("_others")],
                                          separator="; ", ignore_nulls=True))
                      .otherwise(pl.col("detail"))).drop("_listing", "_count", "_others")


def csv_roster(path, source: str, header: list[str], *, merge_duplicates: bool = False,
               **columns: pl.Expr | str) -> pl.DataFrame:
    """A roster published as one CSV file with a fixed header: each roster column given as an
    expression over the file's columns (a plain string is a constant)."""
    frame = csv_with_header(path, source, header)
    return finish_roster(
        frame.select("source_row", **{k: pl.lit(v) if isinstance(v, str) else v for k, v in columns.items()}),
        source=source, file=str(path), merge_duplicates=merge_duplicates)
