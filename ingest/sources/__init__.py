"""The registry of sources: one module per source, each exporting SOURCE."""

from __future__ import annotations

from ingest.sources import c40_gdp, geonames, un_wup, worldbank
from ingest.sources.base import Source

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (worldbank.SOURCE, *geonames.SOURCES, un_wup.SOURCE, c40_gdp.SOURCE)
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {sorted(SOURCES)}") from None
