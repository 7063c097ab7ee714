"""Probe the GAN stand-in's schedule for its regime: the baseline generates recognisable images.

Usage: .venv/bin/python benchmarks/gan_probe.py --classifier results/runs/ganclf-.../model.pt \
           --set g_steps=1000 [n_dis=1 lr=0.0002 ...] --runs none input:0.5:pixel [--seeds 0]

Takes the default configuration's own GAN run rows (DCGAN stand-in on Fashion-MNIST), changes only what
``--set`` gives, trains each through ``mmcore.experiments.gan.train_run`` and prints one JSON line per run:
its classifier-based IS and FID, the IS of the real test images under the same classifier (the run's own
``real_is``, scored the same way), their ratio (the regime: >= 0.7) and the seconds.
"""

import argparse
import logging
import tempfile
import time
from pathlib import Path

import torch

from mmcore.config import load_config
from mmcore.experiments.gan import train_run
from mmcore.io import load_torch
from mmcore.records import read_record
from mmcore.runsheet import all_runs, artefact_cells

from regime_probe import apply_sets, cpu_name, emit


def pick_row(runs: dict, method: str, alpha: float, layers: str | None, seed: int) -> dict:
    for row in runs.values():
        if (row.get("experiment") == "gan" and row["method"] == method and int(row["seed"]) == seed
                and (method == "none" or (float(row["alpha"]) == alpha and row["mix_points"] == layers))):
            return dict(row)
    # a setting the default does not run: the baseline's row with the method's fields
    base = dict(next(r for r in runs.values() if r.get("experiment") == "gan" and r["method"] == "input"
                     and int(r["seed"]) == seed))
    base.update(method=method, alpha=alpha, mix_points=layers)
    return base


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--classifier", required=True, help="the workflow's ganclf run's model.pt")
    ap.add_argument("--set", nargs="*", default=[], help="key=value changes of the run row (YAML values)")
    ap.add_argument("--runs", nargs="+", default=["none", "input:0.5:pixel", "manifold:0.5:pixel,h1,h2"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--data", default="results/data/fashion_mnist")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    runs = all_runs(artefact_cells(load_config("config.yaml", "schemas/config.schema.yaml")))
    for spec in args.runs:
        parts = spec.split(":")
        method = parts[0]
        alpha = float(parts[1]) if len(parts) > 1 else 0.0
        layers = parts[2] if len(parts) > 2 else ""
        for seed in args.seeds:
            row = pick_row(runs, method, alpha, layers, seed)
            apply_sets(row, args.set)
            with tempfile.TemporaryDirectory() as tmp:
                d = Path(tmp) / row["run_id"]
                d.mkdir()
                t0 = time.perf_counter()
                train_run(row, args.data, d / "model.pt", d / "history.csv", d / "metrics.json", d / "samples.pt",
                          weights_path=args.classifier, device="cpu", precision=args.precision)
                wall = time.perf_counter() - t0
                m = read_record(d / "metrics.json")["metrics"]
                if args.out:  # the first samples, to look at (a sealed torch file like the workflow's)
                    grid = load_torch(d / "samples.pt", map_location="cpu")["samples"]
                    torch.save(grid, Path(args.out).with_suffix(f".{method}-{alpha}-{layers}-s{seed}.samples.pt"))
            result = {"method": method, "alpha": alpha, "mix_points": layers, "seed": seed,
                      **{k: row[k] for k in ("g_steps", "n_dis", "lr", "batch_size", "model_kwargs")},
                      "is": m["is"], "fid": m["fid"], "real_is": m["real_is"], "is_ratio": m["is"] / m["real_is"],
                      "precision": m.get("precision"), "threads": args.threads, "seconds": round(wall, 1),
                      "cpu": cpu_name()}
            emit(result, args.out)


if __name__ == "__main__":
    main()
