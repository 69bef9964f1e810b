from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# Airflow reads AIRFLOW_HOME when first imported: point it at a throwaway folder before any test
# imports it, so tests never touch ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="citywh-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# Fast retries for fetcher tests.
os.environ.setdefault("CITYWH_HTTP_BACKOFF_MAX", "0.05")

REPO_ROOT = Path(__file__).resolve().parent.parent
# Resolved like ingest.config resolves it, so paths compare equal through symlinks.
BUNDLE_DIR = (REPO_ROOT.parent / "shared" / "snapshots").resolve()


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest(tmp_path_factory) -> Path:
    """The manifest the build DAG renders from, rebuilt once per session so it matches the models."""
    from ingest.config import Settings
    from ingest.dbt import build_manifest

    home = tmp_path_factory.mktemp("manifest-home")
    return build_manifest(Settings(home=home, bundle_dir=BUNDLE_DIR, fetch_mode="offline"))


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    assert BUNDLE_DIR.is_dir(), f"the offline bundle must sit beside the checkout: {BUNDLE_DIR}"
    return BUNDLE_DIR


@pytest.fixture
def citywh_env(tmp_path, monkeypatch, bundle_dir):
    """A fresh warehouse home for one test, seeded from the real offline bundle."""
    monkeypatch.setenv("CITYWH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CITYWH_BUNDLE", str(bundle_dir))
    monkeypatch.setenv("CITYWH_FETCH", "auto")
    from ingest.config import settings

    return settings()


class ScriptedServer:
    """A loopback HTTP server answering each path with a scripted list of (status, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, bytes]]] = {}
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                outer.requests.append(self.path)
                script = outer.routes.get(self.path.split("?")[0], [(404, b"not found")])
                status, body = script.pop(0) if len(script) > 1 else script[0]
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
