"""The run sheet: one row per training run, ids that change exactly when a run's settings change."""

import copy

import pytest

from mmcore.config import load_schema, validate_config
from mmcore.runsheet import all_runs


@pytest.fixture
def config(repo):
    return validate_config({}, load_schema(repo / "schemas" / "config.schema.yaml"))


def synthetic(runs: dict) -> dict:
    return {i: r for i, r in runs.items() if r["experiment"] == "synthetic"}


def test_one_run_per_grid_point_and_no_id_collisions(config):
    runs = synthetic(all_runs(config))
    syn = config["synthetic"]
    # Runs are keyed by id, so two settings sharing an id would silently become one run: every
    # (task, method, seed) of the grid must be present, each under an id of its own.
    cells = {(r["task"], r["method"], r["seed"]) for r in runs.values()}
    assert cells == {(t, m, s) for t in syn["tasks"] for m in syn["methods"] for s in syn["seeds"]}
    assert len(runs) == len(cells)
    assert all(rid == r["run_id"] for rid, r in runs.items())


def test_changing_alpha_renames_only_mixup_runs(config):
    before = synthetic(all_runs(config))
    changed = copy.deepcopy(config)
    changed["synthetic"]["alpha"] = 0.5
    after = synthetic(all_runs(changed))
    kept = set(before) & set(after)
    assert kept == {i for i, r in before.items() if r["method"] == "none"}
    assert all(r["alpha"] == 0.0 for r in after.values() if r["method"] == "none")


def test_adding_a_seed_only_adds_runs(config):
    before = all_runs(config)
    more = copy.deepcopy(config)
    more["synthetic"]["seeds"] = config["synthetic"]["seeds"] + [7]
    after = all_runs(more)
    assert set(before) < set(after)
    assert {r["seed"] for i, r in after.items() if i not in before} == {7}


def test_iterations_change_every_id_and_ids_are_readable(config):
    changed = copy.deepcopy(config)
    changed["synthetic"]["iterations"] += 1
    assert not set(synthetic(all_runs(config))) & set(synthetic(all_runs(changed)))
    assert {i for i, r in all_runs(changed).items() if r["experiment"] == "representations"} == {
        i for i, r in all_runs(config).items() if r["experiment"] == "representations"
    }  # other experiments keep their runs
    rid = next(iter(all_runs(config)))
    assert rid.startswith("syn-task") and "-s" in rid


def test_rows_are_plain_python(config):
    for row in all_runs(config).values():
        for v in row.values():
            assert type(v) in (str, int, float, bool), (v, type(v))
