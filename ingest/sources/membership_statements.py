"""Memberships stated one by one, for networks whose member list is not held.

Mayors for Peace (8,000+ members), Metropolis, UCLG, UCLG-ASPAC, GO SMART, ICLEI and CityNet publish
no member list this project holds. What it holds instead are statements, each by the network or
by the member city on its own pages ("Yokohama has been a member of Mayors for Peace since 2010"),
typed in by hand with the page, the statement's date and a short quote.
File:   ingest/curated/membership_statements.csv (see ingest/curated/README.md), CSV with header
        network_id,member_name,country,role,joined,status,as_of,evidence_url,evidence; joined and
        as_of are YYYY, YYYY-MM or YYYY-MM-DD as precise as the page is.
Parsed: one roster row per statement; joined_on only where the page gives the day (else the
        year or month is kept in detail); as_of the first day of the period the statement dates from.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.sources.base import SnapshotSpec
from ingest.sources.formats import csv_with_header, parsed_strictly, partial_date
from ingest.sources.rosters import finish_roster

NAME = "membership_statements"
HEADER = ["network_id", "member_name", "country", "role", "joined", "status", "as_of", "evidence_url",
          "evidence"]


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    frame = csv_with_header(path, NAME, HEADER)

    def date(column: str) -> pl.Expr:  # as precise as the page gives it: YYYY, YYYY-MM or YYYY-MM-DD
        return parsed_strictly(frame, column, partial_date(pl.col(column)), what="a date (YYYY[-MM[-DD]])",
                               source=NAME, file=str(path))

    return finish_roster(frame.select(
        "source_row", "network_id", member_key=pl.col("member_name") + "|" + pl.col("country"),
        member_name=pl.col("member_name"), country_name=pl.col("country"),
        role=pl.coalesce(pl.col("role"), pl.lit("member")), status=pl.col("status"),
        joined_on=date("joined"), as_of=date("as_of"),
        evidence_url=pl.col("evidence_url"),
        detail=pl.concat_str([pl.lit("joined ") + pl.col("joined"), pl.lit("as of ") + pl.col("as_of"),
                              pl.col("evidence")], separator="; ", ignore_nulls=True),
    ), source=NAME, file=str(path))
