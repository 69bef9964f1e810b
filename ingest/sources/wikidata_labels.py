"""Labels of the Wikidata items in the 2016 sister-city crawl (L3viathan/sister-cities names.tsv).

Layout: "QID<TAB>label" per line, no header; the crawler preferred German, then English, French,
        Italian, Spanish labels ("Frankfurt am Main", "Konstanza").
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked
from ingest.sources.base import SnapshotSpec, Source
from ingest.sources.sister_cities import ORIGIN

NAME = "wikidata_labels"
SCHEMA: dict[str, pl.DataType] = {"qid": pl.String(), "label": pl.String(), "source_row": pl.Int32()}
URL = ("https://raw.githubusercontent.com/L3viathan/sister-cities/"
       "fc3c936b923485c024a24386a96ba763aee636ce/names.tsv")


def fetch(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, lambda c: None if c[:1] == b"Q" else "response is not a QID list")


def parse(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        qid, sep, label = line.partition("\t")
        if not sep or not qid.startswith("Q") or not qid[1:].isdigit() or not label.strip():
            raise ParseError(NAME, str(path), "expected 'QID<TAB>label'", row=number)
        rows.append((qid, label.strip(), number))
    if not rows:
        raise ParseError(NAME, str(path), "no labels")
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    duplicated = frame.filter(pl.col("qid").is_duplicated())
    if duplicated.height:
        raise ParseError(NAME, str(path), f"{duplicated['qid'][0]} labelled twice",
                         row=duplicated["source_row"][1])
    return frame


SOURCE = Source(
    name=NAME, origin=ORIGIN, table="wikidata__labels",
    description="Labels of Wikidata items of the 2016 twinning crawl.",
    snapshots=(SnapshotSpec(source=NAME, key="names_2016", url=URL, filename="names.tsv",
                            bundle_glob="sister_cities/l3viathan_wikidata_names.tsv"),),
    schema=SCHEMA, unique_key=("qid",), fetch=fetch, parse=parse,
)
