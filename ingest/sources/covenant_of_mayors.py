"""Covenant of Mayors signatories: JRC "GCoM - MyCovenant, 5th Release, January 2024", df1.

Live:   the JRC data catalogue (https://data.jrc.ec.europa.eu/dataset/b425918f-53a1-495c-8619-
        cd370c302eb0); the workbook pinned here is the public copy of df1_Signatories_2024.xlsx.
Layout: .xlsx with sheets README, df1_METADATA and "1" (the data): organisation_id,
        organisation_name, country_code (lower-case ISO2), country_name, population_adhesion,
        organisation_latitude/longitude, commitment_* flags, adhesion_type, signatory_status,
        date_of_adhesion ("2010-01-26 00:00:00"), gcom_id; "-" marks an empty cell.
Parsed: one member row per signatory (organisation_id), joined_on = date of adhesion. Joint
        signatories (several municipalities under one name) are kept as the source lists them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked, not_xlsx
from ingest.sources.base import SnapshotSpec
from ingest.sources.formats import excel_sheet
from ingest.sources.rosters import finish_roster

NAME = "covenant_of_mayors"
SHEET = "1"
COLUMNS = ["organisation_id", "organisation_name", "country_code", "country_name",
           "population_adhesion", "organisation_latitude", "organisation_longitude",
           "commitment_CoM2020_flag", "commitment_CoM2030_flag", "commitment_CoM2050_flag",
           "commitment_mayoradapt_flag", "adhesion_type", "signatory_status", "date_of_adhesion"]


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_xlsx)


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)

    def fail(reason: str, row: int | None = None, field: str | None = None) -> ParseError:
        return ParseError(NAME, file, reason, row=row, field=field, row_kind="Excel row")

    sheet = excel_sheet(path, NAME, SHEET, columns=list(COLUMNS))
    rows = sheet.with_row_index("source_row", offset=2).with_columns(
        [pl.col(c).replace("-", None) for c in COLUMNS])
    joined = pl.col("date_of_adhesion").str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    bad_date = rows.filter(pl.col("date_of_adhesion").is_not_null() & joined.is_null())
    if bad_date.height:
        raise fail(f"date_of_adhesion {bad_date['date_of_adhesion'][0]!r} is not a date",
                   row=bad_date["source_row"][0], field="date_of_adhesion")
    commitments = pl.concat_str(
        [pl.when(pl.col(f"commitment_{c}_flag") == "true").then(pl.lit(c)) for c in
         ("CoM2020", "CoM2030", "CoM2050", "mayoradapt")], separator=",", ignore_nulls=True)
    return finish_roster(rows.select(
        "source_row",
        network_id=pl.lit("covenant_of_mayors"),
        member_key=pl.col("organisation_id"),
        member_name=pl.col("organisation_name"),
        country_code=pl.col("country_code").str.to_uppercase(),
        country_name=pl.col("country_name"),
        latitude=pl.col("organisation_latitude").cast(pl.Float64, strict=False),
        longitude=pl.col("organisation_longitude").cast(pl.Float64, strict=False),
        population=pl.col("population_adhesion").cast(pl.Float64, strict=False).cast(pl.Int64),
        role=pl.lit("signatory"),
        joined_on=joined,
        detail=pl.concat_str([pl.lit("status "), pl.col("signatory_status").fill_null("?"),
                              pl.lit("; commitments "), commitments,
                              pl.lit("; "), pl.col("adhesion_type").fill_null("")]),
    ), source=NAME, file=file, row_kind="Excel row")
