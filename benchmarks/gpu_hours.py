"""Estimate the GPU-hours of the paper-scale training runs (configs/paper.yaml) from the run sheet.

Seconds per epoch of 50,000 32x32 images come from --measured FILE (the JSON that
benchmarks/gpu_check.sh writes: PreActResNet18 epochs timed on the GPU, scaled to the other
architectures by their relative cost below) or, without it, from assumptions for one A100-class GPU
at batch 100 in fp32 (channels-last), training plus the per-epoch test pass, scaled by the number of
training images. The output says which.

    python benchmarks/gpu_hours.py [configs/paper.yaml] [--measured gpu_check.json] [--precision bf16]
"""

import argparse
import collections
import json

import yaml

from mmcore.config import load_schema, validate_config
from mmcore.runsheet import all_runs, artefact_cells

#: Assumed seconds per epoch of 50,000 32x32 images (Tiny-ImageNet's stride-2 stem makes its 64x64
#: images cost about the same per image as CIFAR's 32x32).
SECONDS_PER_50K_EPOCH = {"preactresnet18": 10, "preactresnet34": 17, "preactresnet50": 30, "wrn28_10": 60, "wrn28_2": 8}
TRAIN_IMAGES = {"cifar10": 50_000, "cifar100": 50_000, "svhn": 62_156, "tiny_imagenet": 100_000}


def measured_seconds(path: str, precision: str) -> dict[str, float]:
    """PreActResNet18's measured epoch (channels-last, the given precision), the others scaled alike."""
    with open(path) as fh:
        info = json.load(fh)
    cell = next(r for r in info["train_step"]["results"] if r["precision"] == precision and r["layout"] == "channels-last")
    epoch = cell["epoch_s"] * 50_000 / info["train_step"].get("epoch_images", 50_000)
    scale = epoch / SECONDS_PER_50K_EPOCH["preactresnet18"]
    return {arch: s * scale for arch, s in SECONDS_PER_50K_EPOCH.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", nargs="?", default="configs/paper.yaml")
    ap.add_argument("--measured", default="", help="JSON written by benchmarks/gpu_check.sh")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    args = ap.parse_args()
    with open(args.config) as fh:
        cfg = validate_config(yaml.safe_load(fh), load_schema("schemas/config.schema.yaml"))
    seconds = measured_seconds(args.measured, args.precision) if args.measured else SECONDS_PER_50K_EPOCH
    runs = {i: r for i, r in all_runs(artefact_cells(cfg)).items() if r["experiment"] == "supervised"}
    hours = collections.Counter()
    for r in runs.values():
        per_epoch = seconds[r["arch"]] * TRAIN_IMAGES.get(r["dataset"], 50_000) / 50_000
        hours[(r["dataset"], r["arch"], r["epochs"])] += per_epoch * r["epochs"] / 3600
    print(f"{len(runs)} supervised training runs")
    for key, h in sorted(hours.items()):
        print(f"  {key[0]:14s} {key[1]:15s} {key[2]:5d} epochs: {h:8.0f} GPU-hours")
    basis = f"measured ({args.measured}, {args.precision})" if args.measured else "assumed A100-class; see the docstring"
    print(f"total: {sum(hours.values()):.0f} GPU-hours ({basis})")


if __name__ == "__main__":
    main()
