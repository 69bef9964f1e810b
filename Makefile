# The two commands of the README: `make run` builds the whole warehouse, `make test` runs every test.
# Each installs what it needs from pyproject.toml + uv.lock (uv itself via pip if absent).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: install postgres-server chromium run report test test-quick status manifest benchmark clean

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --locked --compile-bytecode
	@# the dbt manifest the Airflow build DAG renders, and the parse state every build starts from
	$(UV) run --no-sync citywh manifest
	@# the report's JavaScript (vega-embed), bundled once per installation
	$(UV) run --no-sync python -c "from ingest.report import javascript_bundle; javascript_bundle()"

run: install
	$(UV) run --no-sync citywh run

# The Airflow end-to-end test runs a real PostgreSQL from Debian's server binaries.
postgres-server:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  { echo "installing Debian's postgresql (server binaries for the Airflow end-to-end test)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) || \
	    echo "could not install postgresql: tests/test_airflow_e2e.py will fail"; }

# The report test draws the HTML report in a real headless browser: Debian's chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 || \
	  { echo "installing Debian's chromium (headless browser for tests/test_report.py)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	    echo "could not install chromium: tests/test_report.py will fail"; }

# Test files run in parallel workers (pytest-xdist, one file per worker: a file's module fixtures,
# such as the Airflow stack or the built warehouse, are built once). TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 3

test: install postgres-server chromium
	$(UV) run --no-sync pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

# The inner loop: everything but the tests marked slow (whole builds, Airflow, the bad-input corpus).
test-quick: install chromium
	$(UV) run --no-sync pytest -m "not slow" -n $(TEST_WORKERS) --dist loadfile

report: install
	$(UV) run --no-sync citywh report

manifest: install
	$(UV) run --no-sync citywh manifest

benchmark: install postgres-server
	$(UV) run --no-sync citywh benchmark --builds 3 --airflow --lake

status:
	$(UV) run --no-sync citywh status

clean:
	rm -rf var dbt_project/target dbt_project/logs expectations/uncommitted
