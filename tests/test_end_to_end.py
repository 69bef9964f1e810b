"""The build command end to end, into a temporary directory, as a user runs it."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from background import start_citywh, wait_for
from bundle_overlays import bundle_without_london_in_c40_list
from ingest import publish
from ingest.config import settings

pytestmark = pytest.mark.slow  # `make test-quick` leaves these out; `make test` runs them


@pytest.fixture(scope="module")
def built(file_build):
    """The session's cold build (conftest.file_build): tests that change it work on a copy."""
    home, env, run = file_build
    return home, env, Path(sys.executable).with_name("citywh"), run


def _query(path: Path, sql: str, parameters=None):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, parameters).fetchall()
    finally:
        con.close()


def test_serving_file_answers_with_the_world_banks_values(built):
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    rows = _query(serving, "select * from country_indicators where country_code = 'JPN' and year = 2020")
    assert rows == [("JPN", "Japan", 2020, pytest.approx(5_055_587_093_501.588), 126_261_000,
                     pytest.approx(91.782), 115_884_871)]
    # aggregates are not countries
    assert _query(serving, "select count(*) from country_indicators where country_code in ('WLD', 'EUU', 'HIC')") == [(0,)]
    assert _query(serving, "select population from country_indicators where country_code = 'IND' and year = 1960") \
        == [(435_990_338,)]
    assert not os.stat(serving).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_every_view_in_the_serving_file_resolves(built):
    """The staging and intermediate views name their tables without the writer's catalog
    (`citywh`): in the published copy (catalog `serving`) they still read, for BI and analysts."""
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    views = _query(serving, "select schema_name, view_name from duckdb_views() where not internal")
    assert len(views) >= 20
    con = duckdb.connect(str(serving), read_only=True)
    try:
        for schema, view in views:
            con.execute(f'select * from "{schema}"."{view}" limit 1').fetchall()
        assert con.execute("select count(*) from intermediate.int_twinning_edges").fetchone()[0] > 10_000
    finally:
        con.close()


def test_serving_file_answers_the_city_questions(built):
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    top = _query(serving, "select wup_city_code, year, city_id, geonameid, city_name, country_iso3, "
                          "country_name, population from fct_city_population where year = 2018 "
                          "order by population desc limit 10")
    assert len(top) == 10
    assert top[0] == (21671, 2018, "gn:1850147", 1850147, "Tokyo", "JPN", "Japan", 37_468_302)
    assert [row[4] for row in top[1:3]] == ["Delhi", "Shanghai"]
    assert _query(serving, "select population, is_projection from fct_city_population "
                           "where city_name = 'Herat' and year in (1950, 2030) order by year") \
        == [(82_468, False), (pytest.approx(1_000_000, rel=0.2), True)]
    # the crosswalk resolved 1,813 of the 1,860 agglomerations, one city each; the other 47 stay,
    # each a city of its own
    assert _query(serving, "select count(*), count(distinct wup_city_code) from dim_city "
                           "where wup_city_code is not null") == [(1_813, 1_813)]
    assert _query(serving, "select count(*), count(distinct city_id) from fct_city_population "
                           "where geonameid is null and year = 2018") == [(47, 47)]
    assert _query(serving, "select gdp, currency, country_iso2 from fct_city_gdp "
                           "where source_city_name = 'Yokohama' and year = 2018") \
        == [(120_946_000_000.0, "USD", "JP")]
    assert _query(serving, "select country_iso3, continent_name from dim_country where country_iso2 = 'BO'") \
        == [("BOL", "South America")]
    licences = dict(_query(serving, "select source, licence from meta.sources"))
    assert licences["un_wup"] == "CC BY 3.0 IGO" and licences["geonames"] == "CC BY 4.0"
    flagged = _query(serving, "select source, non_commercial, share_alike from meta.sources "
                              "where non_commercial or share_alike order by source")
    assert flagged == [("climactor", True, False), ("wikipedia_twin_towns", False, True)]


LONDON_NETWORKS = """
    select n.network_name, m.role, m.relation, m.joined_on, m.sources
    from fct_network_membership m
    join dim_network n using (network_id)
    join dim_city c using (city_id)
    where c.city_name = 'London' and c.country_iso2 = 'GB'
    order by n.network_name"""
TWINS = """
    select other.city_name, other.country_iso2, p.relation_type, p.sources, p.asserted_by_both
    from fct_city_partnership p
    join dim_city other on other.city_id in (p.city_id_a, p.city_id_b) and other.city_id <> ?
    where ? in (p.city_id_a, p.city_id_b)
    order by other.city_name"""
C40_POPULATION_2018 = """
    select m.member_name, c.city_name, p.population as agglomeration_population_2018,
           g.reported_population as city_reported_population_2018
    from fct_network_membership m
    left join dim_city c using (city_id)
    left join fct_city_population p on p.geonameid = m.geonameid and p.year = 2018
    left join fct_city_gdp g on g.geonameid = m.geonameid and g.year = 2018
    where m.network_id = 'c40' and m.is_current
    order by p.population desc nulls last, m.member_name"""


def test_serving_file_answers_the_network_questions(built):
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    london = {row[0]: row[1:] for row in _query(serving, LONDON_NETWORKS)}
    assert london["C40 Cities Climate Leadership Group"] == ("member", "membership", None,
                                                            "c40_cities, c40_roster, climactor")
    assert london["Eurocities"][0] == "member"
    assert london["Global Parliament of Mayors"][:2] == ("signatory", "declaration")
    assert str(london["Covenant of Mayors (MyCovenant signatories)"][2]) == "2009-02-06"
    # UNESCO's "London" is London, Ontario: its own description says so
    assert _query(serving, "select count(*) from fct_network_membership "
                           "where network_id = 'unesco_creative_cities' and city_id = 'gn:2643743'") == [(0,)]
    assert _query(serving, "select c.country_iso2, c.admin1_name from fct_network_membership m "
                           "join dim_city c using (city_id) where m.network_id = 'unesco_creative_cities' "
                           "and m.member_name = 'London'") == [("CA", "Ontario")]
    assert len(london) == 5
    twins = _query(serving, TWINS, ["gn:1848354", "gn:1848354"])  # Yokohama
    # the Wikidata and Wikipedia twins, and the partners only Yokohama's own page names
    assert {t[0] for t in twins} == {"Balikpapan", "Bremen", "Chimbote", "Constanţa", "Frankfurt am Main",
                                     "Lyon", "Manila", "Mumbai", "Odesa", "San Diego", "Shanghai", "Vancouver",
                                     "Beijing", "Taipei", "Busan", "Incheon", "Cotonou", "Abidjan Autonomous District"}
    # Mumbai lists Yokohama and Yokohama lists Mumbai: one pair, asserted by both, in Wikidata
    # (2016), the Wikipedia lists (2026) and Yokohama's own page, which types it
    assert [t[2:] for t in twins if t[0] == "Mumbai"] == [
        ("sister", "city_partner_lists:lists, wikidata_p190:p190_2016, wikipedia_twin_towns:pairs_2026_02", True)]
    c40 = _query(serving, C40_POPULATION_2018)
    assert len(c40) == 97
    assert c40[0] == ("Tokyo", "Tokyo", 37_468_302, 13_843_403)  # agglomeration vs Tokyo-to
    yokohama = next(row for row in c40 if row[0] == "Yokohama")
    assert yokohama == ("Yokohama", "Yokohama", None, 3_779_391)  # inside Tokyo's agglomeration
    assert _query(serving, "select count(*) from fct_network_membership where non_commercial_only "
                           "and network_id = 'gcom'") == [(11_289,)]
    # which source gives which roster comes from the catalog, not from a hand-kept column
    assert _query(serving, "select network_id, roster_sources, roster_status from dim_network where roster_held "
                           "and network_id in ('c40', 'covenant_of_mayors', 'mayors_for_peace') order by 1") == [
        ("c40", "c40_cities, c40_roster, climactor", "held"),
        ("covenant_of_mayors", "climactor, covenant_of_mayors", "held"),
        ("mayors_for_peace", "membership_statements", "not held")]


def test_serving_file_ranks_cities_and_lists_cooperation(built):
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    top = _query(serving, "select city_name, global_rank, membership_count, sister_city_degree, "
                          "population, gdp_is_estimated from city_influence order by global_rank limit 20")
    assert len(top) == 20 and [row[1] for row in top] == list(range(1, 21))
    (london,) = _query(serving, "select global_rank, membership_count, sister_city_degree, population, "
                                "population_basis, gdp_usd, gdp_is_estimated, gdp_check, rank_best, rank_worst "
                                "from city_influence where geonameid = 2643743")
    # C40, Eurocities and the Global Covenant (its Covenant of Mayors signature is part of the
    # latter); WUP's agglomeration; the GDP London reported to C40 for 2019, verified
    assert london[1:8] == (3, 33, 9_046_485, "agglomeration (WUP 2018)", 436_516_000_000.0, False, "verified")
    assert london[8] <= london[0] <= london[9]
    # Paris's reported GDP is the Ile-de-France region's beside the city's 2.2 M people: rejected,
    # and the index estimates it from the agglomeration instead
    (paris,) = _query(serving, "select reported_gdp_usd, gdp_check, gdp_is_estimated, population "
                               "from city_influence where geonameid = 2988507")
    assert paris[0] == 775_000_000_000.0 and paris[1].startswith("rejected: GDP per head 8.7x") and paris[2]
    assert paris[3] == 10_900_952
    assert _query(serving, "select count(*) from city_influence where influence_score is null "
                           "or influence_score not between 0 and 1") == [(0,)]
    twins = {c for (c,) in _query(serving, """
        select case when city_a = 'Yokohama' then city_b else city_a end
        from city_cooperation where 'Yokohama' in (city_a, city_b)""")}
    assert {"Lyon", "Mumbai", "Vancouver", "Shanghai", "San Diego"} <= twins and "Paris" not in twins
    # one row per twinning, linear in twinnings (no co-member pairs stored: 152,061 of them at 1x)
    assert _query(serving, "select count(*), count(*) filter (where shared_network_count > 0) "
                           "from city_cooperation") == [(27_870, 4_634)]
    # Yokohama and Vancouver: sister cities, both in the C40 (96 resolved) and the Global Covenant
    assert _query(serving, "select twin_relation_type, shared_networks, round(cooperation_strength, 2) "
                           "from city_cooperation where (geonameid_a, geonameid_b) = (1848354, 6173331)") \
        == [("sister", "c40, gcom", 1.33)]
    # co-members pair, computed when queried, in the networks the registry declares selective,
    # whatever their size; the Global Covenant's 11,000 signatories pair with nobody for that alone
    co_members = dict(_query(serving, "select partner, string_agg(network_id, ',' order by network_id) "
                                      "from city_co_members where city = 'Yokohama' group by partner"))
    assert co_members["Paris"] == "c40" and "gcom" not in ",".join(co_members.values())
    assert _query(serving, "select network_id from dim_network where members_paired and network_id in "
                           "('c40', 'eurocities', 'gcom', 'mayors_for_peace') order by 1") == [("c40",), ("eurocities",)]
    assert _query(serving, "select members, members_resolved, countries from network_summary "
                           "where network_id = 'c40'") == [(97, 96, 50)]  # Ekurhuleni is no GeoNames place
    assert _query(serving, "select cities_300k_plus, largest_city from country_urbanization "
                           "where country_iso3 = 'JPN' and year = 2018") == [(33, "Tokyo")]


def test_the_index_agrees_with_published_global_city_rankings_at_the_top(built):
    """GaWC's 2024 Alpha++ and Alpha+ cities (the ten it ranks highest) rank near the top of the
    index, and the rank correlation with GaWC's 2024 classes is what docs/methodology.md reports."""
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    top_classes = dict(_query(serving, "select published_city_name, global_rank from influence_benchmark "
                                       "where ranking = 'gawc' and edition = 2024 and published_position <= 2"))
    assert set(top_classes) == {"London", "New York", "Hong Kong", "Beijing", "Singapore", "Shanghai",
                                "Sydney", "Paris", "Dubai", "Tokyo"}
    assert max(top_classes.values()) <= 60, top_classes  # of 26,287 ranked cities
    assert (top_classes["Beijing"], top_classes["Shanghai"], top_classes["New York"]) == (2, 4, 8)
    rho = _query(serving, "select distinct round(spearman_rank_correlation, 2) from influence_benchmark "
                          "where ranking = 'gawc' and edition = 2024")
    assert rho == [(0.52,)]
    # no city's GDP above its country's, no reported figure used unverified
    assert _query(serving, """select count(*) from city_influence i join dim_country k using (country_iso2)
                              join country_indicators n on n.country_code = k.country_iso3 and n.year = i.gdp_year
                              where i.gdp_usd > n.gdp_usd""") == [(0,)]
    assert _query(serving, "select count(*) from city_influence where not gdp_is_estimated "
                           "and gdp_check <> 'verified'") == [(0,)]


def test_run_reports_every_dbt_node_by_status(built):
    """The run's summary accounts for every node: all passed but the three exposures (no-op)."""
    *_, run = built
    summary = re.search(r"dbt build: (\d+) nodes, (\d+) passed, 3 no-op\n", run.stderr)  # progress
    assert summary, run.stderr[-2000:]
    assert int(summary[1]) == int(summary[2]) + 3


def test_the_last_line_of_a_run_is_a_query_that_works(built):
    """`citywh run` ends with a command to query the serving file; it runs on a fresh machine
    (no duckdb binary needed), read-only."""
    home, env, citywh, run = built
    command = re.search(r"uv run (citywh sql .+)$", run.stderr.strip().splitlines()[-1])
    assert command, run.stderr[-500:]
    top = subprocess.run([str(citywh), "sql", "--csv", "select city_name, global_rank from city_influence "
                          "order by global_rank limit 1"], env=env, capture_output=True, text=True)
    assert top.returncode == 0 and top.stdout.splitlines()[0] == "city_name,global_rank", top.stderr
    assert top.stdout.splitlines()[1].endswith(",1")
    population = subprocess.run([str(citywh), "sql", "--csv"], input="select population from fct_city_population "
                                "where city_name = 'Tokyo' and year = 2018;", env=env, capture_output=True, text=True)
    assert population.stdout.splitlines() == ["population", "37468302"], population.stderr
    write = subprocess.run([str(citywh), "sql", "drop table dim_city"], env=env, capture_output=True, text=True)
    assert write.returncode == 1 and "read-only" in write.stderr


def test_a_run_writes_the_report_and_both_docs_sites_and_status_links_them(built):
    """Beside the serving file, for people with a browser: the HTML report, dbt's docs (one
    static file: models, columns, lineage) and the Great Expectations Data Docs of the landing."""
    home, env, citywh, run = built
    report_dir = home / "report"
    report = (report_dir / "citywh-report.html").read_text(encoding="utf-8")
    assert "Mexico City" in report and "Yokohama" in report and "NON-COMMERCIAL" in report
    dbt_docs = (report_dir / "dbt-docs.html").read_text(encoding="utf-8")
    assert "influence_benchmark" in dbt_docs and "int_network_weights" in dbt_docs  # the manifest, inlined
    data_docs = report_dir / "data-docs"
    suites = {p.stem for p in (data_docs / "expectations").glob("*.html")}
    assert {"raw_worldbank__indicator_values", "raw_geonames__cities", "raw_c40_roster__members"} <= suites
    assert len(list((data_docs / "validations").rglob("*.html"))) >= 25  # every file the run landed
    # the console folds long lines: compare without white space
    assert f"GreatExpectationsDataDocs:{(data_docs / 'index.html').as_uri()}" in "".join(run.stderr.split())
    status = subprocess.run([str(citywh), "status"], env=env, capture_output=True, text=True)
    links = [line for line in status.stdout.splitlines() if line.split(":")[0] in ("report", "dbt docs", "Data Docs")]
    assert links == [f"report: {(report_dir / 'citywh-report.html').as_uri()}",
                     f"dbt docs: {(report_dir / 'dbt-docs.html').as_uri()}",
                     f"Data Docs: {(data_docs / 'index.html').as_uri()}"]


def test_status_shows_each_load_with_its_sha256(built, bundle_dir):
    home, env, citywh, _ = built
    out = subprocess.run([str(citywh), "status"], env=env, capture_output=True, text=True, check=True).stdout
    for csv in (bundle_dir / "worldbank").glob("API_*.csv"):
        assert hashlib.sha256(csv.read_bytes()).hexdigest() in out
    assert "country_indicators" in out and "last good (landed)" in out
    worldbank = [line for line in out.splitlines() if line.strip().startswith("│ worldbank")]
    assert len(worldbank) == 3 and all("17,095" in line or "17,195" in line or "13,979" in line for line in worldbank)


def test_second_run_lands_nothing_new(built):
    home, env, citywh, _ = built
    serving = home / "warehouse" / "serving.duckdb"
    before = serving.stat()
    again = subprocess.run([str(citywh), "run"], env=env, capture_output=True, text=True)
    assert again.returncode == 0
    # nothing new landed and no code changed: no dbt build, no publish
    assert "nothing changed since the last build" in again.stderr and "dbt build:" not in again.stderr
    assert (serving.stat().st_ino, serving.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # 3 World Bank files, 3 GeoNames tables, 2 WUP files, 1 C40 workbook, 8 rosters,
    # 3 twinning extracts and their labels, 2 Wikipedia twin-town files, 2 partner-list files:
    # all already landed
    assert again.stderr.count(": unchanged") == 25
    assert _query(home / "warehouse" / "citywh.duckdb", "select count(*) from meta.loads") == [(25,)]


def test_publish_swaps_under_an_open_reader(built, tmp_path, monkeypatch):
    """A reader that has the serving file open keeps its version; a new reader sees the new one."""
    copy, env, _ = _own_copy(built, tmp_path)
    monkeypatch.setenv("CITYWH_HOME", str(copy))
    serving = copy / "warehouse" / "serving.duckdb"
    writer = duckdb.connect(str(copy / "warehouse" / "citywh.duckdb"))
    try:  # a change in the writer only: what the next publish must carry to new readers
        writer.execute("create table meta.publish_probe as select 42 as answer")
    finally:
        writer.close()
    reader = duckdb.connect(str(serving), read_only=True)
    try:
        before = reader.execute("select count(*) from country_indicators").fetchone()
        publish.publish(settings())
        assert reader.execute("select count(*) from country_indicators").fetchone() == before
        assert reader.execute("select count(*) from information_schema.tables "
                              "where table_name = 'publish_probe'").fetchone() == (0,)
    finally:
        reader.close()
    assert _query(serving, "select answer from meta.publish_probe") == [(42,)]
    assert not list(serving.parent.glob("*.publishing"))  # no staging file left behind


def test_the_crosswalk_is_precise_on_the_labelled_set_and_keeps_every_city(built):
    from ingest import crosswalk_evaluation as evaluation

    home, env, citywh, _ = built
    serving = home / "warehouse" / "serving.duckdb"
    con = duckdb.connect(str(serving), read_only=True)
    try:
        matches = con.sql("select * from intermediate.int_city_matches").pl()
    finally:
        con.close()
    summary = evaluation.summarise(evaluation.score(matches, evaluation.read_labels()), ["entity_type"])
    precision = {r["entity_type"]: r["precision"] for r in summary.iter_rows(named=True)}
    assert set(precision) == {"network_member", "twinning_qid", "twinning_name", "un_wup_agglomeration"}
    assert min(precision.values()) >= 0.97, precision
    # the command prints the same measure
    printed = subprocess.run([str(citywh), "crosswalk", "--evaluate"], env=env, capture_output=True, text=True)
    assert printed.returncode == 0 and "precision" in printed.stdout
    # nothing dropped: every mentioned city is a dim_city row, resolved or not
    assert _query(serving, "select count(*) from intermediate.int_city_matches m "
                           "left join dim_city c using (city_id) where c.city_id is null") == [(0,)]
    # one Wikidata item per GeoNames city, unless recorded as an alias
    assert _query(serving, "select count(*) from (select geonameid from intermediate.int_city_matches "
                           "where wikidata_qid is not null and geonameid is not null and alias_of is null "
                           "group by geonameid having count(distinct wikidata_qid) > 1)") == [(0,)]


def test_namesakes_and_single_tokens_no_longer_collect_other_cities_ties(built):
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"

    def twins(city_id):
        return {(t[0], t[1]) for t in _query(serving, TWINS, [city_id, city_id])}

    assert twins("gn:286245") == set()  # Sur, Oman: no "-sur-" commune
    assert twins("gn:1264976") == set()  # Leh, India: no "le" commune
    assert twins("gn:3184935") == {("Campobasso", "IT")}  # Lezhë: not every "les/lès"
    assert twins("gn:2796696") == {("Kadaň", "CZ"), ("Mouvaux", "FR"), ("Werl", "DE")}  # Halle, Belgium
    perth_scotland = twins("gn:2640358")
    assert {("Aschaffenburg", "DE"), ("Bydgoszcz", "PL")} <= perth_scotland
    assert ("Kagoshima", "JP") in twins("gn:2063523") and ("Kagoshima", "JP") not in perth_scotland
    taipei = twins("gn:1668341")
    assert ("San José", "CR") in taipei and ("San Jose", "US") not in taipei
    assert {("Beijing", "CN"), ("New York City", "US"), ("Paris", "FR"), ("Seoul", "KR")} <= twins("gn:1850147")
    assert {("Mérida", "MX")} <= twins("gn:2513917")  # Mérida, Spain is its own city


def _own_copy(built, tmp_path):
    """A copy of the built warehouse home, for a test that changes it: tests stay independent."""
    home, env, citywh, _ = built
    copy = tmp_path / "home"
    shutil.copytree(home, copy, symlinks=True)
    return copy, {**env, "CITYWH_HOME": str(copy)}, citywh


def _mart_digests(serving: Path) -> dict[str, str]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        marts = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' order by 1").fetchall()]
        return {mart: con.execute(f"select md5(coalesce(string_agg(t::varchar, chr(10) order by t::varchar), '')) "
                                  f"from main.{mart} t").fetchone()[0] for mart in marts}
    finally:
        con.close()


def test_a_city_leaving_a_network_is_visible(built, bundle_dir, tmp_path):
    """A later C40 inventory list without London ends London's row of that list in the SCD2
    history, while C40's own list and ClimActor still list it. Only that roster's table and what
    depends on it are rebuilt, and the marts are those a full build gives."""
    home, env, citywh = _own_copy(built, tmp_path)
    overlay = bundle_without_london_in_c40_list(bundle_dir, tmp_path)
    env = {**env, "CITYWH_BUNDLE": str(overlay)}
    rerun = subprocess.run([str(citywh), "run"], env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    said = " ".join(rerun.stderr.split())
    assert "changed since the last build: c40_roster__members;" in said
    partial_nodes = int(re.search(r"dbt build: (\d+) nodes", said)[1])
    serving = home / "warehouse" / "serving.duckdb"
    partial = _mart_digests(serving)
    full = subprocess.run([str(citywh), "run", "--force"], env=env, capture_output=True, text=True)
    assert full.returncode == 0, full.stderr[-2000:]
    full_nodes = int(re.search(r"dbt build: (\d+) nodes", " ".join(full.stderr.split()))[1])
    assert partial_nodes < full_nodes * 0.6
    assert _mart_digests(serving) == partial
    history = _query(serving, """
        select is_current, valid_to is not null from fct_network_membership_history
        where network_id = 'c40' and roster_source = 'c40_roster' and member_key = 'London'""")
    assert history == [(False, True)]
    assert _query(serving, "select count(*) from fct_network_membership_history where network_id = 'c40' "
                           "and roster_source = 'c40_roster' and is_current") == [(78,)]
    london = {row[0]: row[1:] for row in _query(serving, LONDON_NETWORKS)}
    assert london["C40 Cities Climate Leadership Group"][3] == "c40_cities, climactor"


def _readme_queries() -> dict[str, str]:
    """The README's seed-question queries, by their '-- seed question: <name>' line."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
    return {re.search(r"-- seed question: (.+)", block)[1].strip(): block
            for block in blocks if "-- seed question:" in block}


def test_the_readme_answers_the_seed_articles_questions(built):
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    queries = _readme_queries()
    assert len(queries) == 6, sorted(queries)

    yokohama = _query(serving, queries["Yokohama's sister and partner cities"])
    by_type = {}
    for partner, _country, kind, since, _official in yokohama:
        by_type.setdefault(kind, []).append((partner, since))
    # the city's own page: 8 sister and friendship cities (Shanghai the friendship one), 7 partners
    assert by_type["friendship"] == [("Shanghai", 1973)]
    assert sorted(p for p, _ in by_type["sister"]) == ["Constanţa", "Lyon", "Manila", "Mumbai", "Odesa",
                                                       "San Diego", "Vancouver"]
    assert ("San Diego", 1957) in by_type["sister"]
    assert by_type["partner"] == [("Beijing", 2006), ("Taipei", 2006), ("Incheon", 2009),
                                  ("Frankfurt am Main", 2011), ("Busan", None)]

    counts = {(city, kind): (stated, held) for city, kind, stated, _as_of, held, _official
              in _query(serving, queries["what the cities say they have, against what the warehouse holds"])}
    assert counts[("Yokohama", "sister or friendship")] == (8, 8)
    assert counts[("Yokohama", "partner")] == (7, 5)
    assert counts[("Taipei", "sister")] == (49, 20)

    taipei = {kind: (n, partners) for kind, n, partners in
              _query(serving, queries["Taipei's sister, partner and friendship cities"])}
    assert taipei["partner"] == (1, "Yokohama")
    assert taipei["sister"][0] == 20 and {"Houston", "Prague", "Gold Coast", "Vilnius"} <= set(taipei["sister"][1].split(", "))
    assert taipei["friendship"][0] == 3

    c40 = _query(serving, queries["C40's current members"])
    assert abs(len(c40) - 97) <= 3  # C40's own count: "C40 has 97 member cities"
    assert {"Tokyo", "Yokohama", "London", "Casablanca"} <= {row[0] for row in c40}
    assert not {"Moscow", "Caracas", "Guadalajara"} & {row[0] for row in c40 if row[1] in ("RU", "VE", "ES")}
    former = _query(serving, "select member_name from fct_network_membership "
                             "where network_id = 'c40' and membership_status = 'former' order by 1")
    assert [row[0] for row in former] == ["Caracas", "Jaipur", "Kolkata", "Moscow", "Venice"]

    networks = {}
    for city, network, status, *_rest in _query(serving, queries["every network Yokohama and Taipei belong to"]):
        networks.setdefault(city, {})[network] = status
    assert networks["Yokohama"]["Mayors for Peace"] == "current"
    assert networks["Yokohama"]["C40 Cities Climate Leadership Group"] == "current"
    assert {"UCLG Asia-Pacific (UCLG-ASPAC)", "Global Organization of Smart Cities (GO SMART)"} <= set(networks["Taipei"])

    reach = {row[0]: row[1:] for row in _query(serving, queries["the networks with the widest reach"])}
    seed_networks = ["Mayors for Peace", "Metropolis (World Association of the Major Metropolises)",
                     "United Cities and Local Governments (UCLG)", "UCLG Asia-Pacific (UCLG-ASPAC)",
                     "Cities for Mobility", "Global Organization of Smart Cities (GO SMART)"]
    for name in seed_networks:  # no roster held: said so, with the network's own figure, never 0
        status, members, *_, headline, _as_of = reach[name]
        assert (status, members) == ("not held", None) and headline > 0, name
    assert reach["Mayors for Peace"][-2:] == (8_002, "2021-01-01")
    assert reach["C40 Cities Climate Leadership Group"][:3] == ("held", 97, 50)
    # no network reports 0 members unless its roster is held and empty
    assert _query(serving, "select count(*) from dim_network where member_count = 0") == [(0,)]


def test_a_covenant_signature_and_a_global_covenant_listing_count_once(built):
    home, *_ = built
    serving = home / "warehouse" / "serving.duckdb"
    both = _query(serving, """
        select count(*) from fct_network_membership a join fct_network_membership b using (city_id)
        where a.network_id = 'covenant_of_mayors' and b.network_id = 'gcom' and a.is_current and b.is_current
          and a.geonameid is not null""")[0][0]
    assert both > 1_000  # thousands of cities are listed in both
    overcounted = _query(serving, """
        with counted as (
            select m.geonameid, count(distinct coalesce(n.parent_network_id, m.network_id)) as networks
            from fct_network_membership m join dim_network n using (network_id)
            where m.is_current and m.relation = 'membership' and n.member_count is not null
              and m.geonameid is not null
            group by m.geonameid)
        select count(*) from city_influence i join counted c using (geonameid)
        where i.membership_count <> c.networks""")
    assert overcounted == [(0,)]
    london = _query(serving, "select membership_count from city_influence where city_name = 'London' "
                             "and country_iso2 = 'GB'")
    assert london == [(3,)]  # C40, Eurocities, Global Covenant (its Covenant of Mayors signature inside)


def test_one_writer_at_a_time_readers_never_fail_and_a_forced_rebuild_gives_identical_marts(built, tmp_path):
    """While a forced rebuild of the same snapshots runs: a second run stops at once with one line
    naming the holder, and readers querying the serving file throughout - DuckDB directly, and a BI
    tool's way (SQLAlchemy with duckdb-engine, read-only, running the README's seed-question
    queries) - never see an error or a half file. The rebuild's marts are the first build's: the
    build is deterministic."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    copy, env, citywh = _own_copy(built, tmp_path)
    serving = copy / "warehouse" / "serving.duckdb"
    holder = copy / "warehouse" / ".citywh.duckdb.lock.holder"
    bi = create_engine(f"duckdb:///{serving}", connect_args={"read_only": True}, poolclass=NullPool)
    readme_queries = list(_readme_queries().values())
    first_log = tmp_path / "first-run.log"
    first = start_citywh(env, first_log, "run", "--force")
    try:
        def holding() -> bool:  # the lock's holder file names the first run
            try:
                return f"pid {first.pid} " in holder.read_text()
            except FileNotFoundError:
                return False
        wait_for(holding)
        second = subprocess.run([str(citywh), "run"], env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        message = " ".join(second.stderr.split())
        assert f"is being written by pid {first.pid}" in message and "run again" in message
        queries, bi_queries, errors = 0, 0, []
        while first.poll() is None:
            try:
                assert _query(serving, "select count(*) from country_indicators")[0][0] > 10_000
                queries += 1
                with bi.connect() as connection:
                    rows = connection.execute(text(readme_queries[bi_queries % len(readme_queries)])).fetchall()
                assert rows, readme_queries[bi_queries % len(readme_queries)]
                bi_queries += 1
            except Exception as exc:  # noqa: BLE001 - any failure of a reader is the finding
                errors.append(repr(exc))
            time.sleep(0.02)
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0, first_log.read_text()[-2000:]
    assert queries > 20 and bi_queries > 20 and errors == []
    assert not list(serving.parent.glob("*.publishing"))
    assert "dbt build:" in first_log.read_text()  # rebuilt, not skipped as unchanged
    original, rebuilt = _mart_digests(built[0] / "warehouse" / "serving.duckdb"), _mart_digests(serving)
    assert len(original) >= 15 and rebuilt == original, {m for m in original if original[m] != rebuilt.get(m)}


@pytest.mark.parametrize("moment", ["landing", "dbt build"])
def test_kill_9_leaves_the_serving_file_and_the_warehouse_intact(built, bundle_dir, tmp_path, moment):
    """kill -9 while new files land, or while dbt builds: the serving file is the previous one,
    the writer opens, and the next run completes."""
    copy, env, citywh = _own_copy(built, tmp_path)
    serving = copy / "warehouse" / "serving.duckdb"
    before = _mart_digests(serving)
    env = {**env, "CITYWH_BUNDLE": str(bundle_without_london_in_c40_list(bundle_dir, tmp_path))}
    shutil.rmtree(copy / "dbt" / "logs", ignore_errors=True)  # the copied build's log says START too
    if moment == "landing":  # the changed C40 list waits, inside its landing transaction, to be killed
        env["CITYWH_DRILL_PAUSE"] = "landing"
    log = tmp_path / "killed-run.log"
    run = start_citywh(env, log, "run")
    marker = "drill: paused in landing" if moment == "landing" else "c40_roster/c40_cities: landed"
    wait_for(lambda: marker in log.read_text(errors="replace") or run.poll() is not None, seconds=300)
    if moment == "dbt build":  # killed once dbt is running its nodes
        dbt_log = copy / "dbt" / "logs" / "dbt.log"
        wait_for(lambda: dbt_log.exists() and " START " in dbt_log.read_text(errors="replace"))
    run.kill()
    run.wait(timeout=60)
    assert run.returncode == -9, log.read_text(errors="replace")[-2000:]
    assert _mart_digests(serving) == before  # readers still see the last good build
    con = duckdb.connect(str(copy / "warehouse" / "citywh.duckdb"))  # the writer opens, WAL replayed
    try:
        assert con.execute("select count(*) from raw.c40_roster__members").fetchone()[0] in (78, 79)
    finally:
        con.close()
    again = subprocess.run([str(citywh), "run"], env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr[-2000:]
    assert _query(serving, "select count(*) from fct_network_membership_history where network_id = 'c40' "
                           "and roster_source = 'c40_roster' and is_current") == [(78,)]
