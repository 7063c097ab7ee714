"""Probe a stand-in's schedule for the regime of every method (every run ends trained, mixup runs too).

Usage: .venv/bin/python benchmarks/regime_probe.py --epochs 100 --milestones 50,75 \
           --runs none:0 input:2 manifold:2 --seeds 0 [--data results/data/fashion_mnist] [--threads 1]
       .venv/bin/python benchmarks/regime_probe.py --family synthetic --set iterations=800 --runs factor:1:C
       .venv/bin/python benchmarks/regime_probe.py --family representations --set epochs=8 \
           --runs manifold:2:bottleneck12_after3

Takes the default configuration's own run rows (supervised: PreActResNet18 on the stand-in, the same
model, data subset, batch size and optimiser as the workflow; synthetic: a task's row; representations: a
setting's row), changes only what is given (the schedule, ``--set key=value``), trains each one through
the family's ``train_run`` and prints, per run, the regime's measure (supervised: final clean training
accuracy; synthetic: accuracy on the training distribution; representations: test accuracy), a few
other metrics and its seconds. The regime is decided on these numbers alone, before any claim is looked
at (docs/probes.md).
"""

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import torch
import yaml

from mmcore.config import load_config
from mmcore.experiments import representations, supervised, synthetic
from mmcore.records import read_record
from mmcore.runsheet import all_runs, artefact_cells


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


#: per family: the metric the regime reads, and the other metrics printed.
MEASURES = {
    "supervised": ("train_acc_clean_final", ("test_error_full", "test_nll_full", "train_loss_final")),
    "synthetic": ("train_dist_acc", ("test_acc", "test_nll")),
    "representations": ("test_acc", ("test_nll",)),
}


def matches(row: dict, family: str, method: str, alpha: float, seed: int, extra: str | None) -> bool:
    """supervised: PreActResNet18, not gradient-blocked, ``extra`` = mix points; synthetic: ``extra`` =
    task; representations: ``extra`` = setting (the 0-9 classes for the 2-D one)."""
    if row.get("experiment") != family or row["method"] != method or int(row["seed"]) != seed:
        return False
    if method != "none" and float(row["alpha"]) != alpha:
        return False
    if family == "supervised":
        return (row["model"] == "preactresnet18" and not row["detach"]
                and (extra is None or row["mix_points"] == extra))
    if family == "synthetic":
        return extra is None or row["task"] == extra
    return (extra is None or row["setting"] == extra) and row.get("classes", "0-9") == "0-9"


def apply_sets(row: dict, items: list[str]) -> dict:
    """``key=value`` changes (YAML values) of a run row, in place; the row back."""
    for item in items:
        key, value = item.split("=", 1)
        row[key] = yaml.safe_load(value)
    return row


def emit(result: dict, out: str | None) -> None:
    """One probe result: printed as a JSON line, and appended to ``out`` when given."""
    print(json.dumps(result), flush=True)
    if out:
        with open(out, "a") as f:
            f.write(json.dumps(result) + "\n")


def pick_row(runs: dict, family: str, method: str, alpha: float, seed: int, extra: str | None) -> dict:
    for row in runs.values():
        if matches(row, family, method, alpha, seed, extra):
            return dict(row)
    raise SystemExit(f"no default {family} row for {method} alpha {alpha} seed {seed} ({extra})")


def train(family: str, row: dict, data: str, run_dir: Path, precision: str) -> None:
    files = [run_dir / "model.pt", run_dir / "history.csv"]
    if family == "supervised":
        supervised.train_run(row, data, *files, run_dir / "metrics.json", device="cpu", precision=precision)
    elif family == "synthetic":
        synthetic.train_run(row, *files, run_dir / "metrics.json", test_size=1000, device="cpu", precision=precision)
    else:
        representations.train_run(row, data, *files, run_dir / "representations.pt", run_dir / "metrics.json",
                                  device="cpu", precision=precision)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=sorted(MEASURES), default="supervised")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--milestones", default=None, help="comma-separated epochs, e.g. 50,75 (supervised)")
    ap.add_argument("--set", nargs="*", default=[], help="key=value changes of the run row (YAML values)")
    ap.add_argument("--runs", nargs="+", default=["none:0", "input:2", "manifold:2"],
                    help="method:alpha[:extra]: mix points (supervised), task (synthetic), setting (representations)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--data", default="results/data/fashion_mnist")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--out", default=None, help="append one JSON line per run to this file")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    runs = all_runs(artefact_cells(load_config("config.yaml", "schemas/config.schema.yaml")))
    for spec in args.runs:
        parts = spec.split(":")
        method, alpha = parts[0], float(parts[1])
        layers = parts[2] if len(parts) > 2 else None
        for seed in args.seeds:
            row = pick_row(runs, args.family, method, alpha, seed, layers)
            if args.epochs is not None:
                row["epochs"] = args.epochs
            if args.milestones is not None:
                row["milestones"] = args.milestones
            apply_sets(row, args.set)
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                run_dir = Path(tmp) / row["run_id"]
                run_dir.mkdir()
                train(args.family, row, args.data, run_dir, args.precision)
                m = read_record(run_dir / "metrics.json")["metrics"]
                wall = time.perf_counter() - t0
            measure, others = MEASURES[args.family]
            keys = ("epochs", "milestones", "train_per_class", "iterations", "batch_size", "task", "setting",
                    "model_kwargs", "lr")
            result = {
                "family": args.family, "method": method, "alpha": alpha, "mix_points": row["mix_points"],
                "seed": seed, **{k: row[k] for k in keys if k in row}, measure: m[measure],
                **{k: m[k] for k in others if k in m}, "precision": m.get("precision"), "threads": args.threads,
                "seconds": round(wall, 1), "cpu": cpu_name(),
            }
            emit(result, args.out)


if __name__ == "__main__":
    main()
