"""The live fetchers no other test exercises, against a loopback server serving small files in
each source's LIVE layout (as the parser modules' docstrings describe them and the bundle's copies
show them): c40_roster, climactor, covenant_of_mayors, eurocities, gpm_declaration,
unesco_creative_cities, and wikidata_p190's twinning files (p190_2016, p190_eu_2017,
p190_query_ui, p190_live) and labels.

For each: the file is fetched, stored and parsed into the values it holds; an HTML error page
served with 200 is refused by the fetcher's format check; a 404 is final; a 503 is retried; and a
failed live fetch leaves the last good snapshot in the store (and auto mode falls back on it)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import json
import socket
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

import polars as pl
import pytest

from ingest import catalog
from ingest.acquire import acquire
from ingest.config import settings
from ingest.errors import FetchError
from ingest.snapshots import SnapshotStore, sha256_of
from ingest.sources import raw_table

HTML_ERROR_PAGE = (b"<!DOCTYPE html>\n<html lang=\"en\"><head><title>429 Too Many Requests</title></head>"
                   b"<body><h1>Rate limited</h1><p>Please try again later.</p></body></html>\n")


# --- files in their live layouts --------------------------------------------------------------

def crlf(text: str) -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode() + b"\r\n"


# data/processed/C40_cities.csv (Open Earth Foundation): CRLF line ends, UTF-8; Milan's wrong
# UN/LOCODE "AU MEL" is the source's own
C40_ROSTER_CSV = crlf("""
City,Country,iso_code,locode
Abidjan,Côte d’Ivoire,CI,CI ABJ
London,United Kingdom,GB,GB LON
Milan,Italy,IT,AU MEL
Tokyo,Japan,JP,JP TYO
""")

# subnational_contextuals_database_Dec2022.csv: every header name quoted, NA for missing values,
# ";"-lists (with empty items) of initiative codes
CLIMACTOR_CSV = b"""\
"name","iso","entity_type","country","area","num_commit","lat","lng","population","population_year","state","admin_1","initiatives_committed","region"
"London, UK","GBR","City","United Kingdom","1572",5,51.5072,-0.1276,8908081,2018,"England",NA,"C40Cities2022;;EUCovenantofMayors2022;;GCoM2022","Europe"
"Accra","GHA","City","Ghana",NA,2,5.6037,-0.187,2291352,2020,"Greater Accra",NA,"C40Cities2019;NAZCA","Sub-Saharan Africa"
"Bavaria","DEU","Region","Germany",NA,1,48.9,11.4,13000000,2019,NA,NA,"Under2Coalition2019","Europe"
"Sacramento","USA","City","United States",NA,2,38.58,-121.49,NA,NA,"California",NA,"ClimateMayors;ICLEI USA","North America"
"""

# df1_Signatories_2024.xlsx: sheets README, df1_METADATA and "1"; every cell text, "-" empty
COVENANT_HEADER = ["organisation_id", "organisation_name", "coordinator_name", "supporter_name",
                   "country_code", "country_name", "population_adhesion", "organisation_latitude",
                   "organisation_longitude", "group_organisation_id", "group_name",
                   "commitment_CoM2020_flag", "commitment_CoM2030_flag", "commitment_CoM2050_flag",
                   "commitment_mayoradapt_flag", "adhesion_type", "signatory_status", "mayor",
                   "date_of_adhesion", "action_plan_expected", "group_profile", "gcom_id"]
COVENANT_ROWS = [
    ["20493", "Alkmaar, Bergen, Castricum, Heiloo, Heerhugowaard, Langedijk, Uitgeest", "-", "-", "nl",
     "Netherlands", "-", "52.2434979", "5.6343227", "-", "-", "true", "false", "false", "false",
     "As a group of signatories committing individually (joint SEAP - option 1)", "published", "-",
     "2010-01-26 00:00:00", "false", "true", "NL0039"],
    ["3001", "Barcelona", "-", "-", "es", "Spain", "1620343", "41.3874", "2.1686", "-", "-", "true",
     "true", "false", "true", "Individual", "published", "Jaume Collboni", "2008-02-10 00:00:00",
     "false", "false", "ES0001"],
    ["7150", "Zürich", "-", "-", "ch", "Switzerland", "421878", "47.3769", "8.5417", "-", "-", "false",
     "true", "false", "false", "Individual", "suspended", "-", "2015-06-29 00:00:00", "true", "false", "-"],
]

# members-wikidata-enriched.json (c-riq/city-vote); Lyon listed twice under two spellings
EUROCITIES_JSON = json.dumps({"members": [
    {"name_on_website": "Izmir", "wikidata_id": "Q35997", "wikidata_name": "İzmir", "latitude": 38.41,
     "longitude": 27.14, "population": 4493242.0, "country": "Q43", "country_name": "Turkey"},
    {"name_on_website": "Kadikoy", "wikidata_id": "Q932886", "wikidata_name": "Kadıköy",
     "latitude": 40.99, "longitude": 29.04, "population": None, "country": "Q43", "country_name": "Turkey"},
    {"name_on_website": "Lyon", "wikidata_id": "Q456", "wikidata_name": "Lyon", "latitude": 45.76,
     "longitude": 4.84, "population": 522250.0, "country": "Q142", "country_name": "France"},
    {"name_on_website": "Grand Lyon", "wikidata_id": "Q456", "wikidata_name": "Lyon", "latitude": 45.76,
     "longitude": 4.84, "population": 522250.0, "country": "Q142", "country_name": "France"},
]}, indent=2, ensure_ascii=False).encode()

# signatures.csv of the Global Declaration of Mayors for Democracy: LF, blank QID for some
GPM_CSV = """\
city_name,country,wikidata_id,mayor_name,mayor_title
Al-Hamdanyia district,Iraq,,Isaam Bahnam Matti,Mayor of Al-Hamdanyia district
Amsterdam,the Netherlands,Q9899,Femke Halsema,Mayor of Amsterdam
Artés,Spain,Q16677,Enric Forcada i Valiente,Mayor of Artés
""".encode()

# DataScraper/data/data.csv: quoted descriptions, links with a ?hub= query
UNESCO_CSV = """\
City Name,Category,Description,Link
Ashgabat,Design,"Situated in a picturesque valley at the foothills of Kopetdag, Ashgabat, the capital of Turkmenistan, is the meeting point of two ancient civilizations, Anau and Nisa.",https://www.unesco.org/en/creative-cities/ashgabat?hub=80094
Perth,Crafts and Folk Art,"Perth is a small, vibrant city in central Scotland, with a long tradition of crafts.",https://www.unesco.org/en/creative-cities/perth?hub=80094
Gangneung,Gastronomy,"The city of Gangneung is developing an inclusive and creative culinary culture by safeguarding traditional local cuisine.",https://www.unesco.org/en/creative-cities/gangneung?hub=80094
""".encode()

# relations.tsv (L3viathan, 2016): "QID<TAB>QID" per directed edge, no header
P190_2016_TSV = b"Q200166\tQ182059\nQ688654\tQ192176\nQ38283\tQ1156\nQ1156\tQ38283\n"

# sistercities.tsv (rogorido, 2017): a WDQS TSV export with a header, no QIDs
P190_EU_2017_TSV = (
    "origincityLabel\torigincountry\toriginlat\toriginlong\toriginpopulation\tsistercityLabel\t"
    "destinationlat\tdestinationlong\tdestinationpopulation\tdestination_countryLabel\tdist\teu\n"
    "Veliko Tarnovo\tBulgaria\t43.082222222222\t25.631666666667\t71150\tAsti\t44.9\t8.2069444444444\t76173\tItaly\t1406\tEU\n"
    "Pernik\tBulgaria\t42.609722222222\t23.030833333333\t75191\tGraz\t47.066666666667\t15.433333333333\t282479\tAustria\t777\tEU\n"
    "Frankfurt\tGermany\t50.113611111111\t8.6797222222222\t732688\tYokohama\t35.444166666667\t139.63805555556\t3726167\tJapan\t9346\tEU\n"
).encode()

ENTITY = "http://www.wikidata.org/entity/"

# query.json (displayn): the WDQS UI's simplified JSON download, one object per row
P190_QUERY_UI_JSON = json.dumps([
    {"item": f"{ENTITY}Q64", "itemLabel": "Berlin", "sistercity": f"{ENTITY}Q65", "sistercityLabel": "Los Angeles"},
    {"item": f"{ENTITY}Q64", "itemLabel": "Berlin", "sistercity": f"{ENTITY}Q84", "sistercityLabel": "London"},
    {"item": f"{ENTITY}Q90", "itemLabel": "Paris", "sistercity": f"{ENTITY}Q220", "sistercityLabel": "Rome"},
], separators=(",", ":")).encode()


def _uri(qid: str) -> dict:
    return {"type": "uri", "value": ENTITY + qid}


def _literal(value: str, **extra) -> dict:
    return {"type": "literal", "value": value, **extra}


WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"

# the live P190 query's application/sparql-results+json answer; OPTIONAL variables absent
P190_LIVE_JSON = json.dumps({
    "head": {"vars": ["city", "cityLabel", "cityCountry", "cityCoord", "cityGeonames", "twin", "twinLabel",
                      "twinCountry", "twinCoord", "twinGeonames", "start", "end"]},
    "results": {"bindings": [
        {"city": _uri("Q38283"), "cityLabel": _literal("Yokohama", **{"xml:lang": "en"}),
         "cityCountry": _literal("JP"), "cityCoord": _literal("Point(139.638 35.444)", datatype=WKT),
         "cityGeonames": _literal("1848354"), "twin": _uri("Q456"),
         "twinLabel": _literal("Lyon", **{"xml:lang": "en"}), "twinCountry": _literal("FR"),
         "twinCoord": _literal("Point(4.84 45.76)", datatype=WKT),
         "start": _literal("1959-01-01T00:00:00Z", datatype=DATETIME)},
        {"city": _uri("Q1899"), "cityLabel": _literal("Kyiv", **{"xml:lang": "en"}),
         "cityCountry": _literal("UA"), "cityCoord": _literal("Point(30.523333 50.45)", datatype=WKT),
         "cityGeonames": _literal("703448"), "twin": _uri("Q649"),
         "twinLabel": _literal("Moscow", **{"xml:lang": "en"}), "twinCountry": _literal("RU"),
         "twinCoord": _literal("Point(37.617222 55.755833)", datatype=WKT), "twinGeonames": _literal("524901"),
         "start": _literal("1997-01-01T00:00:00Z", datatype=DATETIME),
         "end": _literal("+2022-04-12T00:00:00Z", datatype=DATETIME)},
    ]},
}, indent=2).encode()

# names.tsv (L3viathan, 2016): "QID<TAB>label" per line, German labels first
LABELS_TSV = "Q201391\tKohtla-Järve\nQ1081996\tBrou\nQ1794\tFrankfurt am Main\n".encode()


def xlsx(sheets: dict[str, list[list[str]]]) -> bytes:
    """A minimal .xlsx workbook (inline-string cells), written by hand: no Excel writer is
    installed in the project's environment."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

    def column(n: int) -> str:
        name, n = "", n + 1
        while n:
            n, r = divmod(n - 1, 26)
            name = chr(65 + r) + name
        return name

    def sheet(rows: list[list[str]]) -> str:
        body = "".join(
            f'<row r="{i}">' + "".join(f'<c r="{column(j)}{i}" t="inlineStr"><is><t xml:space="preserve">'
                                       f'{escape(v)}</t></is></c>' for j, v in enumerate(row)) + "</row>"
            for i, row in enumerate(rows, start=1))
        return f'{head}<worksheet xmlns="{main}"><sheetData>{body}</sheetData></worksheet>'

    numbers = range(1, len(sheets) + 1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                         'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sheet.main+xml"/>'
                         + "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                                   'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for n in numbers)
                         + "</Types>")
        archive.writestr("_rels/.rels", f'{head}<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                         f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'{head}<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                         + "".join(f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
                                   for n, name in zip(numbers, sheets)) + "</sheets></workbook>")
        archive.writestr("xl/_rels/workbook.xml.rels", f'{head}<Relationships xmlns="{pkg}">'
                         + "".join(f'<Relationship Id="rId{n}" Type="{rel}/worksheet" '
                                   f'Target="worksheets/sheet{n}.xml"/>' for n in numbers) + "</Relationships>")
        for n, rows in zip(numbers, sheets.values()):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", sheet(rows))
    return buffer.getvalue()


COVENANT_XLSX = xlsx({
    "README": [["GCoM - MyCovenant, 5th Release, January 2024"], ["df1: signatories"]],
    "df1_METADATA": [["variable", "description"], ["organisation_id", "MyCovenant organisation id"]],
    "1": [COVENANT_HEADER, *COVENANT_ROWS],
})


# --- what each parsed file must hold ----------------------------------------------------------

def row(frame: pl.DataFrame, **where) -> dict:
    matches = frame.filter(pl.all_horizontal(pl.col(k) == v for k, v in where.items()))
    assert matches.height == 1, (where, matches)
    return matches.row(0, named=True)


def check_c40_roster(frame: pl.DataFrame) -> None:
    assert frame.height == 4 and frame["network_id"].unique().to_list() == ["c40"]
    london = row(frame, member_name="London")
    assert (london["member_key"], london["country_code"], london["country_name"]) == ("London", "GB", "United Kingdom")
    assert (london["role"], london["relation"], london["detail"], london["source_row"]) == \
        ("member", "membership", "UN/LOCODE GB LON", 3)
    assert row(frame, member_name="Milan")["detail"] == "UN/LOCODE AU MEL"  # the source's own error, kept
    abidjan = row(frame, member_name="Abidjan")
    assert (abidjan["country_code"], abidjan["country_name"]) == ("CI", "Côte d’Ivoire")  # no \r left over


def check_climactor(frame: pl.DataFrame) -> None:
    london = frame.filter(pl.col("member_key") == "London, UK|GBR")
    assert sorted(london["network_id"]) == ["c40", "covenant_of_mayors", "gcom"]
    c40 = row(london, network_id="c40")
    assert (c40["country_code"], c40["population"], c40["as_of"], c40["source_row"]) == ("GB", 8_908_081, None, 2)
    assert c40["latitude"] == pytest.approx(51.5072) and c40["longitude"] == pytest.approx(-0.1276)
    assert c40["detail"] == "ClimActor codes C40Cities2022" and c40["role"] == "initiative participant"
    accra = row(frame, member_key="Accra|GHA")  # only a 2019 code: as of the end of 2019
    assert (accra["network_id"], accra["as_of"], accra["country_code"]) == ("c40", dt.date(2019, 12, 31), "GH")
    assert frame.filter(pl.col("member_name") == "Bavaria").is_empty()  # a region, not a city
    sacramento = frame.filter(pl.col("member_name") == "Sacramento")
    assert sorted(sacramento["network_id"]) == ["climate_mayors", "iclei"]
    assert sacramento["population"].to_list() == [None, None] and set(sacramento["country_code"]) == {"US"}


def check_covenant(frame: pl.DataFrame) -> None:
    assert frame.height == 3 and frame["network_id"].unique().to_list() == ["covenant_of_mayors"]
    joint = row(frame, member_key="20493")
    assert (joint["country_code"], joint["joined_on"], joint["population"], joint["source_row"]) == \
        ("NL", dt.date(2010, 1, 26), None, 2)
    assert joint["latitude"] == pytest.approx(52.2434979) and joint["role"] == "signatory"
    assert joint["detail"] == ("status published; commitments CoM2020; As a group of signatories "
                               "committing individually (joint SEAP - option 1)")
    barcelona = row(frame, member_key="3001")
    assert (barcelona["member_name"], barcelona["population"], barcelona["joined_on"], barcelona["country_code"]) \
        == ("Barcelona", 1_620_343, dt.date(2008, 2, 10), "ES")
    assert "commitments CoM2020,CoM2030,mayoradapt" in barcelona["detail"]
    zurich = row(frame, member_key="7150")
    assert zurich["member_name"] == "Zürich" and zurich["detail"].startswith("status suspended;")


def check_eurocities(frame: pl.DataFrame) -> None:
    assert frame.height == 3  # four listings, three Wikidata items
    izmir = row(frame, member_key="Q35997")
    assert (izmir["member_name"], izmir["wikidata_qid"], izmir["population"], izmir["country_name"]) == \
        ("İzmir", "Q35997", 4_493_242, "Turkey")
    assert izmir["latitude"] == pytest.approx(38.41) and izmir["detail"] == "listed as 'Izmir'"
    assert row(frame, member_key="Q932886")["population"] is None
    lyon = row(frame, member_key="Q456")
    assert lyon["source_row"] == 3 and "also listed as row 4: Lyon - listed as 'Grand Lyon'" in lyon["detail"]


def check_gpm(frame: pl.DataFrame) -> None:
    assert frame.height == 3 and set(frame["relation"]) == {"declaration"} and set(frame["role"]) == {"signatory"}
    amsterdam = row(frame, member_key="Q9899")
    assert (amsterdam["member_name"], amsterdam["country_name"], amsterdam["wikidata_qid"], amsterdam["detail"]) == \
        ("Amsterdam", "Netherlands", "Q9899", "Mayor of Amsterdam: Femke Halsema")
    no_qid = row(frame, member_name="Al-Hamdanyia district")
    assert (no_qid["member_key"], no_qid["wikidata_qid"]) == ("name:Al-Hamdanyia district|Iraq", None)
    assert row(frame, member_key="Q16677")["member_name"] == "Artés"


def check_unesco(frame: pl.DataFrame) -> None:
    assert frame.height == 3 and set(frame["role"]) == {"creative city"}
    ashgabat = row(frame, member_key="ashgabat")
    assert (ashgabat["member_name"], ashgabat["detail"], ashgabat["country_code"]) == ("Ashgabat", "Design", "TM")
    perth = row(frame, member_key="perth")  # Scotland: not the Australian Perth
    assert (perth["detail"], perth["country_code"], perth["source_row"]) == ("Crafts and Folk Art", "GB", 3)
    assert row(frame, member_key="gangneung")["country_code"] is None  # its description names no country


def check_p190_2016(frame: pl.DataFrame) -> None:
    assert frame["snapshot"].unique().to_list() == ["p190_2016"] and frame.height == 4
    first = row(frame, source_row=1)
    assert (first["city_qid"], first["twin_qid"], first["city_label"], first["relation_type"]) == \
        ("Q200166", "Q182059", None, "unspecified")
    # P190 is directed: Yokohama lists Mumbai and Mumbai lists Yokohama, two rows
    assert frame.filter(pl.col("city_qid").is_in(["Q38283", "Q1156"])).height == 2


def check_p190_eu_2017(frame: pl.DataFrame) -> None:
    assert frame["snapshot"].unique().to_list() == ["p190_eu_2017"] and frame.height == 3
    tarnovo = row(frame, city_label="Veliko Tarnovo")
    assert (tarnovo["city_country"], tarnovo["twin_label"], tarnovo["twin_country"], tarnovo["city_qid"]) == \
        ("Bulgaria", "Asti", "Italy", None)
    assert tarnovo["city_latitude"] == pytest.approx(43.082222222222)
    assert tarnovo["twin_longitude"] == pytest.approx(8.2069444444444) and tarnovo["source_row"] == 2
    assert row(frame, city_label="Frankfurt")["twin_latitude"] == pytest.approx(35.444166666667)


def check_p190_query_ui(frame: pl.DataFrame) -> None:
    assert frame["snapshot"].unique().to_list() == ["p190_query_ui"] and frame.height == 3
    la = row(frame, twin_label="Los Angeles")
    assert (la["city_qid"], la["city_label"], la["twin_qid"], la["source_row"]) == ("Q64", "Berlin", "Q65", 1)
    assert row(frame, city_qid="Q90")["twin_qid"] == "Q220"


def check_p190_live(frame: pl.DataFrame) -> None:
    assert frame["snapshot"].unique().to_list() == ["p190_live"] and frame.height == 2
    yokohama = row(frame, city_qid="Q38283")
    assert (yokohama["city_label"], yokohama["city_country"], yokohama["city_geonameid"]) == ("Yokohama", "JP", "1848354")
    assert (yokohama["twin_qid"], yokohama["twin_country"], yokohama["twin_geonameid"]) == ("Q456", "FR", None)
    assert yokohama["city_latitude"] == pytest.approx(35.444) and yokohama["city_longitude"] == pytest.approx(139.638)
    assert (yokohama["since_year"], yokohama["until_year"]) == (1959, None)
    kyiv = row(frame, city_qid="Q1899")
    assert (kyiv["twin_label"], kyiv["since_year"], kyiv["until_year"]) == ("Moscow", 1997, 2022)


def check_labels(frame: pl.DataFrame) -> None:
    assert frame.rows() == [("Q201391", "Kohtla-Järve", 1), ("Q1081996", "Brou", 2),
                            ("Q1794", "Frankfurt am Main", 3)]


@dataclass(frozen=True)
class Live:
    """One live file: its raw table and key, the path the loopback server serves it at, the
    body in the live layout, what the format check says of an HTML page, and its parsed values."""

    table: str
    key: str
    path: str
    body: bytes
    refusal: str
    check: Callable[[pl.DataFrame], None]
    query: str | None = None  # a WDQS query: the URL keeps it, pointed at the loopback server

    def point(self, server) -> tuple:
        table = raw_table(self.table)
        url = catalog.sparql_url(self.query, server.url(self.path)) if self.query else server.url(self.path)
        return table, dataclasses.replace(table.spec(self.key), url=url)


def csv_refusal(header: str) -> str:
    return f"response is not the expected CSV (header {header!r}...)"


CASES = {
    "c40_roster": Live("c40_roster__members", "c40_cities", "/data/processed/C40_cities.csv", C40_ROSTER_CSV,
                       csv_refusal("City,Country,iso_code"), check_c40_roster),
    "climactor": Live("climactor__members", "contextuals_dec2022",
                      "/data-raw/subnational_contextuals_database_Dec2022.csv", CLIMACTOR_CSV,
                      csv_refusal('"name","iso","entity_type"'), check_climactor),
    "covenant_of_mayors": Live("covenant_of_mayors__members", "df1_signatories", "/Data/df1_Signatories_2024.xlsx",
                               COVENANT_XLSX, "response is not an .xlsx workbook", check_covenant),
    "eurocities": Live("eurocities__members", "members", "/eurocities/members-wikidata-enriched.json",
                       EUROCITIES_JSON, "response is not JSON", check_eurocities),
    "gpm_declaration": Live("gpm_declaration__signatories", "signatures",
                            "/global-declaration-of-mayors-for-democracy/signatures.csv", GPM_CSV,
                            csv_refusal("city_name,country"), check_gpm),
    "unesco_creative_cities": Live("unesco_creative_cities__members", "members", "/DataScraper/data/data.csv",
                                   UNESCO_CSV, csv_refusal("City Name,Category"), check_unesco),
    "p190_2016": Live("wikidata_p190__twinnings", "p190_2016", "/sister-cities/relations.tsv", P190_2016_TSV,
                      "response is HTML, not data", check_p190_2016),
    "p190_eu_2017": Live("wikidata_p190__twinnings", "p190_eu_2017", "/lessoncities/data/sistercities.tsv",
                         P190_EU_2017_TSV, "response is HTML, not data", check_p190_eu_2017),
    "p190_query_ui": Live("wikidata_p190__twinnings", "p190_query_ui", "/sistercities/parser/tests/query.json",
                          P190_QUERY_UI_JSON, "response is HTML, not data", check_p190_query_ui),
    "p190_live": Live("wikidata_p190__twinnings", "p190_live", "/sparql", P190_LIVE_JSON,
                      "response is not SPARQL JSON results", check_p190_live, query=catalog.P190_LIVE_QUERY),
    "p190_labels": Live("wikidata_p190__labels", "names_2016", "/sister-cities/names.tsv", LABELS_TSV,
                        "response is not a QID list", check_labels),
}
each_fetcher = pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))


@pytest.fixture
def live(citywh_env, http_server, monkeypatch):
    """Live mode (always fetch), retries without waiting; the loopback server of tests/conftest.py."""
    monkeypatch.setenv("CITYWH_FETCH", "live")
    monkeypatch.setenv("CITYWH_HTTP_BACKOFF_MAX", "0")
    monkeypatch.delenv("CITYWH_HTTP_ATTEMPTS", raising=False)
    yield http_server
    _stop_now(http_server.httpd)


def _stop_now(httpd) -> None:
    """Stop the server's loop now: it looks for a shutdown only every 0.5 s, or when a connection
    wakes it. The fixture's own teardown then finds it stopped and closes it."""
    stopper = threading.Thread(target=httpd.shutdown, daemon=True)
    stopper.start()
    while stopper.is_alive():
        with contextlib.suppress(OSError):
            socket.create_connection(httpd.server_address, timeout=0.1).close()
        stopper.join(0.01)


def held(spec) -> list:
    return SnapshotStore(settings().store_dir).snapshots(spec)


def assert_fetch_error(error: FetchError, table, spec, *fragments: str) -> None:
    message = str(error)
    assert (error.source, error.url) == (table.source.name, spec.url)
    assert message.startswith(f"[{table.source.name}] fetch failed for {spec.url}: "), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# --- the catalog the cases are built on -------------------------------------------------------

def test_every_case_is_a_downloadable_file_of_its_table():
    """The fixtures cover the files named in the brief, and each is a file the catalog says is
    downloaded (not curated), whose source's module has its own fetch."""
    assert {(c.table, c.key) for c in CASES.values()} == {
        *((f"{s}__members", k) for s, k in (("c40_roster", "c40_cities"), ("climactor", "contextuals_dec2022"),
                                             ("covenant_of_mayors", "df1_signatories"), ("eurocities", "members"),
                                             ("unesco_creative_cities", "members"))),
        ("gpm_declaration__signatories", "signatures"),
        *(("wikidata_p190__twinnings", k) for k in ("p190_2016", "p190_eu_2017", "p190_query_ui", "p190_live")),
        ("wikidata_p190__labels", "names_2016")}
    for case in CASES.values():
        table = raw_table(case.table)
        spec = table.spec(case.key)
        assert not spec.curated and spec.url.startswith("https://")
        assert table.fetch.__module__ == f"ingest.sources.{table.source.name}"


# --- fetched, stored, parsed ------------------------------------------------------------------

@each_fetcher
def test_live_file_is_fetched_stored_and_parsed(live, case):
    table, spec = case.point(live)
    live.routes[case.path] = [(200, case.body)]
    snapshot = acquire(table, spec, settings())
    assert (snapshot.source, snapshot.key, snapshot.acquired_via) == (table.source.name, case.key, "live")
    assert snapshot.url == spec.url and snapshot.path.name == spec.filename
    assert snapshot.sha256 == sha256_of(case.body) and snapshot.path.read_bytes() == case.body
    assert snapshot.licence == table.origin.licence and snapshot.producer == table.origin.producer
    assert len(live.requests) == 1 and live.requests[0].split("?")[0] == case.path
    if case.query:  # the query travels with the request
        assert "query=SELECT" in live.requests[0] and "format=json" in live.requests[0]
    frame = table.parse(snapshot.path, spec)
    assert frame.schema == table.schema
    case.check(frame)


@each_fetcher
def test_a_busy_server_is_retried(live, case):
    table, spec = case.point(live)
    live.routes[case.path] = [(503, b"Service Unavailable"), (200, case.body)]
    snapshot = acquire(table, spec, settings())
    assert len(live.requests) == 2 and snapshot.sha256 == sha256_of(case.body)
    assert [s.sha256 for s in held(spec)] == [sha256_of(case.body)]


# --- failures ---------------------------------------------------------------------------------

@each_fetcher
def test_an_html_error_page_served_with_200_is_refused(live, case):
    table, spec = case.point(live)
    live.routes[case.path] = [(200, HTML_ERROR_PAGE)]
    with pytest.raises(FetchError) as caught:
        acquire(table, spec, settings())
    assert_fetch_error(caught.value, table, spec, case.refusal, "(starts b'<!DOCTYPE html>")
    assert len(live.requests) == 1  # refused by its format: not retried
    assert held(spec) == []  # nothing stored


@each_fetcher
def test_a_404_is_final(live, case):
    table, spec = case.point(live)
    live.routes[case.path] = [(404, b"404: Not Found"), (200, case.body)]
    with pytest.raises(FetchError) as caught:
        acquire(table, spec, settings())
    assert_fetch_error(caught.value, table, spec, "HTTP 404 Not Found")
    assert "gave up" not in str(caught.value)
    assert len(live.requests) == 1 and held(spec) == []


@each_fetcher
def test_a_failed_live_fetch_keeps_the_previous_good_snapshot(live, case, monkeypatch):
    table, spec = case.point(live)
    live.routes[case.path] = [(200, case.body)]
    good = acquire(table, spec, settings())
    store = SnapshotStore(settings().store_dir)
    store.mark(good, "landed", load_id="test", reason="landed by the test")
    # an error page, then a server down for good: each refused, and the good file kept as it was
    live.routes[case.path] = [(200, HTML_ERROR_PAGE)]
    with pytest.raises(FetchError, match="response is"):
        acquire(table, spec, settings())
    monkeypatch.setenv("CITYWH_HTTP_ATTEMPTS", "2")
    live.routes[case.path] = [(503, b"Service Unavailable")]
    with pytest.raises(FetchError, match="gave up after 2 attempts: HTTP 503 Service Unavailable"):
        acquire(table, spec, settings())
    assert [(s.sha256, s.path) for s in store.snapshots(spec)] == [(good.sha256, good.path)]
    assert good.path.read_bytes() == case.body and store.latest_good(spec).sha256 == good.sha256
    # auto mode without a bundle copy: the live fetch fails, the last good snapshot is served
    monkeypatch.setenv("CITYWH_FETCH", "auto")
    requests_before = len(live.requests)
    fallback = acquire(table, dataclasses.replace(spec, bundle_glob=None, package_file=None), settings())
    assert (fallback.sha256, fallback.path) == (good.sha256, good.path)
    # an optional (live-only) file is not fetched in auto mode at all; any other is tried first
    assert len(live.requests) - requests_before == (0 if spec.optional else 2)
    case.check(table.parse(fallback.path, spec))
