"""UNESCO Creative Cities Network members, scraped from unesco.org (2024-10-01).

Live:   https://raw.githubusercontent.com/DorobantuDiana/Creative-Cities_UNESCO-Network/<commit>/
        DataScraper/data/data.csv (pinned public scrape; unesco.org offers no export)
Layout: CSV, header City Name,Category,Description,Link; Category is the creative field (Music,
        Crafts and Folk Art, Gastronomy, Literature, Design, Film, Media Arts). No country column,
        no designation year.
Parsed: one member row per city page (the link's slug is the key), field in detail. The country
        is the one UNESCO's own description names most often ("a small, vibrant city in central
        Scotland" -> GB), null when it names none: without it Perth would be the Australian one.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.reference.countries import countries_named_in
from ingest.http import download_checked, not_csv_with
from ingest.sources.base import SnapshotSpec
from ingest.sources.formats import csv_with_header
from ingest.sources.rosters import finish_roster

NAME = "unesco_creative_cities"
HEADER = ["City Name", "Category", "Description", "Link"]
FIELDS = {"Music", "Crafts and Folk Art", "Gastronomy", "Literature", "Design", "Film", "Media Arts"}


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_csv_with(b"City Name,Category"))


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    frame = csv_with_header(path, NAME, HEADER)
    odd = frame.filter(~pl.col("Category").is_in(list(FIELDS)))
    if odd.height:
        raise ParseError(NAME, file, f"creative field {odd['Category'][0]!r} is not one of "
                         f"{sorted(FIELDS)}", row=odd["source_row"][0], field="Category")
    return finish_roster(frame.select(
        "source_row",
        network_id=pl.lit("unesco_creative_cities"),
        member_key=pl.col("Link").str.extract(r"/creative-cities/([^/?#]+)").fill_null(pl.col("City Name")),
        member_name=pl.col("City Name"),
        country_code=pl.Series(countries_named_in(frame["Description"]), dtype=pl.String),
        role=pl.lit("creative city"),
        detail=pl.col("Category"),
    ), source=NAME, file=file)
