"""What a build rebuilds: the raw tables whose landed batches changed since the last published
build, and what depends on them; everything when the code changed or a build did not publish.
(A whole partial build against a full one: test_end_to_end.py.)"""

from __future__ import annotations

from ingest import warehouse
from ingest.pipeline import build_inputs, ingest_source


def test_a_landed_source_is_the_only_changed_table(citywh_env):
    ingest_source("eurocities", citywh_env)
    before = build_inputs(citywh_env)
    assert list(before.tables) == ["eurocities__members"]
    ingest_source("unesco_creative_cities", citywh_env)
    after = build_inputs(citywh_env)
    assert after.changed_tables(before.parts) == ["unesco_creative_cities__members"]
    assert after.changed_tables(after.parts) == []
    # other code than the last build ran, or no record of its parts: everything is built
    assert after.changed_tables({**after.parts, "code": "another"}) is None
    assert after.changed_tables(None) is None
    assert after.sha256 != before.sha256 and after.sha256 == build_inputs(citywh_env).sha256


def test_a_build_that_did_not_publish_leaves_no_base_to_build_on(citywh_env):
    path = citywh_env.warehouse_path
    ingest_source("eurocities", citywh_env)
    assert warehouse.last_build(path) is None
    inputs = build_inputs(citywh_env)
    warehouse.record_build(path, inputs.sha256, inputs.parts)
    last = warehouse.last_build(path)
    assert last.published and last.inputs == inputs.parts and last.inputs_sha256 == inputs.sha256
    warehouse.record_build_started(path)  # dbt began writing, and nothing was published after
    assert not warehouse.last_build(path).published
