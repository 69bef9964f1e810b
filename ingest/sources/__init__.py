"""The code that reads each source, found by convention from the catalog: module
`ingest.sources.<source>`, functions `parse` / `fetch` (or `parse_<entity>` / `fetch_<entity>`
when the source has several tables)."""

from __future__ import annotations

import importlib
from functools import cache

from ingest import catalog
from ingest.errors import FetchError
from ingest.sources.base import RawTable, SnapshotSpec


def _bound(source: catalog.Source, table: catalog.Table) -> RawTable:
    module = importlib.import_module(f"ingest.sources.{source.name}")
    suffix = "" if len(source.tables) == 1 else f"_{table.entity}"
    curated_only = all(f.curated for f in table.file_list())
    fetch = getattr(module, f"fetch{suffix}", None) or (not_downloadable if curated_only else None)
    if fetch is None:
        raise AttributeError(f"ingest.sources.{source.name} has no fetch{suffix}")
    return RawTable(source=source, table=table, fetch=fetch, parse=getattr(module, f"parse{suffix}"))


def not_downloadable(spec: SnapshotSpec) -> bytes:
    raise FetchError(spec.source, spec.url, "a curated file (ingest/curated/): kept by hand from the "
                     "pages its rows cite, never downloaded")


@cache
def raw_tables() -> dict[str, RawTable]:
    """raw table name -> the table bound to its parser, in catalog order."""
    return {name: _bound(source, table) for name, (source, table) in catalog.raw_tables().items()}


def raw_table(name: str) -> RawTable:
    try:
        return raw_tables()[name]
    except KeyError:
        raise KeyError(f"unknown raw table {name!r}; known: {sorted(raw_tables())}") from None


def tables_of(source_name: str) -> list[RawTable]:
    """Every raw table of a source (KeyError naming the known sources if there is none)."""
    catalog.source(source_name)
    return [t for t in raw_tables().values() if t.source.name == source_name]


def table_of_file(source_name: str, key: str) -> RawTable:
    """The raw table a source's file lands in."""
    for table in tables_of(source_name):
        if any(spec.key == key for spec in table.snapshots):
            return table
    raise KeyError(f"source {source_name!r} has no file {key!r}")
