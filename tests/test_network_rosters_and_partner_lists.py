"""C40's own member list, membership statements and the cities' partner lists: the curated files,
the live page formats (c40.org's homepage, Yokohama's list page), fetchers against a local server,
and bad input named by source, file and row."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from network_fixtures import C40_NAMES, YOKOHAMA_PARTNERS_AS_STORED, YOKOHAMA_SISTERS, c40_homepage, yokohama_exchange

from ingest.acquire import acquire
from ingest.config import CURATED_DIR, settings
from ingest.errors import FetchError, ParseError
from ingest.sources import raw_table

C40 = raw_table("c40_cities__members")
STATEMENTS = raw_table("membership_statements__members")
PARTNERSHIPS = raw_table("city_partner_lists__partnerships")
COUNTS = raw_table("city_partner_lists__stated_counts")


def curated(table, key):
    spec = table.spec(key)
    return table.parse(CURATED_DIR / spec.filename, spec)


def row(frame: pl.DataFrame, **where) -> dict:
    matches = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    assert matches.height == 1, (where, matches)
    return matches.row(0, named=True)


def test_c40_list_has_97_current_members_and_names_the_former():
    members = curated(C40, "members_2025")
    current = members.filter(pl.col("status") == "current")
    assert current.height == 97  # "C40 has 97 member cities"
    assert set(current["member_name"]) >= {"Yokohama", "Tokyo", "London", "Casablanca", "Dhaka (North & South)"}
    former = members.filter(pl.col("status") == "former")
    assert sorted(former["member_name"]) == ["Caracas", "Jaipur", "Kolkata", "Moscow", "Venice"]
    assert row(members, member_name="Casablanca")["country_name"] == "Morocco"
    assert set(members["as_of"]) == {dt.date(2025, 1, 1)}


def test_c40_homepage_is_read_from_its_visible_text(tmp_path):
    page = tmp_path / "c40_homepage.html"
    page.write_bytes(c40_homepage())
    members = C40.parse(page, C40.spec("homepage"))
    assert members.height == 97  # each carousel name appears twice on the page
    assert set(members["member_name"]) == set(C40_NAMES)
    assert {"Tel Aviv – Yafo", "Washington, DC", "Dhaka (North & South)"} <= set(members["member_name"])
    assert members["status"].unique().to_list() == ["current"] and members["as_of"].null_count() == 97


def test_c40_homepage_whose_names_and_counter_disagree_is_refused(tmp_path):
    page = tmp_path / "c40_homepage.html"
    page.write_bytes(c40_homepage(names=C40_NAMES[:-1], stated=97))
    with pytest.raises(ParseError, match=r"\[c40_cities\].*names 96 cities but the page says C40 has 97"):
        C40.parse(page, C40.spec("homepage"))
    page.write_bytes(c40_homepage(counter=False))
    with pytest.raises(ParseError, match='no counter "C40 has <n> member cities"'):
        C40.parse(page, C40.spec("homepage"))


def test_c40_homepage_fetched_live_and_an_error_page_refused(citywh_env, http_server, monkeypatch):
    monkeypatch.setenv("CITYWH_FETCH", "live")
    spec = dataclasses.replace(C40.spec("homepage"), url=http_server.url("/"))
    http_server.routes["/"] = [(503, b"busy"), (200, c40_homepage())]
    snapshot = acquire(C40, spec, settings())
    assert C40.parse(snapshot.path, spec).height == 97
    http_server.routes["/"] = [(200, b"<!DOCTYPE html><html><body>Please enable cookies</body></html>")]
    with pytest.raises(FetchError, match="lacks 'member cities'"):
        acquire(C40, spec, settings())


def test_a_live_c40_list_is_as_of_the_day_it_was_fetched(citywh_env, http_server, monkeypatch):
    from ingest.pipeline import _dated

    monkeypatch.setenv("CITYWH_FETCH", "live")
    spec = dataclasses.replace(C40.spec("homepage"), url=http_server.url("/"))
    http_server.routes["/"] = [(200, c40_homepage())]
    snapshot = acquire(C40, spec, settings())
    dated = _dated(C40.parse(snapshot.path, spec), spec.as_of, snapshot)
    assert dated["as_of"].unique().to_list() == [dt.date.fromisoformat(snapshot.fetched_at[:10])]


def test_membership_statements_cite_their_pages():
    statements = curated(STATEMENTS, "statements")
    yokohama = row(statements, network_id="mayors_for_peace", member_name="Yokohama")
    assert yokohama["as_of"] == dt.date(2019, 10, 1) and "joined 2010" in yokohama["detail"]
    assert yokohama["evidence_url"].startswith("https://www.mayorsforpeace.org/")
    taipei = row(statements, network_id="go_smart", member_name="Taipei")
    assert taipei["joined_on"] == dt.date(2019, 3, 27) and "Chair city" in taipei["role"]
    assert {"uclg_aspac", "uclg", "go_smart", "iclei", "citynet"} <= set(
        statements.filter(pl.col("member_name") == "Taipei")["network_id"])
    assert statements["evidence_url"].null_count() == 0


def test_curated_files_are_acquired_from_the_repository_offline(citywh_env):
    snapshot = acquire(STATEMENTS, STATEMENTS.spec("statements"), citywh_env)
    assert snapshot.acquired_via == "curated:ingest/curated/membership_statements.csv"
    assert snapshot.path.read_bytes() == (CURATED_DIR / "membership_statements.csv").read_bytes()


def test_partner_lists_type_and_date_each_tie():
    ties = curated(PARTNERSHIPS, "lists")
    yokohama = ties.filter(pl.col("city") == "Yokohama")
    by_type = dict(yokohama.group_by("relation_type").len().iter_rows())
    assert by_type == {"sister": 7, "friendship": 1, "partner": 5, "cooperation": 2}
    assert row(yokohama, partner="Shanghai")["relation_type"] == "friendship"
    assert row(yokohama, partner="San Diego")["since_year"] == 1957
    assert row(yokohama, partner="Incheon")["is_official_source"] is False  # a Korean newspaper
    taipei = ties.filter(pl.col("city") == "Taipei")
    assert row(taipei, partner="Houston")["since_year"] == 1961
    assert row(taipei, partner="Yokohama")["relation_type"] == "partner"
    counts = curated(COUNTS, "counts")
    assert row(counts, city="Taipei", relation_type="sister")["stated_count"] == 49
    assert row(counts, city="Yokohama", relation_type="partner")["stated_count"] == 7


def test_yokohama_list_page_in_its_live_format(tmp_path):
    page = tmp_path / "yokohama_exchange.html"
    page.write_bytes(yokohama_exchange(YOKOHAMA_SISTERS))
    ties = PARTNERSHIPS.parse(page, PARTNERSHIPS.spec("yokohama_live"))
    assert ties.height == 8
    assert row(ties, partner="上海")["relation_type"] == "friendship"
    assert row(ties, partner="上海")["since_year"] == 1973
    san_diego = row(ties, partner="サンディエゴ")
    assert (san_diego["partner_country"], san_diego["relation_type"], san_diego["since_year"]) == \
        ("United States", "sister", 1957)
    assert set(ties["page_date"]) == {dt.date(2024, 10, 21)} and ties["is_official_source"].all()


def test_a_cut_off_yokohama_list_is_refused_not_half_read(tmp_path):
    page = tmp_path / "yokohama_exchange.html"
    page.write_bytes(yokohama_exchange(YOKOHAMA_SISTERS, YOKOHAMA_PARTNERS_AS_STORED))
    with pytest.raises(ParseError) as caught:
        PARTNERSHIPS.parse(page, PARTNERSHIPS.spec("yokohama_live"))
    assert "[city_partner_lists]" in str(caught.value) and "パートナー都市" in str(caught.value)
    assert "names 2 cities but its heading says 7" in str(caught.value) and caught.value.row is not None


def test_yokohama_page_fetched_live_and_a_foreign_page_refused(citywh_env, http_server, monkeypatch):
    monkeypatch.setenv("CITYWH_FETCH", "live")
    spec = dataclasses.replace(PARTNERSHIPS.spec("yokohama_live"), url=http_server.url("/exchange.html"))
    http_server.routes["/exchange.html"] = [(200, yokohama_exchange(YOKOHAMA_SISTERS, YOKOHAMA_PARTNERS_AS_STORED))]
    snapshot = acquire(PARTNERSHIPS, spec, settings())
    assert "パートナー都市" in snapshot.path.read_text(encoding="utf-8")
    http_server.routes["/exchange.html"] = [(200, b"<!DOCTYPE html><html><body>Not found</body></html>")]
    with pytest.raises(FetchError, match=r"\[city_partner_lists\].*lacks 'パートナー都市'"):
        acquire(PARTNERSHIPS, spec, settings())


@pytest.mark.parametrize("table,key,line,reason", [
    (PARTNERSHIPS, "lists", "Yokohama,JP,Lyon,France,sister,1959,https://x,t,2024-10-21,yes,e",
     "is_official_source must be true or false"),
    (STATEMENTS, "statements", "mayors_for_peace,,Japan,,,current,2019,https://x,e", "member without a name"),
    (C40, "members_2025", "Atlantis,Nowhere,current,,2025-01-01,https://x,n\n"
     "Atlantis,Nowhere,current,,2025-01-01,https://x,n", "'Atlantis' is listed twice"),
])
def test_bad_curated_rows_are_named_by_file_and_row(tmp_path, table, key, line, reason):
    spec = table.spec(key)
    header = (CURATED_DIR / spec.filename).read_text(encoding="utf-8").splitlines()[0]
    bad = tmp_path / spec.filename
    bad.write_text(f"{header}\n{line}\n", encoding="utf-8")
    with pytest.raises(ParseError) as caught:
        table.parse(bad, spec)
    assert reason in str(caught.value) and str(bad) in str(caught.value)
    assert caught.value.row in (2, 3)


def test_curated_sources_are_never_downloaded():
    with pytest.raises(FetchError, match="a curated file"):
        STATEMENTS.fetch(STATEMENTS.spec("statements"))


def test_every_curated_file_the_catalog_names_exists():
    from ingest import catalog

    named = {f.filename for s in catalog.SOURCES for t in s.tables for f in t.file_list() if f.curated}
    assert named == {p.name for p in Path(CURATED_DIR).glob("*.csv")}
