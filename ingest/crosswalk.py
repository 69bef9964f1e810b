"""The city matcher: a name (plus country, sometimes coordinates) -> a GeoNames id, with the
method, distance and confidence of the match, or the reason there is none.

One matcher serves every source that names cities (WUP agglomerations, C40 cities, network
members, sister cities). It tries, in order, and stops at the first method that finds a city
in the right country and, when coordinates are given, within MAX_NAME_DISTANCE_KM of them:

  exact_name      the whole name equals a GeoNames name or ascii name (accents, case,
                  punctuation and apostrophes folded)
  alternate_name  the whole name equals one of the city's GeoNames alternate names
  name_part       a part of the name does: in parentheses ("Al-Qahirah (Cairo)"), before a
                  comma ("Xi'an, Shaanxi"), or one of a hyphenated agglomeration's cities
                  ("New York-Newark": the first listed wins, it is the principal city)
  fuzzy_name      a near spelling (rapidfuzz ratio >= FUZZY_MIN_SCORE) of the name or a part,
                  for typos such as "Cambrigde" (only with coordinates to confirm it)
  coordinates     no name matched: the most populous city within COORDINATE_RADIUS_KM of the
                  given point whose name is still alike (WRatio >= COORDINATE_MIN_SIMILARITY:
                  transliterations such as "Raurkela"/"Rourkela"), or any city within
                  COORDINATE_SAME_PLACE_KM (the source's point is that city's point)

Without a country (UNESCO's roster, Wikidata labels) the name is looked up worldwide: a name only
one GeoNames city bears matches it; among namesakes the most populous is taken (a city that bears
the name only as an alternate counts a quarter of its population) with a lower confidence and the
count of namesakes in the reason ("Vancouver": Canada's, not Washington's).

Several cities may share a name in one country (Springfield): the nearest one wins when
coordinates are given, else the most populous, narrowed by an admin1 hint when the name has one.
When several parts of a composite name match, the first listed (the principal city) wins, even
where the source's point sits at another one (WUP places "Dallas-Fort Worth" at Fort Worth).
The thresholds below were measured on the WUP agglomerations (docs/crosswalk.md).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

MAX_NAME_DISTANCE_KM = 150.0  # a same-named city farther than this is another place
COORDINATE_RADIUS_KM = 5.0  # measured: true matches sat within 3.4 km, wrong ones from 7.9 km
COORDINATE_SAME_PLACE_KM = 2.0
COORDINATE_MIN_SIMILARITY = 60.0  # true transliterations scored 50-95 only within 2 km, else >= 62
FUZZY_MIN_SCORE = 88.0
ALTERNATE_NAME_WEIGHT = 0.25  # worldwide lookups: an alternate-name bearer counts a quarter
EARTH_RADIUS_KM = 6371.0088
BASE_CONFIDENCE = {"exact_name": 1.0, "alternate_name": 0.95, "name_part": 0.9,
                   "fuzzy_name": 0.8, "coordinates": 0.65}
# Words that name the kind of area, not the city ("Kinki M.M.A. (Osaka)", "Greater Manchester").
GENERIC_WORDS = re.compile(r"\b(m\s?m\s?a|metropolitan area|metro area|metropolitan|"
                           r"city of|municipality of|metropolitan municipality|municipality|urban area|"
                           r"agglomeration|nct)\b"
                           r"|^(greater|grande|gran|grand)\s+")

MATCH_SCHEMA: dict[str, pl.DataType] = {
    "geonameid": pl.Int64(),
    "matched_name": pl.String(),
    "method": pl.String(),  # one of BASE_CONFIDENCE, or "unresolved"
    "distance_km": pl.Float64(),
    "confidence": pl.Float64(),
    "reason": pl.String(),  # why unresolved; what was ambiguous otherwise
}


def normalise(name: str | None) -> str:
    """Fold accents, case, apostrophes and punctuation: "Xi'an" and "XIAN" both become "xian"."""
    if not name:
        return ""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    folded = re.sub(r"['’‘`ʻʼ]", "", folded)
    folded = re.sub(r"[^\w]+|_", " ", folded)
    return re.sub(r"\s+", " ", folded).strip()


def name_parts(name: str) -> list[str]:
    """The parts of a composite agglomeration name that may each name a city, in priority order."""
    parts: list[str] = []
    inside = re.findall(r"\(([^)]*)\)", name)
    outside = re.sub(r"\([^)]*\)", " ", name).strip()
    for piece in inside + [outside]:
        for part in re.split(r"[,;/]", piece):
            part = part.strip()
            if part:
                parts.append(part)
                # "New York-Newark", "Kitchener-Cambrigde-Waterloo", "Bruxelles-Brussel"
                parts.extend(p.strip() for p in re.split(r"\s*[-–]\s*|\s+and\s+", part) if p.strip())
    return [p for p in dict.fromkeys(parts) if p != name]


def haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@dataclass(frozen=True)
class Match:
    geonameid: int | None
    matched_name: str | None
    method: str
    distance_km: float | None
    confidence: float
    reason: str | None = None


class Gazetteer:
    """GeoNames cities indexed by (country, folded name) and by country for distance search."""

    def __init__(self, cities: pl.DataFrame, admin1: pl.DataFrame | None = None):
        admin1_names = {}
        if admin1 is not None:
            admin1_names = {(r["country_code"], r["admin1_code"]): normalise(r["name"])
                            for r in admin1.iter_rows(named=True)}
        self.ids = cities["geonameid"].to_numpy()
        self.names = cities["name"].to_list()
        self.lat = cities["latitude"].to_numpy()
        self.lon = cities["longitude"].to_numpy()
        self.population = cities["population"].to_numpy()
        self.country = cities["country_code"].to_list()
        self.admin1 = [admin1_names.get((c, a), "") for c, a in
                       zip(self.country, cities["admin1_code"].to_list())]
        self.primary: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.alternate: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.rows_of_country: dict[str, list[int]] = defaultdict(list)
        ascii_names = cities["ascii_name"].to_list() if "ascii_name" in cities.columns else []
        alternates = cities["alternate_names"].to_list()
        for row, country in enumerate(self.country):
            self.rows_of_country[country].append(row)
            primary = {normalise(self.names[row])}
            if ascii_names and ascii_names[row]:
                primary.add(normalise(ascii_names[row]))
            for key in primary:
                self.primary[(country, key)].append(row)
            for alternate in {normalise(a) for a in alternates[row] or []} - primary:
                if alternate:
                    self.alternate[(country, alternate)].append(row)
        self.country_rows = {c: np.array(rows) for c, rows in self.rows_of_country.items()}
        # folded name -> rows in any country; a city's own name before another city's alternate
        # ("Solna" is Solna, Sweden, not Žilina, whose Polish name it also is)
        self.worldwide_primary: dict[str, list[int]] = defaultdict(list)
        self.worldwide_alternate: dict[str, list[int]] = defaultdict(list)
        for (_, key), rows in self.primary.items():
            self.worldwide_primary[key].extend(rows)
        for (_, key), rows in self.alternate.items():
            self.worldwide_alternate[key].extend(rows)
        self._fuzzy_choices: dict[str, tuple[list[str], list[int]]] = {}

    # -- candidate selection ------------------------------------------------------------------

    def _pick(self, rows: list[int], lat: float | None, lon: float | None,
              admin1_hint: str) -> tuple[int, float | None] | None:
        """The best of same-named rows: admin1 hint, then nearest (within limit), else most populous."""
        rows = list(dict.fromkeys(rows))
        if admin1_hint:
            hinted = [r for r in rows if self.admin1[r] and self.admin1[r] == admin1_hint]
            rows = hinted or rows
        if lat is None or lon is None or math.isnan(lat) or math.isnan(lon):
            best = max(rows, key=lambda r: self.population[r])
            return best, None
        distances = haversine_km(lat, lon, self.lat[rows], self.lon[rows])
        order = int(np.argmin(distances))
        if distances[order] > MAX_NAME_DISTANCE_KM:
            return None
        return rows[order], float(distances[order])

    def _lookup(self, country: str, name: str, lat, lon, admin1_hint: str, *,
                alternates: bool = True) -> tuple[int, float | None, str] | None:
        key = (country, normalise(name))
        if not key[1]:
            return None
        for kind, index in (("primary", self.primary), ("alternate", self.alternate)):
            if kind == "alternate" and not alternates:
                break
            rows = index.get(key)
            if rows:
                picked = self._pick(rows, lat, lon, admin1_hint)
                if picked:
                    return picked[0], picked[1], kind
        return None

    def _fuzzy(self, country: str, name: str, lat, lon) -> tuple[int, float, float] | None:
        if country not in self._fuzzy_choices:
            keys = [(k[1], rows) for k, rows in self.primary.items() if k[0] == country]
            self._fuzzy_choices[country] = ([k for k, _ in keys], [rows for _, rows in keys])
        choices, rows_of_choice = self._fuzzy_choices[country]
        best = None
        for found, score, position in process.extract(normalise(name), choices, scorer=fuzz.ratio,
                                                      score_cutoff=FUZZY_MIN_SCORE, limit=5):
            picked = self._pick(rows_of_choice[position], lat, lon, "")
            if picked and picked[1] is not None and picked[1] <= MAX_NAME_DISTANCE_KM / 3:
                if best is None or score > best[2]:
                    best = (picked[0], picked[1], score)
        return best

    def _near_point(self, country: str, name: str, lat, lon) -> tuple[int, float, float] | None:
        rows = self.country_rows.get(country)
        if rows is None:
            return None
        distances = haversine_km(lat, lon, self.lat[rows], self.lon[rows])
        near = np.flatnonzero(distances <= COORDINATE_RADIUS_KM)
        for position in sorted(near, key=lambda p: -self.population[rows[p]]):
            row, distance = int(rows[position]), float(distances[position])
            similarity = fuzz.WRatio(normalise(name), normalise(self.names[row]))
            if distance <= COORDINATE_SAME_PLACE_KM or similarity >= COORDINATE_MIN_SIMILARITY:
                return row, distance, similarity
        return None

    # -- the matcher ----------------------------------------------------------------------------

    def match(self, name: str, country: str | None, lat: float | None = None,
              lon: float | None = None) -> Match:
        if not country:
            return self._match_worldwide(name)
        if country not in self.rows_of_country:
            return Match(None, None, "unresolved", None, 0.0,
                         f"country {country!r} has no GeoNames city of 15,000+")
        has_point = lat is not None and lon is not None and not (math.isnan(lat) or math.isnan(lon))
        parts = name_parts(name)
        comma_hint = normalise(name.split(",", 1)[1]) if "," in name else ""
        cleaned = GENERIC_WORDS.sub(" ", normalise(name)).strip()

        found = self._lookup(country, name, lat, lon, comma_hint)
        if found:
            row, distance, index_kind = found
            method = "exact_name" if index_kind == "primary" else "alternate_name"
            return self._result(row, method, distance, via=None)
        # the first listed part that names a city is the principal one, wherever the point sits
        for part in ([cleaned] if cleaned and cleaned != normalise(name) else []) + parts:
            found = self._lookup(country, part, lat, lon, comma_hint)
            if found:
                return self._result(found[0], "name_part", found[1], via=part)
        if has_point:
            for candidate in [name, *parts]:
                found = self._fuzzy(country, candidate, lat, lon)
                if found:
                    row, distance, score = found
                    return self._result(row, "fuzzy_name", distance,
                                        via=f"{candidate!r} ~ score {score:.0f}")
            near = self._near_point(country, name, lat, lon)
            if near:
                return self._result(near[0], "coordinates", near[1],
                                    via=f"the point (name similarity {near[2]:.0f})")
            return Match(None, None, "unresolved", None, 0.0,
                         f"no GeoNames city named like it in {country} and none within "
                         f"{COORDINATE_RADIUS_KM:.0f} km of ({lat:.4f}, {lon:.4f})")
        return Match(None, None, "unresolved", None, 0.0,
                     f"no GeoNames city named like it in {country} (no coordinates to fall back on)")

    def _match_worldwide(self, name: str) -> Match:
        """Namesakes anywhere: the largest wins, a city bearing the name only as an alternate
        counting a quarter of its population ("Solna" is Solna, Sweden, not Žilina, whose Polish
        name it is; "Odessa" is still Odesa, Ukraine, not Odessa, Texas)."""
        for candidate in [name, *name_parts(name)]:
            key = normalise(candidate)
            weighted = {r: float(self.population[r]) for r in self.worldwide_primary.get(key, [])}
            for r in self.worldwide_alternate.get(key, []):
                weighted.setdefault(r, ALTERNATE_NAME_WEIGHT * float(self.population[r]))
            if not weighted:
                continue
            best = max(weighted, key=weighted.get)
            if candidate != name:
                method = "name_part"
            else:
                method = "exact_name" if best in self.worldwide_primary.get(key, []) else "alternate_name"
            if len(weighted) == 1:
                confidence, note = 0.8, "no country given; the only GeoNames city of that name"
            else:
                confidence = 0.6
                note = f"no country given; the largest of {len(weighted)} GeoNames cities so named"
            return Match(int(self.ids[best]), self.names[best], method, None, confidence,
                         note + (f" (matched on {candidate!r})" if candidate != name else ""))
        return Match(None, None, "unresolved", None, 0.0,
                     "no country given and no GeoNames city of that name anywhere")

    def _result(self, row: int, method: str, distance: float | None, via: str | None) -> Match:
        confidence = BASE_CONFIDENCE[method]
        if distance is not None:  # a name match far from the given point is less certain
            confidence -= 0.1 if distance > 30 else 0.0
            confidence -= 0.1 if distance > 75 else 0.0
        return Match(int(self.ids[row]), self.names[row], method,
                     None if distance is None else round(distance, 2), round(confidence, 3),
                     f"matched on {via}" if via else None)

    def match_frame(self, queries: pl.DataFrame, *, one_to_one: bool = False) -> pl.DataFrame:
        """queries: name, country_code (ISO2), optional latitude/longitude -> MATCH_SCHEMA columns,
        row for row. one_to_one: the queries are distinct places (WUP agglomerations), so a city
        claimed by several keeps only its strongest claim; the others become unresolved."""
        has_coordinates = "latitude" in queries.columns and "longitude" in queries.columns
        matches = [
            self.match(row["name"], row["country_code"],
                       row["latitude"] if has_coordinates else None,
                       row["longitude"] if has_coordinates else None)
            for row in queries.iter_rows(named=True)
        ]
        if one_to_one:
            matches = _keep_strongest_claims(matches, queries["name"].to_list())
        return pl.DataFrame([m.__dict__ for m in matches], schema=MATCH_SCHEMA)


def _keep_strongest_claims(matches: list[Match], names: list[str]) -> list[Match]:
    claims: dict[int, list[int]] = defaultdict(list)
    for position, match in enumerate(matches):
        if match.geonameid is not None:
            claims[match.geonameid].append(position)
    result = list(matches)
    for positions in claims.values():
        if len(positions) < 2:
            continue
        ranked = sorted(positions, key=lambda p: (-matches[p].confidence,
                                                  matches[p].distance_km or 0.0))
        winner = ranked[0]
        for loser in ranked[1:]:
            lost = matches[loser]
            result[loser] = Match(None, None, "unresolved", None, 0.0,
                                  f"{lost.method} match {lost.matched_name} ({lost.geonameid}) is "
                                  f"claimed more strongly by {names[winner]!r}")
    return result
