"""Cities' own lists of their sister, partner and friendship cities, typed and dated as each states it.

Offline: ingest/curated/city_partner_lists.csv - Yokohama, Taipei, Tokyo, Seoul, Sydney, New York
        City and Paris, one tie per row with the page that states it (official where one is
        stored, else news, flagged is_official_source false), the type in the page's own words
        mapped to sister / partner / friendship / cooperation (joint statements, cooperation
        pacts) / unspecified, and the year it began where the page gives it; and
        ingest/curated/city_partner_counts.csv - the totals each city states ("8 sister and
        friendship cities, 7 partner cities").
Live:   Yokohama's list page (https://www.city.yokohama.lg.jp/city-info/seisaku/kokusai/kokusai/
        exchange.html): headings "姉妹・友好都市(8都市)" and "パートナー都市(7都市)", each followed by
        one list item per city, "サンディエゴ市(アメリカ)-1957(昭和32)年10月締結", Shanghai marked
        "(友好都市)", partner items with a link marker "(外部サイト)". Each list must hold as many
        cities as its heading says.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.http import download_checked, not_html_with
from ingest.sources.base import SnapshotSpec, schema_of
from ingest.sources.formats import csv_with_header, html_text_lines, parsed_strictly, partial_date

NAME = "city_partner_lists"
LISTS_HEADER = ["city", "city_country_iso2", "partner", "partner_country", "relation_type", "since_year",
                "evidence_url", "page_title", "page_date", "is_official_source", "evidence"]
COUNTS_HEADER = ["city", "city_country_iso2", "relation_type", "stated_count", "as_of", "evidence_url",
                 "evidence"]

YOKOHAMA_SECTION = re.compile(r"^(?P<kind>姉妹・友好都市|パートナー都市)\((?P<count>\d+)都市\)$")
YOKOHAMA_ITEM = re.compile(r"^(?:- )?(?P<name>[^()]+?)(?P<friendship>\(友好都市\))?\((?P<country>[^()]+)\)"
                           r"(?:\(外部サイト\))?\s*-\s*(?P<year>\d{4})\(")
YOKOHAMA_UPDATED = re.compile(r"最終更新日\s*(\d{4})年(\d{1,2})月(\d{1,2})日")
# the page's country names, in English for the crosswalk
JAPANESE_COUNTRIES = {
    "アメリカ": "United States", "フランス": "France", "インド": "India", "フィリピン": "Philippines",
    "ウクライナ": "Ukraine", "カナダ": "Canada", "中国": "China", "ルーマニア": "Romania", "台湾": "Taiwan",
    "韓国": "South Korea", "ドイツ": "Germany", "ベトナム": "Vietnam", "タイ": "Thailand",
    "インドネシア": "Indonesia", "マレーシア": "Malaysia", "ベナン": "Benin", "コートジボワール": "Côte d'Ivoire",
}


def fetch_partnerships(spec: SnapshotSpec) -> bytes:
    return download_checked(NAME, spec.url, not_html_with("パートナー都市"))


def parse_partnerships(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    if spec.key == "yokohama_live":
        return parse_yokohama(path, spec)
    frame = csv_with_header(path, NAME, LISTS_HEADER)
    checked = _strict_parser(frame, path)
    bad = frame.filter(~pl.col("is_official_source").is_in(["true", "false"]))
    if bad.height:
        raise ParseError(NAME, str(path), "is_official_source must be true or false",
                         row=bad["source_row"][0], field="is_official_source")
    return frame.select(
        snapshot=pl.lit(spec.key), city="city", city_country_iso2="city_country_iso2", partner="partner",
        partner_country="partner_country", relation_type="relation_type",
        since_year=checked("since_year", pl.col("since_year").str.strip_chars().cast(pl.Int32, strict=False),
                           "a year"), evidence_url="evidence_url",
        page_title="page_title", page_date=checked("page_date", partial_date(pl.col("page_date")),
                                                   "a date (YYYY[-MM[-DD]])"),
        is_official_source=pl.col("is_official_source") == "true", evidence="evidence",
        source_row="source_row",
    ).cast(schema_of("city_partner_lists__partnerships"))


def parse_yokohama(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    file = str(path)
    lines = html_text_lines(path.read_bytes())
    updated = next((YOKOHAMA_UPDATED.search(line) for line in lines if YOKOHAMA_UPDATED.search(line)), None)
    page_date = f"{updated[1]}-{int(updated[2]):02d}-{int(updated[3]):02d}" if updated else None
    rows, section, expected, found = [], None, 0, 0

    def close_section(at: int) -> None:
        if section is not None and found != expected:
            raise ParseError(NAME, file, f"the list '{section}' names {found} cities but its heading "
                             f"says {expected}: the page changed or is cut off", row=at, row_kind="text line")

    for number, line in enumerate(lines, start=1):
        heading = YOKOHAMA_SECTION.match(line)
        if heading:
            close_section(number)
            section, expected, found = heading["kind"], int(heading["count"]), 0
            continue
        item = YOKOHAMA_ITEM.match(line) if section else None
        if item is None:
            continue
        found += 1
        name = re.sub(r"(広域市|市)$", "", item["name"].strip())
        kind = "partner" if section == "パートナー都市" else "friendship" if item["friendship"] else "sister"
        rows.append({
            "snapshot": spec.key, "city": "Yokohama", "city_country_iso2": "JP", "partner": name,
            "partner_country": JAPANESE_COUNTRIES.get(item["country"], item["country"]),
            "relation_type": kind, "since_year": int(item["year"]), "evidence_url": spec.url,
            "page_title": "横浜市の国際交流について", "page_date": page_date, "is_official_source": True,
            "evidence": f"{section}: {line.removeprefix('- ')}", "source_row": number,
        })
    close_section(len(lines))
    if not rows:
        raise ParseError(NAME, file, "no list of sister, friendship or partner cities on the page "
                         "(headings '姉妹・友好都市(N都市)', 'パートナー都市(N都市)' not found)")
    frame = pl.DataFrame(rows).with_columns(pl.col("page_date").str.to_date(strict=False))
    return frame.cast(schema_of("city_partner_lists__partnerships")).select(
        list(schema_of("city_partner_lists__partnerships")))


def _strict_parser(frame: pl.DataFrame, path: Path):
    def checked(column: str, parsed: pl.Expr, what: str) -> pl.Expr:
        return parsed_strictly(frame, column, parsed, what=what, source=NAME, file=str(path))
    return checked


def parse_stated_counts(path: Path, spec: SnapshotSpec) -> pl.DataFrame:
    frame = csv_with_header(path, NAME, COUNTS_HEADER)
    checked = _strict_parser(frame, path)
    return frame.select(
        "city", "city_country_iso2", "relation_type",
        stated_count=checked("stated_count", pl.col("stated_count").str.strip_chars().cast(pl.Int32, strict=False),
                             "a whole number"),
        as_of=checked("as_of", partial_date(pl.col("as_of")), "a date (YYYY[-MM[-DD]])"),
        evidence_url="evidence_url", evidence="evidence",
        source_row="source_row",
    ).cast(schema_of("city_partner_lists__stated_counts"))
