"""The live fetcher against a loopback HTTP server serving files in the live format."""

from __future__ import annotations

import dataclasses

import pytest
from worldbank_fixtures import SMALL_POPULATION, bulk_zip

from ingest.acquire import acquire
from ingest.config import settings
from ingest.errors import FetchError
from ingest.snapshots import SnapshotStore, sha256_of
from ingest.sources import raw_table

SOURCE = raw_table("worldbank__indicator_values")

PATH = "/v2/en/indicator/SP.POP.TOTL"


@pytest.fixture
def live(citywh_env, http_server, monkeypatch):
    """Live mode, with the World Bank URL pointed at the loopback server."""
    monkeypatch.setenv("CITYWH_FETCH", "live")
    spec = dataclasses.replace(SOURCE.spec("SP.POP.TOTL"),
                               url=http_server.url(PATH) + "?downloadformat=csv")
    return settings(), spec, http_server


def _nothing_stored_or_landed(current) -> None:
    assert not current.store_dir.exists() or not any(current.store_dir.rglob("*.meta.json"))
    assert not current.warehouse_path.exists()


def test_zip_is_fetched_stored_with_metadata_and_parsed(live):
    current, spec, server = live
    body = bulk_zip("SP.POP.TOTL", SMALL_POPULATION)
    server.routes[PATH] = [(200, body)]
    snapshot = acquire(SOURCE, spec, current)
    assert snapshot.sha256 == sha256_of(body) and snapshot.bytes == len(body)
    assert snapshot.acquired_via == "live" and snapshot.url == spec.url
    assert snapshot.licence == "CC BY 4.0" and snapshot.producer == "World Bank"
    assert snapshot.path.parent.parent.parent.name == "worldbank"  # <store>/worldbank/<date>/<sha16>/<file>
    assert snapshot.path.read_bytes() == body
    frame = SOURCE.parse(snapshot.path, spec)
    assert frame.filter(frame["country_code"] == "JPN")["value"].to_list() == [126_811_000, 126_633_000, 126_261_000]
    # the same bytes again: recognised, not stored twice
    again = acquire(SOURCE, spec, current)
    assert again.path == snapshot.path
    assert len(SnapshotStore(current.store_dir).snapshots(spec)) == 1


def test_server_error_is_retried_then_succeeds(live):
    current, spec, server = live
    server.routes[PATH] = [(500, b"oops"), (503, b"busy"), (200, bulk_zip("SP.POP.TOTL", SMALL_POPULATION))]
    snapshot = acquire(SOURCE, spec, current)
    assert len(server.requests) == 3
    assert snapshot.path.exists()


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, b"no such indicator", "HTTP 404"),
        (200, bulk_zip("SP.POP.TOTL", SMALL_POPULATION)[:-200], "zip"),
        (200, b"<html><body>Service unavailable</body></html>", "not a readable zip"),
        (200, bulk_zip("NY.GDP.MKTP.CD", SMALL_POPULATION), "no single API_SP.POP.TOTL_*.csv"),
    ],
    ids=["404", "truncated-zip", "not-a-zip", "wrong-member"],
)
def test_bad_responses_fail_clearly_and_land_nothing(live, status, body, reason):
    current, spec, server = live
    server.routes[PATH] = [(status, body)]
    with pytest.raises(FetchError) as caught:
        acquire(SOURCE, spec, current)
    message = str(caught.value)
    assert "[worldbank]" in message and spec.url in message and reason in message
    if status == 404:
        assert len(server.requests) == 1  # a 4xx is final: no retry
    _nothing_stored_or_landed(current)


def test_persistent_server_error_gives_up_after_the_retries(live, monkeypatch):
    monkeypatch.setenv("CITYWH_HTTP_ATTEMPTS", "3")
    current, spec, server = live
    server.routes[PATH] = [(502, b"bad gateway")]
    with pytest.raises(FetchError, match="gave up after 3 attempts: HTTP 502"):
        acquire(SOURCE, spec, current)
    assert len(server.requests) == 3
    _nothing_stored_or_landed(current)
