"""Integration: the Snakemake workflow on configs/smoke.yaml, in a temporary copy of the project."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mmcore.artefacts import ARTEFACTS
from mmcore.records import read_history

pytestmark = pytest.mark.integration

WORKFLOW_FILES = ["Snakefile", "config.yaml", "rules", "workflow_scripts", "schemas", "configs", "report", "profiles", "envs"]


def snakemake(workdir: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir``; targets go before --configfile (it takes several values)."""
    env = dict(os.environ, SLURM_CONF="/dev/null", **(env or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run, as {rule: count}."""
    counts = {}
    block = output.split("Job stats:", 1)[-1] if "Job stats:" in output else ""
    for line in block.splitlines():
        m = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if m and m.group(1) != "total":
            counts[m.group(1)] = int(m.group(2))
    return counts


def copy_workflow(root: Path, work: Path) -> Path:
    """The workflow's files in ``work``, with configs/smoke.yaml pointed at a tiny Fashion-MNIST-format
    fixture, so the tests need no dataset on the machine."""
    from test_datasets import write_fixture

    for name in WORKFLOW_FILES:
        src = root / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, work / name)
    write_fixture(work / "fixture-idx", n_train=200, n_test=60)
    cfg = smoke_config(work)
    assert cfg["results"] == "results-smoke"  # the shipped smoke config keeps its results apart
    cfg["results"] = "results"  # here, in a private copy, the tests read the usual paths
    cfg["data"] = {"local_dirs": {"fashion_mnist": "fixture-idx"}, "verify_checksums": False}
    (work / "configs" / "smoke.yaml").write_text(yaml.safe_dump(cfg))
    return work


@pytest.fixture(scope="module")
def smoke(tmp_path_factory, request):
    work = copy_workflow(Path(request.config.rootpath), tmp_path_factory.mktemp("workflow"))
    snakemake(work, "--configfile", "configs/smoke.yaml")
    return work


def smoke_config(work: Path) -> dict:
    return yaml.safe_load((work / "configs" / "smoke.yaml").read_text())


def test_table8_contract(smoke):
    table = pd.read_csv(smoke / "results" / "tables" / "table8.csv")
    cfg = smoke_config(smoke)["synthetic"]
    assert list(table.columns) == list(ARTEFACTS["table8"].columns)
    assert len(table) == len(cfg["tasks"]) * len(cfg["methods"])
    assert set(table["task"]) == set(cfg["tasks"]) and set(table["method"]) == set(cfg["methods"])
    assert (table["n_seeds"] == len(cfg["seeds"])).all()
    assert table["test_acc_mean"].between(0, 100).all() and (table["test_nll_mean"] > 0).all()
    assert table["scale"].str.startswith("reduced").all()
    md = (smoke / "results" / "tables" / "table8.md").read_text()
    assert "Scale: reduced" in md and "paper_test_acc" in md


def test_every_run_has_metrics_history_log_and_benchmark(smoke):
    runs = sorted(p for p in (smoke / "results" / "runs").iterdir() if p.name.startswith("syn-"))
    cfg = smoke_config(smoke)["synthetic"]
    assert len(runs) == len(cfg["tasks"]) * len(cfg["methods"]) * len(cfg["seeds"])
    for run in runs:
        metrics = yaml.safe_load((run / "metrics.json").read_text())
        assert {"run", "metrics", "provenance"} <= set(metrics)
        history = read_history(run / "history.csv")  # sealed: the seal line checked, not parsed as a row
        assert list(history["step"]) == list(range(1, cfg["iterations"] + 1))
        assert (smoke / "results" / "logs" / "synthetic_train" / f"{run.name}.log").stat().st_size > 0
        assert (smoke / "results" / "benchmarks" / "synthetic_train" / f"{run.name}.tsv").exists()
    assert not list((smoke / "results").glob("checkpoints/*/last.pt"))  # removed once a run finishes


def test_figure4_and_summary(smoke):
    png = smoke / "results" / "figures" / "figure4.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = (smoke / "results" / "report.md").read_text()
    assert "Table 8" in summary and "figure4.png" in summary


def test_nothing_to_do_after_a_complete_run(smoke):
    out = snakemake(smoke, "-n", "--configfile", "configs/smoke.yaml")
    assert "Nothing to be done" in out.stdout + out.stderr


def test_changing_alpha_schedules_only_mixup_runs(smoke):
    cfg = smoke_config(smoke)
    cfg["synthetic"]["alpha"] = 0.5
    (smoke / "alpha.yaml").write_text(yaml.safe_dump(cfg))
    out = snakemake(smoke, "-n", "--configfile", "alpha.yaml")
    counts = job_counts(out.stdout + out.stderr)
    syn = cfg["synthetic"]
    mixup_runs = len(syn["tasks"]) * len([m for m in syn["methods"] if m != "none"]) * len(syn["seeds"])
    # Each run is scored in its training job; Table 8 and Figure 4 (drawn at this alpha) are redone.
    assert counts == {"synthetic_train": mixup_runs, "table": 1, "figure": 1, "report_summary": 1, "all": 1}


def _tree_digest(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_each_configuration_keeps_its_own_results_folder(smoke):
    """Another configuration (its own results key) writes nothing into this one's folder: hashed before
    and after a real run of part of it; and a dry run puts every output, log and benchmark under it."""
    before = _tree_digest(smoke / "results")
    cfg = smoke_config(smoke)
    cfg["results"] = "results-other"
    cfg["synthetic"]["alpha"] = 0.5  # other runs, other tables
    (smoke / "other.yaml").write_text(yaml.safe_dump(cfg))
    out = snakemake(smoke, "-n", "--configfile", "other.yaml")
    paths = re.findall(r"(?:output|log|benchmark): (.+)", out.stdout)
    assert paths and all(p.startswith("results-other/") for line in paths for p in line.split(", "))
    snakemake(smoke, "results-other/tables/table8.md", "--configfile", "other.yaml")
    assert (smoke / "results-other" / "tables" / "table8.md").exists()
    assert _tree_digest(smoke / "results") == before


def test_config_error_is_one_sentence_without_traceback(smoke):
    (smoke / "bad.yaml").write_text("synthetic:\n  alpha: -1\n")
    out = snakemake(smoke, "-n", "--configfile", "bad.yaml", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "config.synthetic.alpha: expected a number >= 0, got -1" in text
    assert "Traceback" not in text


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory, request):
    """The workflow's files, nothing run yet (for dry runs and single targets)."""
    return copy_workflow(Path(request.config.rootpath), tmp_path_factory.mktemp("bad-inputs"))


@pytest.mark.parametrize(
    "text,message",
    [
        # an IndexError in common.smk before
        ("supervised: {table3: {seeds: []}}", "config.supervised.table3.seeds: expected a list of at least 1 item(s), got []"),
        # a KeyError in common.smk before
        (
            "robustness: {fgsm: {models: [{dataset: cifar10, arch: vgg}]}}",
            "config.robustness.fgsm.models[0].arch: expected one of preactresnet18, preactresnet34, preactresnet50, "
            "wrn28_10, wrn28_2, got 'vgg'",
        ),
        # accepted before, then a traceback in the training job
        ("synthetic: {alpha: .nan}", "config.synthetic.alpha: expected a finite number, got nan"),
        # accepted before, then a traceback naming neither key nor value
        (
            "representations: {figure5: {class_subsets: ['5-2']}}",
            "config.representations.figure5.class_subsets[0]: expected a digit range lo-hi with lo < hi (at least two "
            "classes, e.g. '0-4'), got '5-2'",
        ),
    ],
)
def test_malformed_config_stops_the_dry_run_in_one_sentence(workflow_copy, text, message):
    (workflow_copy / "bad.yaml").write_text(text + "\n")
    out = snakemake(workflow_copy, "-n", "--configfile", "configs/smoke.yaml", "bad.yaml", check=False)
    output = out.stdout + out.stderr
    assert out.returncode != 0
    assert f"Error in the configuration: {message}\n" in output
    assert "Traceback" not in output and "Job stats" not in output


def _merged(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merged(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def test_a_damaged_model_stops_its_evaluation_job_in_one_sentence(workflow_copy):
    from mmcore.config import load_schema, validate_config
    from mmcore.runsheet import artefact_cells

    cfg = _merged(yaml.safe_load((workflow_copy / "config.yaml").read_text()), smoke_config(workflow_copy))
    cfg = validate_config(cfg, load_schema(workflow_copy / "schemas" / "config.schema.yaml"))
    rid = artefact_cells(cfg)["table7"][0]["runs"][0]["run_id"]  # a model the FGSM evaluation reads
    model = f"results/runs/{rid}/model.pt"
    snakemake(workflow_copy, model, "--configfile", "configs/smoke.yaml")
    data = bytearray((workflow_copy / model).read_bytes())
    middle = len(data) // 2
    data[middle - 128 : middle + 128] = bytes(b ^ 0xFF for b in data[middle - 128 : middle + 128])
    (workflow_copy / model).write_bytes(bytes(data))
    out = snakemake(workflow_copy, f"results/runs/{rid}/fgsm.json", "--configfile", "configs/smoke.yaml", check=False)
    output = out.stdout + out.stderr
    assert out.returncode != 0
    assert (
        f"Error: {model} does not match the sha256 recorded when it was written (damaged since); delete it and "
        "run the workflow again to retrain the run\n" in output
    )
    assert "Traceback" not in output
    assert not (workflow_copy / "results" / "runs" / rid / "fgsm.json").exists()


def _change_a_digit(path: Path) -> None:
    """One digit of the first metric value changed (Table 1's 94 becoming 84, say)."""
    text = path.read_text()
    at = text.index('"metrics"')
    at = next(i for i in range(at, len(text)) if text[i].isdigit())
    path.write_text(text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :])


@pytest.mark.parametrize("damage", ["digit", "copied", "cut"])
def test_a_damaged_record_stops_the_reading_job_in_one_sentence(workflow_copy, damage):
    """Through the real workflow: a digit changed in a run's metrics.json, another run's metrics.json
    copied into a folder, and a history.csv cut at a line boundary each stop the table job that reads it."""
    table = "figure6_loss" if damage == "cut" else "table8"
    target = f"results/tables/{table}.md"
    snakemake(workflow_copy, target, "--configfile", "configs/smoke.yaml")
    runs = sorted((workflow_copy / "results" / "runs").glob("sup-*" if damage == "cut" else "syn-*"))
    runs = [r for r in runs if (r / ("history.csv" if damage == "cut" else "metrics.json")).exists()]
    victim = runs[0] / ("history.csv" if damage == "cut" else "metrics.json")
    original = victim.read_bytes()
    if damage == "digit":
        _change_a_digit(victim)
        expected = f"Error: {victim.relative_to(workflow_copy)} does not match the seal its job wrote"
    elif damage == "copied":
        victim.write_bytes((runs[1] / "metrics.json").read_bytes())
        expected = (f"Error: {victim.relative_to(workflow_copy)} belongs to run '{runs[1].name}', not to "
                    f"'{runs[0].name}' whose folder holds it")
    else:
        victim.write_bytes(b"".join(original.splitlines(keepends=True)[:2]))  # the header and one epoch left
        expected = f"Error: {victim.relative_to(workflow_copy)} does not end with its seal (cut short"
    try:
        out = snakemake(workflow_copy, target, "--configfile", "configs/smoke.yaml", check=False)
        output = out.stdout + out.stderr
        assert out.returncode != 0 and expected in output, output[-3000:]
        assert "Traceback" not in output
    finally:
        victim.write_bytes(original)


def test_lint_is_clean(smoke):
    out = snakemake(smoke, "--lint", "--configfile", "configs/smoke.yaml", check=False)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert "Lints for" not in text, text


def test_snakefmt_clean(smoke):
    snakefmt = Path(sys.executable).with_name("snakefmt")
    proc = subprocess.run([str(snakefmt), "--check", "Snakefile", "rules"], cwd=smoke, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_missing_dataset_fails_with_one_sentence(smoke):
    cfg = smoke_config(smoke)
    cfg["data"] = {"local_dirs": {"mnist": str(smoke / "no-such-folder")}}
    (smoke / "nodata.yaml").write_text(yaml.safe_dump(cfg))
    out = snakemake(smoke, "results/data/mnist/manifest.json", "--configfile", "nodata.yaml", check=False)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "dataset mnist: no complete copy found in " + str(smoke / "no-such-folder") in text
    assert "Traceback" not in text
    assert not (smoke / "results" / "data" / "mnist" / "train.pt").exists()


def test_prepare_data_rule_from_a_local_folder(smoke):
    from test_datasets import write_fixture

    write_fixture(smoke / "idx")
    cfg = smoke_config(smoke)
    cfg["data"] = {"local_dirs": {"mnist": str(smoke / "idx")}, "verify_checksums": False}
    cfg["representations"] = {"svd": {"settings": []}, "figure5": {"class_subsets": []}}
    (smoke / "data.yaml").write_text(yaml.safe_dump(cfg))
    snakemake(smoke, "results/data/mnist/manifest.json", "--configfile", "data.yaml")
    manifest = yaml.safe_load((smoke / "results" / "data" / "mnist" / "manifest.json").read_text())
    assert manifest["source"] == str(smoke / "idx") and manifest["shapes"]["train"] == [12, 28, 28]
    out = snakemake(smoke, "-n", "results/data/mnist/manifest.json", "--configfile", "data.yaml")
    assert "Nothing to be done" in out.stdout + out.stderr


def test_representation_outputs(smoke):
    cfg = smoke_config(smoke)["representations"]
    svd = pd.read_csv(smoke / "results" / "tables" / "svd_flattening.csv")
    assert list(svd.columns[:8]) == [
        "setting", "method", "n_seeds", "first_sv_mean", "first_sv_std",
        "rest_sv_sum_mean", "rest_sv_sum_std", "overall_rest_sv_sum_mean",
    ]
    assert set(svd["setting"]) == set(cfg["svd"]["settings"]) and set(svd["method"]) == set(cfg["methods"])
    assert svd["scale"].str.contains("fashion_mnist stands in for mnist").all()
    b2d = pd.read_csv(smoke / "results" / "tables" / "bottleneck2d.csv")
    assert set(b2d["classes"]) == set(cfg["figure5"]["class_subsets"]) and (b2d["tightness_mean"] >= 0).all()
    for name in ("figure5", "figure9", "figure12"):
        assert (smoke / "results" / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    manifest = yaml.safe_load((smoke / "results" / "data" / "fashion_mnist" / "manifest.json").read_text())
    assert manifest["shapes"]["train"] == [200, 28, 28]
    summary = (smoke / "results" / "report.md").read_text()
    assert "flattening" in summary and "figure5.png" in summary


def test_supervised_tables_and_curves(smoke):
    for table in ("table1", "table2", "table5", "table6", "alpha_grid"):
        df = pd.read_csv(smoke / "results" / "tables" / f"{table}.csv")
        assert list(df.columns) == list(ARTEFACTS[table].columns), table
        assert df["test_error_best_mean"].between(0, 100).all()
        assert df["scale"].str.startswith("reduced: fashion_mnist stands in").all()
        md = (smoke / "results" / "tables" / f"{table}.md").read_text()
        assert "> Scale: reduced:" in md
    t3 = pd.read_csv(smoke / "results" / "tables" / "table3.csv")
    assert list(t3.columns) == list(ARTEFACTS["table3"].columns) and set(t3["method"]) == {"none", "input", "manifold"}
    t1 = pd.read_csv(smoke / "results" / "tables" / "table1.csv")
    assert t1.loc[t1["method"] == "manifold", "paper_value"].tolist() == [2.95]
    assert (smoke / "results" / "figures" / "figure6.png").stat().st_size > 10_000
    runs = list((smoke / "results" / "runs").glob("sup-*"))
    # table2 (svhn) and the alpha grid share the stand-in's runs with table1 and table3: no duplicates.
    assert len(runs) == len({r.name for r in runs}) == 11  # Table 9's input alpha-2 run is Figure 6's {0}
    for run in runs:
        h = read_history(run / "history.csv")
        assert h["epoch"].tolist() == [1, 2] and {"test_error", "test_nll", "lr"} <= set(h.columns)
        assert (smoke / "results" / "benchmarks" / "supervised_train" / f"{run.name}.tsv").exists()
    assert not list((smoke / "results" / "checkpoints").glob("sup-*/last.pt"))


def test_robustness_tables(smoke):
    tables = smoke / "results" / "tables"
    t9 = pd.read_csv(tables / "table9.csv")
    assert list(t9.columns) == list(ARTEFACTS["table9"].columns)
    assert set(t9["deformation"]) == {"none", "rotation", "shear", "zoom_in", "zoom_out"}
    assert len(t9) == 5 * 4  # (clean + 4 deformations) x 4 models
    assert (smoke / "results" / "figures" / "table9_deformations.png").stat().st_size > 10_000
    t7 = pd.read_csv(tables / "table7.csv")
    assert list(t7.columns) == list(ARTEFACTS["table7"].columns) and sorted(set(t7["epsilon"])) == [0.0, 0.03]
    clean = t7[t7["epsilon"] == 0]
    assert (clean["acc_mean"] == clean["clean_acc_mean"]).all()  # epsilon 0 is the clean accuracy
    pgd = pd.read_csv(tables / "pgd_sanity.csv")
    assert list(pgd.columns) == list(ARTEFACTS["pgd_sanity"].columns) and set(pgd["method"]) == {"input", "manifold"}
    # Evaluations are jobs of their own: changing a deformation strength retrains nothing.
    cfg = smoke_config(smoke)
    cfg["robustness"]["deformations"]["rotation"] = [20, 40]
    (smoke / "deform.yaml").write_text(yaml.safe_dump(cfg))
    out = snakemake(smoke, "-n", "--configfile", "deform.yaml")
    counts = job_counts(out.stdout + out.stderr)
    assert counts == {"robustness_deform": 4, "table": 1, "figure": 1, "report_summary": 1, "all": 1}


def test_paper_config_dry_run_lists_each_training_run_once(smoke):
    out = snakemake(smoke, "-n", "--configfile", "configs/paper.yaml").stdout
    counts = job_counts(out)
    # Tables 1-2: 135; Table 3: 9; Table 5: 2 x 10 sets (S={} and S={0,1,2} shared with none of them
    # at 1200 epochs... see test_supervised for the exact sharing); the dry run must list no run twice.
    jobs = re.findall(r"output: results-paper/runs/(sup-[^/\s]+)/model\.pt", out)  # the training jobs' outputs
    assert len(jobs) == len(set(jobs)) == counts["supervised_train"]
    assert counts["supervised_train"] == 205  # README: 205 runs (Tables 1-2 alone 135)


def test_a_job_is_a_run_an_evaluation_or_an_artefact(smoke):
    """Leaner jobs: evaluation that is part of a run's result happens in its training job, so the default
    DAG is one job per training run, per robustness evaluation, per registered artefact it makes, per
    dataset, plus the summary and `all` (197 jobs before the registry; 147 for that commit's config)."""
    from mmcore.config import load_schema, validate_config
    from mmcore.runsheet import all_runs, artefact_cells, made_artefacts

    counts = job_counts(snakemake(smoke, "-n").stdout)
    cfg = validate_config(yaml.safe_load((smoke / "config.yaml").read_text()), load_schema(smoke / "schemas" / "config.schema.yaml"))
    cells = artefact_cells(cfg)
    runs = all_runs(cells)
    families = {"synthetic": "synthetic_train", "representations": "representations_train",
                "supervised": "supervised_train", "gan": "gan_train", "gan_classifier": "gan_classifier_train"}
    for family, rule in families.items():
        assert counts.get(rule, 0) == sum(r["experiment"] == family for r in runs.values()), rule
    evaluations = {"table9": "robustness_deform", "table7": "robustness_fgsm", "pgd_sanity": "robustness_pgd"}
    for table, rule in evaluations.items():
        assert counts[rule] == len({rid for c in cells[table] for r in c["runs"] for rid in [r["run_id"]]}), rule
    made = made_artefacts(cfg, cells)
    datasets = {r["dataset"] for r in runs.values() if "dataset" in r and r["experiment"] != "synthetic"}
    expected = len(runs) + sum(counts[r] for r in evaluations.values()) + len(made) + len(datasets) + 2
    assert sum(counts.values()) == expected, counts


TOY = """

register(
    Artefact(
        name="toy_table",
        kind="table",
        title="A toy table of task A without mixup",
        section=_APPENDIX_A,
        caption="A table a contributor added: one registry entry.",
        runs="synthetic",
        block=("synthetic",),
        cells=lambda b, c: grid(each("task", b["tasks"][:1]), each("method", ["none"])),
        writer="mmcore.tables.synthetic:table8",
        columns=("task", "method", "n_seeds", "test_acc_mean", "scale"),
    )
)
"""


def test_a_table_added_to_the_registry_gets_its_job(smoke, tmp_path):
    """Adding a table of an existing family is one registry entry: the generic rule makes it."""
    import mmcore

    src = tmp_path / "src"
    shutil.copytree(Path(mmcore.__file__).parent, src / "mmcore")
    registry = src / "mmcore" / "artefacts" / "synthetic.py"  # the family module of the toy's runs
    registry.write_text(registry.read_text() + TOY)
    out = snakemake(smoke, "-n", "--configfile", "configs/smoke.yaml", env={"PYTHONPATH": str(src)})
    text = out.stdout + out.stderr
    assert "results/tables/toy_table.csv" in text and job_counts(text) == {"table": 1, "report_summary": 1, "all": 1}
    snakemake(smoke, "results/tables/toy_table.csv", "--configfile", "configs/smoke.yaml", env={"PYTHONPATH": str(src)})
    toy = pd.read_csv(smoke / "results" / "tables" / "toy_table.csv")
    table8 = pd.read_csv(smoke / "results" / "tables" / "table8.csv").query("task == 'A' and method == 'none'")
    assert toy["test_acc_mean"].tolist() == table8["test_acc_mean"].tolist()  # the same runs, no new training
    (smoke / "results" / "tables" / "toy_table.csv").unlink()
    (smoke / "results" / "tables" / "toy_table.md").unlink()


def dry_run_counts(smoke, name: str, cfg: dict) -> dict[str, int]:
    (smoke / name).write_text(yaml.safe_dump(cfg))
    out = snakemake(smoke, "-n", "--configfile", name)
    return job_counts(out.stdout + out.stderr)


def test_plotting_only_change_reruns_only_the_plot_and_the_report(smoke):
    cfg = smoke_config(smoke)
    cfg["synthetic"]["figure4_examples"] = cfg["synthetic"]["figure4_examples"] + 2
    assert dry_run_counts(smoke, "plot.yaml", cfg) == {"figure": 1, "report_summary": 1, "all": 1}


def test_one_experiments_training_setting_reruns_only_its_runs(smoke):
    cfg = smoke_config(smoke)
    cfg["representations"]["lr"] = 0.0005
    counts = dry_run_counts(smoke, "replr.yaml", cfg)
    rep = cfg["representations"]
    n_runs = len(rep["methods"]) * len(rep["seeds"]) * (len(rep["figure5"]["class_subsets"]) + len(rep["svd"]["settings"]))
    assert counts.pop("representations_train") == n_runs  # representations are extracted in the same job
    # The flattening and tightness tables; Figures 5, 9 and 12 (the smoke config's one SVD setting).
    assert counts == {"table": 2, "figure": 3, "report_summary": 1, "all": 1}


def test_adding_a_seed_runs_only_the_new_seed_and_the_aggregates(smoke):
    cfg = smoke_config(smoke)
    cfg["synthetic"]["seeds"] = cfg["synthetic"]["seeds"] + [7]
    counts = dry_run_counts(smoke, "seed.yaml", cfg)
    per_seed = len(cfg["synthetic"]["tasks"]) * len(cfg["synthetic"]["methods"])
    assert counts.pop("synthetic_train") == per_seed
    assert counts == {"table": 1, "report_summary": 1, "all": 1}


def test_deleting_one_runs_output_rebuilds_only_that_run(smoke):
    """Snakemake leaves a missing intermediate alone while everything that reads it is up to date (as
    it does for temp files); asking for the run rebuilds that run alone, and the next plain run then
    refreshes at most what reads it."""
    run = sorted((smoke / "results" / "runs").glob("sup-*"))[0]
    for f in run.iterdir():
        f.unlink()
    target = f"results/runs/{run.name}/metrics.json"
    out = snakemake(smoke, "-n", target, "--configfile", "configs/smoke.yaml")
    assert job_counts(out.stdout + out.stderr) == {"supervised_train": 1}
    snakemake(smoke, target, "--configfile", "configs/smoke.yaml")
    out = snakemake(smoke, "-n", "--configfile", "configs/smoke.yaml")
    counts = job_counts(out.stdout + out.stderr)
    # Snakemake compares small files by checksum: a rebuild identical to the old one (the run is seeded)
    # may refresh nothing at all, and anything it does refresh reads that run.
    assert "supervised_train" not in counts
    assert set(counts) <= {"table", "figure", "robustness_deform", "robustness_fgsm", "robustness_pgd",
                           "report_summary", "all"}
    snakemake(smoke, "--configfile", "configs/smoke.yaml")  # bring it up to date for the tests that follow


def chromium() -> str | None:
    """Debian's chromium, installed when missing where apt works (as CI runs: root)."""
    found = shutil.which("chromium")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    for cmd in (["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"], ["apt-get", "update", "-qq"],
                ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        subprocess.run(cmd, capture_output=True, timeout=600)
        if shutil.which("chromium"):
            break
    return shutil.which("chromium")


def test_html_report_is_self_contained_and_renders_in_chromium(smoke):
    snakemake(smoke, "--report", "report.html", "--configfile", "configs/smoke.yaml")
    html = (smoke / "report.html").read_text()
    assert "Reproduction scorecard" in html and "figure6.png" in html
    assert 'src="http' not in html  # self-contained: no script or image fetched from elsewhere
    # Every figure is embedded (base64 PNG data starts with the PNG signature's encoding).
    n_figures = len(list((smoke / "results" / "figures").glob("*.png")))
    assert n_figures >= 5 and html.count("iVBORw0KGgo") >= n_figures
    browser = chromium()
    if browser is None:
        pytest.skip("no chromium (not root or no apt-get): the HTML report was built but not rendered")
    shot = smoke / "report.png"
    base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=8000"]
    proc = subprocess.run(base + [f"--screenshot={shot}", "--window-size=1280,900", str(smoke / "report.html")],
                          capture_output=True, text=True, timeout=180)
    assert shot.exists() and shot.stat().st_size > 20_000, proc.stderr[-2000:]
    dom = subprocess.run(base + ["--dump-dom", str(smoke / "report.html")], capture_output=True, text=True, timeout=180)
    # The page's script ran and drew the categories of results (it is a single-page app).
    assert "Reproduction scorecard" in dom.stdout and "Section 5.1" in dom.stdout
