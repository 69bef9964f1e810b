"""The registry of sources: one module per source, each exporting SOURCE."""

from __future__ import annotations

from ingest.sources import worldbank
from ingest.sources.base import Source

SOURCES: dict[str, Source] = {source.name: source for source in (worldbank.SOURCE,)}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {sorted(SOURCES)}") from None
