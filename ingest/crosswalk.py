"""The city matcher: a source's city (names, country, sometimes a point, a population, a GeoNames
id) -> one GeoNames city of the cities500 gazetteer, with the evidence, or unresolved with the
candidates and the reason. Precision first: where the evidence does not separate candidates, it
does not guess.

Evidence, strongest first:
  geonames_id   the source states the GeoNames id (Wikidata P1566 in the live query)
  name          the whole name equals the city's GeoNames name or ascii name (accents, case,
                punctuation folded), else one of its alternate names
  name part     only where the whole name matches nothing: the part in or outside parentheses
                ("Durban (eThekwini)"), the part before a comma (the rest is an admin1 hint:
                "Xi'an, Shaanxi"), the name without words for the kind of area ("Greater",
                "Municipality of", "M.M.A."), and, for UN agglomerations only, each city of a
                composite ("New York-Newark"). Never a single token of a hyphenated name: a
                "-sur-" commune is not Sur, Oman.
  near point    no name matched: a city within NEAR_POINT_KM of the source's point whose name is
                still nearly the same (ratio >= NEAR_POINT_MIN_RATIO: "Raurkela" / "Rourkela").
                A point alone never decides: a small member is not credited to its big neighbour.
Constraints: where the source gives a country, the city is in it; where it gives a point, the
city is within the policy's max_distance_km of it (approximate_point_km for a geocoded point),
unless the source's population agrees with the city's (within POPULATION_AGREES x) and the point
is within MISPLACED_POINT_KM: Covenant of Mayors points are often a province's, not the town's.
Among candidates left, it decides only when the evidence separates them:
  - a name over an alternate name ("Victoria" is not Hong Kong while cities are named Victoria);
  - with a point: the nearest, when the next is clearly farther;
  - with the source's population: the one whose population is closest (by factor);
  - otherwise the most populous only when it dominates (DOMINANCE x the next one in the country;
    WORLDWIDE_DOMINANCE x worldwide, where no country is known). Else unresolved, candidates named.
One-to-one policies (UN agglomerations, Wikidata items) let a GeoNames city be claimed once: the
strongest claim keeps it, the others become unresolved, naming the winner.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

EARTH_RADIUS_KM = 6371.0088
NEAR_POINT_KM = 10.0
NEAR_POINT_MIN_RATIO = 85.0  # "raurkela"/"rourkela" 87.5; "almassera"/"alboraya" 44
CONTAINED_NAME_KM = 5.0
# Words by which a name says it is an administrative area, not a town: "Limerick County" is not
# Limerick, "Erbil Governorate" not Erbil, "Budapest District III" not Budapest.
ADMINISTRATIVE_AREA = (r"\b(county|district|governorate|province|provincia|region|oblast|raion|rayon|"
                       r"department|departement|prefecture|kerulet|sector|arrondissement|borough|"
                       r"voivodeship|canton|kanton|landkreis|kreis)\b")
SAME_PLACE_KM = 3.0  # same-named places this close are one place (a town and its centre)
MISPLACED_POINT_KM = 250.0
POPULATION_AGREES = 3.0  # a municipality's population vs its main settlement's
COUNTRY_BOX_MARGIN = 1.0  # degrees around a country's gazetteer cities
DOMINANCE = 10.0
WORLDWIDE_DOMINANCE = 25.0
WORLDWIDE_MIN_POPULATION = 50_000

# Tiers of name evidence; a lower tier is tried only when no higher tier left a candidate.
TIER_GEONAMES_ID, TIER_NAME, TIER_PART, TIER_NEAR_POINT = 0, 1, 2, 3
METHOD = {TIER_GEONAMES_ID: "geonames_id", TIER_NAME: "name", TIER_PART: "name_part",
          TIER_NEAR_POINT: "name_near_point"}

# Words naming the kind of area, not the place ("Kinki M.M.A. (Osaka)", "Greater Manchester",
# "Municipality of Zhetysu", "City of Cape Town").
AREA_WORDS = (
    r"\b(m m a|metropolitan area|metro area|metropolitan municipality|metropolitan|metropole|"
    r"city of|town of|village of|municipality of|municipality|city council|town council|"
    r"village council|council|territorial community|city|urban area|agglomeration|nct|"
    r"comune di|citta di|ville de|commune de|mairie de|ayuntamiento de|ajuntament de|"
    r"concello de|municipio de|villa de|gemeinde|stadt|gemeente|opcina|grad|dimos|"
    r"urzad gminy|urzad miasta|gmina|miasto|obec|mesto|varos|onkormanyzata|onkormanyzat|kozseg|"
    r"county borough of|region of)\b|^(greater|grande|gran|grand) "
    # Covenant signatories name their plan's horizon: "Temse 2030"
    r"|\b(19|20)\d\d\b")

MATCH_SCHEMA: dict[str, pl.DataType] = {
    "entity_type": pl.String(),
    "entity_key": pl.String(),
    "geonameid": pl.Int64(),
    "matched_name": pl.String(),
    "matched_country_iso2": pl.String(),
    "method": pl.String(),  # geonames_id | name | alternate_name | name_part | name_near_point | unresolved
    "distance_km": pl.Float64(),
    "confidence": pl.Float64(),
    "reason": pl.String(),  # the deciding evidence, or why unresolved
    "candidates": pl.String(),  # the candidates weighed, "id name CC pop [km]; ..."
    "alias_of": pl.String(),  # the Wikidata item this entity's item is an alias of
}


@dataclass(frozen=True)
class Policy:
    """How far a source's evidence can be trusted."""

    max_distance_km: float = 25.0  # a same-named city farther from the source's point is another
    approximate_point_km: float = 50.0  # the same for a geocoded (approximate) point
    composite_names: bool = False  # split "A-B-C" agglomeration names into cities
    # "X (Y)": Y another name of X ("Al-Qahirah (Cairo)", UN; "Durban (eThekwini)", C40), or
    # only where X lies ("Neukölln (Berlin)", "Itabashi (Tokyo)": a district is not its city)
    parenthesis_is_other_name: bool = False
    one_to_one: bool = False  # rows are distinct places: a city may be claimed once


# --- names ------------------------------------------------------------------------------------

_LETTERS = ["ł", "ø", "đ", "ß", "æ", "œ", "ı", "þ", "ð", "ħ"]
_ASCII = ["l", "o", "d", "ss", "ae", "oe", "i", "th", "d", "h"]


def fold_expr(column: pl.Expr) -> pl.Expr:
    """Fold accents, case, apostrophes and punctuation: "Xi'an", "XIAN" -> "xian"."""
    return (column.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.to_lowercase()
            .str.replace_many(_LETTERS, _ASCII).str.replace_all(r"['’‘`ʻʼ]", "")
            .str.replace_all(r"[^\p{L}\p{N}\p{M}]+", " ").str.strip_chars())


def fold(name: str | None) -> str:
    return pl.select(fold_expr(pl.lit(name or "", pl.String))).item()


def name_variants(name: str, *, composite: bool = False,
                  parenthesis_is_other_name: bool = False) -> list[tuple[str, str | None]]:
    """The parts of a name that may name the city when the whole name does not, in priority
    order, each with an admin1 hint (the text after a comma, or a qualifier in parentheses) or
    None. (The name without its area words is added after folding, in _variants.)"""
    variants: list[tuple[str, str | None]] = []
    inside = re.findall(r"\(([^)]*)\)", name)
    outside = " ".join(re.sub(r"\([^)]*\)", " ", name).split())
    head, _, tail = outside.partition(",")
    head, hint = head.strip(), tail.strip() or None
    if not parenthesis_is_other_name:
        hint, inside = hint or (inside[0].strip() if inside else None), []
    for part in [*inside, outside, head]:
        part = part.strip()
        if part and part != name:
            variants.append((part, hint if part == head else None))
    if "/" in head:  # bilingual names: "Merano/Meran", "Guesalaz / Gesalatz"
        variants.extend((piece.strip(), hint) for piece in head.split("/") if piece.strip())
    if composite:  # "New York-Newark", "Kitchener-Cambrigde-Waterloo", "Bruxelles-Brussel"
        for piece in re.split(r"\s*[-–]\s*|\s+and\s+", head):
            if len(piece.strip()) >= 3 and piece.strip() != head:
                variants.append((piece.strip(), hint))
    return list(dict.fromkeys(variants))


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


# --- the gazetteer ----------------------------------------------------------------------------

GAZETTEER_COLUMNS = ("geonameid", "city_name", "ascii_name", "alternate_names", "latitude", "longitude",
                     "country_iso2", "admin1_code", "population")


class Gazetteer:
    """GeoNames cities and every name they bear, folded, ready to join on.

    cities: geonameid, city_name, ascii_name, alternate_names (list), latitude, longitude,
            country_iso2, admin1_code, population; admin1: country_iso2, admin1_code, admin1_name."""

    def __init__(self, cities: pl.DataFrame, admin1: pl.DataFrame | None = None, *,
                 cache_dir: Path | None = None):
        """cache_dir: where the index of these very inputs is kept between builds (the folded
        name index takes ~2 s to build; reading it back ~0.2 s)."""
        cities = cities.select(GAZETTEER_COLUMNS)  # the cache key covers only what is indexed
        key = cache_dir and _index_key(cities, admin1)
        stored = cache_dir and [cache_dir / f"gazetteer-{key}-{part}.parquet" for part in ("cities", "names")]
        if stored and all(path.exists() for path in stored):
            self.cities, self.names = (pl.read_parquet(path) for path in stored)
        else:
            self.cities, self.names = self._index(cities, admin1)
            if stored:
                _store(cache_dir, {path: frame for path, frame in zip(stored, (self.cities, self.names))})
        self._ids = set(self.cities["geonameid"].to_list())

    @staticmethod
    def _index(cities: pl.DataFrame, admin1: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(cities as the matcher weighs them: without their names' lists, which only the name
        index needs; the name index)."""
        weighed = cities.drop("ascii_name", "alternate_names")
        if admin1 is not None:
            weighed = weighed.join(admin1.select("country_iso2", "admin1_code", "admin1_name"),
                                   on=["country_iso2", "admin1_code"], how="left")
        else:
            weighed = weighed.with_columns(admin1_name=pl.lit(None, pl.String))
        indexed_cities = weighed.with_columns(admin1_key=fold_expr(pl.col("admin1_name")),
                                              population=pl.col("population").fill_null(0))
        # lazy: the ~1.1 M exploded and folded names are never all held at once (~200 MB less)
        by_name = cities.lazy().select("geonameid", "country_iso2", "city_name", "ascii_name", "alternate_names")
        own = pl.concat([
            by_name.select("geonameid", "country_iso2", name=pl.col("city_name")),
            by_name.select("geonameid", "country_iso2", name=pl.col("ascii_name")),
        ]).with_columns(is_alternate=pl.lit(False))
        alternates = by_name.select("geonameid", "country_iso2", name=pl.col("alternate_names")) \
            .explode("name").with_columns(is_alternate=pl.lit(True))
        names = pl.concat([own, alternates]).filter(pl.col("name").is_not_null()) \
            .with_columns(key=fold_expr(pl.col("name"))).filter(pl.col("key") != "")
        # a city's own name before its alternates ("Solna" is Solna, not Žilina's Polish name)
        return indexed_cities, names.group_by("key", "geonameid", "country_iso2") \
            .agg(is_alternate=pl.col("is_alternate").min()).collect()

    def __contains__(self, geonameid: int) -> bool:
        return geonameid in self._ids


def _index_key(cities: pl.DataFrame, admin1: pl.DataFrame | None) -> str:
    """The inputs' content (in any row order), the code that indexes them and polars' version."""
    digest = hashlib.sha256(f"{pl.__version__}\n".encode() + Path(__file__).read_bytes())
    for frame in (cities, admin1):
        if frame is not None:
            digest.update(",".join(frame.columns).encode())
            digest.update(np.sort(frame.hash_rows().to_numpy()).tobytes())
    return digest.hexdigest()[:16]


def _store(cache_dir: Path, frames: dict[Path, pl.DataFrame]) -> None:
    """Write the index (each file by rename: a reader never sees half of one) and drop older ones."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob("gazetteer-*.parquet"):
        old.unlink(missing_ok=True)
    for path, frame in frames.items():
        partial = path.with_suffix(f".{os.getpid()}.part")
        frame.write_parquet(partial)
        os.replace(partial, path)


# --- the matcher ------------------------------------------------------------------------------

QUERY_COLUMNS: dict[str, pl.DataType] = {
    "entity_type": pl.String(),
    "entity_key": pl.String(),
    "names": pl.List(pl.String()),  # the first is the name shown; others are other labels
    "country_iso2": pl.String(),
    "latitude": pl.Float64(),
    "longitude": pl.Float64(),
    "population": pl.Int64(),  # as the source gives it
    "geonameid_hint": pl.Int64(),  # as the source gives it (Wikidata P1566)
    "point_is_approximate": pl.Boolean(),  # geocoded from the name, not the source's own
    "wikidata_qid": pl.String(),  # the Wikidata item, where a source names one
}


def match(queries: pl.DataFrame, gazetteer: Gazetteer, policies: dict[str, Policy]) -> pl.DataFrame:
    """queries: QUERY_COLUMNS (missing ones are null) -> MATCH_SCHEMA, one row per query."""
    for column, dtype in QUERY_COLUMNS.items():
        if column not in queries.columns:
            queries = queries.with_columns(pl.lit(None, dtype).alias(column))
    queries = queries.select(list(QUERY_COLUMNS)).cast(QUERY_COLUMNS) \
        .unique(["entity_type", "entity_key"], keep="first", maintain_order=True) \
        .with_row_index("query")
    queries = _ignore_points_outside_country(queries, gazetteer)
    named = _with_evidence(pl.concat([_by_geonames_id(queries, gazetteer),
                                      _by_name(queries, gazetteer, policies)], how="diagonal_relaxed"),
                           queries, gazetteer, policies)
    # the point is searched only for what no name found
    nameless = queries.join(named.filter("admissible").select("query").unique(), on="query", how="anti")
    near = _with_evidence(_near_point(nameless, gazetteer), queries, gazetteer, policies)
    return _decide(queries, pl.concat([named, near], how="diagonal_relaxed"), policies)


def _ignore_points_outside_country(queries: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    """A point outside the box of its stated country's gazetteer cities is not the city's own
    (ClimActor puts some Italian towns in Australia): it is dropped, and the reason says so."""
    boxes = gazetteer.cities.group_by("country_iso2").agg(
        lat_min=pl.col("latitude").min() - COUNTRY_BOX_MARGIN, lat_max=pl.col("latitude").max() + COUNTRY_BOX_MARGIN,
        lon_min=pl.col("longitude").min() - COUNTRY_BOX_MARGIN, lon_max=pl.col("longitude").max() + COUNTRY_BOX_MARGIN)
    frame = queries.join(boxes, on="country_iso2", how="left")
    outside = pl.col("latitude").is_not_null() & pl.col("lat_min").is_not_null() & ~(
        pl.col("latitude").is_between("lat_min", "lat_max") & pl.col("longitude").is_between("lon_min", "lon_max"))
    return frame.with_columns(point_outside_country=outside).with_columns(
        latitude=pl.when(outside).then(None).otherwise("latitude"),
        longitude=pl.when(outside).then(None).otherwise("longitude"),
    ).drop("lat_min", "lat_max", "lon_min", "lon_max")


def _variants(queries: pl.DataFrame, policies: dict[str, Policy]) -> pl.DataFrame:
    rows = []
    for query, entity_type, names in queries.select("query", "entity_type", "names").iter_rows():
        policy = policies.get(entity_type, Policy())
        for position, name in enumerate(n for n in (names or []) if n):
            rows.append((query, name, None, TIER_NAME, position))
            for part, hint in name_variants(name, composite=policy.composite_names,
                                            parenthesis_is_other_name=policy.parenthesis_is_other_name):
                rows.append((query, part, hint, TIER_PART, position))
    variants = pl.DataFrame(rows, schema={"query": pl.UInt32, "variant": pl.String, "admin1_hint": pl.String,
                                          "tier": pl.Int8, "label_position": pl.Int32}, orient="row") \
        .with_columns(key=fold_expr(pl.col("variant")), hint_key=fold_expr(pl.col("admin1_hint")))
    without_area_words = variants.with_columns(
        key=pl.col("key").str.replace_all(AREA_WORDS, " ").str.replace_all(r"\s+", " ").str.strip_chars(),
        tier=pl.lit(TIER_PART, pl.Int8)).filter(pl.col("key") != pl.col("variant").pipe(fold_expr))
    return pl.concat([variants, without_area_words]).filter(pl.col("key") != "") \
        .sort("query", "tier", "label_position", maintain_order=True) \
        .unique(["query", "key"], keep="first", maintain_order=True) \
        .with_columns(variant_rank=pl.int_range(pl.len()).over("query"))


def _by_geonames_id(queries: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    return queries.filter(pl.col("geonameid_hint").is_not_null()) \
        .select("query", geonameid="geonameid_hint") \
        .join(gazetteer.cities.select("geonameid"), on="geonameid") \
        .with_columns(tier=pl.lit(TIER_GEONAMES_ID, pl.Int8), is_alternate=pl.lit(False),
                      variant=pl.lit(None, pl.String), hint_key=pl.lit(None, pl.String))


def _by_name(queries: pl.DataFrame, gazetteer: Gazetteer, policies: dict[str, Policy]) -> pl.DataFrame:
    variants = _variants(queries, policies).join(
        queries.select("query", query_country="country_iso2"), on="query")
    with_country = variants.filter(pl.col("query_country").is_not_null()).join(
        gazetteer.names, left_on=["key", "query_country"], right_on=["key", "country_iso2"])
    worldwide = variants.filter(pl.col("query_country").is_null()).join(gazetteer.names, on="key") \
        .drop("country_iso2")
    found = pl.concat([with_country, worldwide], how="diagonal_relaxed")
    # a later label of the same entity is evidence too, but a query's own first label wins ties;
    # the variant's rank settles the rest ("Salvatierra/Agurain": both parts, one tier), so the
    # name a match is told by does not depend on the join's row order
    strongest = ("tier", "is_alternate", "label_position", "variant_rank")
    return found.group_by("query", "geonameid").agg(
        pl.col("tier").min(),
        pl.col("variant_rank").min(),
        pl.col("is_alternate").sort_by(*strongest).first(),
        pl.col("variant").sort_by(*strongest).first(),
        pl.col("hint_key").sort_by(*strongest).drop_nulls().first(),
    )


NEAR_POINT_SCHEMA = {"query": pl.UInt32, "geonameid": pl.Int64, "variant": pl.String, "tier": pl.Int8,
                     "is_alternate": pl.Boolean, "hint_key": pl.String, "ratio": pl.Float64}


def _near_point(queries: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    """Cities within NEAR_POINT_KM whose name is nearly the query's (a grid join, then exact
    distances and name ratios on the few pairs left); or, within CONTAINED_NAME_KM, whose name
    opens the query's or the other way round, when the populations agree and the query does not
    name an administrative area ("Caravaca de la Cruz" is Caravaca; "Houthalen-Helchteren" is
    Houthalen; "Poltava AC" is Poltava)."""
    cell = NEAR_POINT_KM / 111.0 * 1.5

    def cells(frame, lat, lon):
        return frame.with_columns(cell_lat=(pl.col(lat) / cell).floor().cast(pl.Int32),
                                  cell_lon=(pl.col(lon) / cell).floor().cast(pl.Int32))

    points = queries.filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null()
                            & pl.col("country_iso2").is_not_null()) \
        .select("query", "country_iso2", "latitude", "longitude", "population",
                name=pl.col("names").list.first())
    if points.is_empty():
        return pl.DataFrame(schema=NEAR_POINT_SCHEMA)
    offsets = pl.DataFrame({"d_lat": [-1, -1, -1, 0, 0, 0, 1, 1, 1],
                            "d_lon": [-1, 0, 1, -1, 0, 1, -1, 0, 1]}, schema={"d_lat": pl.Int32, "d_lon": pl.Int32})
    points = cells(points, "latitude", "longitude").join(offsets, how="cross").with_columns(
        cell_lat=pl.col("cell_lat") + pl.col("d_lat"), cell_lon=pl.col("cell_lon") + pl.col("d_lon"))
    cities = cells(gazetteer.cities.select("geonameid", "city_name", "country_iso2", "population",
                                           city_lat="latitude", city_lon="longitude"),
                   "city_lat", "city_lon").rename({"population": "city_population"})
    pairs = points.join(cities, on=["cell_lat", "cell_lon", "country_iso2"])
    if pairs.is_empty():
        return pl.DataFrame(schema=NEAR_POINT_SCHEMA)
    distance = haversine_km(pairs["latitude"].to_numpy(), pairs["longitude"].to_numpy(),
                            pairs["city_lat"].to_numpy(), pairs["city_lon"].to_numpy())
    pairs = pairs.with_columns(km=pl.Series(distance)).filter(pl.col("km") <= NEAR_POINT_KM) \
        .with_columns(a=fold_expr(pl.col("name")), b=fold_expr(pl.col("city_name")))
    ratio = process.cpdist(pairs["a"].to_list(), pairs["b"].to_list(), scorer=fuzz.ratio, workers=1)
    # the shorter name opens the longer: "Caravaca" / "Caravaca de la Cruz", not "Mediona" /
    # "Sant Quinti de Mediona" (its neighbour)
    a = pl.col("a").str.replace_all(AREA_WORDS, " ").str.replace_all(r"\s+", " ").str.strip_chars()
    b = pl.col("b")
    contained = (a != "") & ((a + " ").str.starts_with(b + " ") | (b + " ").str.starts_with(a + " "))
    population_agrees = (pl.col("population") > 0) & (pl.col("city_population") > 0) \
        & ((pl.col("population") / pl.col("city_population")).log().abs() <= math.log(POPULATION_AGREES))
    pairs = pairs.with_columns(ratio=pl.Series(ratio, dtype=pl.Float64)).with_columns(
        ratio=pl.when(pl.col("ratio") >= NEAR_POINT_MIN_RATIO).then("ratio"),
        contained=contained & population_agrees & (pl.col("km") <= CONTAINED_NAME_KM)
        & ~pl.col("a").str.contains(ADMINISTRATIVE_AREA))
    return pairs.filter(pl.col("ratio").is_not_null() | pl.col("contained")) \
        .select("query", "geonameid", variant=pl.col("city_name"), tier=pl.lit(TIER_NEAR_POINT, pl.Int8),
                is_alternate=pl.lit(False), hint_key=pl.lit(None, pl.String), ratio="ratio")


def _with_evidence(candidates: pl.DataFrame, queries: pl.DataFrame, gazetteer: Gazetteer,
                   policies: dict[str, Policy]) -> pl.DataFrame:
    """Attach each candidate's facts and drop those the constraints exclude."""
    if "ratio" not in candidates.columns:
        candidates = candidates.with_columns(ratio=pl.lit(None, pl.Float64))
    # one row per (query, city): the strongest tier that found it
    candidates = candidates.sort("tier", "is_alternate").unique(["query", "geonameid"], keep="first")
    frame = candidates.join(queries.select("query", "entity_type", "names", "country_iso2", "latitude",
                                           "longitude", "population", "point_is_approximate"), on="query") \
        .join(gazetteer.cities.select("geonameid", "city_name", city_country="country_iso2",
                                      city_lat="latitude", city_lon="longitude",
                                      city_population="population", admin1_key="admin1_key",
                                      admin1_code="admin1_code"),
              on="geonameid")
    distance = haversine_km(frame["latitude"].to_numpy(), frame["longitude"].to_numpy(),
                            frame["city_lat"].to_numpy(), frame["city_lon"].to_numpy())
    exact_km = {t: p.max_distance_km for t, p in policies.items()}
    approximate_km = {t: p.approximate_point_km for t, p in policies.items()}
    frame = frame.with_columns(km=pl.Series(distance, dtype=pl.Float64).fill_nan(None)).with_columns(
        max_km=pl.when(pl.col("point_is_approximate").fill_null(False))
        .then(pl.col("entity_type").replace_strict(approximate_km, default=Policy().approximate_point_km,
                                                   return_dtype=pl.Float64))
        .otherwise(pl.col("entity_type").replace_strict(exact_km, default=Policy().max_distance_km,
                                                        return_dtype=pl.Float64)),
        population_agrees=(pl.col("population") > 0) & (pl.col("city_population") > 0)
        & ((pl.col("population") / pl.col("city_population")).log().abs() <= math.log(POPULATION_AGREES)))
    near_enough = pl.col("km").is_null() | (pl.col("km") <= pl.col("max_km")) \
        | (pl.col("tier").is_in([TIER_NAME, TIER_PART]) & pl.col("population_agrees")
           & (pl.col("km") <= MISPLACED_POINT_KM))
    # candidates too far from the source's point stay, inadmissible, to say why nothing matched
    return frame.filter((pl.col("tier") == TIER_GEONAMES_ID) | pl.col("country_iso2").is_null()
                        | (pl.col("country_iso2") == pl.col("city_country"))) \
        .with_columns(admissible=(pl.col("tier") == TIER_GEONAMES_ID) | near_enough)


# What _decide_one reads of a query and of each candidate it weighs.
DECIDE_CHUNK = 50_000  # queries decided at a time (the bundle has ~62,000)
QUERY_FIELDS = ("query", "entity_type", "entity_key", "names", "country_iso2", "latitude", "population",
                "point_outside_country")
WEIGHED_FIELDS = ("query", "geonameid", "tier", "variant_rank", "variant", "is_alternate", "hint_key", "ratio",
                  "admissible", "km", "max_km", "city_name", "city_country", "city_population", "admin1_key",
                  "admin1_code")


def _decide(queries: pl.DataFrame, candidates: pl.DataFrame, policies: dict[str, Policy]) -> pl.DataFrame:
    # only the strongest tier of admissible evidence a query has is weighed; a query with none
    # keeps its inadmissible candidates, to name them in its reason
    weighed = candidates.with_columns(_any=pl.col("admissible").any().over("query")) \
        .filter(pl.col("admissible") | ~pl.col("_any")) \
        .filter(pl.col("tier") == pl.col("tier").min().over("query")).drop("_any") \
        .select(WEIGHED_FIELDS)  # not every column: ~0.5 s less
    # each query is decided in Python on its candidates as dicts: a chunk of queries at a time,
    # so that the dicts held stay the same size however many cities there are (10x the bundle:
    # 2.3 GB of them at once)
    chunk_of_query = queries.select("query", chunk=pl.int_range(pl.len()) // DECIDE_CHUNK)
    # the candidates in their order (it settles ties), cut once by their query's chunk
    candidates_by_chunk = weighed.join(chunk_of_query, on="query", maintain_order="left") \
        .partition_by("chunk", as_dict=True, maintain_order=True)
    decided = []
    for start in range(0, queries.height, DECIDE_CHUNK):
        by_query: dict[int, list[dict]] = {}
        chunk_candidates = candidates_by_chunk.pop((start // DECIDE_CHUNK,), None)
        for row in [] if chunk_candidates is None else chunk_candidates.drop("chunk").to_dicts():
            by_query.setdefault(row["query"], []).append(row)
        chunk = queries.slice(start, DECIDE_CHUNK).select(QUERY_FIELDS)
        decided.append(pl.DataFrame([_decide_one(q, by_query.get(q["query"], [])) for q in chunk.to_dicts()],
                                    schema=MATCH_SCHEMA))
    labels = queries["names"].list.eval(
        fold_expr(pl.element()).str.replace_all(AREA_WORDS, " ").str.replace_all(r"\s+", " ").str.strip_chars())
    frame = pl.concat(decided) if decided else pl.DataFrame(schema=MATCH_SCHEMA)
    frame = frame.with_columns(
        _item=queries["wikidata_qid"], _labels=labels, _country_known=queries["country_iso2"].is_not_null())
    one_to_one = [t for t, p in policies.items() if p.one_to_one]
    frame = _settle_claims(frame, claimant="entity_key", scope=pl.col("entity_type").is_in(one_to_one),
                           aliases=False, within=("entity_type",))
    frame = _settle_claims(frame, claimant="_item", scope=pl.col("_item").is_not_null(), aliases=True)
    return frame.drop("_item", "_labels", "_country_known")


def _describe(rows: list[dict]) -> str | None:
    if not rows:
        return None
    ordered = sorted(rows, key=lambda r: (r["tier"], r["km"] if r["km"] is not None else 0,
                                          -r["city_population"], r["geonameid"]))
    return "; ".join(f"{r['geonameid']} {r['city_name']} {r['city_country']} pop {r['city_population']:,}"
                     + (f" {r['km']:.1f} km" if r["km"] is not None else "")
                     for r in ordered[:6]) + (f"; +{len(rows) - 6} more" if len(rows) > 6 else "")


def _unresolved(q: dict, reason: str, rows: list[dict]) -> dict:
    return {"entity_type": q["entity_type"], "entity_key": q["entity_key"], "geonameid": None,
            "matched_name": None, "matched_country_iso2": None, "method": "unresolved",
            "distance_km": None, "confidence": 0.0, "reason": reason, "candidates": _describe(rows)}


def _decide_one(q: dict, rows: list[dict]) -> dict:
    decided = _decide_on_evidence(q, rows)
    if q["point_outside_country"]:
        note = f"the source's point lies outside {q['country_iso2']} and was ignored"
        decided["reason"] = f"{decided['reason']}; {note}" if decided["reason"] else note
    return decided


def _decide_on_evidence(q: dict, rows: list[dict]) -> dict:
    name = (q["names"] or [""])[0]
    where = f"in {q['country_iso2']}" if q["country_iso2"] else "anywhere (no country given)"
    if rows and not rows[0]["admissible"]:
        nearest = min(r["km"] for r in rows)
        return _unresolved(q, f"{len(rows)} GeoNames place(s) named like {name!r} {where}, the nearest "
                           f"{nearest:,.0f} km from the source's point: another place", rows)
    if not rows:
        return _unresolved(q, f"no GeoNames place named like {name!r} {where}"
                           + (" near the source's point" if q["latitude"] is not None else ""), [])
    tier = min(r["tier"] for r in rows)
    pool = [r for r in rows if r["tier"] == tier]
    if tier == TIER_PART:  # the first listed part that names a city: "New York-Newark" is New York
        first = min(r["variant_rank"] for r in pool)
        pool = [r for r in pool if r["variant_rank"] == first]
    if tier in (TIER_NAME, TIER_PART):
        # an own name beats an alternate one; an admin1 hint narrows
        own = [r for r in pool if not r["is_alternate"]]
        pool = own or pool
        hinted = [r for r in pool if r["hint_key"]
                  and r["hint_key"] in (r["admin1_key"], (r["admin1_code"] or "").lower())]
        pool = hinted or pool
    chosen, why = _separate(q, pool)
    if chosen is None:
        return _unresolved(q, why, rows)
    method = METHOD[tier]
    if tier == TIER_NAME and chosen["is_alternate"]:
        method = "alternate_name"
    confidence = {TIER_GEONAMES_ID: 1.0, TIER_NAME: 0.95, TIER_PART: 0.85, TIER_NEAR_POINT: 0.8}[tier]
    confidence -= 0.05 if chosen["is_alternate"] else 0.0
    confidence -= 0.1 if len(pool) > 1 else 0.0
    confidence -= 0.1 if q["country_iso2"] is None else 0.0
    if chosen["km"] is not None and chosen["km"] > 10:
        confidence -= 0.05
    reason = why
    if chosen["km"] is not None and chosen["km"] > chosen["max_km"]:
        reason = (f"the source's point is {chosen['km']:.0f} km off, its population "
                  f"{q['population']:,} agrees" + (f"; {why}" if why else ""))
    if chosen["variant"] and tier == TIER_PART:
        reason = f"matched on {chosen['variant']!r}" + (f"; {why}" if why else "")
    if tier == TIER_NEAR_POINT:
        reason = (f"name ratio {chosen['ratio']:.0f} with {chosen['city_name']!r}" if chosen["ratio"] is not None
                  else f"{chosen['city_name']!r} shares the name's words near the source's point, "
                       f"and its population agrees") + (f"; {why}" if why else "")
    return {"entity_type": q["entity_type"], "entity_key": q["entity_key"],
            "geonameid": chosen["geonameid"], "matched_name": chosen["city_name"],
            "matched_country_iso2": chosen["city_country"], "method": method,
            "distance_km": None if chosen["km"] is None else round(chosen["km"], 2),
            "confidence": round(max(confidence, 0.1), 3), "reason": reason,
            "candidates": _describe(rows) if len(rows) > 1 else None}


def _separate(q: dict, pool: list[dict]) -> tuple[dict | None, str | None]:
    """The one candidate the evidence points to, or None and why the evidence does not decide."""
    if len(pool) == 1:
        return pool[0], None
    with_km = [r for r in pool if r["km"] is not None]
    if with_km:
        with_km.sort(key=lambda r: (r["km"], -r["city_population"]))
        near = [r for r in with_km if r["km"] <= with_km[0]["km"] + SAME_PLACE_KM]
        if len(near) == 1:
            return near[0], f"nearest of {len(pool)} same-named places"
        pool = near  # several same-named places at the point: one town and its parts
    if q["population"]:
        by_factor = sorted(pool, key=lambda r: abs(math.log((r["city_population"] or 1) / q["population"])))
        best = abs(math.log((by_factor[0]["city_population"] or 1) / q["population"]))
        second = abs(math.log((by_factor[1]["city_population"] or 1) / q["population"]))
        if second - best >= math.log(DOMINANCE) / 2:
            return by_factor[0], f"population closest to the source's {q['population']:,} of {len(pool)}"
    by_size = sorted(pool, key=lambda r: -r["city_population"])
    top, runner_up = by_size[0]["city_population"], by_size[1]["city_population"]
    if q["country_iso2"] is None:
        if top >= WORLDWIDE_MIN_POPULATION and top >= WORLDWIDE_DOMINANCE * max(runner_up, 1):
            return by_size[0], (f"no country given; {WORLDWIDE_DOMINANCE:.0f}x more populous than "
                                f"any of {len(pool) - 1} namesakes")
        return None, (f"{len(pool)} GeoNames places so named and no country to tell them apart "
                      f"(largest {top:,} vs {runner_up:,})")
    if top >= DOMINANCE * max(runner_up, 1):
        return by_size[0], f"{DOMINANCE:.0f}x more populous than {len(pool) - 1} namesakes in the country"
    return None, (f"{len(pool)} GeoNames places so named in {q['country_iso2']} that the evidence "
                  f"does not tell apart (largest {top:,} vs {runner_up:,})")


def _settle_claims(frame: pl.DataFrame, *, claimant: str, scope: pl.Expr, aliases: bool,
                   within: tuple[str, ...] = ()) -> pl.DataFrame:
    """Within scope, a GeoNames city is claimed by one claimant (a UN agglomeration; a Wikidata
    item, whichever sources name it): the strongest claim keeps it, weaker claims become
    unresolved, naming the winner. With aliases, a claim sharing a label with the winner stays,
    recorded as an alias of it: Wikidata keeps a town and its municipality ("Malmö",
    "Malmö Municipality") as two items."""
    claims = frame.with_row_index("_row").filter(scope & pl.col("geonameid").is_not_null())
    if claims.is_empty():
        return frame
    city = ["geonameid", *within]
    strength = claims.group_by(*city, claimant).agg(
        _confidence=pl.col("confidence").max(), _km=pl.col("distance_km").fill_null(0.0).min(),
        _country_known=pl.col("_country_known").any(),
        _claim_labels=pl.col("_labels").list.explode(keep_nulls=False, empty_as_null=False).unique())
    strength = strength.sort(*city, pl.col("_confidence").neg(), "_km", claimant).with_columns(
        _winner=pl.col(claimant).first().over(city),
        _winner_labels=pl.col("_claim_labels").first().over(city))
    strength = strength.with_columns(
        _alias=pl.lit(aliases) & (pl.col(claimant) != pl.col("_winner"))
        & (pl.col("_claim_labels").list.set_intersection("_winner_labels").list.len() > 0)
        # an alias needs evidence of its own: a known country, not a guess among namesakes
        # (St. Petersburg, Florida is not an alias of Saint Petersburg)
        & pl.col("_country_known"),
        _loses=(pl.col(claimant) != pl.col("_winner")))
    verdict = claims.join(strength.select(*city, claimant, "_winner", "_alias", "_loses"),
                          on=[*city, claimant]).select("_row", "_winner", "_alias", "_loses")
    frame = frame.with_row_index("_row").join(verdict, on="_row", how="left").with_columns(
        pl.col("_alias", "_loses").fill_null(False))
    loses = pl.col("_loses") & ~pl.col("_alias")
    return frame.with_columns(
        alias_of=pl.when(pl.col("_alias")).then(pl.col("_winner")).otherwise(pl.col("alias_of")),
        reason=pl.when(loses).then(pl.format("{} match {} ({}) is claimed more strongly by {}", pl.col("method"),
                                             pl.col("matched_name"), pl.col("geonameid"), pl.col("_winner")))
        .when(pl.col("_alias")).then(pl.format("another Wikidata item of {} ({}), an alias of {}",
                                               pl.col("matched_name"), pl.col("geonameid"), pl.col("_winner")))
        .otherwise(pl.col("reason")),
        candidates=pl.when(loses).then(pl.format("{} {}", pl.col("geonameid"), pl.col("matched_name")))
        .otherwise(pl.col("candidates")),
        **{c: pl.when(loses).then(None).otherwise(pl.col(c))
           for c in ("geonameid", "matched_name", "matched_country_iso2", "distance_km")},
        method=pl.when(loses).then(pl.lit("unresolved")).otherwise(pl.col("method")),
        confidence=pl.when(loses).then(0.0).otherwise(pl.col("confidence")),
    ).sort("_row").drop("_row", "_winner", "_alias", "_loses")


# --- from mentions to matches -----------------------------------------------------------------

# Each entity type's evidence, as measured on the labelled set (docs/crosswalk.md).
POLICIES: dict[str, Policy] = {
    # UN points sit at the agglomeration's centre, sometimes between its cities
    "un_wup_agglomeration": Policy(max_distance_km=50.0, composite_names=True, one_to_one=True,
                                   parenthesis_is_other_name=True),
    "c40_city": Policy(parenthesis_is_other_name=True),
    # Covenant, ClimActor and Eurocities points are the municipality's own
    "network_member": Policy(max_distance_km=25.0),
    # (a Wikidata item is one place: _settle_claims lets two items share a city only as aliases)
    "twinning_qid": Policy(max_distance_km=30.0),
    # the Wikipedia lists' geocodes are approximate
    "twinning_name": Policy(max_distance_km=30.0),
}
COUNTRY_MAJORITY = 2 / 3  # share of an entity's country evidence that must agree
POINT_SPREAD_KM = 50.0  # an entity's points farther apart than this are not evidence
# a geocoded point given to this many differently named places is a geocoder's fallback (the
# Wikipedia lists put Sukagawa, Koori and Rikuzentakata all at one point of the Tohoku coast)
SHARED_POINT_NAMES = 3

MENTION_COLUMNS = ("entity_type", "entity_key", "evidence", "name", "country_name", "country_iso2",
                   "latitude", "longitude", "point_precision", "population", "geonameid_hint",
                   "wikidata_qid")


def entities(mentions: pl.DataFrame) -> pl.DataFrame:
    """Fold each entity's mentions into one query: its names, the country most of its evidence
    agrees on (none when it disagrees), its point (median of the most precise points of that
    country, none when they spread), its largest stated population and GeoNames id."""
    from ingest.reference.countries import country_iso2

    mentions = mentions.select(MENTION_COLUMNS)
    shared = pl.col("name").n_unique().over("latitude", "longitude", "point_precision") >= SHARED_POINT_NAMES
    fallback = (pl.col("point_precision") != "exact") & pl.col("latitude").is_not_null() & shared
    mentions = mentions.with_columns(latitude=pl.when(fallback).then(None).otherwise("latitude"),
                                     longitude=pl.when(fallback).then(None).otherwise("longitude"))
    codes = country_iso2(mentions["country_name"].drop_nulls().unique().to_list())
    mentions = mentions.with_columns(country_iso2=pl.coalesce(
        "country_iso2", pl.col("country_name").str.strip_chars().replace_strict(codes, default=None,
                                                                               return_dtype=pl.String)))
    keys = ["entity_type", "entity_key"]
    votes = mentions.filter(pl.col("country_iso2").is_not_null()) \
        .group_by(*keys, "country_iso2").agg(votes=pl.len()) \
        .with_columns(share=pl.col("votes") / pl.col("votes").sum().over(keys)) \
        .sort(*keys, "votes", "country_iso2", descending=[False, False, True, False])
    country = votes.group_by(keys, maintain_order=True).agg(
        country=pl.col("country_iso2").first(), share=pl.col("share").first(),
        country_votes=pl.format("{} {}", "country_iso2", "votes").str.join(", "))
    country = country.with_columns(
        country=pl.when(pl.col("share") >= COUNTRY_MAJORITY).then("country"),
        country_note=pl.when(pl.col("share") < COUNTRY_MAJORITY)
        .then(pl.format("sources disagree on the country ({})", "country_votes")))
    frame = mentions.join(country.select(*keys, "country", "country_note"), on=keys, how="left")
    points = frame.filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null()
                          & (pl.col("country").is_null() | (pl.col("country_iso2").is_null())
                             | (pl.col("country_iso2") == pl.col("country")))) \
        .with_columns(rank=pl.col("point_precision").replace_strict({"exact": 0}, default=1,
                                                                   return_dtype=pl.Int8)) \
        .filter(pl.col("rank") == pl.col("rank").min().over(keys)) \
        .with_columns(median_lat=pl.col("latitude").median().over(keys),
                      median_lon=pl.col("longitude").median().over(keys))
    points = points.with_columns(spread=pl.Series(haversine_km(
        points["latitude"].to_numpy(), points["longitude"].to_numpy(),
        points["median_lat"].to_numpy(), points["median_lon"].to_numpy()), dtype=pl.Float64)) \
        .group_by(keys).agg(latitude=pl.col("median_lat").first(), longitude=pl.col("median_lon").first(),
                            spread=pl.col("spread").max(), point_is_approximate=pl.col("rank").first() == 1) \
        .with_columns(point_note=pl.when(pl.col("spread") > POINT_SPREAD_KM)
                      .then(pl.format("its sources' points lie up to {} km apart", pl.col("spread").round(0))),
                      **{c: pl.when(pl.col("spread") <= POINT_SPREAD_KM).then(c) for c in ("latitude", "longitude")})
    names = mentions.filter(pl.col("name").is_not_null()) \
        .with_columns(name=pl.col("name").str.strip_chars()) \
        .group_by(*keys, "name").agg(n=pl.len()).sort(*keys, "n", "name", descending=[False, False, True, False]) \
        .group_by(keys, maintain_order=True).agg(names=pl.col("name"))
    facts = mentions.group_by(keys).agg(
        population=pl.col("population").max(),
        geonameid_hint=pl.col("geonameid_hint").drop_nulls().mode().sort().first(),
        wikidata_qid=pl.col("wikidata_qid").drop_nulls().mode().sort().first(),
        evidence=pl.col("evidence").unique().sort().str.join("; "))
    return facts.join(names, on=keys, how="left") \
        .join(country.select(*keys, country_iso2="country", country_note="country_note"), on=keys, how="left") \
        .join(points.select(*keys, "latitude", "longitude", "point_is_approximate", "point_note"),
              on=keys, how="left") \
        .sort(keys)


def resolve(mentions: pl.DataFrame, gazetteer: Gazetteer) -> pl.DataFrame:
    """Every entity the mentions name, with its GeoNames match or the reason it has none, and the
    city_id the warehouse knows it by: `gn:<geonameid>`; else, for a network member with a country,
    `network_member:<ISO2>:<folded name>` - one city however many rosters name it (Ekurhuleni in
    C40's list, the inventory list and ClimActor); else `<entity_type>:<entity_key>`."""
    queries = entities(mentions)
    matches = match(queries, gazetteer, POLICIES)
    notes = pl.concat_str(["reason", "country_note", "point_note"], separator="; ", ignore_nulls=True)
    return queries.join(matches, on=["entity_type", "entity_key"], how="left").with_columns(
        name=pl.col("names").list.first(),
        other_names=pl.col("names").list.slice(1).list.join("; "),
        reason=pl.when(notes != "").then(notes),
        city_id=pl.when(pl.col("geonameid").is_not_null()).then(pl.format("gn:{}", "geonameid"))
        .when((pl.col("entity_type") == "network_member") & pl.col("country_iso2").is_not_null())
        .then(pl.format("network_member:{}:{}", "country_iso2", fold_expr(pl.col("names").list.first())))
        .otherwise(pl.format("{}:{}", "entity_type", "entity_key")),
    ).select("city_id", "entity_type", "entity_key", "wikidata_qid", "name", "other_names", "country_iso2", "latitude",
             "longitude", "population", "evidence", "geonameid", "matched_name", "matched_country_iso2",
             "method", "distance_km", "confidence", "reason", "candidates", "alias_of") \
        .sort("entity_type", "entity_key")
