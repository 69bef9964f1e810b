"""The registry of sources: one module per source, each exporting SOURCE."""

from __future__ import annotations

from ingest.sources import (
    c40_gdp,
    c40_roster,
    climactor,
    covenant,
    eurocities,
    geonames,
    gpm_declaration,
    sister_cities,
    un_wup,
    unesco_creative_cities,
    wikidata_items,
    wikidata_labels,
    wikidata_members,
    wikipedia_twin_towns,
    worldbank,
)
from ingest.sources.base import Source

SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        worldbank.SOURCE, *geonames.SOURCES, un_wup.SOURCE, c40_gdp.SOURCE,
        # city networks: rosters (all parsed to ingest.sources.rosters.ROSTER_SCHEMA)
        c40_roster.SOURCE, covenant.SOURCE, eurocities.SOURCE, unesco_creative_cities.SOURCE,
        gpm_declaration.SOURCE, climactor.SOURCE, wikidata_members.SOURCE,
        # sister cities
        sister_cities.SOURCE, wikidata_labels.SOURCE, wikidata_items.SOURCE,
        wikipedia_twin_towns.SOURCE,
    )
}
ROSTER_TABLES = tuple(s.table for s in SOURCES.values() if s.table.startswith("roster__"))


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {sorted(SOURCES)}") from None
