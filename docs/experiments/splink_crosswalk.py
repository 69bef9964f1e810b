"""Splink 5 as an alternative city matcher, scored on the hand-labelled crosswalk set.

Experiment only: nothing in the pipeline imports this file. It reads a built warehouse and the
labels, fits a Fellegi-Sunter model with Splink (link_only: source entities -> GeoNames cities500),
turns the scored pairs into one decision per entity, and prints precision / recall / coverage per
entity type side by side with our matcher (`ingest.crosswalk`, read from int_city_matches), with the
same scoring as `ingest.crosswalk_evaluation`.

Run it after `make run`, with the project's optional `experiments` dependency group (Splink):

    uv sync --locked --group experiments
    uv run --no-sync python docs/experiments/splink_crosswalk.py \
        --warehouse var/warehouse/serving.duckdb [--threshold 0.1 --margin 3] [--grid] [--examples]

Versions it was run with: splink 5.0.0, duckdb 2.0.0, polars 2.1.0, pyarrow 26.0.1, CPython 3.11.7,
on 2 cores / 24 GiB. (splink 5.0.0 accepted the duckdb==2.0.0 pin as is.)

Inputs, read only:
  intermediate.int_city_matches  only its query-side evidence columns (name, other_names,
                                 country_iso2, latitude, longitude, population); never geonameid,
                                 method or matched_* as features (they are used only to print our
                                 matcher's score next to Splink's)
  staging.stg_geonames__cities   the gazetteer (cities500)
  tests/data/crosswalk_labels.csv
"""

from __future__ import annotations

import argparse
import logging
import re
import resource
import time
from pathlib import Path

import duckdb
import polars as pl
import splink
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "tests" / "data" / "crosswalk_labels.csv"
WAREHOUSE = Path("/tmp/cw/splink_home/warehouse/serving.duckdb")

# The configuration reported in splink_crosswalk.md.
THRESHOLD = 0.10  # the best candidate's match_probability must reach this ...
MARGIN = 3.0  # ... and beat the runner-up by this many match-weight bits (8x Bayes factor)
U_MAX_PAIRS = 2e7
SEED = 1
CELL_DEG = 0.2  # geo-grid blocking cell (~22 km), plus a second grid offset by half a cell
PREDICT_FLOOR = 0.001  # pairs below this probability are not kept (never decide anything)
ENTITY_TYPES = ["network_member", "twinning_qid", "twinning_name", "un_wup_agglomeration"]


# --- standardising names (the same folding as ingest.crosswalk.fold_expr) ------------------------

_LETTERS = ["ł", "ø", "đ", "ß", "æ", "œ", "ı", "þ", "ð", "ħ"]
_ASCII = ["l", "o", "d", "ss", "ae", "oe", "i", "th", "d", "h"]


def fold_expr(c: pl.Expr) -> pl.Expr:
    """Accents, case, apostrophes and punctuation folded: "Xi'an", "XIAN" -> "xian"."""
    return (c.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.to_lowercase()
            .str.replace_many(_LETTERS, _ASCII).str.replace_all(r"['’‘`ʻʼ]", "")
            .str.replace_all(r"[^\p{L}\p{N}\p{M}]+", " ").str.strip_chars())


# Words for the kind of area, not the place (a shorter list than ingest.crosswalk.AREA_WORDS)
AREA_WORDS = (
    r"\b(m m a|metropolitan area|metro area|metropolitan municipality|metropolitan|metropole|"
    r"city of|town of|village of|municipality of|municipality|city council|town council|"
    r"council|territorial community|city|urban area|agglomeration|"
    r"comune di|citta di|ville de|commune de|ayuntamiento de|ajuntament de|municipio de|"
    r"gemeinde|stadt|gemeente|gmina|miasto|obec|mesto|region of)\b|^(greater|grande|gran|grand) "
    r"|\b(19|20)\d\d\b")


def variants(name: str, entity_type: str) -> list[str]:
    """Parts of a source name that may name the city: "Xi'an, Shaanxi" -> Xi'an; "Merano/Meran"
    -> both; UN and C40 "A (B)" -> B too (another name), elsewhere the parenthesis only says where
    A lies and is dropped; UN "A-B" -> A (the first city of a composite agglomeration; a level for
    the later pieces was tried and lost more than it won: Dallas-Fort Worth went to Fort Worth)."""
    other_name_in_parens = entity_type in ("un_wup_agglomeration", "c40_city")
    inside = re.findall(r"\(([^)]*)\)", name)
    outside = " ".join(re.sub(r"\([^)]*\)", " ", name).split())
    head = outside.partition(",")[0].strip()
    first = ([p.strip() for p in inside] if other_name_in_parens else []) + [outside, head]
    if "/" in head:
        first += [p.strip() for p in head.split("/")]
    if entity_type == "un_wup_agglomeration":
        pieces = [p.strip() for p in re.split(r"\s*[-–]\s*|\s+and\s+", head) if len(p.strip()) >= 3]
        if len(pieces) > 1:
            first.append(pieces[0])
    return [v for v in dict.fromkeys(first) if v and v != name]


_SOUNDEX = {c: d for d, letters in {"1": "bfpv", "2": "cgjkqsxz", "3": "dt", "4": "l", "5": "mn",
                                     "6": "r"}.items() for c in letters}


def soundex(key: str | None) -> str | None:
    """American Soundex of a folded name (spaces removed); non-Latin letters keep their first."""
    if not key:
        return None
    word = key.replace(" ", "")
    codes, last = [], _SOUNDEX.get(word[0], "")
    for ch in word[1:]:
        code = _SOUNDEX.get(ch, "")
        if code and code != last:
            codes.append(code)
        if ch not in "hw":
            last = code
    return (word[0] + "".join(codes) + "000")[:4]


def _clean(expr: pl.Expr) -> pl.Expr:
    return expr.list.eval(pl.element().filter(pl.element().is_not_null() & (pl.element() != ""))) \
        .list.unique(maintain_order=True)


def _strip_area_words(expr: pl.Expr) -> pl.Expr:
    return expr.list.eval(pl.element().str.replace_all(AREA_WORDS, " ").str.replace_all(r"\s+", " ")
                          .str.strip_chars())


# --- the two input tables (one schema for both sides) -------------------------------------------
# name_key    the folded main name
# own_keys    query: all its folded labels;        city: folded name and ascii name
# alt_keys    query: folded name parts / variants;  city: folded alternate names
# all_keys    the union (exploded for blocking)

def load(warehouse: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cities = con.sql("select geonameid, city_name, ascii_name, alternate_names, latitude, longitude, "
                         "country_iso2, population from staging.stg_geonames__cities").pl()
        queries = con.sql("select entity_type, entity_key, name, other_names, country_iso2, latitude, "
                          "longitude, population from intermediate.int_city_matches "
                          "order by entity_type, entity_key").pl()
        ours = con.sql("select entity_type, entity_key, geonameid, method "
                       "from intermediate.int_city_matches").pl()
    return cities, queries, ours


def gazetteer_records(cities: pl.DataFrame) -> pl.DataFrame:
    g = cities.with_columns(name_key=fold_expr(pl.col("city_name")), ascii_key=fold_expr(pl.col("ascii_name")),
                            alt=pl.col("alternate_names").list.eval(fold_expr(pl.element())))
    g = g.with_columns(name_key=pl.when(pl.col("name_key") != "").then("name_key").otherwise("ascii_key"))
    g = g.with_columns(own_keys=_clean(pl.concat_list("name_key", "ascii_key")))
    g = g.with_columns(alt_keys=_clean(pl.col("alt")).list.set_difference("own_keys"))
    return g.select(unique_id="geonameid", entity_type=pl.lit("gazetteer"), name_key="name_key",
                    own_keys="own_keys", alt_keys="alt_keys", all_keys=pl.concat_list("own_keys", "alt_keys"), country_iso2="country_iso2",
                    latitude="latitude", longitude="longitude", population="population")


def query_records(queries: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    q = queries.with_row_index("unique_id").with_columns(pl.col("unique_id").cast(pl.Int64))
    labels = q.select("unique_id", "entity_type", names=pl.concat_list(
        pl.col("name"), pl.col("other_names").fill_null("").str.split("; ")))
    rows = []
    for uid, entity_type, names in labels.iter_rows():
        names = [n for n in names if n]
        rows.append((uid, names, [part for n in names for part in variants(n, entity_type)]))
    v = pl.DataFrame(rows, schema={"unique_id": pl.Int64, "names": pl.List(pl.String), "a": pl.List(pl.String)},
                     orient="row")
    folded = lambda c: pl.col(c).list.eval(fold_expr(pl.element()))  # noqa: E731
    v = v.with_columns(name_keys=_clean(folded("names")), a=folded("a"))
    v = v.with_columns(a=_clean(pl.concat_list("a", _strip_area_words(pl.concat_list("name_keys", "a"))))
                       .list.set_difference("name_keys"))
    q = q.join(v, on="unique_id")
    records = q.select("unique_id", "entity_type", name_key=pl.col("name_keys").list.first(),
                       own_keys="name_keys", alt_keys="a",
                       all_keys=pl.concat_list("name_keys", "a"), country_iso2="country_iso2",
                       latitude="latitude", longitude="longitude", population="population")
    return records, q.select("unique_id", "entity_type", "entity_key", "name", "other_names", "country_iso2")


def with_blocking_keys(df: pl.DataFrame) -> pl.DataFrame:
    has_point = pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null()

    def cell(offset: float) -> pl.Expr:
        return pl.when(has_point).then(pl.format(
            "{}_{}", ((pl.col("latitude") + offset) / CELL_DEG).floor().cast(pl.Int32),
            ((pl.col("longitude") + offset) / CELL_DEG).floor().cast(pl.Int32)))

    return df.with_columns(sx=pl.col("name_key").map_elements(soundex, return_dtype=pl.String),
                           cell_a=cell(0.0), cell_b=cell(CELL_DEG / 2))


# --- the Splink model ---------------------------------------------------------------------------

def intersects(a: str, b: str) -> str:
    return f"len(list_intersect({a}, {b})) > 0"


NAME = cl.CustomComparison(output_column_name="name", comparison_levels=[
    cll.NullLevel("name_key"),
    cll.ExactMatchLevel("name_key", term_frequency_adjustments=True),
    # u of this rare level is never seen in 2e7 random pairs: fixed at Splink's own
    # "not observed" value (1e-6) rather than Splink's untrained default
    cll.CustomLevel(intersects("own_keys_l", "own_keys_r"), "a label = own name")
    .configure(u_probability=1e-6, fix_u_probability=True),
    cll.CustomLevel(intersects("own_keys_l", "alt_keys_r"), "a label = alternate name"),
    cll.CustomLevel(intersects("alt_keys_l", "own_keys_r"), "a name part = own name"),
    cll.CustomLevel(intersects("alt_keys_l", "alt_keys_r"), "a name part = alternate name"),
    # Jaro-Winkler rewards shared prefixes: without the length guard "brussels capital region"
    # ~ "brussels" (0.87) and "karnes county" ~ "karnes city" pass
    cll.CustomLevel("jaro_winkler_similarity(name_key_l, name_key_r) >= 0.93 "
                    "and abs(length(name_key_l) - length(name_key_r)) <= 2", "JW >= 0.93, lengths within 2"),
    cll.CustomLevel("jaro_winkler_similarity(name_key_l, name_key_r) >= 0.85 "
                    "and abs(length(name_key_l) - length(name_key_r)) <= 3", "JW >= 0.85, lengths within 3"),
    cll.ElseLevel(),
])
COUNTRY = cl.ExactMatch("country_iso2")
DISTANCE = cl.DistanceInKMAtThresholds("latitude", "longitude", [3, 10, 25, 50, 150])
_LOG_RATIO = "abs(ln(population_l::double / population_r::double))"
# The source's population against the city's; where the source gives none, the city's size alone
# (a size prior: twinning partners are rarely hamlets)
POPULATION = cl.CustomComparison(output_column_name="population", comparison_levels=[
    cll.CustomLevel("population_r is null or population_r <= 0", "city population unknown")
    .configure(is_null_level=True),
    cll.CustomLevel(f"population_l > 0 and {_LOG_RATIO} <= ln(1.5)", "within 1.5x"),
    cll.CustomLevel(f"population_l > 0 and {_LOG_RATIO} <= ln(3)", "within 3x"),
    cll.CustomLevel(f"population_l > 0 and {_LOG_RATIO} <= ln(10)", "within 10x"),
    cll.CustomLevel("population_l > 0", "more than 10x apart"),
    cll.CustomLevel("population_r >= 1000000", "no source population; city >= 1M"),
    cll.CustomLevel("population_r >= 100000", "no source population; city >= 100k"),
    cll.CustomLevel("population_r >= 10000", "no source population; city >= 10k"),
    cll.ElseLevel(),
])

BLOCKING = [
    # any label or name part = any name or alternate name, same country
    block_on("country_iso2", "all_keys", arrays_to_explode=["all_keys"]),
    # the same, worldwide, for entities with no country
    CustomRule("l.all_keys = r.all_keys and (l.country_iso2 is null or r.country_iso2 is null)",
               arrays_to_explode=["all_keys"]),
    # same country and Soundex of the folded name (spelling variants)
    block_on("country_iso2", "sx"),
    # same country and geo-grid cell (two grids, offset by half a cell)
    block_on("country_iso2", "cell_a"),
    block_on("country_iso2", "cell_b"),
]

EM_RULES = [
    block_on("country_iso2", "name_key"),  # trains distance and population
    # pairs within ~2 km: trains name (EM on name-free or 20 km blocks drifts to a "near each
    # other" class; see the report)
    block_on("country_iso2", "floor(latitude * 50)", "floor(longitude * 50)"),
    block_on("name_key"),  # worldwide namesakes: trains country
]


def build_linker(queries: pl.DataFrame, gazetteer: pl.DataFrame) -> Linker:
    con = duckdb.connect()
    con.execute("set threads = 2")
    db_api = DuckDBAPI(con)
    # link_only puts the table whose name sorts first on the left: the queries are "_l"
    left = db_api.register(queries.to_arrow(), dataset_display_name="a_queries")
    right = db_api.register(gazetteer.select(queries.columns).to_arrow(), dataset_display_name="b_gazetteer")
    settings = SettingsCreator(link_type="link_only", comparisons=[NAME, COUNTRY, DISTANCE, POPULATION],
                               blocking_rules_to_generate_predictions=BLOCKING,
                               additional_columns_to_retain=["entity_type"])
    return Linker([left, right], settings, log_level=logging.WARNING)


def train(linker: Linker) -> None:
    # prior: exact same name in the same country finds ~80% of the matches
    linker.training.estimate_probability_two_random_records_match(
        [block_on("country_iso2", "name_key")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in EM_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)


def count_pairs(queries: pl.DataFrame, gazetteer: pl.DataFrame) -> dict[str, int]:
    """Pairs each prediction blocking rule generates, counted in polars (before de-duplication
    across rules)."""
    explode = lambda d: d.select("unique_id", "country_iso2", k="all_keys").explode("k").unique()  # noqa: E731
    qx, gx = explode(queries), explode(gazetteer)
    counts = {
        "country + any name key": qx.join(gx, on=["country_iso2", "k"]).select("unique_id", "unique_id_right")
        .unique().height,
        "any name key, no country": qx.filter(pl.col("country_iso2").is_null()).drop("country_iso2")
        .join(gx.drop("country_iso2"), on="k").select("unique_id", "unique_id_right").unique().height,
    }
    for label, cols in [("country + soundex", ["country_iso2", "sx"]), ("country + grid cell A", ["country_iso2", "cell_a"]),
                        ("country + grid cell B", ["country_iso2", "cell_b"])]:
        counts[label] = queries.select("unique_id", *cols).drop_nulls() \
            .join(gazetteer.select("unique_id", *cols).drop_nulls(), on=cols).height
    return counts


def decide(pairs: pl.DataFrame, meta: pl.DataFrame, threshold: float, margin: float) -> pl.DataFrame:
    """One row per entity: the best city when its probability reaches the threshold and its match
    weight beats the runner-up's by the margin; else unresolved."""
    ranked = pairs.select(uid="unique_id_l", geonameid="unique_id_r", mw="match_weight", p="match_probability",
                          gamma_name="gamma_name") \
        .sort("uid", "mw", descending=[False, True])
    top = ranked.group_by("uid", maintain_order=True).agg(
        best=pl.col("geonameid").first(), p=pl.col("p").first(), mw=pl.col("mw").first(),
        gamma_name=pl.col("gamma_name").first(),
        mw2=pl.col("mw").get(1, null_on_oob=True), candidates=pl.len())
    ok = (pl.col("p") >= threshold) & (pl.col("mw2").is_null() | (pl.col("mw") - pl.col("mw2") >= margin))
    top = top.with_columns(geonameid=pl.when(ok).then("best"))
    return meta.join(top, left_on="unique_id", right_on="uid", how="left").with_columns(
        method=pl.when(pl.col("geonameid").is_not_null()).then(pl.lit("splink")).otherwise(pl.lit("unresolved")))


# --- scoring: the same as ingest.crosswalk_evaluation ---------------------------------------------

def read_labels(path: Path = LABELS) -> pl.DataFrame:
    labels = pl.read_csv(path, infer_schema=False)
    return labels.with_columns(
        expected_geonameid=pl.col("expected_geonameid").cast(pl.Int64, strict=True),
        acceptable=pl.concat_list(
            pl.col("expected_geonameid").cast(pl.Int64),
            pl.col("acceptable_geonameids").fill_null("").str.split(";").list.eval(
                pl.element().str.strip_chars().filter(pl.element() != "").cast(pl.Int64)),
        ).list.drop_nulls())


def score(matches: pl.DataFrame, labels: pl.DataFrame) -> pl.DataFrame:
    joined = labels.join(matches.select("entity_type", "entity_key", "geonameid", "method"),
                         on=["entity_type", "entity_key"], how="left")
    return joined.with_columns(
        in_warehouse=pl.col("method").is_not_null(), matched=pl.col("geonameid").is_not_null(),
        has_answer=pl.col("expected_geonameid").is_not_null(),
    ).with_columns(
        right=pl.when(pl.col("matched")).then(pl.col("acceptable").list.contains(pl.col("geonameid")))
        .otherwise(~pl.col("has_answer")))


def summarise(scored: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return scored.filter(pl.col("in_warehouse")).group_by(by).agg(
        labelled=pl.len(), matched=pl.col("matched").sum(),
        right_matches=(pl.col("matched") & pl.col("right")).sum(),
        with_answer=pl.col("has_answer").sum(),
        abstained_rightly=(~pl.col("matched") & ~pl.col("has_answer")).sum(),
    ).with_columns(precision=pl.col("right_matches") / pl.col("matched"),
                   recall=pl.col("right_matches") / pl.col("with_answer")).sort(by)


def side_by_side(ours: pl.DataFrame, theirs: pl.DataFrame, labels: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    def one(matches: pl.DataFrame, tag: str) -> pl.DataFrame:
        s = summarise(score(matches, labels), by)
        total = s.select(pl.lit("ALL").alias(by[0]), *[pl.lit(None, pl.String).alias(c) for c in by[1:]],
                         pl.col("labelled", "matched", "right_matches", "with_answer").sum()) \
            .with_columns(precision=pl.col("right_matches") / pl.col("matched"),
                          recall=pl.col("right_matches") / pl.col("with_answer"))
        s = pl.concat([s.select(*by, "labelled", "matched", "right_matches", "with_answer", "precision", "recall"),
                       total], how="vertical_relaxed")
        return s.select(*by, "labelled", "with_answer",
                        pl.format("{}/{}", "right_matches", "matched").alias(f"{tag} right/made"),
                        pl.col("precision").round(3).alias(f"{tag} P"), pl.col("recall").round(3).alias(f"{tag} R"))
    return one(ours, "ours").join(one(theirs, "splink").drop("labelled", "with_answer"), on=by,
                                  how="left", nulls_equal=True)


def coverage(ours: pl.DataFrame, theirs: pl.DataFrame) -> pl.DataFrame:
    a = ours.group_by("entity_type").agg(entities=pl.len(), ours=pl.col("geonameid").is_not_null().mean().round(3))
    b = theirs.group_by("entity_type").agg(splink=pl.col("geonameid").is_not_null().mean().round(3))
    both = ours.select("entity_type", "entity_key", o="geonameid").join(
        theirs.select("entity_type", "entity_key", s="geonameid"), on=["entity_type", "entity_key"])
    c = both.group_by("entity_type").agg(
        both_resolved=(pl.col("o").is_not_null() & pl.col("s").is_not_null()).sum(),
        same_city=(pl.col("o") == pl.col("s")).sum(),
        only_ours=(pl.col("o").is_not_null() & pl.col("s").is_null()).sum(),
        only_splink=(pl.col("o").is_null() & pl.col("s").is_not_null()).sum())
    return a.join(b, on="entity_type").join(c, on="entity_type").sort("entity_type")


def name_level_labels() -> dict[int, str]:
    """gamma_name value -> the level's label (Splink numbers non-null levels from the top down)."""
    levels = [lvl for lvl in NAME.create_comparison_levels() if not isinstance(lvl, cll.NullLevel)]
    return {len(levels) - 1 - i: lvl.create_label_for_charts() for i, lvl in enumerate(levels)}


def unlabelled_differences(ours: pl.DataFrame, theirs: pl.DataFrame) -> pl.DataFrame:
    """Across all entities (not only labelled ones): where the two disagree, on what name evidence
    Splink decided."""
    both = theirs.select("entity_type", "entity_key", s="geonameid", gamma_name="gamma_name").join(
        ours.select("entity_type", "entity_key", o="geonameid"), on=["entity_type", "entity_key"])
    kind = pl.when(pl.col("o").is_null()).then(pl.lit("only splink")) \
        .when(pl.col("s").is_null()).then(pl.lit("only ours")).otherwise(pl.lit("different city"))
    diff = both.filter(pl.col("s").is_not_null() & pl.col("o").is_not_null() & (pl.col("s") != pl.col("o"))
                       | (pl.col("s").is_null() != pl.col("o").is_null())).with_columns(kind=kind)
    diff = diff.with_columns(splink_name_level=pl.when(pl.col("s").is_not_null()).then(
        pl.col("gamma_name").replace_strict(name_level_labels(), default=None, return_dtype=pl.String)))
    return diff.group_by("kind", "splink_name_level").agg(
        **{et: (pl.col("entity_type") == et).sum() for et in ENTITY_TYPES}).sort("kind", "splink_name_level")


def examples(ours: pl.DataFrame, theirs: pl.DataFrame, labels: pl.DataFrame, cities: pl.DataFrame) -> None:
    names = cities.select("geonameid", n=pl.format("{} {}", "city_name", "country_iso2"))
    s = score(theirs, labels).join(theirs.select("entity_type", "entity_key", p=pl.col("p").round(3), best="best"),
                                   on=["entity_type", "entity_key"], how="left") \
        .select("entity_type", "entity_key", "source_name", "expected_name", "trap", "has_answer",
                splink="geonameid", splink_right="right", p="p", best="best") \
        .join(score(ours, labels).select("entity_type", "entity_key", ours="geonameid", ours_right="right"),
              on=["entity_type", "entity_key"])
    s = s.join(names.rename({"geonameid": "best", "n": "splink_best"}), on="best", how="left") \
        .join(names.rename({"geonameid": "splink", "n": "splink_city"}), on="splink", how="left") \
        .join(names.rename({"geonameid": "ours", "n": "ours_city"}), on="ours", how="left")
    cols = ["entity_type", "entity_key", "expected_name", "trap", "splink_city", "splink_best", "p", "ours_city"]
    with pl.Config(tbl_rows=60, tbl_cols=12, fmt_str_lengths=40, tbl_width_chars=260):
        print("\nSplink right, ours wrong:")
        print(s.filter(pl.col("splink_right") & ~pl.col("ours_right")).select(cols))
        print("\nOurs right, Splink wrong:")
        print(s.filter(~pl.col("splink_right") & pl.col("ours_right")).select(cols))
        print("\nBoth wrong:")
        print(s.filter(~pl.col("splink_right") & ~pl.col("ours_right")).select(cols))


# --- main ---------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, default=WAREHOUSE)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--margin", type=float, default=MARGIN)
    parser.add_argument("--grid", action="store_true", help="also print a threshold x margin grid")
    parser.add_argument("--examples", action="store_true", help="list the labelled rows where they differ")
    args = parser.parse_args()

    t0 = time.perf_counter()
    cities, queries, ours = load(args.warehouse)
    gazetteer = with_blocking_keys(gazetteer_records(cities))
    records, meta = query_records(queries)
    records = with_blocking_keys(records)
    t_prep = time.perf_counter() - t0

    pair_counts = count_pairs(records, gazetteer)
    linker = build_linker(records, gazetteer)
    t1 = time.perf_counter()
    train(linker)
    t_train = time.perf_counter() - t1
    t2 = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=PREDICT_FLOOR)
    pairs = pl.from_arrow(predictions.as_pyarrow_table())
    t_predict = time.perf_counter() - t2
    assert pairs.is_empty() or (pairs["source_dataset_l"] == "a_queries").all(), "queries must be the left side"
    t3 = time.perf_counter()
    decided = decide(pairs, meta, args.threshold, args.margin)
    t_decide = time.perf_counter() - t3

    labels = read_labels(args.labels)
    print(f"splink {splink.__version__}, duckdb {duckdb.__version__}, polars {pl.__version__}")
    print(f"queries {records.height:,}, gazetteer {gazetteer.height:,}")
    print("blocked pairs per rule (before de-duplication):",
          ", ".join(f"{k} {v:,}" for k, v in pair_counts.items()))
    print(f"pairs scored with p >= {PREDICT_FLOOR}: {pairs.height:,}")
    print(f"time: prep {t_prep:.1f}s, train {t_train:.1f}s, predict {t_predict:.1f}s, decide {t_decide:.1f}s; "
          f"train + predict {t_train + t_predict:.1f}s; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    print(f"decision: best candidate with p >= {args.threshold} and >= {args.margin} bits over the runner-up")
    with pl.Config(tbl_rows=40, tbl_cols=14, tbl_width_chars=200, tbl_hide_dataframe_shape=True):
        print("\nLabelled set, per entity type (P = right matches / matches made, R = right matches / rows "
              "with an answer):")
        print(side_by_side(ours, decided, labels, ["entity_type"]))
        print("\nBy sample:")
        print(side_by_side(ours, decided, labels, ["entity_type", "sample"]).filter(pl.col("entity_type") != "ALL"))
        print("\nCoverage of all entities (share resolved):")
        print(coverage(ours, decided))
        print("\nWhere the two disagree, over all entities (Splink's name level for its pick):")
        print(unlabelled_differences(ours, decided))
        if args.grid:
            rows = []
            for t in (0.05, 0.1, 0.3, 0.5, 0.9, 0.99):
                for m in (0.0, 1.0, 2.0, 3.0, 5.0):
                    s = summarise(score(decide(pairs, meta, t, m), labels), ["entity_type"])
                    row = {"threshold": t, "margin": m}
                    for et, p, r in s.select("entity_type", "precision", "recall").iter_rows():
                        row[et] = f"{p:.3f}/{r:.3f}"
                    tot = s.select(pl.col("right_matches").sum(), pl.col("matched").sum(), pl.col("with_answer").sum()).row(0)
                    row["ALL P/R"] = f"{tot[0] / tot[1]:.3f}/{tot[0] / tot[2]:.3f}"
                    rows.append(row)
            print("\nThreshold x margin grid (precision/recall):")
            print(pl.DataFrame(rows))
    if args.examples:
        examples(ours, decided, labels, cities)


if __name__ == "__main__":
    main()
