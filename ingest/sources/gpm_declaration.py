"""Global Parliament of Mayors: signatories of the Global Declaration of Mayors for Democracy.

A declaration, not a membership: the registry marks the network's relation "declaration", and
the rows carry role "signatory".
Live:   https://raw.githubusercontent.com/c-riq/city-vote/<commit>/public-data/city-networks/
        global-parliament-of-mayors/joint-statements/global-declaration-of-mayors-for-democracy/
        signatures.csv
Layout: CSV, header city_name,country,wikidata_id,mayor_name,mayor_title (QID blank for some).
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked, not_csv_with
from ingest.sources.base import Origin, SnapshotSpec, Source
from ingest.sources.rosters import ROSTER_KEY, ROSTER_SCHEMA, finish_roster

NAME = "gpm_declaration"
HEADER = ["city_name", "country", "wikidata_id", "mayor_name", "mayor_title"]
URL = ("https://raw.githubusercontent.com/c-riq/city-vote/f38df69e160b2accccf9a67a3c23b5dfe2fdc5eb/"
       "public-data/city-networks/global-parliament-of-mayors/joint-statements/"
       "global-declaration-of-mayors-for-democracy/signatures.csv")
ORIGIN = Origin(
    producer="Global Parliament of Mayors (declaration page), collected by c-riq/city-vote",
    title="Global Declaration of Mayors for Democracy: signatories",
    licence="facts from globalparliamentofmayors.org; no licence file in the repository",
    licence_url="https://globalparliamentofmayors.org",
    citation="Global Parliament of Mayors, Global Declaration of Mayors for Democracy, signatories.",
    landing_page="https://globalparliamentofmayors.org",
)


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_csv_with(b"city_name,country"))


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    try:
        frame = pl.read_csv(io.BytesIO(path.read_bytes()), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ParseError(NAME, file, f"malformed CSV ({exc})") from exc
    if frame.columns != HEADER:
        raise ParseError(NAME, file, f"header {frame.columns}, expected {HEADER}", row=1)
    return finish_roster(frame.with_row_index("source_row", offset=2).select(
        "source_row",
        network_id=pl.lit("global_parliament_of_mayors"),
        member_key=pl.coalesce(pl.col("wikidata_id"),
                               pl.lit("name:") + pl.col("city_name") + pl.lit("|") + pl.col("country")),
        member_name=pl.col("city_name"),
        country_name=pl.col("country").str.strip_chars().str.replace(r"^the ", ""),
        wikidata_qid=pl.col("wikidata_id"),
        role=pl.lit("signatory"),
        detail=pl.concat_str([pl.col("mayor_title"), pl.col("mayor_name")], separator=": ",
                             ignore_nulls=True),
    ), source=NAME, file=file, merge_duplicates=True)  # San José (HN) signed twice


SOURCE = Source(
    name=NAME, origin=ORIGIN, table="roster__gpm_declaration",
    description="Cities whose mayors signed the Global Declaration of Mayors for Democracy "
    "(Global Parliament of Mayors): a declaration, not a membership.",
    snapshots=(SnapshotSpec(source=NAME, key="signatures", url=URL, filename="signatures.csv",
                            bundle_glob="networks/global_parliament_of_mayors_declaration_signatures.csv"),),
    schema=ROSTER_SCHEMA, unique_key=ROSTER_KEY, fetch=fetch, parse=parse,
)
