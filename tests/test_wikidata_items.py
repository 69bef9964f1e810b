"""wikidata_items: the one batched WDQS query for what Wikidata states of every twinned item
(GeoNames id, point, country): the parser's fold to one row per QID on an answer in the real
sparql-results+json layout, bad input, the fetcher against a loopback server, the GX suite and the
staging model (empty offline, one row per QID once landed)."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import duckdb
import polars as pl
import pytest
from wikidata_fixtures import _literal, _point, _uri, sparql_json

from ingest.acquire import acquire, acquire_all
from ingest.config import settings
from ingest import catalog
from ingest import warehouse as warehouse_db
from ingest.errors import FetchError, ParseError
from ingest.sources import raw_table
from ingest.sources import wikidata_p190 as wi

SOURCE = raw_table("wikidata_p190__items")
VARS = ["item", "itemLabel", "geonames", "coord", "country"]


def _item(qid: str, label: str, geonames: str | None = None, coord: dict | None = None,
          country: str | None = None) -> dict:
    binding = {"item": _uri(qid), "itemLabel": _literal(label)}
    if geonames is not None:
        binding["geonames"] = _literal(geonames, None)  # P1566 is an external id: a plain literal
    if coord is not None:
        binding["coord"] = coord
    if country is not None:
        binding["country"] = _literal(country, None)  # P297 too
    return binding


BERLIN_POINTS = (_point(13.383333333, 52.516666666), _point(13.4, 52.52))
ITEMS = sparql_json(VARS, [
    # London and Tokyo as Wikidata states them (P1566, P625, P17 -> P297)
    _item("Q84", "London", "2643743", _point(-0.1275, 51.507222222), "GB"),
    _item("Q1490", "Tokyo", "1850147", None, "JP"),  # the fixture leaves out Tokyo's point
    # two P1566 values x two P625 values come back as four bindings (the second id and point are
    # the fixture's, to exercise the fold): the smallest id, the first point
    *[_item("Q64", "Berlin", geonames, coord, "DE")
      for geonames in ("2950159", "2950157") for coord in BERLIN_POINTS],
    # two countries (P17 Israel and State of Palestine): no country
    _item("Q1218", "Jerusalem", "281184", _point(35.225555555, 31.778888888), "IL"),
    _item("Q1218", "Jerusalem", "281184", _point(35.225555555, 31.778888888), "PS"),
    # no country, no point, no GeoNames id: only the item and its label
    _item("Q38283", "Yokohama"),
])


def parse(tmp_path, content: bytes) -> pl.DataFrame:
    answer = tmp_path / "items_live.json"
    answer.write_bytes(content)
    return SOURCE.parse(answer, SOURCE.spec("items_live"))


def test_source_is_registered_live_only():
    assert SOURCE.name == "wikidata_p190__items"
    (spec,) = SOURCE.snapshots
    assert (spec.key, spec.optional, spec.bundle_glob) == ("items_live", True, None)
    assert spec.url.startswith("https://query.wikidata.org/sparql?query=")


def test_items_fold_to_one_row_per_qid(tmp_path):
    items = parse(tmp_path, ITEMS)
    assert items.schema == pl.Schema(wi.ITEMS)
    assert items.rows() == [
        ("Q84", "London", "GB", 51.507222222, -0.1275, 2643743, 1),
        ("Q1490", "Tokyo", "JP", None, None, 1850147, 2),
        ("Q64", "Berlin", "DE", 52.516666666, 13.383333333, 2950157, 3),
        ("Q1218", "Jerusalem", None, 31.778888888, 35.225555555, 281184, 7),
        ("Q38283", "Yokohama", None, None, None, None, 9),
    ]


def test_the_query_is_one_batched_query_over_every_twinned_item():
    query = " ".join(catalog.P190_ITEMS_QUERY.split())
    assert "{ SELECT DISTINCT ?item WHERE { ?item wdt:P190 ?twin } }" in query
    for clause in ("?item wdt:P1566 ?geonames", "?item wdt:P625 ?coord", "?item wdt:P17/wdt:P297 ?country"):
        assert f"OPTIONAL {{ {clause} }}" in query
    assert "VALUES" not in query and "LIMIT" not in query


# --- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("bindings", "where", "reason"), [
    ([_item("Q84", "London"), {"itemLabel": _literal("Tokyo")}],
     "binding 2, field 'item'", "binding 2 lacks required variable 'item'"),
    ([_item("Q84", "London"), _item("Q1490", "Tokyo", "1850147x")],
     "binding 2, field 'geonames'", "GeoNames id '1850147x' of Q1490 is not an unsigned integer"),
    ([_item("Q84", "London", "-2643743")],
     "binding 1, field 'geonames'", "GeoNames id '-2643743' of Q84 is not an unsigned integer"),
    ([_item("Q84", "London"), {"item": {"type": "uri", "value": "http://example.org/Q1490"},
                               "itemLabel": _literal("Tokyo")}],
     "binding 2, field 'item'",
     "item 'http://example.org/Q1490' is not a Wikidata entity (http://www.wikidata.org/entity/Q...)"),
    ([{"item": _uri("P190"), "itemLabel": _literal("twinned administrative body")}],
     "binding 1, field 'item'",
     "item 'http://www.wikidata.org/entity/P190' is not a Wikidata entity (http://www.wikidata.org/entity/Q...)"),
    ([_item("Q84", "London", coord=_point(-0.1275, 91.5))],
     "binding 1, field 'coord'",
     "coordinates 'Point(-0.1275 91.5)' of Q84 are out of range (latitude 91.5, longitude -0.1275)"),
    ([_item("Q84", "London", coord=_point(359.8725, 51.507222222))],
     "binding 1, field 'coord'", "coordinates 'Point(359.8725 51.507222222)' of Q84 are out of range"),
    ([_item("Q84", "London", coord={"type": "literal", "value": "<http://www.wikidata.org/entity/Q405> "
                                                                 "Point(-0.1275 51.5)"})],
     "binding 1, field 'coord'", "of Q84 are not a WKT Point(lon lat)"),
])
def test_bad_bindings_are_refused_naming_file_and_binding(tmp_path, bindings, where, reason):
    with pytest.raises(ParseError) as caught:
        parse(tmp_path, sparql_json(VARS, bindings))
    message = str(caught.value)
    assert message.startswith(f"[wikidata_p190] cannot parse {tmp_path / 'items_live.json'}, {where}: ")
    assert reason in message


def test_answer_without_the_item_variable_or_items_is_refused(tmp_path):
    file = tmp_path / "items_live.json"
    with pytest.raises(ParseError) as caught:
        parse(tmp_path, sparql_json(["city", "cityLabel"], [{"city": _uri("Q84"), "cityLabel": _literal("London")}]))
    assert str(caught.value) == (f"[wikidata_p190] cannot parse {file}: the query returns no "
                                 "variable(s) ['item', 'itemLabel'] (vars: ['city', 'cityLabel'])")
    with pytest.raises(ParseError) as caught:
        parse(tmp_path, sparql_json(VARS, []))
    assert str(caught.value) == f"[wikidata_p190] cannot parse {file}: no items"
    with pytest.raises(ParseError, match=r"^\[wikidata_p190\] cannot parse .*items_live\.json: "
                                         r"not SPARQL results JSON"):
        parse(tmp_path, b'[{"item": "http://www.wikidata.org/entity/Q84"}]')


# --- the fetcher -------------------------------------------------------------------------------

@pytest.fixture
def live(citywh_env, http_server, monkeypatch):
    monkeypatch.setenv("CITYWH_FETCH", "live")
    file = catalog.File(key="items_live", url=catalog.sparql_url(catalog.P190_ITEMS_QUERY, http_server.url("/sparql")),
                        filename="items_live.json", optional=True)
    pointed = dataclasses.replace(SOURCE, table=dataclasses.replace(SOURCE.table, files=(file,)))
    return settings(), http_server, pointed, pointed.spec("items_live")


def test_fetch_retries_a_busy_endpoint_and_sends_the_query(live):
    current, server, source, spec = live
    server.routes["/sparql"] = [(503, b"Service Unavailable"), (200, ITEMS)]
    snapshot = acquire(source, spec, current)
    assert len(server.requests) == 2  # the 503 was retried
    sent = parse_qs(urlsplit(server.requests[-1]).query)
    assert sent == {"query": [" ".join(catalog.P190_ITEMS_QUERY.split())], "format": ["json"]}
    assert snapshot.path.read_bytes() == ITEMS
    assert wi.parse_items(snapshot.path, spec)["qid"].to_list() == ["Q84", "Q1490", "Q64", "Q1218", "Q38283"]


def test_fetch_refuses_an_html_page(live):
    current, server, source, spec = live
    server.routes["/sparql"] = [(200, b"<!DOCTYPE html>\n<html><head><title>Wikimedia Error</title>")]
    with pytest.raises(FetchError) as caught:
        acquire(source, spec, current)
    assert str(caught.value).startswith(f"[wikidata_p190] fetch failed for {spec.url}: ")
    assert str(caught.value).endswith(
        "response is not SPARQL JSON results (starts b'<!DOCTYPE html>\\n<html><head><title>Wikim')")


def test_offline_the_live_only_snapshot_is_skipped(citywh_env):
    assert acquire_all(SOURCE, citywh_env) == []


# --- the GX suite and the staging model -------------------------------------------------------

def test_suite_passes_the_fixture_but_for_its_size(tmp_path):
    from ingest.validation import validate

    outcome = validate(SOURCE.name, parse(tmp_path, ITEMS))
    assert [line.split("(")[0] for line in outcome.failed] == ["expect_table_row_count_to_be_between"]
    bad = parse(tmp_path, ITEMS).with_columns(
        country_iso2=pl.when(pl.col("qid") == "Q84").then(pl.lit("UK")).otherwise("country_iso2"),
        geonameid=pl.when(pl.col("qid") == "Q1490").then(0).otherwise("geonameid"))
    failed = validate(SOURCE.name, bad).failed
    assert any(line.startswith("expect_column_values_to_be_in_set(column='country_iso2'")
               and "'UK' at qid='Q84'" in line for line in failed), failed
    assert any(line.startswith("expect_column_values_to_be_between(column='geonameid'")
               and "at qid='Q1490'" in line for line in failed), failed


def test_staging_model_empty_offline_then_one_row_per_qid(citywh_env, tmp_path):
    from ingest.dbt import run_dbt

    warehouse = citywh_env.warehouse_path
    assert warehouse_db.ensure_raw_tables(warehouse, [SOURCE]) == ["wikidata_p190__items"]

    def staged() -> list[tuple]:
        run_dbt(["build", "--select", "stg_wikidata_p190__items"], citywh_env)  # the model and its tests
        con = duckdb.connect(str(warehouse))
        try:
            return con.execute("select qid, label, country_iso2, latitude, longitude, geonameid, load_id "
                               "from staging.stg_wikidata_p190__items order by qid").fetchall()
        finally:
            con.close()

    assert staged() == []
    items = parse(tmp_path, ITEMS)
    with warehouse_db.connect(warehouse) as con:
        con.register("items", items.with_columns(_load_id=pl.lit("L1")).to_arrow())
        con.execute("insert into raw.wikidata_p190__items by name select * from items")
    rows = staged()
    assert [row[0] for row in rows] == ["Q1218", "Q1490", "Q38283", "Q64", "Q84"]
    assert rows[0] == ("Q1218", "Jerusalem", None, 31.778888888, 35.225555555, 281184, "L1")
    assert rows[3] == ("Q64", "Berlin", "DE", 52.516666666, 13.383333333, 2950157, "L1")
