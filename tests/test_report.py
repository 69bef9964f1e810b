"""citywh report: the HTML page holds what the serving file says, needs nothing from the network,
and its charts really draw, in a real headless Chromium (Debian's `chromium`; `make test` installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from ingest.errors import CitywhError
from ingest.report import parse_city, write_report

CHARTS = ["chart-influence", "chart-reach", "chart-city-0", "chart-city-1"]

# A serving file in small: the tables and columns the report reads, with real rows (Yokohama's
# typed ties from its own page, the top of a real ranking, real snapshot hashes).
SMALL_SERVING = """
create table dim_city (city_id varchar, geonameid bigint, city_name varchar, country_iso2 varchar,
    country_name varchar, latitude double, longitude double, gazetteer_population bigint);
insert into dim_city values
    ('gn:1848354', 1848354, 'Yokohama', 'JP', 'Japan', 35.43333, 139.65, 3777491),
    ('gn:2127436', 2127436, 'Yokohama', 'JP', 'Japan', 41.08333, 141.25, 4412),  -- in Aomori: no ties
    ('gn:1668341', 1668341, 'Taipei', 'TW', 'Taiwan', 25.05306, 121.52639, 7871900),
    ('gn:5391811', 5391811, 'San Diego', 'US', 'United States', 32.71571, -117.16472, 1394928),
    ('gn:2996944', 2996944, 'Lyon', 'FR', 'France', 45.74846, 4.84671, 522969),
    ('gn:1796236', 1796236, 'Shanghai', 'CN', 'China', 31.22222, 121.45806, 24874500),
    ('gn:1816670', 1816670, 'Beijing', 'CN', 'China', 39.9075, 116.39723, 18960744),
    ('gn:3451190', 3451190, 'Rio de Janeiro', 'BR', 'Brazil', -22.90642, -43.18223, 6747815),
    ('gn:745044', 745044, 'Istanbul', 'TR', 'Türkiye', 41.01384, 28.94966, 15701602),
    ('gn:2643743', 2643743, 'London', 'GB', 'United Kingdom', 51.50853, -0.12574, 8961989),
    ('gn:4699066', 4699066, 'Houston', 'US', 'United States', 29.76328, -95.36327, 2304580),
    ('unresolved:x', null, 'Nowhere Town', 'ZZ', null, null, null, null);

create table city_influence (geonameid bigint, city_name varchar, country_iso2 varchar,
    global_rank integer, rank_best integer, rank_worst integer, influence_score double, network_reach_proportional double,
    sister_city_pagerank double, demographic_score double, economic_score double,
    membership_count integer, sister_city_degree integer, population bigint, gdp_usd double,
    gdp_is_estimated boolean);
insert into city_influence values
    (3451190, 'Rio de Janeiro', 'BR', 1, 1, 1, 0.901, 0.968, 0.726, 0.938, 0.875, 3, 92, 13293172, 111839130017.97, false),
    (745044, 'Istanbul', 'TR', 2, 2, 2, 0.877, 0.981, 0.527, 0.944, 0.872, 4, 78, 14750771, 105983543579.0, false),
    (2643743, 'London', 'GB', 13, 13, 13, 0.834, 0.959, 0.210, 0.915, 0.953, 3, 33, 9046485, 436500000000.0, false),
    (1848354, 'Yokohama', 'JP', 63, 63, 63, 0.783, 0.900, 0.150, 0.880, 0.850, 5, 18, 3777491, 150000000000.0, true),
    (1668341, 'Taipei', 'TW', 1925, 1925, 1925, 0.622, 0.500, 0.300, 0.800, 0.700, 7, 68, 2700000, null, null);

create table dim_network (network_id varchar, network_name varchar, roster_status varchar,
    roster_as_of date, member_count bigint, former_member_count bigint, unconfirmed_member_count bigint,
    headline_member_count bigint, headline_as_of varchar);
insert into dim_network values
    ('c40', 'C40 Cities Climate Leadership Group', 'held', '2025-01-01', 97, 5, 7, 97, '2025-01'),
    ('eurocities', 'Eurocities', 'held', '2025-05-18', 206, 0, 0, null, null),
    ('mayors_for_peace', 'Mayors for Peace', 'not held', null, null, 0, 0, 8002, '2021-01-01');

create table fct_network_membership (network_id varchar, city_id varchar, membership_status varchar,
    role varchar, joined_on date, sources varchar);
insert into fct_network_membership values
    ('c40', 'gn:1848354', 'current', 'member', null, 'c40_cities, c40_roster, climactor'),
    ('c40', 'gn:3451190', 'current', 'member', null, 'c40_cities'),
    ('c40', 'gn:2643743', 'current', 'member', null, 'c40_cities'),
    ('c40', 'gn:745044', 'former', 'member', null, 'c40_cities'),                -- not on the map
    ('c40', 'unresolved:x', 'current', 'member', null, 'c40_cities'),            -- no coordinates
    ('eurocities', 'gn:2996944', 'current', 'member', null, 'eurocities'),
    ('eurocities', 'gn:2643743', 'current', 'member', null, 'eurocities'),
    ('mayors_for_peace', 'gn:1848354', 'current', 'member', '2010-01-01', 'membership_statements');

create table fct_city_tie (city_id varchar, city_name varchar, country_iso2 varchar,
    partner_name varchar, partner_country_iso2 varchar, relation_type varchar, since_year integer,
    stated_by_official_page boolean, sources varchar);
insert into fct_city_tie values
    ('gn:1848354', 'Yokohama', 'JP', 'San Diego', 'US', 'sister', 1957, true, 'city_partner_lists:lists'),
    ('gn:1848354', 'Yokohama', 'JP', 'Lyon', 'FR', 'sister', 1959, true, 'city_partner_lists:lists'),
    ('gn:1848354', 'Yokohama', 'JP', 'Shanghai', 'CN', 'friendship', 1973, true, 'city_partner_lists:lists'),
    ('gn:1848354', 'Yokohama', 'JP', 'Beijing', 'CN', 'partner', 2006, true, 'city_partner_lists:lists'),
    ('gn:1848354', 'Yokohama', 'JP', 'Bremen', 'DE', 'unspecified', null, false, 'wikidata_p190:p190_2016'),
    ('gn:1668341', 'Taipei', 'TW', 'Houston', 'US', 'sister', 1961, true, 'city_partner_lists:lists'),
    ('gn:1668341', 'Taipei', 'TW', 'Perth', 'AU', 'friendship', null, false, 'city_partner_lists:lists');

create schema meta;
create table meta.sources (source varchar, producer varchar, title varchar, licence varchar,
    licence_url varchar, landing_page varchar, non_commercial boolean, share_alike boolean);
insert into meta.sources values
    ('climactor', 'Data-Driven EnviroLab (ClimActor)', 'ClimActor subnational contextuals database',
     'Non-commercial use only, must cite (ClimActor_Readme.txt)', null, null, true, false),
    ('wikipedia_twin_towns', 'Wikipedia contributors', 'Lists of twin towns and sister cities',
     'CC BY-SA 4.0', 'https://creativecommons.org/licenses/by-sa/4.0/', null, false, true),
    ('worldbank', 'World Bank', 'World Development Indicators', 'CC BY 4.0', null, null, false, false);
create table meta.loads (load_id varchar, source varchar, raw_table varchar, snapshot_key varchar,
    snapshot_sha256 varchar, snapshot_fetched_at varchar, rows bigint, status varchar,
    finished_at timestamptz);
insert into meta.loads values
    ('l1', 'climactor', 'climactor__members', 'contextuals_dec2022',
     'd5ad88d76226aaaa', '2026-12-03T19:27:16+00:00', 16239, 'landed', '2026-12-03 19:27:43+00'),
    ('l2', 'wikipedia_twin_towns', 'wikipedia_twin_towns__pairs', 'pairs_2026_02',
     'e2d2e542f319bbbb', '2026-12-03T19:27:16+00:00', 26111, 'landed', '2026-12-03 19:27:48+00'),
    ('l3', 'worldbank', 'worldbank__indicator_values', 'SP.POP.TOTL',
     'older0000000cccc', '2026-11-01T10:00:00+00:00', 17000, 'landed', '2026-11-01 10:00:00+00'),
    ('l4', 'worldbank', 'worldbank__indicator_values', 'SP.POP.TOTL',
     '62ab92324e0bdddd', '2026-12-03T19:27:16+00:00', 17195, 'landed', '2026-12-03 19:27:23+00'),
    ('l5', 'worldbank', 'worldbank__indicator_values', 'SP.POP.TOTL',
     'rejected00000eee', '2026-12-04T08:00:00+00:00', 17195, 'quarantined', '2026-12-04 08:00:00+00');
"""


@pytest.fixture(scope="module")
def small_report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    serving = folder / "serving.duckdb"
    con = duckdb.connect(str(serving))
    try:
        con.execute(SMALL_SERVING)
    finally:
        con.close()
    return write_report(serving, folder / "out" / "citywh-report.html")


def test_report_says_what_the_serving_file_holds(small_report):
    page = small_report.read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("<h1>", 1)[1]))
    assert "5 cities ranked by the influence index; first is Rio de Janeiro, BR (score 0.901)" in text
    assert "97 current C40 members (roster as of 2025-01-01" in text
    assert "Yokohama, JP: rank 63 (score 0.783), 5 ties, 2 networks" in text
    assert "Taipei, TW: rank 1,925" in text
    for partner in ("San Diego", "Lyon", "Shanghai", "Beijing", "Bremen", "Houston", "Perth"):
        assert f"<td>{partner}</td>" in page
    assert "Mayors for Peace" in page and "2010-01-01" in page
    # provenance: the last landed snapshot of each file (not an older one, not a reject), and the flags
    assert "62ab92324e0bdddd" in page and "older0000000cccc" not in page and "rejected00000eee" not in page
    climactor = page[page.index("<b>climactor</b>"):page.index("<b>wikipedia_twin_towns</b>")]
    wikipedia = page[page.index("<b>wikipedia_twin_towns</b>"):page.index("<b>worldbank</b>")]
    worldbank = page[page.index("<b>worldbank</b>"):]
    assert 'class="flag nc"' in climactor and 'class="flag sa"' not in climactor
    assert 'class="flag sa"' in wikipedia and 'class="flag nc"' not in wikipedia
    assert "class=\"flag" not in worldbank.split("</tr>")[0]


def test_report_needs_nothing_from_the_network(small_report):
    page = small_report.read_text(encoding="utf-8")
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", page, flags=re.S | re.I)
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", markup, re.I)
    assert "cdn.jsdelivr" not in page and "@import" not in page
    assert "window.vegaEmbed=" in page  # the bundle itself, inline


def test_city_arguments():
    assert parse_city("Yokohama:JP") == ("Yokohama", "JP")
    assert parse_city(" São Paulo : br ") == ("São Paulo", "BR")
    for bad in ("Yokohama", "Yokohama:JPN", ":JP", "Yokohama:J1"):
        with pytest.raises(CitywhError, match="NAME:ISO2"):
            parse_city(bad)


def test_an_unknown_city_is_named(small_report, tmp_path):
    with pytest.raises(CitywhError, match="no city 'Atlantis' in GR"):
        write_report(small_report.parent.parent / "serving.duckdb", tmp_path / "r.html", (("Atlantis", "GR"),))


# HTML elements without an end tag (the DOM Chromium dumps closes every SVG element explicitly)
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Charts(HTMLParser):
    """Per chart container: its attributes and the ARIA descriptions of what it drew."""

    def __init__(self):
        super().__init__()
        self.charts: dict[str, dict] = {}
        self._stack: list[str | None] = []  # the chart each open element belongs to

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        chart = attrs.get("id") if str(attrs.get("id", "")).startswith("chart-") else \
            (self._stack[-1] if self._stack else None)
        if chart and chart not in self.charts:
            self.charts[chart] = {"attrs": attrs, "marks": Counter(), "labels": [], "svg_marks": 0}
        if chart:
            drawn = self.charts[chart]
            drawn["svg_marks"] += tag == "svg" and "marks" in (attrs.get("class") or "").split()
            if attrs.get("role") == "graphics-symbol":
                drawn["marks"][attrs.get("aria-roledescription")] += 1
                drawn["labels"].append(attrs.get("aria-label") or "")
        if tag not in _VOID:
            self._stack.append(chart)

    def handle_startendtag(self, tag, attrs):  # <x/>: opens nothing
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self._stack.pop()

    def handle_endtag(self, tag):
        if tag not in _VOID and self._stack:
            self._stack.pop()


def draw(page: Path, tmp_path: Path) -> tuple[str, dict[str, dict]]:
    """The page's DOM after Chromium ran its scripts (from file://, with no host resolvable), and
    its charts."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make chromium` (apt-get install -y chromium)")
    out = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--host-resolver-rules=MAP * ~NOTFOUND",  # no host resolves: whatever draws needed no network
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=10000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180)
    assert out.returncode == 0 and "</html>" in out.stdout, out.stderr[-2000:]
    parser = _Charts()
    parser.feed(out.stdout)
    return out.stdout, parser.charts


def assert_every_chart_drew(charts: dict[str, dict]) -> None:
    assert sorted(charts) == sorted(CHARTS)
    for name, drawn in charts.items():
        assert "data-error" not in drawn["attrs"], (name, drawn["attrs"]["data-error"])
        assert drawn["attrs"].get("data-rendered") == "true", name
        assert "vega-embed" in drawn["attrs"]["class"].split(), name
        assert drawn["svg_marks"] == 1 and drawn["marks"], name


def test_the_charts_draw_in_a_headless_browser(small_report, tmp_path):
    dom, charts = draw(small_report, tmp_path)
    assert_every_chart_drew(charts)
    # the ranking: one bar per city and component (5 cities x the score and its 4 components)
    assert charts["chart-influence"]["marks"]["bar"] == 5 * 5
    assert any("Rio de Janeiro" in label for label in charts["chart-influence"]["labels"])
    # the map: one point per current member with coordinates of a held network (C40 3, Eurocities 2)
    assert charts["chart-reach"]["marks"]["circle"] == 5
    assert any("city: Lyon" in label and "Eurocities" in label for label in charts["chart-reach"]["labels"])
    assert not any("Istanbul" in label for label in charts["chart-reach"]["labels"])  # former member
    # Yokohama: 4 relation types as bars, its 4 dated ties on the timeline
    yokohama = charts["chart-city-0"]
    assert (yokohama["marks"]["bar"], yokohama["marks"]["circle"]) == (4, 4)
    assert any(label.startswith("tie since: 1957; partner: San Diego, US; relation: sister")
               for label in yokohama["labels"])
    taipei = charts["chart-city-1"]["marks"]
    assert (taipei["bar"], taipei["circle"]) == (2, 1)  # Perth has no year
    assert "Yokohama, Japan: cooperation network" in dom and "San Diego" in dom


def test_the_report_of_the_real_serving_file(tmp_path):
    """On the warehouse the README describes (skipped before the first `citywh run`): a few
    seconds to write, a few to draw."""
    from ingest.config import settings

    serving = settings().serving_path
    if not serving.exists():
        pytest.skip(f"no serving file at {serving}: run `citywh run` first")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        first, ranked = con.execute("select arg_min(city_name, global_rank), count(*) "
                                    "from city_influence").fetchone()
        (c40,) = con.execute("select member_count from dim_network where network_id = 'c40'").fetchone()
    finally:
        con.close()
    page = write_report(serving, tmp_path / "citywh-report.html")
    dom, charts = draw(page, tmp_path)
    assert_every_chart_drew(charts)
    assert f"<b>{ranked:,}</b> cities ranked" in dom and f"<b>{first}," in dom
    assert f"<b>{c40:,}</b> current C40 members" in dom
    assert charts["chart-influence"]["marks"]["bar"] == 25 * 5
    assert charts["chart-reach"]["marks"]["circle"] > 10_000
    assert any(label.startswith("tie since: 1957; partner: San Diego, US; relation: sister")
               for label in charts["chart-city-0"]["labels"])
