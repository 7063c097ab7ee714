"""The pilot (mmcore.pilot, configs/pilot.yaml, rules/pilot.smk): placeholder files readable by the real
readers, the caps in the rows and in the loops, the report's kinds, projection and profile check, and (marked
integration) a cut-down pilot through Snakemake."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch
import yaml

from mmcore.config import load_schema, validate_config
from mmcore.data.datasets import find_source, load_prepared, prepare
from mmcore.data.placeholders import write_inception_weights, write_placeholder
from mmcore.pilot import (
    Caps,
    caps_of,
    capped_count,
    capped_schedule,
    collect_job,
    full_scale_kinds,
    merge_configs,
    paper_steps,
    profile_limits,
    report_markdown,
    report_rows,
    robustness_jobs,
    run_kind,
)
from mmcore.runsheet import all_runs, artefact_cells

REPO = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(REPO / "schemas" / "config.schema.yaml")


def _config(*files: str, **overrides) -> dict:
    cfg = merge_configs([str(REPO / f) for f in files])
    for key, value in overrides.items():
        cfg[key] = value
    return validate_config(cfg, SCHEMA)


# ---- placeholders ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "n_train", "shape", "classes"),
    [
        ("mnist", 60, (28, 28), 10),
        ("cifar10", 60, (3, 32, 32), 10),
        ("cifar100", 120, (3, 32, 32), 100),
        ("svhn", 60, (3, 32, 32), 10),
        ("tiny_imagenet", 200, (3, 64, 64), 200),
    ],
)
def test_placeholder_is_read_by_the_real_reader(tmp_path, name, n_train, shape, classes):
    info = write_placeholder(name, tmp_path / "raw", n_train=n_train, n_test=30, seed=1)
    assert info["name"] == name and info["format"]
    assert find_source(name, str(tmp_path / "raw")) == tmp_path / "raw"
    manifest = prepare(name, tmp_path / "out", local_dir=str(tmp_path / "raw"), verify_checksums=False)
    assert manifest["checksums_verified"] is False
    assert len(manifest["classes"]) == classes
    for split, n in (("train", n_train), ("test", 30)):
        x, y, _ = load_prepared(tmp_path / "out", split)
        assert tuple(x.shape) == (n, *shape) and x.dtype == torch.uint8
        assert y.dtype == torch.int64 and int(y.min()) >= 0 and int(y.max()) < classes
    y = load_prepared(tmp_path / "out", "train")[1]
    assert int(torch.unique(y).numel()) == min(classes, n_train)  # every class present


def test_placeholder_fails_its_checksum_when_verified(tmp_path):
    """Placeholders carry no known checksum: the pilot must turn verification off for them (and only them)."""
    from mmcore.data.specs import DatasetError

    write_placeholder("svhn", tmp_path / "raw", n_train=20, n_test=10)
    with pytest.raises(DatasetError, match="checksum"):
        prepare("svhn", tmp_path / "out", local_dir=str(tmp_path / "raw"), verify_checksums=True)


def test_inception_placeholder_loads_into_torch_fidelity(tmp_path):
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

    path = tmp_path / "w.pth"
    write_inception_weights(path)
    model = FeatureExtractorInceptionV3("inception-v3-compat", ["2048", "logits_unbiased"],
                                        feature_extractor_weights_path=str(path))
    feats = model(torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8))
    assert feats[0].shape == (2, 2048) and feats[1].shape == (2, 1008)


# ---- the caps in the rows --------------------------------------------------------------------------------

#: sha256 of the sorted run ids of each shipped configuration, before the pilot existed (config.yaml's since
#: its supervised schedule became 70 epochs on one architecture: a change of config, not of the pilot).
RUN_ID_DIGESTS = {
    ("config.yaml",): "7266ee1a821934b2",
    ("config.yaml", "configs/smoke.yaml"): "e67be29e909593f7",
    ("config.yaml", "configs/paper.yaml"): "3f6102a43783c798",
}


@pytest.mark.parametrize("files", list(RUN_ID_DIGESTS))
def test_pilot_off_keeps_every_run_id(files):
    runs = all_runs(artefact_cells(_config(*files)))
    digest = hashlib.sha256(json.dumps(sorted(runs)).encode()).hexdigest()[:16]
    assert digest == RUN_ID_DIGESTS[files]
    assert all(caps_of(r) is None for r in runs.values())


def test_pilot_rows_carry_the_caps_and_their_own_ids():
    pilot = _config("config.yaml", "configs/paper.yaml", "configs/pilot.yaml")
    same = dict(pilot, pilot=dict(pilot["pilot"], enabled=False))
    real = all_runs(artefact_cells(same))
    runs = all_runs(artefact_cells(pilot))
    assert len(runs) == len(real) and not set(runs) & set(real)
    assert all("-pilot-" in rid for rid in runs)
    caps = {caps_of(r) for r in runs.values()}
    assert caps == {Caps(pilot["pilot"]["epochs"], pilot["pilot"]["steps"], pilot["pilot"]["eval_images"],
                         pilot["pilot"]["attack_iterations"])}
    # the paper's settings stay in the rows: the loops cap them, the config does not change them
    wrn = next(r for r in runs.values() if r.get("arch") == "wrn28_10")
    assert wrn["epochs"] == 400 and wrn["batch_size"] == 100 and json.loads(wrn["model_kwargs"])["widen_factor"] == 10
    # every kind of the paper's training runs is in the pilot
    paper = all_runs(artefact_cells(_config("config.yaml", "configs/paper.yaml")))
    assert {run_kind(r) for r in paper.values()} == {run_kind(r) for r in runs.values()}


def test_pilot_scale_label():
    from mmcore.artefacts import ARTEFACTS
    from mmcore.scale import scale_of

    cfg = _config("config.yaml", "configs/paper.yaml", "configs/pilot.yaml")
    for name in ("table1", "gan", "table8", "svd_flattening", "table9_deformations"):
        assert scale_of(ARTEFACTS[name], cfg).startswith("pilot")
    assert not scale_of(ARTEFACTS["table1"], _config("config.yaml", "configs/paper.yaml")).startswith("pilot")


# ---- the caps in the loops -------------------------------------------------------------------------------


def test_capped_schedule_and_counts():
    caps = Caps(epochs=2, steps=3, eval_images=10, attack_iterations=2)
    assert capped_schedule(1200, 500, [400, 800], None) == (1200, 500, [400, 800])
    assert capped_schedule(1200, 500, [400, 800], caps) == (2, 3, [1])
    assert capped_schedule(2, 1, [], caps) == (2, 1, [])  # fewer steps than the cap: the dataset's own
    assert capped_count(0, caps) == 10 and capped_count(5, caps) == 5 and capped_count(0, None) == 0


def test_supervised_train_config_under_caps():
    from mmcore.experiments.supervised import train_config

    run = {"epochs": 1200, "milestones": "400,800", "lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4,
           "nesterov": True, "gamma": 0.1, "loss": "bce_softmax"}
    real = train_config(run, 500, 1, True, "fp32")
    assert (real.steps, real.milestones, real.steps_per_epoch) == (600_000, [200_000, 400_000], 500)
    pilot = train_config({**run, "pilot_epochs": 2, "pilot_steps": 2, "pilot_eval_images": 8,
                          "pilot_attack_iterations": 1}, 500, 1, True, "fp32")
    assert (pilot.steps, pilot.milestones, pilot.steps_per_epoch, pilot.checkpoint_every) == (4, [2], 2, 2)


def test_a_capped_loop_runs_exactly_its_steps(tmp_path):
    """The synthetic job of a pilot row: 1000 iterations in the row, epochs x steps in the loop."""
    from mmcore.experiments.synthetic import train_run

    cfg = _config("config.yaml", "configs/paper.yaml", "configs/pilot.yaml")
    cfg["pilot"].update(epochs=2, steps=3, eval_images=16)
    run = next(r for r in all_runs(artefact_cells(cfg)).values() if r["experiment"] == "synthetic")
    assert run["iterations"] == 1000 and run["batch_size"] == 128
    train_run(run, tmp_path / "m.pt", tmp_path / "h.csv", tmp_path / "metrics.json", test_size=10000,
              device="cpu", checkpoint_path=tmp_path / "ck.pt")
    history = [line for line in (tmp_path / "h.csv").read_text().splitlines()[1:] if not line.startswith("#")]
    assert len(history) == 6
    metrics = json.loads((tmp_path / "metrics.json").read_text())["metrics"]
    assert metrics["pilot_steps"] == 6 and metrics["pilot_eval_images"] == 32 and metrics["pilot_train_s"] > 0


# ---- the report ------------------------------------------------------------------------------------------

PROFILE = {
    "default-resources": {"mem_mb": 2000, "runtime": "30 * attempt"},
    "set-resources": {"supervised_train": {"mem_mb": 16000, "runtime": "720 * attempt", "gpu": 1},
                      "robustness_pgd": {"runtime": "120 * attempt"}},
}


def test_paper_run_sheet_grouped_into_kinds():
    cfg = _config("config.yaml", "configs/paper.yaml")
    cells = artefact_cells(cfg)
    full = full_scale_kinds(cfg, all_runs(cells), robustness_jobs(cells, {"table7": "fgsm.json"}))
    sup = {k: v for k, v in full.items() if k.startswith("supervised_train:")}
    assert sum(v["jobs"] for v in sup.values()) == 205
    assert sum(v["jobs"] for k, v in full.items() if k.startswith("gan_train:")) == 51
    wrn = full["supervised_train:supervised/cifar10/wrn28_10/none"]
    assert wrn["jobs"] == 5 and wrn["max_steps"] == 400 * 500
    svhn = next(r for r in all_runs(cells).values() if r.get("dataset") == "svhn")
    assert paper_steps(svhn) == int(svhn["epochs"]) * 622  # 62,156 images at batch 100
    assert "robustness_fgsm:supervised/svhn/wrn28_10/none" in full
    assert full["prepare_data:tiny_imagenet"]["data_bytes"] == 110_000 * 3 * 64 * 64


def test_profile_limits_first_attempt():
    limits = profile_limits(PROFILE, "supervised_train")
    assert limits == {"mem_mb": (16000, "set-resources.supervised_train.mem_mb"),
                      "runtime": (720, "set-resources.supervised_train.runtime")}
    pgd = profile_limits(PROFILE, "robustness_pgd", {"mem_mb": 4000, "runtime": 60})
    assert pgd["runtime"] == (120, "set-resources.robustness_pgd.runtime")
    assert pgd["mem_mb"][0] == 4000 and "rule's own" in pgd["mem_mb"][1]
    assert profile_limits(PROFILE, "table")["mem_mb"] == (2000, "default-resources.mem_mb")


def _job(kind, **kw):
    return {"kind": kind, "rule": kind.split(":")[0], "ran": True, **kw}


def test_report_projection_and_flags():
    full = {
        "supervised_train:a": {"rule": "supervised_train", "jobs": 10, "steps": 10 * 600_000, "max_steps": 600_000,
                               "eval_images": 0, "data_bytes": 0},
        "supervised_train:b": {"rule": "supervised_train", "jobs": 1, "steps": 1000, "max_steps": 1000,
                               "eval_images": 0, "data_bytes": 0},
        "robustness_pgd:c": {"rule": "robustness_pgd", "jobs": 2, "steps": 0, "max_steps": 0,
                             "eval_images": 10_000, "data_bytes": 0},
    }
    jobs = [
        # 4 steps of 2 s each; 600,000 steps at 2 / 100 s = 12,000 s = 200 min, under 720
        _job("supervised_train:a", steps=4, train_s=8.0, eval_s=0.0, eval_images=0, wall_s=10.0, max_rss_mb=1000.0),
        # too much memory: 17,000 MB > 16,000
        _job("supervised_train:b", steps=2, train_s=2.0, wall_s=5.0, max_rss_mb=17000.0),
        # on CPUs (no gpu in the profile): 0.5 s per image x 10,000 = 5,000 s + 7 s overhead, under 120 min
        _job("robustness_pgd:c", eval_s=5.0, eval_images=10, wall_s=12.0, max_rss_mb=500.0),
    ]
    rows = {r["kind"]: r for r in report_rows(jobs, full, PROFILE, {"robustness_pgd": {"mem_mb": 400}}, 100.0)}
    a = rows["supervised_train:a"]
    assert a["s_per_step"] == 2.0 and a["projected_runtime_min"] == pytest.approx((12_000 + 2.0) / 60, abs=0.1)
    assert a["flags"] == "" and a["projected_hours_total"] == pytest.approx(10 * 12_000 / 3600, abs=0.01)
    assert a["on"] == "gpu" and rows["robustness_pgd:c"]["on"] == "cpu"
    assert rows["robustness_pgd:c"]["projected_runtime_min"] == pytest.approx((5000 + 7) / 60, abs=0.1)
    assert "set-resources.supervised_train.mem_mb" in rows["supervised_train:b"]["flags"]
    assert "runtime" not in rows["supervised_train:b"]["flags"]
    pgd = rows["robustness_pgd:c"]
    assert "mem_mb" in pgd["flags"] and "runtime" not in pgd["flags"]  # 500 MB > the rule's own 400
    # a too-small runtime is flagged with its key
    tight = {"set-resources": {"supervised_train": {"mem_mb": 16000, "runtime": "60 * attempt", "gpu": 1}}}
    slow = {r["kind"]: r for r in report_rows(jobs[:1], full, tight, {}, 100.0)}
    assert "raise set-resources.supervised_train.runtime" in slow["supervised_train:a"]["flags"]
    md = report_markdown(list(rows.values()), title="t", notes=["n"], placeholders=[])
    assert "supervised_train:b" in md and "set-resources.supervised_train.mem_mb" in md


def test_report_flags_a_kind_without_a_pilot_job_and_a_failed_one():
    full = {"gan_train:x": {"rule": "gan_train", "jobs": 1, "steps": 10, "max_steps": 10, "eval_images": 0,
                            "data_bytes": 0}}
    rows = report_rows([_job("table:t", ran=False)], full, PROFILE, {}, 100.0)
    flags = {r["kind"]: r["flags"] for r in rows}
    assert flags == {"gan_train:x": "no pilot job of this kind", "table:t": "did not run"}


def test_collect_job_reads_benchmark_and_record(tmp_path):
    bench = tmp_path / "b.tsv"
    bench.write_text("s\th:m:s\tmax_rss\tmax_vms\n12.5\t0:00:12\t850.25\t3000\n")
    record = tmp_path / "metrics.json"
    record.write_text(json.dumps({"run": {}, "metrics": {"pilot_steps": 4, "pilot_train_s": 2.0,
                                                         "pilot_eval_s": 1.0, "pilot_eval_images": 50}}))
    run = {"experiment": "supervised", "dataset": "cifar10", "arch": "preactresnet18", "method": "none"}
    job = collect_job("supervised_train", "sup-x", str(record), str(bench), run, str(tmp_path))
    assert job == {"rule": "supervised_train", "key": "sup-x", "kind": "supervised_train:supervised/cifar10/"
                   "preactresnet18/none", "ran": True, "wall_s": 12.5, "max_rss_mb": 850.25, "steps": 4,
                   "train_s": 2.0, "eval_s": 1.0, "eval_images": 50}


# ---- a cut-down pilot through Snakemake ------------------------------------------------------------------

#: A third overlay: one supervised kind (CIFAR-10 PreActResNet18, no mixing, at the paper's width and batch),
#: one synthetic run, no other block; the other placeholder formats are prepared by name.
CUT = {
    "synthetic": {"tasks": ["A"], "methods": ["none"]},
    "representations": {"figure5": {"class_subsets": []}, "svd": {"settings": []}},
    "supervised": {
        "table1": {"datasets": ["cifar10"], "archs": ["preactresnet18"], "methods": {"none": 0.0}},
        **{b: {"enabled": False} for b in ("table2", "table3", "table5", "table6", "alpha_grid", "loss_curves")},
    },
    "robustness": {b: {"enabled": False} for b in ("table9", "fgsm", "pgd")},
    "gan": {"enabled": False},
}


@pytest.mark.integration
def test_pilot_through_snakemake(tmp_path):
    from test_workflow import copy_workflow, snakemake

    work = copy_workflow(REPO, tmp_path)
    (work / "configs" / "cut.yaml").write_text(yaml.safe_dump(CUT))
    (work / "results").mkdir()
    (work / "results" / "keep.txt").write_text("real results\n")
    targets = [f"results-pilot/data/{d}/manifest.json" for d in ("mnist", "cifar100", "svhn", "tiny_imagenet")]
    snakemake(work, "all", *targets, "--configfile", "configs/paper.yaml", "configs/pilot.yaml", "configs/cut.yaml")
    out = work / "results-pilot"
    report = (out / "pilot_report.md").read_text()
    assert "supervised_train:supervised/cifar10/preactresnet18/none" in report
    data = json.loads((out / "pilot_report.json").read_text())
    sup = next(r for r in data["kinds"] if r["kind"] == "supervised_train:supervised/cifar10/preactresnet18/none")
    assert sup["ran"] and sup["s_per_step"] > 0 and sup["max_rss_mb"] > 0 and sup["full_jobs"] == 6
    assert data["assumed"] is True
    for d in ("mnist", "cifar10", "cifar100", "svhn", "tiny_imagenet"):
        manifest = json.loads((out / "data" / d / "manifest.json").read_text())
        assert manifest["checksums_verified"] is False and "placeholders" in manifest["source"]
    assert "Scale: pilot (" in (out / "tables" / "table1.md").read_text()
    assert "pilot (" in (out / "tables" / "scorecard.csv").read_text() or "table1" not in (
        out / "tables" / "scorecard.csv").read_text()
    assert (work / "results" / "keep.txt").read_text() == "real results\n"
    assert sorted(p.name for p in (work / "results").iterdir()) == ["keep.txt"]
