"""The run sheet: one row per training run, ids that change exactly when a run's settings change, and
mix points named once (indices in the config, names in every row)."""

import copy

import pytest

from mmcore.config import ConfigError, load_schema, validate_config
from mmcore.mix_points import MIX_POINTS
from mmcore.runsheet import all_runs, artefact_cells


@pytest.fixture
def config(repo):
    return validate_config({}, load_schema(repo / "schemas" / "config.schema.yaml"))


def runs_of(config) -> dict:
    return all_runs(artefact_cells(config))


def synthetic(runs: dict) -> dict:
    return {i: r for i, r in runs.items() if r["experiment"] == "synthetic"}


def test_one_run_per_grid_point_and_no_id_collisions(config):
    runs = synthetic(runs_of(config))
    syn = config["synthetic"]
    # Runs are keyed by id, so two settings sharing an id would silently become one run: every
    # (task, method, seed) of the grid must be present, each under an id of its own.
    cells = {(r["task"], r["method"], r["seed"]) for r in runs.values()}
    assert cells == {(t, m, s) for t in syn["tasks"] for m in syn["methods"] for s in syn["seeds"]}
    assert len(runs) == len(cells)
    assert all(rid == r["run_id"] for rid, r in runs.items())
    table8 = artefact_cells(config)["table8"]
    assert [(c["task"], c["method"]) for c in table8][:3] == [("A", m) for m in syn["methods"]]


def test_changing_alpha_renames_only_mixup_runs(config):
    before = synthetic(runs_of(config))
    changed = copy.deepcopy(config)
    changed["synthetic"]["alpha"] = 0.5
    after = synthetic(runs_of(changed))
    kept = set(before) & set(after)
    assert kept == {i for i, r in before.items() if r["method"] == "none"}
    assert all(r["alpha"] == 0.0 for r in after.values() if r["method"] == "none")


def test_adding_a_seed_only_adds_runs(config):
    before = runs_of(config)
    more = copy.deepcopy(config)
    more["synthetic"]["seeds"] = config["synthetic"]["seeds"] + [7]
    after = runs_of(more)
    assert set(before) < set(after)
    assert {r["seed"] for i, r in after.items() if i not in before} == {7}


def test_iterations_change_every_id_and_ids_are_readable(config):
    changed = copy.deepcopy(config)
    changed["synthetic"]["iterations"] += 1
    assert not set(synthetic(runs_of(config))) & set(synthetic(runs_of(changed)))
    assert {i for i, r in runs_of(changed).items() if r["experiment"] == "representations"} == {
        i for i, r in runs_of(config).items() if r["experiment"] == "representations"
    }  # other experiments keep their runs
    rid = next(iter(runs_of(config)))
    assert rid.startswith("syn-task") and "-s" in rid


def test_rows_are_plain_python(config):
    for row in runs_of(config).values():
        for v in row.values():
            assert type(v) in (str, int, float, bool), (v, type(v))


def test_mix_points_are_names_in_every_family(config):
    """One encoding: every row's mix_points are declared names of its model; input mixup is the model's
    input point ('input'; the GAN discriminators' 'pixel')."""
    config = copy.deepcopy(config)
    config["synthetic"]["methods"] = ["none", "input", "manifold", "factor"]
    seen = set()
    for row in runs_of(config).values():
        names = [p for p in row["mix_points"].split(",") if p]
        assert set(names) <= set(MIX_POINTS[row["model"]]), row["run_id"]
        expected = {"none": 0, "factor": 0, "input": 1}.get(row["method"])
        if expected is not None:
            assert len(names) == expected and (not names or names == [MIX_POINTS[row["model"]][0]])
        else:
            assert names and f"-L{'+'.join(names)}-" in row["run_id"]
        seen.add((row["experiment"], row["method"]))
    assert {("synthetic", "manifold"), ("representations", "manifold"), ("supervised", "manifold")} <= seen


def test_table5_layer_indices_become_the_architectures_names(config):
    config = copy.deepcopy(config)
    config["supervised"]["table5"]["layer_sets"] = [[0, 1, 2], [2, 3], [1]]
    cells = artefact_cells(config)["table5"]
    got = {c["layers"]: c["runs"][0]["mix_points"] for c in cells if c["dataset"] == "cifar10"}
    assert got == {"0,1,2": "input,stage1,stage2", "2,3": "stage2,stage3", "1": "stage1"}


def test_wrn_default_set_follows_the_text(config):
    table1 = artefact_cells(config)["table1"]
    wrn = next(c for c in table1 if c["arch"] == "wrn28_10" and c["method"] == "manifold")
    assert wrn["layers"] == "0,1" and wrn["runs"][0]["mix_points"] == "input,stage1"
    code = copy.deepcopy(config)
    code["supervised"]["wrn_layers"] = "code"
    wrn = next(c for c in artefact_cells(code)["table1"] if c["arch"] == "wrn28_10" and c["method"] == "manifold")
    assert wrn["runs"][0]["mix_points"] == "input,stage1,stage2"


def test_an_undeclared_layer_index_names_the_key(config):
    config = copy.deepcopy(config)
    config["supervised"]["loss_curves"]["layer_sets"] = [[0], [4]]
    with pytest.raises(ConfigError, match=r"config\.supervised\.loss_curves: layer 4 is not a mix point of"):
        artefact_cells(config)


def test_an_unknown_synthetic_mix_point_names_the_key(config):
    config = copy.deepcopy(config)
    config["synthetic"]["eligible_layers"] = ["input", "block7"]  # past the schema, as a registry change could
    with pytest.raises(ConfigError, match=r"config\.synthetic\.eligible_layers\[1\]"):
        artefact_cells(config)


def test_a_table9_model_may_run_its_own_seeds(repo):
    """The default runs Table 9's claim-free input-mixup columns on one seed; the others keep the block's."""
    from mmcore.config import load_config

    cfg = load_config(repo / "config.yaml", repo / "schemas" / "config.schema.yaml")
    cfg["robustness"]["table9"]["seeds"] = [0, 1, 2]
    cfg["robustness"]["table9"]["models"] = [
        {"method": "none", "alpha": 0.0},
        {"method": "input", "alpha": 2.0, "seeds": [1]},
        {"method": "manifold", "alpha": 2.0, "seeds": None},
    ]
    cells = artefact_cells(cfg)["table9"]
    assert [[r["seed"] for r in c["runs"]] for c in cells] == [[0, 1, 2], [1], [0, 1, 2]]
