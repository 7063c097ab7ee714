"""Appendix B / G glue on a tiny prepared fixture: run rows, training, extraction, figures of merit."""

import dataclasses
import pytest

from mmcore.config import load_schema, validate_config
from mmcore.data import datasets
from mmcore.data.datasets import prepare
from mmcore.experiments.representations import class_list, train_run
from mmcore.io import load_torch, read_json
from mmcore.records import read_history
from mmcore.runsheet import REPRESENTATION_SETTINGS, all_runs, artefact_cells


def representation_runs(config) -> list[dict]:
    return [r for r in all_runs(artefact_cells(config)).values() if r["experiment"] == "representations"]
from test_datasets import write_fixture


@pytest.fixture
def config(repo):
    return validate_config(
        {"representations": {"epochs": 1, "batch_size": 4, "train_size": None, "seeds": [0]}},
        load_schema(repo / "schemas" / "config.schema.yaml"),
    )


@pytest.fixture
def prepared(tmp_path, monkeypatch):
    monkeypatch.setitem(datasets.DATASETS, "fashion_mnist", dataclasses.replace(datasets.DATASETS["fashion_mnist"], offline_dirs=()))
    write_fixture(tmp_path / "src")
    prepare("fashion_mnist", tmp_path / "data", local_dir=str(tmp_path / "src"), verify_checksums=False)
    return tmp_path / "data"


def test_rows_cover_figure5_and_svd_settings(config):
    rows = representation_runs(config)
    cells = {(r["setting"], r["classes"]) for r in rows}
    assert cells == {
        ("bottleneck2d", "0-4"),
        ("bottleneck2d", "0-9"),
        ("bottleneck12_after3", "0-9"),
        ("bottleneck30_after3", "0-9"),
        ("bottleneck30_after1", "0-9"),
    }
    assert {r["alpha"] for r in rows if r["setting"] != "bottleneck2d" and r["method"] != "none"} == {2.0}
    assert {r["alpha"] for r in rows if r["setting"] == "bottleneck2d" and r["method"] != "none"} == {0.5}
    assert len({r["run_id"] for r in rows}) == len(rows)
    assert set(r["setting"] for r in rows) <= set(REPRESENTATION_SETTINGS)


def test_code_layout_option_selects_the_authors_network(config):
    config["representations"]["figure5"]["layout"] = "code"
    rows = [r for r in representation_runs(config) if r["setting"].startswith("bottleneck2d")]
    assert {r["setting"] for r in rows} == {"bottleneck2d_code"}
    assert rows[0]["model_kwargs"] == '{"bottleneck_bn": true, "n_before": 3}'


def test_class_list():
    assert class_list("0-4") == [0, 1, 2, 3, 4] and class_list("0-9") == list(range(10))


@pytest.mark.parametrize("setting,method", [("bottleneck2d", "manifold"), ("bottleneck12_after3", "input")])
def test_train_and_extract(tmp_path, prepared, config, setting, method):
    run = next(
        r for r in representation_runs(config) if r["setting"] == setting and r["method"] == method and r["classes"] == "0-9"
    )
    metrics = train_run(
        run, prepared, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "r.pt", tmp_path / "metrics.json",
        device="cpu",
    )
    assert read_history(tmp_path / "h.csv", run_id=run["run_id"])["epoch"].tolist() == [1]
    reps = load_torch(tmp_path / "r.pt")
    dim = 2 if setting == "bottleneck2d" else 12
    assert reps["h"].shape == (5, dim) and reps["y"].tolist() == [0, 1, 2, 3, 4]
    assert {"test_acc", "first_sv", "rest_sv_sum", "overall_rest_sv_sum"} <= set(metrics)
    assert ("tightness" in metrics) == (dim == 2)
    assert read_json(tmp_path / "metrics.json")["run"]["run_id"] == run["run_id"]
