"""Damaged files are refused, never used: models and checkpoints are checked against the sha256 their
writer recorded, JSON files must parse, and each failure is one sentence naming the file and the fix.

Everything goes through the real step functions (training, evaluation, extraction, tables) on tiny runs,
and the damage is real bytes changed on disk.
"""

import dataclasses
import logging
import re

import pytest
import torch

from mmcore.config import load_schema, validate_config
from mmcore.data import datasets
from mmcore.data.datasets import load_prepared, prepare
from mmcore.experiments import representations, robustness, supervised, synthetic
from mmcore.io import ArtefactError, load_torch, read_json, save_torch
from mmcore.runsheet import representation_runs, supervised_run, synthetic_runs
from mmcore.steps import step
from test_datasets import write_fixture

SCHEMA = load_schema("schemas/config.schema.yaml")


def flip(path, where: str, n: int = 256) -> None:
    """Invert ``n`` bytes of ``path`` at its start, middle or end."""
    data = bytearray(path.read_bytes())
    start = {"start": 0, "middle": len(data) // 2 - n // 2, "end": len(data) - n}[where]
    for i in range(start, start + n):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def one_sentence(err) -> str:
    text = str(err.value)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.fixture(scope="module")
def syn_run():
    cfg = validate_config({"synthetic": {"iterations": 3, "batch_size": 4, "seeds": [0], "test_size": 16}}, SCHEMA)
    return next(r for r in synthetic_runs(cfg) if r["method"] == "input")


@pytest.fixture
def syn_trained(tmp_path, syn_run):
    synthetic.train_run(syn_run, tmp_path / "model.pt", tmp_path / "history.csv", device="cpu")
    return tmp_path / "model.pt"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("artefacts")
    write_fixture(root / "src", n_train=100, n_test=30)
    old = datasets.DATASETS["fashion_mnist"]
    datasets.DATASETS["fashion_mnist"] = dataclasses.replace(old, offline_dirs=())
    try:
        prepare("fashion_mnist", root / "data", local_dir=str(root / "src"), verify_checksums=False)
    finally:
        datasets.DATASETS["fashion_mnist"] = old
    return root / "data"


def sup_run():
    cfg = validate_config({"supervised": {"stand_in": {"train_per_class": 4, "test_size": 20}, "batch_size": 20}}, SCHEMA)
    sched = {"epochs": 2, "milestones": [1]}
    return supervised_run(cfg["supervised"], "cifar10", "preactresnet18", "manifold", 2.0, [0, 1, 2], False, sched, 0)


# ---- trained models ------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_damaged_synthetic_model_is_never_evaluated(tmp_path, syn_run, syn_trained, where):
    flip(syn_trained, where)
    with pytest.raises(ArtefactError) as err:
        synthetic.evaluate_run(syn_run, syn_trained, tmp_path / "metrics.json", test_size=16, device="cpu")
    text = one_sentence(err)
    assert text.startswith(f"{syn_trained} ")
    assert re.search(r"(does not match the sha256 recorded when it was written|is unreadable)", text)
    assert text.endswith("; delete it and run the workflow again to retrain the run")
    assert not (tmp_path / "metrics.json").exists()  # no numbers


def test_the_step_prints_the_sentence_without_a_traceback(tmp_path, syn_run, syn_trained):
    flip(syn_trained, "middle")
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit) as err:
        with step(str(log)):
            synthetic.evaluate_run(syn_run, syn_trained, tmp_path / "metrics.json", test_size=16, device="cpu")
    logging.shutdown()
    assert str(err.value) == (
        f"Error: {syn_trained} does not match the sha256 recorded when it was written (damaged since); "
        "delete it and run the workflow again to retrain the run"
    )
    assert "Traceback" not in log.read_text() and "sha256" in log.read_text()


def test_an_intact_model_evaluates_as_before(tmp_path, syn_run, syn_trained):
    out = synthetic.evaluate_run(syn_run, syn_trained, tmp_path / "metrics.json", test_size=16, device="cpu")
    assert 0 <= out["metrics"]["test_acc"] <= 100
    state = load_torch(syn_trained)
    assert set(state) == {"model", "run"} and state["run"]["run_id"] == syn_run["run_id"]


def test_a_model_without_a_record_or_of_another_run_is_refused(tmp_path, syn_run, syn_trained):
    state = load_torch(syn_trained)
    torch.save(state, tmp_path / "plain.pt")  # what the workflow wrote before models were sealed
    with pytest.raises(ArtefactError, match=r"plain\.pt carries no sha256 record .*; delete it and run the workflow again"):
        synthetic.evaluate_run(syn_run, tmp_path / "plain.pt", tmp_path / "m.json", test_size=16, device="cpu")
    other = dict(syn_run, run_id="syn-other")
    with pytest.raises(ArtefactError, match=rf"holds run '{syn_run['run_id']}', not 'syn-other'"):
        synthetic.evaluate_run(other, syn_trained, tmp_path / "m.json", test_size=16, device="cpu")


def test_a_missing_model_is_one_sentence(tmp_path, syn_run):
    with pytest.raises(ArtefactError, match=r"nothing\.pt is missing; delete it and run the workflow again"):
        synthetic.evaluate_run(syn_run, tmp_path / "nothing.pt", tmp_path / "m.json", test_size=16, device="cpu")


def test_robustness_evaluations_refuse_a_damaged_supervised_model(tmp_path, prepared):
    run = sup_run()
    supervised.train_run(run, prepared, tmp_path / "model.pt", tmp_path / "h.csv", tmp_path / "metrics.json", device="cpu")
    robustness.evaluate_fgsm(run, prepared, tmp_path / "model.pt", tmp_path / "ok.json", epsilons=[0.0], device="cpu")
    flip(tmp_path / "model.pt", "middle")
    calls = {
        "deform": lambda out: robustness.evaluate_deformations(
            run, prepared, tmp_path / "model.pt", out, deformations={"rotation": [20]}, device="cpu"
        ),
        "fgsm": lambda out: robustness.evaluate_fgsm(run, prepared, tmp_path / "model.pt", out, epsilons=[0.0], device="cpu"),
        "pgd": lambda out: robustness.evaluate_pgd(
            run, prepared, tmp_path / "model.pt", out, iterations=1, step_size=0.01, device="cpu"
        ),
    }
    for name, call in calls.items():
        with pytest.raises(ArtefactError) as err:
            call(tmp_path / f"{name}.json")
        assert one_sentence(err).startswith(f"{tmp_path / 'model.pt'} does not match the sha256"), name
        assert not (tmp_path / f"{name}.json").exists()


def test_representation_extraction_refuses_a_damaged_model(tmp_path, prepared):
    cfg = validate_config({"representations": {"epochs": 1, "batch_size": 50, "train_size": None, "seeds": [0]}}, SCHEMA)
    run = next(r for r in representation_runs(cfg) if r["setting"] == "bottleneck2d" and r["classes"] == "0-9")
    representations.train_run(run, prepared, tmp_path / "model.pt", tmp_path / "h.csv", device="cpu")
    representations.extract_run(run, prepared, tmp_path / "model.pt", tmp_path / "r.pt", tmp_path / "m.json", device="cpu")
    truncate(tmp_path / "r.pt")  # the representations are sealed too
    with pytest.raises(ArtefactError, match=r"r\.pt is unreadable \(.*\); delete it and run the workflow again to rebuild it$"):
        load_torch(tmp_path / "r.pt")
    flip(tmp_path / "model.pt", "middle")
    with pytest.raises(ArtefactError, match=r"model\.pt does not match the sha256"):
        representations.extract_run(run, prepared, tmp_path / "model.pt", tmp_path / "r2.pt", tmp_path / "m2.json", device="cpu")
    assert not (tmp_path / "m2.json").exists()


def test_sealing_keeps_the_object_bit_identical(tmp_path):
    obj = {"w": torch.randn(3, 4, dtype=torch.float64), "b": torch.arange(5), "g": torch.Generator().get_state(), "n": [1, 2.5]}
    save_torch(tmp_path / "x.pt", obj)
    back = load_torch(tmp_path / "x.pt")
    assert back["n"] == obj["n"] and all(torch.equal(back[k], obj[k]) for k in ("w", "b", "g"))


# ---- checkpoints ---------------------------------------------------------------------------------------


def test_a_damaged_checkpoint_stops_the_resume_with_one_sentence(tmp_path, prepared):
    run = sup_run()
    ckpt = tmp_path / "ckpt" / "last.pt"
    paths = (tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "metrics.json")
    supervised.train_run(run, prepared, *paths, device="cpu", checkpoint_path=ckpt, stop_after=1)
    flip(ckpt, "middle")
    with pytest.raises(ArtefactError) as err:
        supervised.train_run(run, prepared, *paths, device="cpu", checkpoint_path=ckpt)
    assert one_sentence(err) == (
        f"{ckpt} does not match the sha256 recorded when it was written (damaged since); "
        "delete it to restart the run from its first step"
    )
    assert not paths[0].exists() and not paths[2].exists()


def test_the_checkpoint_outlives_a_failure_to_write_the_last_output(tmp_path, prepared):
    """metrics.json is written after model.pt and history.csv: if that fails (here: its folder is a
    file), the checkpoint is still there, so the rerun resumes instead of starting over."""
    run = sup_run()
    ckpt = tmp_path / "ckpt" / "last.pt"
    (tmp_path / "blocked").write_text("a file where a folder should be")
    with pytest.raises(OSError):
        supervised.train_run(
            run, prepared, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "blocked" / "metrics.json",
            device="cpu", checkpoint_path=ckpt,
        )
    assert (tmp_path / "m.pt").exists() and ckpt.exists()
    supervised.train_run(run, prepared, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "metrics.json", device="cpu", checkpoint_path=ckpt)
    assert (tmp_path / "metrics.json").exists() and not ckpt.exists()


# ---- JSON files: manifests, metrics --------------------------------------------------------------------


def test_a_truncated_manifest_is_one_sentence_naming_it(tmp_path, prepared):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(prepared, data)
    truncate(data / "manifest.json")
    with pytest.raises(ArtefactError) as err:
        load_prepared(data, "train")
    assert one_sentence(err) == (
        f"{data / 'manifest.json'} is not readable JSON (JSONDecodeError: truncated or damaged); "
        f"delete {data} and run the workflow again to prepare it afresh"
    )
    # ... and through a training step, before any training
    with pytest.raises(ArtefactError, match=r"manifest\.json is not readable JSON"):
        supervised.train_run(sup_run(), data, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "x.json", device="cpu")
    assert not (tmp_path / "m.pt").exists()
    (data / "manifest.json").write_text("{}")
    with pytest.raises(ArtefactError, match=r"manifest\.json lacks the key 'files_sha256'"):
        load_prepared(data, "test")


def test_a_truncated_metrics_file_stops_the_table(tmp_path, syn_run, syn_trained):
    synthetic.evaluate_run(syn_run, syn_trained, tmp_path / "metrics.json", test_size=16, device="cpu")
    truncate(tmp_path / "metrics.json")
    with pytest.raises(ArtefactError) as err:
        read_json(tmp_path / "metrics.json", require=("run", "metrics"))
    assert one_sentence(err).startswith(f"{tmp_path / 'metrics.json'} is not readable JSON")
    cells = [{"dataset": "cifar10", "arch": "a", "method": "none", "alpha": 0.0, "layers": "", "detach": False, "run_ids": ["x"]}]
    with pytest.raises(ArtefactError, match=r"metrics\.json is not readable JSON .*; delete it and run the workflow again"):
        supervised.table_outputs("table1", cells, [str(tmp_path / "metrics.json")], csv=tmp_path / "t.csv", md=tmp_path / "t.md", scale="x")
    assert not (tmp_path / "t.csv").exists()


def test_a_truncated_history_stops_the_loss_curves(tmp_path):
    from mmcore.experiments.supervised import curves_outputs

    cell = {"dataset": "cifar10", "arch": "preactresnet18", "method": "manifold", "alpha": 2.0, "layers": "1",
            "detach": False, "run_ids": ["r"]}
    history = tmp_path / "history.csv"
    history.write_text("step,epoch,train_loss\n1,1,0.5\n2,2,")  # cut inside the last row
    out = {k: tmp_path / f"f.{k}" for k in ("png", "csv", "md")}
    with pytest.raises(ArtefactError) as err:
        curves_outputs("figure6", [cell], {"r": str(history)}, png=out["png"], csv=out["csv"], md=out["md"], scale="x")
    assert one_sentence(err) == (
        f"{history} lacks an epoch or training loss on some row (truncated or damaged); "
        "delete it and run the workflow again to rebuild it"
    )
    assert not out["png"].exists()
