"""Probe the GAN stand-in's schedule for its regime: the baseline generates recognisable images.

Usage: .venv/bin/python benchmarks/gan_probe.py --classifier results/runs/ganclf-.../model.pt \
           --set g_steps=1000 [n_dis=1 lr=0.0002 ...] --runs none input:0.5:pixel [--seeds 0]

Takes the default configuration's own GAN run rows (DCGAN stand-in on Fashion-MNIST), changes only what
``--set`` gives, trains each through ``mmcore.experiments.gan.train_run`` and prints one JSON line per run:
its classifier-based IS and FID, the IS of the real test images under the same classifier (scored the
same way, as many images as the run's samples), their ratio (the regime: >= 0.7) and the seconds.
"""

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import torch
import yaml

from mmcore.config import load_config
from mmcore.data.datasets import load_prepared
from mmcore.experiments.gan import reference_images, train_run
from mmcore.gan.metrics import score_samples
from mmcore.io import load_torch
from mmcore.records import read_record
from mmcore.runsheet import all_runs, artefact_cells

from regime_probe import cpu_name


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


def real_is(run: dict, data_dir: str, classifier: str, n: int) -> float:
    """IS of ``n`` real test images under the run's classifier (the ceiling a generator could reach)."""
    x, _, _ = load_prepared(data_dir, "test")
    real = x[torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(0))[:n]]
    scores = score_samples(real, reference_images(run, data_dir), features="classifier", weights_path=classifier,
                           isc_splits=int(run["isc_splits"]), kid_subsets=int(run["kid_subsets"]),
                           kid_subset_size=int(run["kid_subset_size"]))
    return float(scores["is"])


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
    ceiling = None
    for spec in args.runs:
        parts = spec.split(":")
        method = parts[0]
        alpha = float(parts[1]) if len(parts) > 1 else 0.0
        layers = parts[2] if len(parts) > 2 else ""
        for seed in args.seeds:
            row = pick_row(runs, method, alpha, layers, seed)
            for item in args.set:
                key, value = item.split("=", 1)
                row[key] = yaml.safe_load(value)
            if ceiling is None:
                ceiling = real_is(row, args.data, args.classifier, int(row["eval_samples"]))
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
                      "is": m["is"], "fid": m["fid"], "real_is": ceiling, "is_ratio": m["is"] / ceiling,
                      "precision": m.get("precision"), "threads": args.threads, "seconds": round(wall, 1),
                      "cpu": cpu_name()}
            print(json.dumps(result), flush=True)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
