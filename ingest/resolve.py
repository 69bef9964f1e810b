"""Resolve every city-naming source to GeoNames ids: the crosswalk table `xwalk.city_matches`.

Reads the landed raw tables (gazetteer and the sources that name cities), runs the matcher of
ingest.crosswalk and replaces each entity type's rows in one transaction. Unresolved rows are
kept with their reason, never dropped. Adding a source that names cities = one CityNames entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ingest.crosswalk import Gazetteer, normalise
from ingest.landing import connect
from ingest.reference import country_aliases
from ingest.sources import ROSTER_TABLES

SCHEMA = "xwalk"
TABLE = f"{SCHEMA}.city_matches"


@dataclass(frozen=True)
class CityNames:
    """A source's city names: SQL giving entity_key, name, and country_code (ISO2) or
    country_name, optionally latitude/longitude. one_to_one: rows are distinct places."""

    entity_type: str
    requires: tuple[str, ...]  # raw tables the query reads (all must be landed)
    query: str | Callable[[set[str]], str]  # SQL, or a function of the landed raw tables
    one_to_one: bool = False

    def sql(self, landed: set[str]) -> str:
        return self.query(landed) if callable(self.query) else self.query


def roster_members(landed: set[str]) -> str:
    """Every roster's members, once per source (a ClimActor city in three initiatives is one)."""
    selects = [f"""select distinct _source || ':' || member_key as entity_key, member_name as name,
                          country_code, country_name, latitude, longitude
                   from raw.{table}""" for table in ROSTER_TABLES if table in landed]
    return " union all ".join(selects) + " order by 1"


TWINNING_CITIES = """
    with sides as (
        select city_qid as qid, city_label as label, city_country as country, city_latitude as latitude,
               city_longitude as longitude from raw.wikidata__twinnings
        union all
        select twin_qid, twin_label, twin_country, twin_latitude, twin_longitude from raw.wikidata__twinnings
    )
    select coalesce(s.qid, 'label:' || s.label || '|' || coalesce(s.country, '')) as entity_key,
           coalesce(max(s.label), max(l.label)) as name, max(s.country) as country_name,
           avg(s.latitude) as latitude, avg(s.longitude) as longitude
    from sides s left join raw.wikidata__labels l on l.qid = s.qid
    group by 1 order by 1"""


CITY_NAMES = (
    CityNames(
        entity_type="un_wup_agglomeration",
        requires=("un_wup__city_populations", "geonames__countries"),
        query="""
            select distinct w.city_code::varchar as entity_key, w.city_name as name,
                   c.iso2 as country_code, w.latitude, w.longitude
            from raw.un_wup__city_populations w
            left join raw.geonames__countries c on c.iso_numeric = w.country_m49
            where w.file_code = (select min(file_code) from raw.un_wup__city_populations)
            order by 1""",
        one_to_one=True,
    ),
    CityNames(
        entity_type="c40_city",
        requires=("c40__city_inventories",),
        query="""
            select distinct city_name as entity_key, city_name as name, country_name
            from raw.c40__city_inventories order by 1""",
    ),
    CityNames(entity_type="network_member", requires=(), query=roster_members),
    CityNames(entity_type="twinning_city", requires=("wikidata__twinnings", "wikidata__labels"),
              query=TWINNING_CITIES),
)

MATCHES_DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {TABLE} (
    entity_type varchar not null,
    entity_key varchar not null,
    name varchar not null,
    country_code varchar,
    latitude double,
    longitude double,
    geonameid bigint,
    matched_name varchar,
    method varchar not null,
    distance_km double,
    confidence double not null,
    reason varchar,
    resolved_at timestamptz not null,
    primary key (entity_type, entity_key)
);
"""


def country_codes(names: pl.Series, countries: pl.DataFrame) -> pl.Series:
    """Country names -> ISO2 through GeoNames names, then the hand-kept alias list."""
    lookup = {normalise(c): c for c in countries["iso2"]}  # a source that already gives ISO2
    lookup.update({normalise(n): c for n, c in zip(countries["name"], countries["iso2"])})
    lookup.update({normalise(alias): code for alias, code in country_aliases().items()})
    return names.map_elements(lambda n: lookup.get(normalise(n)), return_dtype=pl.String)


def resolve_all(warehouse: Path) -> dict[str, dict[str, int]]:
    """Rebuild xwalk.city_matches for every entity type whose raw tables are landed.
    Returns {entity_type: {method: count}}."""
    with connect(warehouse, read_only=True) as con:
        landed = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
        if not {"geonames__cities", "geonames__countries"} <= landed:
            return {}
        cities = con.sql("""select geonameid, name, ascii_name, alternate_names, latitude,
                                       longitude, country_code, admin1_code, population
                                from raw.geonames__cities""").pl()
        countries = con.sql("select iso2, name from raw.geonames__countries").pl()
        admin1 = con.sql("select * from raw.geonames__admin1_codes").pl() \
            if "geonames__admin1_codes" in landed else None
        inputs = {spec.entity_type: con.sql(spec.sql(landed)).pl()
                  for spec in CITY_NAMES
                  if set(spec.requires) <= landed and (spec.requires or landed & set(ROSTER_TABLES))}
    gazetteer = Gazetteer(cities, admin1)
    resolved_at = datetime.now(UTC)
    frames, summary = [], {}
    for spec in CITY_NAMES:
        if spec.entity_type not in inputs:
            continue
        queries = inputs[spec.entity_type]
        if "country_name" in queries.columns:
            from_names = country_codes(queries["country_name"], countries)
            queries = queries.with_columns(country_code=pl.coalesce(
                pl.col("country_code") if "country_code" in queries.columns else pl.lit(None, pl.String),
                from_names))
        for column in ("latitude", "longitude"):
            if column not in queries.columns:
                queries = queries.with_columns(pl.lit(None, pl.Float64).alias(column))
        matches = gazetteer.match_frame(queries, one_to_one=spec.one_to_one)
        frame = pl.concat([queries.select("entity_key", "name", "country_code", "latitude",
                                          "longitude"), matches], how="horizontal")
        frames.append(frame.with_columns(entity_type=pl.lit(spec.entity_type),
                                         resolved_at=pl.lit(resolved_at)))
        summary[spec.entity_type] = dict(matches["method"].value_counts().iter_rows())
    if not frames:
        return {}
    batch = pl.concat(frames, how="diagonal").to_arrow()
    with connect(warehouse) as con:
        con.execute(MATCHES_DDL)
        con.execute("begin transaction")
        try:
            con.register("incoming_matches", batch)
            con.execute(f"delete from {TABLE} where entity_type in (select distinct entity_type "
                        "from incoming_matches)")
            con.execute(f"insert into {TABLE} by name select * from incoming_matches")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.unregister("incoming_matches")
    return summary
