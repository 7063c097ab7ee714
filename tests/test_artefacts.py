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
from mmcore.artefacts import ARTEFACTS, writer_of
from mmcore.runsheet import all_runs, artefact_cells, supervised_cell
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


def runs_of(cfg, experiment):
    return [r for r in all_runs(artefact_cells(cfg)).values() if r["experiment"] == experiment]


@pytest.fixture(scope="module")
def syn_run():
    cfg = validate_config({"synthetic": {"iterations": 3, "batch_size": 4, "seeds": [0], "test_size": 16}}, SCHEMA)
    return next(r for r in runs_of(cfg, "synthetic") if r["method"] == "input")


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
    cfg = validate_config({"supervised": {
        "stand_in": {"train_per_class": 4, "test_size": 20}, "batch_size": 20,
        "schedules": {"preact": {"epochs": 2, "milestones": [1]}},
    }}, SCHEMA)
    art = ARTEFACTS["table1"]
    spec = {"dataset": "cifar10", "arch": "preactresnet18", "method": "manifold", "alpha": 2.0, "layers": [0, 1, 2]}
    return supervised_cell(cfg, art, dict(art.block_of(cfg), seeds=[0]), spec)["runs"][0]


@pytest.fixture(scope="module")
def sup_trained(tmp_path_factory, prepared):
    """A trained supervised run, the model the robustness evaluations read."""
    root = tmp_path_factory.mktemp("sup")
    run = sup_run()
    supervised.train_run(run, prepared, root / "model.pt", root / "h.csv", root / "metrics.json", device="cpu")
    return run, root / "model.pt"


@pytest.fixture
def sup_model(tmp_path, sup_trained):
    """A fresh copy of the trained model, for a test to damage."""
    import shutil

    shutil.copy(sup_trained[1], tmp_path / "model.pt")
    return sup_trained[0], tmp_path / "model.pt"


# ---- trained models ------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_damaged_model_is_never_evaluated(tmp_path, prepared, sup_model, where):
    run, model = sup_model
    flip(model, where)
    with pytest.raises(ArtefactError) as err:
        robustness.evaluate_fgsm(run, prepared, model, tmp_path / "fgsm.json", epsilons=[0.0], device="cpu")
    text = one_sentence(err)
    assert text.startswith(f"{model} ")
    assert re.search(r"(does not match the sha256 recorded when it was written|is unreadable)", text)
    assert text.endswith("; delete it and run the workflow again to retrain the run")
    assert not (tmp_path / "fgsm.json").exists()  # no numbers


def test_the_step_prints_the_sentence_without_a_traceback(tmp_path, prepared, sup_model):
    run, model = sup_model
    flip(model, "middle")
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit) as err:
        with step(str(log)):
            robustness.evaluate_fgsm(run, prepared, model, tmp_path / "fgsm.json", epsilons=[0.0], device="cpu")
    logging.shutdown()
    assert str(err.value) == (
        f"Error: {model} does not match the sha256 recorded when it was written (damaged since); "
        "delete it and run the workflow again to retrain the run"
    )
    assert "Traceback" not in log.read_text() and "sha256" in log.read_text()


def test_an_intact_model_loads_as_written(sup_model):
    run, model = sup_model
    state = load_torch(model)
    assert set(state) == {"model", "run"} and state["run"]["run_id"] == run["run_id"]
    net = supervised.load_model(run, model, torch.device("cpu"))
    assert all(torch.equal(v, state["model"][k]) for k, v in net.state_dict().items())


def test_a_model_without_a_record_or_of_another_run_is_refused(tmp_path, sup_model):
    run, model = sup_model
    torch.save(load_torch(model), tmp_path / "plain.pt")  # what the workflow wrote before models were sealed
    cpu = torch.device("cpu")
    with pytest.raises(ArtefactError, match=r"plain\.pt carries no sha256 record .*; delete it and run the workflow again"):
        supervised.load_model(run, tmp_path / "plain.pt", cpu)
    other = dict(run, run_id="sup-other")
    with pytest.raises(ArtefactError, match=re.escape(f"holds run '{run['run_id']}', not 'sup-other'")):
        supervised.load_model(other, model, cpu)


def test_a_missing_model_is_one_sentence(tmp_path, sup_model):
    with pytest.raises(ArtefactError, match=r"nothing\.pt is missing; delete it and run the workflow again"):
        supervised.load_model(sup_model[0], tmp_path / "nothing.pt", torch.device("cpu"))


def test_robustness_evaluations_refuse_a_damaged_supervised_model(tmp_path, prepared, sup_model):
    run, model = sup_model
    (tmp_path / "model.pt").write_bytes(model.read_bytes())
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


def test_damaged_representations_stop_figure5(tmp_path, prepared):
    cfg = validate_config({"representations": {"epochs": 1, "batch_size": 50, "train_size": None, "seeds": [0]}}, SCHEMA)
    run = next(r for r in runs_of(cfg, "representations") if r["setting"] == "bottleneck2d" and r["classes"] == "0-9")
    paths = [tmp_path / n for n in ("model.pt", "h.csv", "r.pt", "m.json")]
    representations.train_run(run, prepared, *paths, device="cpu")
    truncate(tmp_path / "r.pt")  # the representations are sealed too
    with pytest.raises(ArtefactError, match=r"r\.pt is unreadable \(.*\); delete it and run the workflow again to rebuild it$"):
        load_torch(tmp_path / "r.pt")
    art = ARTEFACTS["figure5"]
    cell = {"classes": "0-9", "method": run["method"], "run_ids": [run["run_id"]], "seeds": [0]}
    with pytest.raises(ArtefactError, match=r"r\.pt is unreadable"):
        writer_of(art)(art, [cell], {run["run_id"]: str(tmp_path / "r.pt")}, "x", {"dataset": "d"}, str(tmp_path / "f.png"))
    assert not (tmp_path / "f.png").exists()


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


def test_a_truncated_metrics_file_stops_the_table(tmp_path, syn_run):
    synthetic.train_run(syn_run, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "metrics.json", test_size=16, device="cpu")
    truncate(tmp_path / "metrics.json")
    with pytest.raises(ArtefactError) as err:
        read_json(tmp_path / "metrics.json", require=("run", "metrics"))
    assert one_sentence(err).startswith(f"{tmp_path / 'metrics.json'} is not readable JSON")
    cells = [{"dataset": "cifar10", "arch": "a", "method": "none", "alpha": 0.0, "layers": "", "detach": False, "run_ids": ["x"]}]
    art = ARTEFACTS["table1"]
    with pytest.raises(ArtefactError, match=r"metrics\.json is not readable JSON .*; delete it and run the workflow again"):
        writer_of(art)(art, cells, {"x": str(tmp_path / "metrics.json")}, "x", {})


def test_a_truncated_history_stops_the_loss_curves(tmp_path):
    cell = {"dataset": "cifar10", "arch": "preactresnet18", "method": "manifold", "alpha": 2.0, "layers": "1",
            "detach": False, "run_ids": ["r"]}
    history = tmp_path / "r" / "history.csv"
    history.parent.mkdir()
    history.write_text("step,epoch,train_loss\n1,1,0.5\n2,2,")  # cut inside the last row
    art = ARTEFACTS["figure6"]
    with pytest.raises(ArtefactError) as err:
        writer_of(art)(art, [cell], {"r": str(history)}, "x", {}, str(tmp_path / "f.png"))
    assert one_sentence(err) == (
        f"{history} does not end with its seal (cut short, or written by an older version); "
        "delete it and run the workflow again to rebuild it"
    )
    assert not (tmp_path / "f.png").exists()
