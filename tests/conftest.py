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
    """The manifest the build DAG renders from, rebuilt once per session so it matches the models
    (once per pytest-xdist worker, one at a time: they share dbt_project/target/)."""
    from filelock import FileLock

    from ingest.config import DBT_MANIFEST_PATH, Settings
    from ingest.dbt import build_manifest

    home = tmp_path_factory.mktemp("manifest-home")
    DBT_MANIFEST_PATH.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(DBT_MANIFEST_PATH.parent / ".manifest.lock"):
        return build_manifest(Settings(home=home, bundle_dir=BUNDLE_DIR, fetch_mode="offline"))


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    assert BUNDLE_DIR.is_dir(), f"the offline bundle must sit beside the checkout: {BUNDLE_DIR}"
    return BUNDLE_DIR


@pytest.fixture(scope="session")
def file_build(tmp_path_factory, worker_id, bundle_dir):
    """One cold `citywh run` of the real bundle in a fresh file-mode home, shared by the test files
    that read a finished build (a test that changes it works on a copy): built once per session,
    by whichever pytest-xdist worker asks first, under a lock. (home, env, the run's
    CompletedProcess)."""
    import json
    import subprocess
    import sys

    from filelock import FileLock

    # the workers of one session share their base's parent; a serial session has its own base
    root = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    home, record = root / "file-build" / "home", root / "file-build" / "run.json"
    env = {**os.environ, "CITYWH_HOME": str(home), "CITYWH_BUNDLE": str(bundle_dir), "CITYWH_FETCH": "auto"}
    citywh = Path(sys.executable).with_name("citywh")
    with FileLock(str(root / "file-build.lock")):
        if not record.exists():
            run = subprocess.run([str(citywh), "run"], env=env, capture_output=True, text=True)
            record.write_text(json.dumps({"returncode": run.returncode, "stdout": run.stdout, "stderr": run.stderr}))
    run = subprocess.CompletedProcess([str(citywh), "run"], **json.loads(record.read_text()))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return home, env, run


class LinkedBundle:
    """The real offline bundle, linked (never copied) under a test's tmp_path; the World Bank files
    are linked one by one, so that a test can replace one with a revision of its own."""

    def __init__(self, root: Path, real: Path):
        self.path = root
        root.mkdir(parents=True)
        for folder in real.iterdir():
            if folder.is_dir() and folder.name != "worldbank":
                (root / folder.name).symlink_to(folder)
        (root / "worldbank").mkdir()
        for file in (real / "worldbank").glob("API_*.csv"):
            (root / "worldbank" / file.name).symlink_to(file)

    def revise_japan_urban_share_2020(self) -> Path:
        """Japan's 2020 urban share becomes 191.782 % (really 91.782 %): a value GX must refuse."""
        urban = next((self.path / "worldbank").glob("API_SP.URB.TOTL.IN.ZS_*.csv"))
        lines = urban.read_bytes().split(b"\n")
        japan = next(i for i, line in enumerate(lines) if line.startswith(b'"Japan"'))
        assert lines[japan].count(b',"91.782",') == 1  # 2020, and only 2020
        lines[japan] = lines[japan].replace(b',"91.782",', b',"191.782",')
        urban.unlink()
        urban.write_bytes(b"\n".join(lines))
        return urban


@pytest.fixture
def linked_bundle(tmp_path, bundle_dir) -> LinkedBundle:
    return LinkedBundle(tmp_path / "bundle", bundle_dir)


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
