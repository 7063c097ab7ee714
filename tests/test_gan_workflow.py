"""Integration: the GAN slice (appendix E) of configs/smoke.yaml through Snakemake, in a temporary copy."""

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_workflow import copy_workflow, job_counts, smoke_config, snakemake

from mmcore.artefacts import ARTEFACTS

pytestmark = pytest.mark.integration

TARGETS = ("results/tables/gan.csv", "results/figures/figure8.png", "results/figures/gan_samples.png")


@pytest.fixture(scope="module")
def gan_smoke(tmp_path_factory, request):
    work = copy_workflow(Path(request.config.rootpath), tmp_path_factory.mktemp("gan"))
    snakemake(work, *TARGETS, "--configfile", "configs/smoke.yaml")
    return work


def test_gan_table_figures_and_runs(gan_smoke):
    cfg = smoke_config(gan_smoke)["gan"]
    table = pd.read_csv(gan_smoke / "results" / "tables" / "gan.csv", keep_default_na=False)
    assert list(table.columns) == list(ARTEFACTS["gan"].columns)
    assert list(table["setting"]) == ["baseline", "input", "manifold"]
    assert list(table["layers"]) == ["", "pixel", "h1,h2"]
    assert (table["n_seeds"] == len(cfg["seeds"])).all() and (table["features"] == "classifier").all()
    assert table["scale"].str.startswith("reduced: classifier-based IS/FID/KID").all()
    md = (gan_smoke / "results" / "tables" / "gan.md").read_text()
    assert "classifier-based IS / FID / KID" in md and "Scale: reduced" in md
    for name in ("figure8", "gan_samples"):
        assert (gan_smoke / "results" / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    runs = sorted(p for p in (gan_smoke / "results" / "runs").iterdir() if p.name.startswith("gan-"))
    assert len(runs) == 3 * len(cfg["seeds"])
    for run in runs:
        metrics = yaml.safe_load((run / "metrics.json").read_text())["metrics"]
        assert metrics["features"] == "classifier" and metrics["n_samples"] == cfg["eval_samples"]
        assert metrics["kid_subset_size"] <= cfg["eval_samples"]
        assert (run / "samples.pt").exists() and (run / "history.csv").exists()
        log = (gan_smoke / "results" / "logs" / "gan_train" / f"{run.name}.log").read_text()
        assert re.search(rf"step {cfg['g_steps']}/{cfg['g_steps']} .*\(\d+\.\ds\)", log)
        assert (gan_smoke / "results" / "benchmarks" / "gan_train" / f"{run.name}.tsv").exists()
    assert len(list((gan_smoke / "results" / "runs").glob("ganclf-*/model.pt"))) == 1
    assert not list((gan_smoke / "results").glob("checkpoints/gan-*/last.pt"))


def test_nothing_to_do_after_the_gan_slice(gan_smoke):
    out = snakemake(gan_smoke, *TARGETS, "-n", "--configfile", "configs/smoke.yaml")
    assert "Nothing to be done" in out.stdout + out.stderr


def test_paper_config_lists_the_figure8_grid_once(gan_smoke):
    targets = [t.replace("results/", "results-paper/", 1) for t in TARGETS]  # the paper config's own folder
    out = snakemake(gan_smoke, *targets, "-n", "--configfile", "configs/paper.yaml").stdout
    jobs = re.findall(r"output: results-paper/runs/(gan-[^/\s]+)/model\.pt", out)
    assert len(jobs) == len(set(jobs)) == job_counts(out)["gan_train"] == 51  # README: 17 cells x 3 seeds


def test_missing_inception_weights_stop_the_job_in_one_sentence(gan_smoke, tmp_path):
    cfg = smoke_config(gan_smoke)
    cfg["gan"].update(features="inception", feature_extractor_weights_path="weights/nowhere.pth", layer_sets=[])
    (gan_smoke / "inception.yaml").write_text(yaml.safe_dump(cfg))
    proc = snakemake(gan_smoke, "results/tables/gan.csv", "--configfile", "inception.yaml", check=False)
    assert proc.returncode != 0
    logs = sorted((gan_smoke / "results" / "logs" / "gan_train").glob("gan-*none*.log"), key=lambda p: p.stat().st_mtime)
    log = logs[-1].read_text()  # the inception run's
    assert "the Inception weights file weights/nowhere.pth (config.gan.feature_extractor_weights_path) does not exist" in (
        proc.stdout + proc.stderr + log
    )
    assert "Traceback" not in log
