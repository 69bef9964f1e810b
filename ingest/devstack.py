"""A real, local Airflow for the end-to-end test and `citywh benchmark --airflow`: PostgreSQL from
Debian's binaries on a loopback port, `airflow db migrate`, then api-server, scheduler,
dag-processor and triggerer (the dbt node tasks are deferrable sensors; LocalExecutor) on this
repository's dags/, and the REST calls that drive it. Every process it starts is recorded by PID
and stopped on exit, on failure too. Development tooling: nothing in the pipeline imports it."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bindir() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def require_postgres_bindir() -> Path:
    bindir = postgres_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found: `make postgres-server` installs Debian's postgresql")
    return bindir


def ingest_dag_ids() -> list[str]:
    """Every ingest DAG the catalog declares, in its order (World Bank first)."""
    from ingest import catalog

    return [f"ingest_{declared.name}" for declared in catalog.DAGS]


class Postgres:
    """A throwaway PostgreSQL cluster. initdb refuses root, so as root it runs as `postgres`."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        # outside pytest's 0700 root-owned tmp so that the postgres user can reach it
        self.root = Path(tempfile.mkdtemp(prefix="citywh-pg-"))
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def start(self) -> str:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                  "-o", f"-p {self.port} -h 127.0.0.1 -k {self.root}", "start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "airflow")
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/airflow"

    def create_database(self, name: str) -> str:
        """A new database on this cluster; its libpq connection string (a lake's catalog)."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"dbname={name} host=127.0.0.1 port={self.port} user=postgres"

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class AirflowStack:
    def __init__(self, workdir: Path, citywh_env: dict[str, str]):
        self.workdir = workdir
        self.api_port = free_port()
        self.password = secrets.token_urlsafe(12)
        self.processes: dict[str, subprocess.Popen] = {}
        self.airflow = str(Path(sys.executable).with_name("airflow"))
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        home = workdir / "airflow"
        home.mkdir(parents=True, exist_ok=True)
        passwords = home / "simple_auth_manager_passwords.json"
        passwords.write_text(json.dumps({"admin": self.password}))
        from cryptography.fernet import Fernet

        self.env = {
            **os.environ,
            **citywh_env,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            # a throwaway stack on loopback: every visitor is admin, so a headless browser can
            # open the UI (/auth/token/login sets its cookie); the REST client still gets a token
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__BASE_URL": self.base_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            # as docker-compose.yml says why: a worker otherwise idles up to 5 s after a task
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",  # no usage metrics to scarf.sh
            "AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY": "False",  # as docker-compose.yml says why
            # no cron schedules: unpausing an ingest DAG creates no run; only the test's triggers
            # and the Asset-driven build run
            "CITYWH_SCHEDULES": "off",
            "DO_NOT_TRACK": "1",
        }

    def run(self, *args: str) -> str:
        done = subprocess.run([self.airflow, *args], env=self.env, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, sql_alchemy_conn: str) -> None:
        self.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = sql_alchemy_conn
        self.run("db", "migrate")
        self.run("pools", "set", "duckdb_writer", "1", "DuckDB single writer")
        for name in ("api-server", "scheduler", "dag-processor", "triggerer"):
            log = open(self.workdir / f"{name}.log", "w")
            self.processes[name] = subprocess.Popen(
                [self.airflow, name], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)  # own process group: stopped with its children
        self.wait_for(lambda: self._healthy(), timeout=180, what="the api-server to answer")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def token(self) -> str:
        response = httpx.post(f"{self.base_url}/auth/token",
                              json={"username": "admin", "password": self.password}, timeout=30)
        response.raise_for_status()
        return response.json()["access_token"]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.base_url}/api/v2", timeout=30,
                            headers={"Authorization": f"Bearer {self.token()}"})

    def dag_runs(self, client, dag_id: str) -> list[dict]:
        """The DAG's runs, the latest first."""
        response = client.get(f"/dags/{dag_id}/dagRuns", params={"order_by": "-run_after"})
        response.raise_for_status()
        return response.json()["dag_runs"]

    def task_instances(self, client, dag_id: str, run_id: str) -> list[dict]:
        """Every task instance of the run (the API hands out at most 100 per page)."""
        found: list[dict] = []
        while True:
            page = client.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                              params={"limit": 100, "offset": len(found)})
            page.raise_for_status()
            body = page.json()
            found += body["task_instances"]
            if not body["task_instances"] or len(found) >= body["total_entries"]:
                return found

    def wait_for_dags(self, client, dag_ids, timeout: float = 300) -> None:
        self.wait_for(lambda: {d["dag_id"] for d in client.get("/dags", params={"limit": 100}).json()["dags"]}
                      >= set(dag_ids), timeout=timeout, what="the dag-processor to parse every DAG")

    def trigger_and_wait(self, client, dag_ids, timeout: float = 900) -> None:
        """Unpause and trigger each DAG, then wait until the latest run of each succeeded."""
        for dag_id in dag_ids:
            client.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
            client.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": None}).raise_for_status()

        def finished():
            states = {d: (self.dag_runs(client, d) or [{}])[0].get("state") for d in dag_ids}
            failed = [d for d, s in states.items() if s == "failed"]
            if failed:
                raise RuntimeError(f"DAG run(s) failed: {failed}\n{self.log_tail('scheduler')}")
            return all(s == "success" for s in states.values())

        self.wait_for(finished, timeout=timeout, what=f"the runs of {list(dag_ids)}", interval=3)

    def wait_for_build(self, client, timeout: float = 1800) -> dict:
        """The asset-triggered warehouse_build run, once every queued one succeeded."""
        def published():
            runs = self.dag_runs(client, "warehouse_build")
            if any(r["state"] == "failed" for r in runs):
                raise RuntimeError(f"warehouse_build failed: {runs}\n{self.log_tail('scheduler')}")
            return runs if runs and all(r["state"] == "success" for r in runs) and \
                all(r["run_type"] == "asset_triggered" for r in runs) else None

        return self.wait_for(published, timeout=timeout, what="warehouse_build to publish", interval=3)[0]

    def page_texts(self, paths: list[str], profile_root: Path, at_once: int = 3) -> dict[str, str]:
        """Each UI page as Debian's headless Chromium renders it, as plain text (`at_once`
        browsers at a time, each through /auth/token/login, which admits everyone on this stack)."""
        chromium = shutil.which("chromium")
        if chromium is None:
            raise RuntimeError("chromium is not installed: `make chromium` (apt-get install -y chromium)")
        texts: dict[str, str] = {}
        for start in range(0, len(paths), at_once):
            browsers = {path: subprocess.Popen(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 f"--user-data-dir={profile_root / f'chromium-{start + n}'}", "--virtual-time-budget=15000",
                 "--dump-dom", f"{self.base_url}/auth/token/login?next={self.base_url}{path}"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                for n, path in enumerate(paths[start:start + at_once])}
            texts |= {path: _visible_text(browser.communicate(timeout=120)[0]) for path, browser in browsers.items()}
        return texts

    def wait_for(self, condition, *, timeout: float, what: str, interval: float = 2.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"airflow {name} exited ({process.returncode}) while waiting for "
                                       f"{what}:\n{self.log_tail(name)}")
            result = condition()
            if result:
                return result
            time.sleep(interval)
        raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}\n"
                           + "\n".join(f"--- {n} ---\n{self.log_tail(n)}" for n in self.processes))

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _visible_text(dom: str) -> str:
    import html
    import re

    dom = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom)))
