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

import io
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.reference.countries import country_named_in
from ingest.http import download_checked, not_csv_with
from ingest.sources.base import Origin, SnapshotSpec, Source
from ingest.sources.rosters import ROSTER_KEY, ROSTER_SCHEMA, finish_roster

NAME = "unesco_creative_cities"
HEADER = ["City Name", "Category", "Description", "Link"]
FIELDS = {"Music", "Crafts and Folk Art", "Gastronomy", "Literature", "Design", "Film", "Media Arts"}
URL = ("https://raw.githubusercontent.com/DorobantuDiana/Creative-Cities_UNESCO-Network/"
       "89fcc2f7ee1a0f8e3ce7039764c6b078915c8513/DataScraper/data/data.csv")
ORIGIN = Origin(
    producer="UNESCO (Creative Cities Network pages), scraped by DorobantuDiana",
    title="UNESCO Creative Cities Network members (scrape of 2024-10-01)",
    licence="Apache-2.0 (scraper repository); city descriptions are UNESCO's",
    licence_url="https://www.unesco.org/en/creative-cities",
    citation="UNESCO Creative Cities Network, https://www.unesco.org/en/creative-cities "
    "(scraped 2024-10-01).",
    landing_page="https://www.unesco.org/en/creative-cities",
)


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_csv_with(b"City Name,Category"))


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    try:
        frame = pl.read_csv(io.BytesIO(path.read_bytes()), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ParseError(NAME, file, f"malformed CSV ({exc})") from exc
    if frame.columns != HEADER:
        raise ParseError(NAME, file, f"header {frame.columns}, expected {HEADER}", row=1)
    frame = frame.with_row_index("source_row", offset=2)
    odd = frame.filter(~pl.col("Category").is_in(list(FIELDS)))
    if odd.height:
        raise ParseError(NAME, file, f"creative field {odd['Category'][0]!r} is not one of "
                         f"{sorted(FIELDS)}", row=odd["source_row"][0], field="Category")
    return finish_roster(frame.select(
        "source_row",
        network_id=pl.lit("unesco_creative_cities"),
        member_key=pl.col("Link").str.extract(r"/creative-cities/([^/?#]+)").fill_null(pl.col("City Name")),
        member_name=pl.col("City Name"),
        country_code=pl.col("Description").map_elements(country_named_in, return_dtype=pl.String),
        role=pl.lit("creative city"),
        detail=pl.col("Category"),
    ), source=NAME, file=file)


SOURCE = Source(
    name=NAME, origin=ORIGIN, table="roster__unesco_creative_cities",
    description="UNESCO Creative Cities, one row per city with its creative field.",
    snapshots=(SnapshotSpec(source=NAME, key="members", url=URL, filename="data.csv",
                            bundle_glob="networks/unesco_creative_cities_scraped_*.csv"),),
    schema=ROSTER_SCHEMA, unique_key=ROSTER_KEY, fetch=fetch, parse=parse,
)
