"""The dbt project's YAML says what its authors meant: no property swallowed by YAML's flow syntax."""

from __future__ import annotations

import yaml

from ingest.config import DBT_PROJECT_DIR

COLUMN_KEYS = {"name", "data_type", "description", "constraints", "data_tests", "tests", "meta", "quote",
               "tags", "config", "granularity"}


def _columns():
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            for column in model.get("columns", []):
                yield path.name, model["name"], column


def test_every_column_property_is_one_dbt_knows():
    """In `{name: x, description: A, B}` YAML reads `B` as a key of its own and the description
    stops at the comma: ten mart columns were documented by half a sentence that way."""
    strays = [(file, model, column["name"], sorted(set(column) - COLUMN_KEYS))
              for file, model, column in _columns() if set(column) - COLUMN_KEYS]
    assert strays == []


def test_the_descriptions_that_hold_commas_are_whole():
    described = {(model, column["name"]): column.get("description") for _, model, column in _columns()}
    assert described[("dim_network", "relation")] == "membership, or declaration (signatories of a statement)."
    assert described[("fct_city_partnership", "since_year")] == \
        "Year the tie began, where a source states it (a city's list, Wikidata P580)."
