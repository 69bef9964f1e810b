"""The city matcher on the real cities500 gazetteer: the traps of the issue (single-token parts,
alternate names, namesakes, neighbours, districts), the evidence it folds per entity, and the
one-city-per-Wikidata-item rule. Its precision on the hand-labelled set is measured on the real
build in test_end_to_end.py."""

from __future__ import annotations

import polars as pl
import pytest

from ingest.acquire import packaged_file
from ingest.crosswalk import POLICIES, Gazetteer, entities, fold, match, name_variants
from ingest.sources import geonames, raw_table


@pytest.fixture(scope="module")
def gazetteer(bundle_dir) -> Gazetteer:
    spec = raw_table("geonames__cities").snapshots[0]
    cities = geonames.parse_cities(packaged_file(spec)[0], spec).rename(
        {"name": "city_name", "country_code": "country_iso2"})
    admin1 = geonames.parse_admin1_codes(bundle_dir / "geonames" / "world-cities.csv",
                                   raw_table("geonames__admin1_codes").snapshots[0]) \
        .rename({"country_code": "country_iso2", "name": "admin1_name"})
    return Gazetteer(cities, admin1)


def resolve_one(gazetteer, entity_type, name, country=None, lat=None, lon=None, **extra) -> dict:
    query = pl.DataFrame([{"entity_type": entity_type, "entity_key": "k", "names": [name],
                           "country_iso2": country, "latitude": lat, "longitude": lon, **extra}])
    return match(query, gazetteer, POLICIES).row(0, named=True)


def test_fold_and_name_variants():
    assert fold("Xi'an") == fold("XIAN") == "xian"
    assert fold("Łódź") == "lodz" and fold("Gießen") == "giessen"
    assert name_variants("Al-Qahirah (Cairo)", parenthesis_is_other_name=True)[0] == ("Cairo", None)
    # in a twinning list "(Berlin)" only says where the district lies
    assert name_variants("Neukölln (Berlin)") == [("Neukölln", "Berlin")]
    assert name_variants("Xi'an, Shaanxi") == [("Xi'an", "Shaanxi")]
    assert [v for v, _ in name_variants("New York-Newark", composite=True)] == ["New York", "Newark"]
    # a hyphenated commune is never split outside composite agglomeration names
    assert name_variants("Boulogne-sur-Mer") == []


@pytest.mark.parametrize("entity_type, name, country, lat, lon, geonameid, method", [
    ("un_wup_agglomeration", "New York-Newark", "US", 40.7128, -74.0060, 5128581, "name_part"),
    ("un_wup_agglomeration", "Al-Qahirah (Cairo)", "EG", 30.0444, 31.2357, 360630, "name_part"),
    ("un_wup_agglomeration", "Kinki M.M.A. (Osaka)", "JP", 34.6937, 135.5022, 1853909, "name_part"),
    ("un_wup_agglomeration", "Xi'an, Shaanxi", "CN", 34.2583, 108.9286, 1790630, "name_part"),
    ("un_wup_agglomeration", "Raurkela", "IN", 22.2604, 84.8536, 1258315, "name_near_point"),
    ("network_member", "München", "DE", None, None, 2867714, "alternate_name"),
    ("network_member", "Merano/Meran", "IT", 46.67, 11.16, 3173577, "name_part"),
    ("network_member", "Temse 2030", "BE", 51.12, 4.21, 2785778, "name_part"),
    # a district is itself, not its city (Berlin is 2950159)
    ("twinning_name", "Neukölln (Berlin)", "DE", None, None, 2864695, "name_part"),
    ("twinning_name", "Perth", "GB", 56.39, -3.43, 2640358, "name"),
    ("twinning_name", "San José", "CR", None, None, 3621849, "name"),
    ("twinning_qid", "Boulogne-sur-Mer", None, None, None, 3031133, "name"),
])
def test_names_resolve_to_the_right_city(gazetteer, entity_type, name, country, lat, lon, geonameid, method):
    found = resolve_one(gazetteer, entity_type, name, country, lat, lon)
    assert (found["geonameid"], found["method"]) == (geonameid, method), found


@pytest.mark.parametrize("entity_type, name, country, lat, lon, why", [
    # a small member next to a bigger town is not that town (Almàssera is not in cities500)
    ("network_member", "Almassera", "ES", 39.5108, -0.3553, "no GeoNames place named like"),
    # "Victoria" is no alternate name of Hong Kong while places are named Victoria
    ("twinning_qid", "Victoria", None, None, None, "no country to tell them apart"),
    ("twinning_qid", "Salisbury", None, None, None, "no country to tell them apart"),
    # a district without an entry of its own is not its city
    ("twinning_name", "Xicheng (Beijing)", "CN", None, None, "does not tell apart"),
    # a point alone never decides: nothing is named like it near the point
    ("network_member", "Twin Cities Region", "US", 44.962, -93.18, "no GeoNames place named like"),
])
def test_evidence_that_does_not_decide_leaves_the_city_unresolved(gazetteer, entity_type, name, country,
                                                                  lat, lon, why):
    found = resolve_one(gazetteer, entity_type, name, country, lat, lon)
    assert found["geonameid"] is None and why in found["reason"], found


def test_a_neighbours_point_does_not_take_the_member(gazetteer):
    # Scisciano's point; Nola, the bigger neighbour, is 5 km away
    found = resolve_one(gazetteer, "network_member", "Scisciano", "IT", 40.9167, 14.4833)
    assert (found["geonameid"], found["matched_name"]) == (6535298, "Scisciano")


def test_a_misplaced_point_is_overruled_only_by_an_agreeing_population(gazetteer):
    # Covenant of Mayors puts Pomigliano d'Arco 43 km off; its population agrees with GeoNames'
    agrees = resolve_one(gazetteer, "network_member", "Pomigliano d'Arco", "IT", 40.5432, 14.2313,
                         population=40_500)
    assert agrees["geonameid"] == 3170341 and "km off" in agrees["reason"]
    silent = resolve_one(gazetteer, "network_member", "Pomigliano d'Arco", "IT", 40.5432, 14.2313)
    assert silent["geonameid"] is None


def test_worldwide_names_need_a_dominant_namesake(gazetteer):
    paris = resolve_one(gazetteer, "twinning_qid", "Paris")
    assert paris["geonameid"] == 2988507 and "more populous" in paris["reason"]
    # Mérida: Mexico's is larger, but not overwhelmingly; Spain's and Venezuela's exist
    assert resolve_one(gazetteer, "twinning_qid", "Mérida")["geonameid"] is None
    assert resolve_one(gazetteer, "twinning_name", "Mérida", "ES")["geonameid"] == 2513917


def test_wikidata_items_share_a_city_only_as_aliases(gazetteer):
    queries = pl.DataFrame([
        {"entity_type": "twinning_qid", "entity_key": "Q2211", "names": ["Malmö"], "country_iso2": "SE",
         "wikidata_qid": "Q2211"},
        {"entity_type": "network_member", "entity_key": "eurocities:Q503361", "names": ["Malmö Municipality"],
         "country_iso2": "SE", "wikidata_qid": "Q503361"},
        {"entity_type": "network_member", "entity_key": "gpm_declaration:Q816339", "names": ["Belen Gualcho"],
         "country_iso2": "HN", "wikidata_qid": "Q816339"},
        {"entity_type": "network_member", "entity_key": "gpm_declaration:Q2355084", "names": ["Belen"],
         "country_iso2": "HN", "wikidata_qid": "Q2355084"},
    ])
    found = {r["entity_key"]: r for r in match(queries, gazetteer, POLICIES).iter_rows(named=True)}
    assert found["Q2211"]["geonameid"] == found["eurocities:Q503361"]["geonameid"] == 2692969
    assert found["eurocities:Q503361"]["alias_of"] == "Q2211"
    # "Belen" is only an alternate name of Belén Gualcho: a different item, no shared label
    assert found["gpm_declaration:Q816339"]["geonameid"] == 3614797
    assert found["gpm_declaration:Q2355084"]["geonameid"] is None
    assert "claimed more strongly by Q816339" in found["gpm_declaration:Q2355084"]["reason"]


def test_un_agglomerations_claim_a_city_once(gazetteer):
    queries = pl.DataFrame([
        {"entity_type": "un_wup_agglomeration", "entity_key": "1", "names": ["Belo Horizonte"],
         "country_iso2": "BR", "latitude": -19.92, "longitude": -43.94},
        {"entity_type": "un_wup_agglomeration", "entity_key": "2", "names": ["Vale do Aço (Belo Horizonte)"],
         "country_iso2": "BR", "latitude": -19.92, "longitude": -43.94},
    ])
    found = {r["entity_key"]: r for r in match(queries, gazetteer, POLICIES).iter_rows(named=True)}
    assert found["1"]["geonameid"] == 3470127 and found["2"]["geonameid"] is None
    assert "claimed more strongly by 1" in found["2"]["reason"]


def mention(key, **fields):
    row = dict.fromkeys(("evidence", "name", "country_name", "country_iso2", "latitude", "longitude",
                         "point_precision", "population", "geonameid_hint", "wikidata_qid"))
    return {**row, "entity_type": "twinning_qid", "entity_key": key, "evidence": "test", **fields}


def test_entities_fold_the_evidence_of_every_mention():
    frame = entities(pl.DataFrame([
        mention("Q1", name="Perth", country_name="United Kingdom", latitude=56.39, longitude=-3.43,
                point_precision="exact"),
        mention("Q1", name="Perth", country_name="Scotland, United Kingdom"),
        mention("Q1", name="Perth", country_name="Australia"),
        mention("Q1", name="Perth", country_name="United Kingdom", latitude=-31.95, longitude=115.86,
                point_precision="approximate"),
        mention("Q2", name="Victoria", country_name="Canada"),
        mention("Q2", name="Victoria", country_name="Seychelles"),
    ], schema_overrides={"population": pl.Int64, "geonameid_hint": pl.Int64}))
    perth, victoria = frame.row(0, named=True), frame.row(1, named=True)
    # 3 of 4 say GB (a constituent country counts as its sovereign); the exact point wins
    assert (perth["country_iso2"], perth["latitude"]) == ("GB", 56.39)
    assert victoria["country_iso2"] is None and "disagree" in victoria["country_note"]


def test_a_geonames_id_stated_by_the_source_decides(gazetteer):
    # live Wikidata gives Q49236 (St. Petersburg, Florida) its P1566; the label alone would not
    found = resolve_one(gazetteer, "twinning_qid", "Saint Petersburg", geonameid_hint=4171563,
                        wikidata_qid="Q49236")
    assert (found["geonameid"], found["method"], found["matched_name"]) == (4171563, "geonames_id",
                                                                          "St. Petersburg")


def test_the_name_index_is_kept_for_unchanged_inputs_only(bundle_dir, tmp_path):
    """The index read back from the cache matches as the one just built; a changed gazetteer
    (another row, or the same rows in another order: no) builds and keeps a new one."""
    spec = raw_table("geonames__cities").snapshots[0]
    cities = geonames.parse_cities(packaged_file(spec)[0], spec).rename(
        {"name": "city_name", "country_code": "country_iso2"}).filter(pl.col("country_iso2") == "BE")
    built = Gazetteer(cities, cache_dir=tmp_path)
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert len(kept) == 2
    shuffled = Gazetteer(cities.sample(fraction=1.0, shuffle=True, seed=7), cache_dir=tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == kept
    assert shuffled.names.sort(pl.all()).equals(built.names.sort(pl.all()))
    assert resolve_one(shuffled, "network_member", "Temse 2030", "BE", 51.12, 4.21)["geonameid"] == 2785778
    Gazetteer(cities.head(100), cache_dir=tmp_path)
    assert len(list(tmp_path.iterdir())) == 2 and sorted(p.name for p in tmp_path.iterdir()) != kept
