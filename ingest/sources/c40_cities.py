"""C40's own list of its member cities.

Live:   https://www.c40.org/ - the homepage carries a carousel of every member city's name (each
        name rendered twice, the carousel loops) followed by the counter "C40 has / 97 / member
        cities". No country, no category (megacity / innovator / observer), no join date.
Offline: ingest/curated/c40_members.csv - the same 97 names read from a stored copy of the page
        (as of January 2025: it lists Casablanca, a member from then), with each city's country,
        and the former members C40's own news or ClimActor once listed (status 'former').
Parsed: one roster row per city; the names on the live page must number exactly what its
        counter says, else the page changed and the parse fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked, not_html_with
from ingest.sources.base import SnapshotSpec
from ingest.sources.formats import csv_with_header, html_text_lines, parsed_strictly
from ingest.sources.rosters import finish_roster

NAME = "c40_cities"
CURATED_HEADER = ["member_name", "country", "status", "joined_on", "as_of", "evidence_url", "note"]
CAROUSEL_START = re.compile(r"dared to lead|When local action meets global ambition", re.IGNORECASE)


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_html_with("member cities"))


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    if spec.key == "homepage":
        return parse_homepage(path)
    frame = csv_with_header(path, NAME, CURATED_HEADER)
    file = str(path)

    def date(column: str) -> pl.Expr:
        return parsed_strictly(frame, column, pl.col(column).str.to_date("%Y-%m-%d", strict=False),
                               what="a date (YYYY-MM-DD)", source=NAME, file=file)

    return finish_roster(frame.select(
        "source_row", network_id=pl.lit("c40"), member_key=pl.col("member_name"),
        member_name=pl.col("member_name"), country_name=pl.col("country"), role=pl.lit("member"),
        status=pl.col("status"), joined_on=date("joined_on"), as_of=date("as_of"),
        evidence_url=pl.col("evidence_url"), detail=pl.col("note"),
    ), source=NAME, file=file)


def parse_homepage(path: Path) -> pl.DataFrame:
    file = str(path)
    lines = html_text_lines(path.read_bytes())
    counter = next((i for i, line in enumerate(lines) if line.lower() == "c40 has"), None)
    if counter is None or counter + 2 >= len(lines) or not lines[counter + 1].replace(",", "").isdigit():
        raise ParseError(NAME, file, 'no counter "C40 has <n> member cities" on the page')
    stated = int(lines[counter + 1].replace(",", ""))
    start = max((i for i in range(counter) if CAROUSEL_START.search(lines[i])), default=None)
    if start is None:
        raise ParseError(NAME, file, "no city carousel before the counter (its heading "
                         "'When local action meets global ambition' is missing)")
    names = list(dict.fromkeys(lines[start + 1:counter]))  # the carousel repeats every name
    if len(names) != stated:
        raise ParseError(NAME, file, f"the carousel names {len(names)} cities but the page says "
                         f"C40 has {stated}: the page changed; names read: {names[:5]}...",
                         row=start + 2, row_kind="text line")
    return finish_roster(pl.DataFrame({
        "source_row": list(range(1, len(names) + 1)), "network_id": "c40", "member_key": names,
        "member_name": names, "role": "member", "status": "current",
        "detail": f"on the c40.org homepage list ('C40 has {stated} member cities')",
    }), source=NAME, file=file, row_kind="name")
