# The two commands of the README: `make run` builds the whole warehouse, `make test` runs every test.
# Each installs what it needs from pyproject.toml + uv.lock (uv itself via pip if absent).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: install run test status clean

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --locked --compile-bytecode

run: install
	$(UV) run --no-sync citywh run

test: install
	$(UV) run --no-sync pytest

status:
	$(UV) run --no-sync citywh status

clean:
	rm -rf var dbt_project/target dbt_project/logs expectations/uncommitted
