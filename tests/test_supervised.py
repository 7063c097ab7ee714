"""The supervised suite: run sheet (stand-in, sharing, canonical cells), subsets, schedules, resume,
tables against hand computations, and the paper's numbers."""

import dataclasses
import math

import numpy as np
import pytest
import torch
import yaml

from mmcore.config import ConfigError, load_schema, validate_config
from mmcore.data import datasets
from mmcore.data.datasets import prepare
from mmcore.data.loader import class_balanced_subset
from mmcore.experiments.supervised import summarise, train_run
from mmcore.io import read_json
from mmcore.artefacts import ARTEFACTS, writer_of
from mmcore.records import write_record
from mmcore.runsheet import artefact_cells, slim, supervised_cell
from mmcore.scale import scale_of

SCHEMA = load_schema("schemas/config.schema.yaml")


def config(**supervised):
    return validate_config({"supervised": supervised}, SCHEMA)


def paper_config():
    with open("configs/paper.yaml") as fh:
        return validate_config(yaml.safe_load(fh), SCHEMA)


SUPERVISED = {"table1", "table2", "table3", "table5", "table6", "alpha_grid", "figure6", "figure7"}


def supervised_cells(cfg):
    """Every cell of the supervised tables and figures, with its table's name (and its run rows)."""
    return [dict(c, table=name) for name, cells in artefact_cells(cfg).items() if name in SUPERVISED for c in cells]


def table_cells(cfg):
    return {name: slim(cells) for name, cells in artefact_cells(cfg).items()}


def supervised_run(cfg, method, alpha, layers, detach=False, seed=0, table="table1"):
    """One run row as the run sheet makes it for a CIFAR-10 PreActResNet18 cell of ``table``."""
    art = ARTEFACTS[table]
    block = dict(art.block_of(cfg), seeds=[seed])
    spec = {"dataset": "cifar10", "arch": "preactresnet18", "method": method, "alpha": alpha, "layers": layers,
            "detach": detach}
    return supervised_cell(cfg, art, block, spec)["runs"][0]


# ---- run sheet ---------------------------------------------------------------------------------------


def test_stand_in_shares_runs_across_datasets_and_tables():
    cells = supervised_cells(config())
    by = {(c["table"], c["dataset"], c["arch"], c["method"], c["alpha"]): c for c in cells}
    c10 = by[("table1", "cifar10", "preactresnet18", "manifold", 2.0)]
    c100 = by[("table1", "cifar100", "preactresnet18", "manifold", 2.0)]
    svhn = by[("table2", "svhn", "preactresnet18", "manifold", 2.0)]
    ids = [r["run_id"] for r in c10["runs"]]
    assert ids == [r["run_id"] for r in c100["runs"]] == [r["run_id"] for r in svhn["runs"]]
    assert all(r["dataset"] == "fashion_mnist" for r in c10["runs"])
    assert len(ids) == 2 and len(set(ids)) == 2  # two seeds, two runs


def test_paper_scale_runs_are_distinct_and_faithful():
    cfg = paper_config()
    assert cfg["supervised"]["stand_in"] is None
    cells = supervised_cells(cfg)
    runs = {r["run_id"]: r for c in cells for r in c["runs"]}
    by = {(c["table"], c["dataset"], c["arch"], c["method"]): c for c in cells}
    pre18 = by[("table1", "cifar10", "preactresnet18", "manifold")]["runs"][0]
    assert (pre18["epochs"], pre18["milestones"], pre18["mix_points"]) == (1200, "400,800", "input,stage1,stage2")
    assert json_kwargs(pre18) == {"width": 64, "stem_stride": 1}
    wrn = by[("table1", "cifar100", "wrn28_10", "manifold")]["runs"][0]
    assert (wrn["epochs"], wrn["milestones"], wrn["mix_points"]) == (400, "200,300", "input,stage1")  # the text
    assert json_kwargs(wrn) == {"widen_factor": 10, "stem_stride": 1}
    tiny = by[("table3", "tiny_imagenet", "preactresnet18", "manifold")]["runs"][0]
    assert (tiny["epochs"], json_kwargs(tiny)["stem_stride"]) == (2000, 2)
    assert by[("table2", "svhn", "preactresnet18", "none")]["runs"][0]["train_per_class"] == 7325
    assert len(by[("table1", "cifar10", "preactresnet18", "none")]["runs"]) == 5
    # Table 1 and 2: 3 datasets x 3 archs x 3 methods x 5 seeds, all distinct.
    t12 = {r["run_id"] for c in cells if c["table"] in ("table1", "table2") for r in c["runs"]}
    assert len(t12) == 135
    assert len(runs) == len({tuple(sorted((k, str(v)) for k, v in r.items() if k != "run_id")) for r in runs.values()})


def json_kwargs(run):
    import json

    return json.loads(run["model_kwargs"])


def test_wrn_layers_option_follows_the_code():
    cells = supervised_cells(config(wrn_layers="code", stand_in=None))
    wrn = next(c for c in cells if c["arch"] == "wrn28_10" and c["method"] == "manifold")
    assert wrn["layers"] == "0,1,2"


def test_canonical_cells_share_runs():
    cfg = config()
    empty = supervised_run(cfg, "manifold", 2.0, [])
    none = supervised_run(cfg, "none", 0.0, [0, 1, 2])
    assert empty["run_id"] == none["run_id"] and none["alpha"] == 0.0 and none["mix_points"] == ""
    k0 = supervised_run(cfg, "manifold", 2.0, [0], True)
    inp = supervised_run(cfg, "input", 2.0, [0, 1, 2])
    assert k0["run_id"] == inp["run_id"] and inp["method"] == "input" and not inp["detach"]
    assert inp["mix_points"] == "input"
    blocked = supervised_run(cfg, "manifold", 2.0, [2, 0, 1], True)
    assert blocked["mix_points"] == "input,stage1,stage2" and blocked["detach"] and "detach" in blocked["run_id"]


def test_schedule_errors_are_config_errors():
    with pytest.raises(ConfigError, match=r"^config\.supervised\.table1\.schedule: schedule 'nope' is not defined"):
        supervised_cells(config(table1={"schedule": "nope"}))
    with pytest.raises(ConfigError, match=r"^config\.supervised\.schedules\.preact\.milestones\[0\]: expected a milestone below"):
        supervised_cells(config(schedules={"preact": {"epochs": 4, "milestones": [4]}}))


def test_table_cells_cover_every_table_and_figure():
    cells = {n: c for n, c in table_cells(config(stand_in=None)).items() if ARTEFACTS[n].runs == "supervised"}
    assert set(cells) == {"table1", "table2", "table3", "table5", "table6", "alpha_grid", "figure6", "figure6_loss",
                          "figure7", "figure7_loss", "table9", "table7", "pgd_sanity"}
    assert len(cells["table5"]) == 20  # 10 sets x 2 datasets
    assert [c["layers"] for c in cells["figure6"]] == ["0", "1", "2", "0,1,2", "0,1,2"]
    assert [c["detach"] for c in cells["figure6"]] == [False] * 4 + [True]


def test_scale_label_names_every_reduction():
    label = scale_of(ARTEFACTS["table1"], config())
    assert label.startswith("reduced: fashion_mnist stands in")
    assert "preact schedule 8 epochs" in label and "(paper 1200 at [400, 800])" in label
    assert "2 seed(s) (paper 5)" in label
    assert scale_of(ARTEFACTS["table1"], paper_config()) == "paper"


# ---- data --------------------------------------------------------------------------------------------


def test_class_balanced_subset_is_seeded_and_balanced():
    y = torch.tensor([0] * 50 + [1] * 30 + [2] * 5)
    a = class_balanced_subset(y, 10, torch.Generator().manual_seed(1))
    b = class_balanced_subset(y, 10, torch.Generator().manual_seed(1))
    c = class_balanced_subset(y, 10, torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.bincount(y[a]).tolist() == [10, 10, 5]  # a smaller class keeps all its images
    assert len(set(a.tolist())) == a.numel() and torch.equal(a, a.sort().values)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    from test_datasets import write_fixture

    root = tmp_path_factory.mktemp("sup")
    write_fixture(root / "src", n_train=200, n_test=40)
    spec = dataclasses.replace(datasets.DATASETS["fashion_mnist"], offline_dirs=())
    old = datasets.DATASETS["fashion_mnist"]
    datasets.DATASETS["fashion_mnist"] = spec
    try:
        prepare("fashion_mnist", root / "data", local_dir=str(root / "src"), verify_checksums=False)
    finally:
        datasets.DATASETS["fashion_mnist"] = old
    return root / "data"


def tiny_run(method="manifold", alpha=2.0, epochs=3, milestones=(1, 2), seed=0):
    cfg = config(
        stand_in={"width_scale": 0.125, "train_per_class": 6, "test_size": 30},
        batch_size=16,
        schedules={"preact": {"epochs": epochs, "milestones": list(milestones)}},
    )
    return supervised_run(cfg, method, alpha, [0, 1, 2], seed=seed)


def test_schedule_lr_and_per_epoch_evaluation(prepared, tmp_path):
    run = tiny_run(epochs=4, milestones=(1, 3))
    metrics = train_run(run, prepared, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "metrics.json", device="cpu")
    from mmcore.records import read_history

    h = read_history(tmp_path / "h.csv", run_id=run["run_id"])  # sealed by the job
    assert h["epoch"].tolist() == [1, 2, 3, 4]
    # lr of epoch e (0-based) = 0.1 * 0.1 ** (number of milestones <= e), as the authors' adjust_learning_rate.
    assert np.allclose(h["lr"], [0.1 * 0.1 ** sum(m <= e for m in (1, 3)) for e in range(4)])
    assert metrics["n_train"] == 60 and metrics["n_test"] == 30
    best = h.loc[h["test_error"].idxmin()]
    assert metrics["test_error_best"] == pytest.approx(best["test_error"])
    assert metrics["test_error_final"] == pytest.approx(h["test_error"].iloc[-1])
    assert read_json(tmp_path / "metrics.json")["run"]["run_id"] == run["run_id"]


def test_the_final_network_is_scored_on_the_full_test_set(prepared, tmp_path):
    """The curves score a 30-image subset; the verdicts' measure is the final network on all 40 test
    images, recomputed here from the saved model independently of the training job."""
    from mmcore.data.datasets import load_prepared, dataset_spec
    from mmcore.data.loader import normalise
    from mmcore.experiments.supervised import load_model

    run = tiny_run(epochs=2, milestones=(1,))
    metrics = train_run(run, prepared, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "metrics.json", device="cpu",
                        channels_last=False)
    assert metrics["n_test"] == 30 and metrics["n_test_full"] == 40
    x, y, _ = load_prepared(prepared, "test")
    spec = dataset_spec(run["dataset"])
    model = load_model(run, tmp_path / "m.pt", torch.device("cpu")).eval()
    with torch.no_grad():
        logits = model(normalise(x, spec.mean, spec.std)).float()
    error = 100.0 * (logits.argmax(1) != y).float().mean().item()
    nll = torch.nn.functional.cross_entropy(logits, y).item()
    assert metrics["test_error_full"] == pytest.approx(error, abs=1e-4)
    assert metrics["test_nll_full"] == pytest.approx(nll, rel=1e-4)


def test_resume_after_a_kill_gives_the_uninterrupted_metrics(prepared, tmp_path):
    run = tiny_run()
    whole = train_run(run, prepared, tmp_path / "a.pt", tmp_path / "a.csv", tmp_path / "a.json", device="cpu")
    ckpt = tmp_path / "ckpt" / "last.pt"
    # 60 images / batch 16 = 4 steps per epoch; stop in the middle of epoch 2.
    partial = train_run(
        run, prepared, tmp_path / "b.pt", tmp_path / "b.csv", tmp_path / "b.json",
        device="cpu", checkpoint_path=ckpt, stop_after=6,
    )
    assert partial == {} and ckpt.exists() and not (tmp_path / "b.json").exists()
    resumed = train_run(
        run, prepared, tmp_path / "b.pt", tmp_path / "b.csv", tmp_path / "b.json", device="cpu", checkpoint_path=ckpt
    )
    for key in ("test_error_best", "test_error_final", "test_nll_best", "test_nll_final", "train_loss_final"):
        assert resumed[key] == whole[key], key
    assert not ckpt.exists()  # dropped once the run is complete


def test_nan_guard_names_epoch_and_step(prepared, tmp_path):
    run = dict(tiny_run(), lr=1e38)
    with pytest.raises(FloatingPointError, match=r"at epoch \d+, step \d+ of 4"):
        train_run(run, prepared, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "x.json", device="cpu")


def test_summarise_picks_the_earliest_best_epoch():
    h = [
        {"epoch": 1, "test_error": 30.0, "test_nll": 1.0, "train_loss": 0.3},
        {"epoch": 2, "test_error": 20.0, "test_nll": 0.8, "train_loss": 0.2},
        {"epoch": 3, "test_error": 20.0, "test_nll": 0.7, "train_loss": 0.1},
        {"epoch": 4, "test_error": 25.0, "test_nll": 0.9, "train_loss": 0.1},
    ]
    s = summarise(h)
    assert (s["best_epoch"], s["test_error_best"], s["test_nll_best"], s["test_error_final"]) == (2, 20.0, 0.8, 25.0)


# ---- tables --------------------------------------------------------------------------------------------


def fake_metrics(cells, root):
    """metrics.json of every run of the cells (run j of cell i: errors 10 + i + 2j and 11 + i + 4j)."""
    files = {}
    for i, cell in enumerate(cells):
        for j, rid in enumerate(cell["run_ids"]):
            path = root / rid / "metrics.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_record(path, {"run": {"run_id": rid}, "metrics": {
                "test_error_best": 10.0 + i + 2 * j,
                "test_error_final": 11.0 + i + 4 * j,
                "test_nll_best": 0.5 + 0.1 * j,
                "test_top5_best": 90.0 + j,
                "test_error_full": 11.5 + i + 4 * j,
                "test_nll_full": 0.6 + 0.1 * j,
            }})
            files[rid] = str(path)
    return files


def supervised_table(name, cells, root):
    art = ARTEFACTS[name]
    return writer_of(art)(art, cells, fake_metrics(cells, root / name), "x", {})[list(art.columns)]


def test_supervised_table_against_hand_computation(tmp_path):
    cells = table_cells(config(stand_in=None))["table1"]  # no stand-in: every cell has runs of its own
    t = supervised_table("table1", cells, tmp_path)
    assert len(t) == len(cells) == 18
    row = t.iloc[0]  # cell 0, seeds give 10 and 12 (best), 11 and 15 (final)
    assert row["test_error_best_mean"] == 11.0 and row["test_error_best_std"] == pytest.approx(math.sqrt(2))
    assert row["test_error_final_mean"] == 13.0 and row["test_error_final_std"] == pytest.approx(math.sqrt(8))
    assert row["n_seeds"] == 2
    paper = t.set_index(["dataset", "arch", "method"])
    assert paper.loc[("cifar10", "preactresnet18", "manifold"), "paper_value"] == 2.95
    assert paper.loc[("cifar100", "wrn28_10", "input"), "paper_nll"] == 0.927


def test_paper_values_of_tables_3_5_6(tmp_path):
    cells = table_cells(config(stand_in=None))
    t3 = supervised_table("table3", cells["table3"], tmp_path)
    r = t3.set_index(["method", "alpha"])
    assert (r.loc[("manifold", 0.2), "paper_value"], r.loc[("manifold", 0.2), "paper_top5"]) == (58.70, 73.59)
    assert r.loc[("none", 0.0), "paper_value"] == 55.52
    assert r.loc[("none", 0.0), "top1_acc_best_mean"] == pytest.approx(100 - 10.0)  # one seed, best error 10
    assert r.loc[("none", 0.0), "top5_acc_best_mean"] == 90.0
    t5 = supervised_table("table5", cells["table5"], tmp_path).set_index(["dataset", "layers"])
    assert t5.loc[("cifar10", ""), "paper_value"] == pytest.approx(100 - 95.27)
    assert t5.loc[("cifar100", "0,1,2,3"), "paper_value"] == pytest.approx(100 - 80.18)
    assert t5.loc[("cifar10", "0"), "paper_value"] == pytest.approx(100 - 96.73)
    t6 = supervised_table("table6", cells["table6"], tmp_path).set_index(["method", "alpha"])
    assert t6.loc[("input", 1.5), "paper_value"] == pytest.approx(100 - 96.84)
    grid = supervised_table("alpha_grid", cells["alpha_grid"], tmp_path)
    assert grid["paper_value"].isna().all()


def test_a_figure_without_gradient_blocked_curves_says_so():
    """supervised.loss_curves.detached: [] is a deliberate choice; the table's note says what it left out."""
    cfg = config(stand_in=None, loss_curves={"detached": []})
    cells = table_cells(cfg)["figure6_loss"]
    assert not any(c["detach"] for c in cells)
    art = ARTEFACTS["figure6_loss"]
    notes = [art.fill(n, art.options_of(cfg)) for n in art.notes]
    assert "No gradient-blocked curve: supervised.loss_curves.detached is empty in this run's config." in notes
    notes = [art.fill(n, art.options_of(config())) for n in art.notes]
    assert not any("No gradient-blocked" in n for n in notes)


@pytest.mark.parametrize("stand_in", [True, False])
def test_rows_name_their_runs_so_shared_stand_in_runs_are_seen(tmp_path, stand_in):
    """With the stand-in, every dataset trains on the same Fashion-MNIST subset: Table 2's SVHN and Table
    5's CIFAR-10 manifold rows are then the same runs, and their ``runs`` fingerprints say so."""
    from mmcore.report import runs_fingerprint

    same = {"epochs": 3, "milestones": [2]}  # as config.yaml: one schedule for Tables 2 and 5 alike
    cfg = config(table2={"datasets": ["svhn"], "archs": ["preactresnet18"]},
                 table5={"datasets": ["cifar10"], "layer_sets": [[0, 1, 2], []], "seeds": [0, 1, 2]},
                 schedules={"preact": same, "wrn": same, "long": same}, seeds=[0, 1, 2],
                 **({} if stand_in else {"stand_in": None}))
    cells = table_cells(cfg)
    t2 = supervised_table("table2", cells["table2"], tmp_path).set_index(["dataset", "method"])
    t5 = supervised_table("table5", cells["table5"], tmp_path).set_index(["dataset", "layers"])
    manifold2, manifold5 = t2.loc[("svhn", "manifold"), "runs"], t5.loc[("cifar10", "0,1,2"), "runs"]
    [cell] = [c for c in cells["table2"] if c["method"] == "manifold"]
    assert manifold2 == runs_fingerprint(cell["run_ids"])
    assert (manifold2 == manifold5) == (stand_in and cell["alpha"] == t5.loc[("cifar10", "0,1,2"), "alpha"])
    assert t2["runs"].is_unique
