"""The docker-compose stack and its image, checked without a Docker engine: the compose file
validates against the Compose spec, references only services it defines, bakes in no secret,
publishes ports on loopback only, logs users in through the FAB auth manager and carries the lake
mode (MinIO, the catalog database, `citywh lake init`); the Dockerfile installs from uv.lock,
compiles the dbt manifest and installs the DuckDB extensions."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE = REPO_ROOT / "docker-compose.yml"
AIRFLOW_SERVICES = {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                    "airflow-triggerer", "airflow-worker", "airflow-init"}
AIRFLOW_CONTAINERS = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                      "airflow-worker", "airflow-init"}
BIND = "${CITYWH_BIND_ADDRESS:-127.0.0.1}"
LAKE_VARIABLES = ("CITYWH_LAKE_CATALOG", "CITYWH_LAKE_DATA", "CITYWH_LAKE_S3_ENDPOINT",
                  "CITYWH_LAKE_S3_ACCESS_KEY_ID", "CITYWH_LAKE_S3_SECRET_ACCESS_KEY", "CITYWH_LAKE_S3_USE_SSL",
                  "CITYWH_LAKE_S3_REGION")
EXTENSIONS = ("ducklake", "postgres", "parquet", "httpfs")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def environment(service: dict) -> dict:
    """A service's environment as a mapping (the compose file writes them as mappings)."""
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment is written as a mapping"
    return env


def script(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else "\n".join(command)


def locked_version(package: str) -> str:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    (version,) = {p["version"] for p in lock["package"] if p["name"] == package}
    return version


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
    assert api["command"] == "api-server" and f"{BIND}:8080:8080" in api["ports"]
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert "airflow-apiserver:8080/execution" in api["environment"]["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]


def test_bi_service_reads_the_serving_file_read_only():
    superset = compose()["services"]["superset"]
    assert superset["profiles"] == ["bi"]
    assert "citywh-data:/srv/citywh:ro" in superset["volumes"]
    assert "access_mode=read_only" in " ".join(superset["command"])


def test_bi_service_reads_the_storage_format_of_the_locked_duckdb():
    """Superset's duckdb must read what the image's duckdb (uv.lock) writes: the same version."""
    duckdb = locked_version("duckdb")
    assert duckdb == "1.5.5"
    pins = re.findall(r"\bduckdb==([\w.]+)", script(compose()["services"]["superset"]))
    assert pins == [duckdb], f"superset installs duckdb {pins}, the image (uv.lock) has {duckdb}"
    assert f'"duckdb=={duckdb}"' in (REPO_ROOT / "pyproject.toml").read_text()


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
    # the api-server's secret key signs sessions and log requests: one, from .env, for every container
    assert re.fullmatch(r"\$\{AIRFLOW__API__SECRET_KEY:\?.+\}", environment["AIRFLOW__API__SECRET_KEY"])


def test_optional_services_do_not_require_their_variables_at_compose_level():
    """Compose interpolates every service, enabled or not, before it applies profiles: a `${X:?}` in
    a profile's service would stop `docker compose up` in file mode. Those check in their command."""
    for name, service in compose()["services"].items():
        if service.get("profiles"):
            text = yaml.safe_dump(service)
            assert not re.search(r"(?<!\$)\$\{[A-Z_][A-Z0-9_]*:?\?", text), f"{name} requires a variable"
    for name in ("minio", "minio-init"):
        body = script(compose()["services"][name])
        assert "$${MINIO_ROOT_USER:?" in body and "$${MINIO_ROOT_PASSWORD:?" in body, name


def test_airflow_logs_in_through_the_fab_auth_manager():
    spec = compose()
    env = spec["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__AUTH_MANAGER"] == \
        "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
    text = COMPOSE.read_text()
    assert "SimpleAuthManager" not in text and "SIMPLE_AUTH_MANAGER" not in text
    assert "passwords.json" not in text and "airflow-auth" not in spec["volumes"]
    init = spec["services"]["airflow-init"]
    body = script(init)
    assert re.search(r"airflow users create --role Admin --username \"\$\$\{AIRFLOW_ADMIN_USER\}\"", body)
    assert '--password "$${AIRFLOW_ADMIN_PASSWORD}"' in body
    assert body.index("airflow db migrate") < body.index("airflow users create")  # FAB tables first
    assert environment(init)["AIRFLOW_ADMIN_USER"] == "${AIRFLOW_ADMIN_USER:-admin}"
    assert re.fullmatch(r"\$\{AIRFLOW_ADMIN_PASSWORD:\?.+\}", environment(init)["AIRFLOW_ADMIN_PASSWORD"])
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert any(d.startswith("apache-airflow-providers-fab") for d in project["dependency-groups"]["deploy"])


def test_every_published_port_is_bound_to_the_configured_address():
    published = 0
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert isinstance(port, str) and port.startswith(f"{BIND}:"), f"{name} publishes {port}"
            published += 1
    assert published >= 3  # airflow 8080, superset 8088, minio console 9001
    assert "CITYWH_BIND_ADDRESS=127.0.0.1" in (REPO_ROOT / ".env.example").read_text().splitlines()


def test_minio_and_its_bucket_job_run_only_with_the_lake_profile():
    services = compose()["services"]
    minio, init = services["minio"], services["minio-init"]
    assert minio["profiles"] == ["lake"] and init["profiles"] == ["lake"]
    assert minio["image"].startswith("minio/minio") and init["image"].startswith("minio/mc")
    assert "healthcheck" in minio and "minio-data:/data" in minio["volumes"]
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    assert "mc mb --ignore-existing" in script(init)
    # airflow-init waits for the bucket when the profile is on, and ignores it when it is off
    dependency = services["airflow-init"]["depends_on"]["minio-init"]
    assert dependency == {"condition": "service_completed_successfully", "required": False}
    for name, service in services.items():
        if name not in ("minio", "minio-init"):
            for dependency, spec in service.get("depends_on", {}).items():
                if dependency in ("minio", "minio-init"):
                    assert spec.get("required") is False, f"{name} needs the lake profile to start"


def test_the_lake_settings_reach_every_airflow_container_with_file_as_default():
    spec = compose()
    common = spec["x-airflow-common"]["environment"]
    assert common["CITYWH_WAREHOUSE"] == "${CITYWH_WAREHOUSE:-file}"
    for variable in LAKE_VARIABLES:
        assert common[variable].startswith("${%s:-" % variable), variable  # .env overrides, never required
    assert "dbname=citywh_lake host=postgres user=airflow password=${POSTGRES_PASSWORD" \
        in common["CITYWH_LAKE_CATALOG"]
    assert common["CITYWH_LAKE_DATA"] == "${CITYWH_LAKE_DATA:-s3://citywh-lake/data/}"
    assert common["CITYWH_LAKE_S3_ENDPOINT"] == "${CITYWH_LAKE_S3_ENDPOINT:-minio:9000}"
    assert common["CITYWH_LAKE_S3_USE_SSL"] == "${CITYWH_LAKE_S3_USE_SSL:-false}"
    assert common["CITYWH_LAKE_S3_REGION"] == "${CITYWH_LAKE_S3_REGION:-us-east-1}"
    for name in AIRFLOW_CONTAINERS:
        env = environment(spec["services"][name])
        for variable in ("CITYWH_WAREHOUSE", *LAKE_VARIABLES):
            assert env[variable] == common[variable], f"{name} lacks {variable}"
    documented = (REPO_ROOT / ".env.example").read_text().splitlines()
    assert "CITYWH_WAREHOUSE=file" in documented


def test_the_worker_scales():
    """`docker compose up -d --scale airflow-worker=2`: no fixed name, no published port."""
    worker = compose()["services"]["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["command"] == "celery worker"
    assert "--scale airflow-worker=2" in (REPO_ROOT / "docs" / "deployment.md").read_text()


def test_init_creates_the_lake_catalog_only_in_lake_mode():
    body = script(compose()["services"]["airflow-init"])
    lake_block = re.search(r'if \[ "\$\$\{CITYWH_WAREHOUSE\}" = ducklake \]; then\n(.*?)\nfi\n', body, re.S)
    assert lake_block, "the lake steps run only when CITYWH_WAREHOUSE=ducklake"
    steps = lake_block.group(1)
    assert "CREATE DATABASE" in steps and "pg_database" in steps and "psycopg2" in steps
    assert steps.index("CREATE DATABASE") < steps.index("citywh lake init")  # the database first
    assert body.count("citywh lake init") == 1 and "CREATE DATABASE" not in body.replace(steps, "")
    assert body.index("airflow db migrate") < body.index(lake_block.group(0))
    # only the init job initialises the catalog: no long-running service runs it
    for name, service in compose()["services"].items():
        if name != "airflow-init" and "command" in service:
            assert "lake init" not in script(service), name


def test_image_installs_from_the_lock_and_compiles_the_manifest():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert "uv sync --locked --no-dev --group deploy" in dockerfile
    assert "citywh manifest" in dockerfile
    assert "ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/citywh/dags" in dockerfile


def test_image_installs_the_lake_extensions_for_the_runtime_user():
    """DuckDB cannot download extensions at run time: the image installs them from the locked
    duckdb-extension-* wheels into /opt/airflow/.duckdb, the home of whoever runs the containers."""
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    joined = dockerfile.replace("\\\n", "")
    install = re.search(r"HOME=/opt/airflow python -c \"([^\"]*import_extension[^\"]*)\"", joined)
    assert install, "the extensions are installed with HOME=/opt/airflow"
    installed = re.search(r"for e in \(([^)]*)\)", install.group(1)).group(1)
    assert [e.strip(" '") for e in installed.split(",")] == list(EXTENSIONS)
    # after the last `uv sync` (the wheels are there), before the chown to the runtime user
    assert dockerfile.rindex("uv sync --locked") < dockerfile.index("import_extension") \
        < dockerfile.index("chown -R 50000:0 /var/lib/citywh /opt/airflow")
    assert "ENV HOME=/opt/airflow" in dockerfile
    for extension in EXTENSIONS:
        assert locked_version(f"duckdb-extension-{extension}") == locked_version("duckdb")
