"""The docker-compose stack and its image, checked without a Docker engine: the compose file
validates against the Compose spec, references only services it defines, bakes in no secret, and
the Dockerfile installs from uv.lock and compiles the dbt manifest."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE = REPO_ROOT / "docker-compose.yml"
AIRFLOW_SERVICES = {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker", "airflow-init"}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_validates_against_the_compose_spec():
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run([str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_referenced_service_and_volume_exists():
    spec = compose()
    services = spec["services"]
    assert AIRFLOW_SERVICES <= set(services)
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on undefined service {dependency}"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if not source.startswith(("/", ".", "$")):
                assert source in spec["volumes"], f"{name} mounts undefined volume {source}"
    api = services["airflow-apiserver"]
    assert api["command"] == "api-server" and "8080:8080" in api["ports"]
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "airflow-apiserver:8080/execution" in api["environment"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]


def test_bi_service_reads_the_serving_file_read_only():
    superset = compose()["services"]["superset"]
    assert superset["profiles"] == ["bi"]
    assert "citywh-data:/srv/citywh:ro" in superset["volumes"]
    assert "access_mode=read_only" in " ".join(superset["command"])


def test_no_secret_is_baked_in_and_every_variable_is_documented():
    text = COMPOSE.read_text()
    environment = compose()["x-airflow-common"]["environment"]
    for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        assert re.fullmatch(r"\$\{%s:\?.+\}" % key, environment[key]), key
    assert re.search(r"postgresql\+psycopg2://airflow:\$\{POSTGRES_PASSWORD:\?", text)
    documented = {line.split("=")[0] for line in (REPO_ROOT / ".env.example").read_text().splitlines()
                  if line and not line.startswith("#")}
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))  # $${X} is the container's own
    assert used - documented - {"CITYWH_IMAGE"} == set(), "variables used in compose but not in .env.example"
    for line in (REPO_ROOT / ".env.example").read_text().splitlines():
        if any(word in line for word in ("KEY=", "SECRET=", "PASSWORD=")):
            assert line.endswith("="), f".env.example must not carry a value: {line}"


def test_image_installs_from_the_lock_and_compiles_the_manifest():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert "uv sync --locked --no-dev --group deploy" in dockerfile
    assert "citywh manifest" in dockerfile
    assert "ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/citywh/dags" in dockerfile
