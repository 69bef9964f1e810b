"""Roster and sister-city connectors: real facts from the real files, bad input, live fetchers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest
from wikidata_fixtures import EMPTY, MEMBERS, MEMBERS_MISSING_LABEL, TWINS

from ingest.acquire import acquire
from ingest.config import settings
from ingest.errors import ParseError
from ingest.catalog import p463_file
from ingest.sources import c40_roster, climactor, raw_table, wikidata_p190, wikidata_p463

P463 = raw_table("wikidata_p463__members")
TWINNINGS = raw_table("wikidata_p190__twinnings")


def parse_bundle(table_name, bundle_dir, key=None):
    table = raw_table(table_name)
    spec = table.spec(key) if key else table.snapshots[0]
    (path,) = sorted(bundle_dir.glob(spec.bundle_glob))[-1:]
    return table.parse(path, spec)


def p463_spec(network_id: str, network_qid: str, **endpoint):
    return P463.spec_of(p463_file(network_id, network_qid, **endpoint))


def member(frame: pl.DataFrame, name: str) -> dict:
    return frame.filter(pl.col("member_name") == name).row(0, named=True)


def test_c40_roster_count_and_members(bundle_dir):
    roster = parse_bundle("c40_roster__members", bundle_dir)
    assert roster.height == 79 and roster["network_id"].unique().to_list() == ["c40"]
    assert member(roster, "London")["country_code"] == "GB"
    assert member(roster, "Milan")["detail"] == "UN/LOCODE AU MEL"  # the source's wrong code, kept as given


def test_covenant_adhesion_dates_are_dates(bundle_dir):
    roster = parse_bundle("covenant_of_mayors__members", bundle_dir)
    assert roster.height == 11_973 and roster.schema["joined_on"] == pl.Date
    assert roster["joined_on"].min() == dt.date(2008, 1, 15)
    assert roster["joined_on"].max() == dt.date(2023, 12, 13)
    first = roster.filter(pl.col("member_key") == "20493").row(0, named=True)
    assert first["joined_on"] == dt.date(2010, 1, 26) and first["country_code"] == "NL"
    assert first["role"] == "signatory" and "CoM2020" in first["detail"]


def test_eurocities_and_gpm_fold_double_listings(bundle_dir):
    members = parse_bundle("eurocities__members", bundle_dir)
    assert members.height == 206  # 209 listings, 206 Wikidata items
    assert "also listed as row" in member(members, "Lyon")["detail"]
    declaration = parse_bundle("gpm_declaration__signatories", bundle_dir)
    assert declaration["relation"].unique().to_list() == ["declaration"]
    assert declaration.height == 250  # 252 signatures; San José and San Sebastián signed twice
    assert "Mirsa Samira Dominguez Lorenzo" in member(declaration, "San Jose")["detail"]


def test_unesco_fields(bundle_dir):
    cities = parse_bundle("unesco_creative_cities__members", bundle_dir)
    assert cities.height == 349
    assert dict(cities["detail"].value_counts().iter_rows())["Music"] == 75
    assert member(cities, "Ashgabat")["detail"] == "Design"


def test_climactor_non_utf8_line_is_decoded_not_lost(bundle_dir, tmp_path):
    real = bundle_dir / "networks" / "climactor_subnational_contextuals_Dec2022.csv"
    text, notes = climactor.decode_lines(real.read_bytes())
    assert list(notes) == [4555] and "not UTF-8" in notes[4555]
    # 0xCA is Mac Roman's no-break space: "Shizuoka Prefecture" survives, nothing is replaced
    assert '"Shizuoka\u00a0Prefecture"' in text.splitlines()[4554] and "\ufffd" not in text
    roster = parse_bundle("climactor__members", bundle_dir)
    assert raw_table("climactor__members").origin.non_commercial
    assert roster.filter((pl.col("network_id") == "c40") & (pl.col("member_name") == "London, UK")).height == 1
    # a member on such a line carries the note to the warehouse
    sample = tmp_path / "climactor.csv"
    header = ",".join(f'"{c}"' for c in climactor.HEADER)
    line = b'"Caf\x8e Town","FRA","City","France","1",1,48.1,2.2,20000,2015,"X","X","C40Cities2022","Europe"'
    sample.write_bytes(header.encode() + b"\n" + line + b"\n")  # 0x8E is Mac Roman's e-acute
    row = climactor.parse(sample, raw_table("climactor__members").snapshots[0]).row(0, named=True)
    assert row["member_name"] == "Café Town" and "line 2 is not UTF-8" in row["detail"]


def test_roster_bad_input(tmp_path):
    header_only = tmp_path / "C40_cities.csv"
    header_only.write_text("City,Country,iso_code,locode\n")
    with pytest.raises(ParseError, match=r"\[c40_roster\].*C40_cities.csv.*the roster is empty"):
        c40_roster.parse(header_only, raw_table("c40_roster__members").snapshots[0])
    twice = tmp_path / "twice.csv"
    twice.write_text("City,Country,iso_code,locode\nLima,Peru,PE,PE LIM\nLima,Peru,PE,PE LIM\n")
    with pytest.raises(ParseError, match=r"twice.csv, line 3.*'Lima' is listed twice for c40"):
        c40_roster.parse(twice, raw_table("c40_roster__members").snapshots[0])


def test_unknown_network_id_is_refused(tmp_path):
    answer = tmp_path / "members_atlantis.json"
    answer.write_bytes(MEMBERS)
    spec = p463_spec("atlantis_league", "Q999999999")
    with pytest.raises(ParseError, match=r"network id 'atlantis_league' is not in the network registry"):
        wikidata_p463.parse(answer, spec)


def test_sparql_answer_missing_a_binding(tmp_path):
    answer = tmp_path / "members_c40.json"
    answer.write_bytes(MEMBERS_MISSING_LABEL)
    with pytest.raises(ParseError) as caught:
        wikidata_p463.parse(answer, p463_spec("c40", "Q1"))
    assert caught.value.row == 2 and caught.value.field == "cityLabel"
    assert "binding 2 lacks required variable 'cityLabel'" in str(caught.value)
    answer.write_bytes(EMPTY)
    with pytest.raises(ParseError, match="the roster is empty"):
        wikidata_p463.parse(answer, p463_spec("c40", "Q1"))


def test_wikidata_members_live_against_a_local_server(citywh_env, http_server, monkeypatch):
    monkeypatch.setenv("CITYWH_FETCH", "live")
    spec = p463_spec("c40", "Q1009227", endpoint=http_server.url("/sparql"))
    http_server.routes["/sparql"] = [(500, b"busy"), (200, MEMBERS)]
    snapshot = acquire(P463, spec, settings())
    assert "query=" in snapshot.url and http_server.requests[-1].startswith("/sparql?query=")
    members = wikidata_p463.parse(snapshot.path, spec)
    london = member(members, "London")
    assert (london["wikidata_qid"], london["country_code"], london["joined_on"]) == ("Q84", "GB", dt.date(2005, 10, 1))
    assert london["latitude"] == pytest.approx(51.507222) and london["longitude"] == pytest.approx(-0.1275)
    assert member(members, "Yokohama")["latitude"] is None


def test_optional_live_files_are_skipped_offline(citywh_env):
    from ingest.acquire import acquire_all

    offline = dataclasses.replace(P463, table=dataclasses.replace(P463.table, files=(p463_file("c40", "Q1"),)))
    assert acquire_all(offline, citywh_env) == []


def test_twinning_extracts(bundle_dir):
    edges_2016 = parse_bundle("wikidata_p190__twinnings", bundle_dir, "p190_2016")
    both_ways = edges_2016.filter(pl.col("city_qid").is_in(["Q38283", "Q1156"])
                                  & pl.col("twin_qid").is_in(["Q38283", "Q1156"]))
    assert both_ways.height == 2  # Yokohama lists Mumbai and Mumbai lists Yokohama: one pair later
    eu = parse_bundle("wikidata_p190__twinnings", bundle_dir, "p190_eu_2017")
    frankfurt = eu.filter((pl.col("city_label") == "Frankfurt") & (pl.col("twin_label") == "Yokohama")).row(0, named=True)
    assert frankfurt["city_country"] == "Germany" and frankfurt["twin_country"] == "Japan"
    ui = parse_bundle("wikidata_p190__twinnings", bundle_dir, "p190_query_ui")
    assert ui.filter((pl.col("city_label") == "Berlin") & (pl.col("twin_label") == "Los Angeles")).height == 1


def test_live_twinning_query_format(tmp_path):
    answer = tmp_path / "p190_live.json"
    answer.write_bytes(TWINS)
    edges = wikidata_p190.parse_twinnings(answer, TWINNINGS.spec("p190_live"))
    first = edges.row(0, named=True)
    assert (first["city_label"], first["twin_label"], first["twin_country"]) == ("Yokohama", "Lyon", "FR")
    assert first["city_geonameid"] == "1848354" and first["city_latitude"] == pytest.approx(35.444)
    assert (first["since_year"], first["until_year"], first["relation_type"]) == (1959, None, "unspecified")
    assert edges.row(1, named=True)["twin_geonameid"] is None
    assert edges.row(1, named=True)["since_year"] is None
