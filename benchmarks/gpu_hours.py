"""Estimate the GPU-hours of the paper-scale supervised runs (configs/paper.yaml) from the run sheet.

Not a measurement: seconds per epoch are assumptions for one A100-class GPU at batch 100 in fp32
(channels-last), training plus the per-epoch test pass, scaled by the number of training images.
No GPU was available to calibrate them; replace SECONDS_PER_50K_EPOCH with your own timings.

    python benchmarks/gpu_hours.py [configs/paper.yaml]
"""

import collections
import sys

import yaml

from mmcore.config import load_schema, validate_config
from mmcore.runsheet import supervised_runs

#: Assumed seconds per epoch of 50,000 32x32 images (Tiny-ImageNet's stride-2 stem makes its 64x64
#: images cost about the same per image as CIFAR's 32x32).
SECONDS_PER_50K_EPOCH = {"preactresnet18": 10, "preactresnet34": 17, "preactresnet50": 30, "wrn28_10": 60, "wrn28_2": 8}
TRAIN_IMAGES = {"cifar10": 50_000, "cifar100": 50_000, "svhn": 62_156, "tiny_imagenet": 100_000}


def main(path: str = "configs/paper.yaml") -> None:
    with open(path) as fh:
        cfg = validate_config(yaml.safe_load(fh), load_schema("schemas/config.schema.yaml"))
    runs = {r["run_id"]: r for r in supervised_runs(cfg)}
    hours = collections.Counter()
    for r in runs.values():
        per_epoch = SECONDS_PER_50K_EPOCH[r["arch"]] * TRAIN_IMAGES.get(r["dataset"], 50_000) / 50_000
        hours[(r["dataset"], r["arch"], r["epochs"])] += per_epoch * r["epochs"] / 3600
    print(f"{len(runs)} supervised training runs")
    for key, h in sorted(hours.items()):
        print(f"  {key[0]:14s} {key[1]:15s} {key[2]:5d} epochs: {h:8.0f} GPU-hours")
    print(f"total: {sum(hours.values()):.0f} GPU-hours (assumed A100-class; see the docstring)")


if __name__ == "__main__":
    main(*sys.argv[1:])
