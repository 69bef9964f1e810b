"""How good the city crosswalk is: precision and coverage on the hand-labelled set
(tests/data/crosswalk_labels.csv, built from independent evidence: source coordinates, official
pages, well-known facts - never from the matcher), and coverage of everything the warehouse holds.

A labelled row is right when the crosswalk gives its expected GeoNames id (or one of its
acceptable ids), or leaves it unresolved when the label says cities500 holds no right answer.
  precision = right matches / matches made
  recall    = right matches / labelled rows that have a right answer
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest import warehouse
from ingest.config import REPO_ROOT, Settings

LABELS = REPO_ROOT / "tests" / "data" / "crosswalk_labels.csv"
# drawn after the rules were fixed, random rows only: for reporting, never for tuning
HOLDOUT = REPO_ROOT / "tests" / "data" / "crosswalk_holdout.csv"
LABEL_SETS = {"development set (tests/data/crosswalk_labels.csv)": LABELS,
              "holdout (tests/data/crosswalk_holdout.csv)": HOLDOUT}
MATCHES = "intermediate.int_city_matches"


def read_labels(path: Path = LABELS) -> pl.DataFrame:
    labels = pl.read_csv(path, infer_schema=False)
    return labels.with_columns(
        expected_geonameid=pl.col("expected_geonameid").cast(pl.Int64, strict=True),
        acceptable=pl.concat_list(
            pl.col("expected_geonameid").cast(pl.Int64),
            pl.col("acceptable_geonameids").fill_null("").str.split(";").list.eval(
                pl.element().str.strip_chars().filter(pl.element() != "").cast(pl.Int64)),
        ).list.drop_nulls(),
    )


def score(matches: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    """One row per labelled entity: what the crosswalk did with it and whether that is right."""
    joined = labels.join(matches.select("entity_type", "entity_key", "geonameid", "method", "reason"),
                         on=["entity_type", "entity_key"], how="left")
    return joined.with_columns(
        in_warehouse=pl.col("method").is_not_null(),
        matched=pl.col("geonameid").is_not_null(),
        has_answer=pl.col("expected_geonameid").is_not_null(),
    ).with_columns(
        right=pl.when(pl.col("matched")).then(pl.col("acceptable").list.contains(pl.col("geonameid")))
        .otherwise(~pl.col("has_answer")),
    )


def summarise(scored: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return scored.filter(pl.col("in_warehouse")).group_by(by).agg(
        labelled=pl.len(),
        matched=pl.col("matched").sum(),
        right_matches=(pl.col("matched") & pl.col("right")).sum(),
        with_answer=pl.col("has_answer").sum(),
        abstained_rightly=(~pl.col("matched") & ~pl.col("has_answer")).sum(),
    ).with_columns(
        precision=pl.col("right_matches") / pl.col("matched"),
        recall=pl.col("right_matches") / pl.col("with_answer"),
    ).sort(by)


def coverage(con) -> pl.DataFrame:
    """Share resolved to a GeoNames id: of the entities, and of the rows that use them (roster
    rows; twinning edge ends)."""
    return con.sql(f"""
        with entities as (
            select entity_type, count(*) as entities, avg((geonameid is not null)::int) as entities_resolved
            from {MATCHES} group by 1
        ),
        rows_ as (
            select 'network_member' as entity_type, count(*) as rows_,
                   avg((geonameid is not null)::int) as rows_resolved
            from intermediate.int_network_memberships
            union all
            select e.city_entity_type, count(*), avg((m.geonameid is not null)::int)
            from (select city_entity_type, city_entity_key from intermediate.int_twinning_edges
                  union all
                  select twin_entity_type, twin_entity_key from intermediate.int_twinning_edges) e
            join {MATCHES} m on m.entity_type = e.city_entity_type and m.entity_key = e.city_entity_key
            group by 1
        )
        select * from entities left join rows_ using (entity_type) order by entity_type""").pl()


def read_matches(settings: Settings) -> tuple[Path, pl.DataFrame, pl.DataFrame]:
    """The crosswalk and its coverage from the serving file (or the writer before a publish)."""
    path = next((p for p in (settings.serving_path, settings.warehouse_path) if p.exists()), None)
    if path is None:
        raise FileNotFoundError("no warehouse yet: run `citywh run`")
    with warehouse.connect(path, read_only=True) as con:
        return path, con.sql(f"select * from {MATCHES}").pl(), coverage(con)
