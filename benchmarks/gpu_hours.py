"""Estimate the GPU-hours of the paper-scale runs (configs/paper.yaml) from the run sheet.

Seconds per epoch / per step are assumptions for one A100-class GPU, in fp32, unless --measured names
the JSON that benchmarks/gpu_check.sh writes on a GPU: then the supervised epochs are PreActResNet18's
measured epoch (channels-last, --precision) with the other architectures scaled alike. The output
says which.

* Supervised runs: seconds per epoch at batch 100 (channels-last), training plus the per-epoch test
  pass, scaled by the number of training images.
* GAN runs (appendix E): seconds per generator step with ``n_dis`` 5, from gan.md section 4 (about 3.6
  TFLOP per G step of Miyato's SNGAN at an effective 20-40 TFLOP/s, i.e. 0.1-0.2 s; 0.15 s here), scaled
  by ``n_dis``; plus the Inception evaluation of the run's samples.

With --pilot results-pilot/pilot_report.json (written by `make pilot`, docs/pilot.md), every run of a job
kind the pilot measured takes the pilot's seconds per step and per evaluated image on this machine's CPU,
divided by the pilot's stated CPU-to-GPU ratio (--gpu-speedup overrides it; an assumption, not a
measurement); the other runs keep the assumptions above.

    python benchmarks/gpu_hours.py [configs/paper.yaml] [--measured gpu_check.json] [--precision bf16]
                                   [--pilot results-pilot/pilot_report.json [--gpu-speedup 100]]
"""

import argparse
import collections
import json

import yaml

from mmcore.config import load_schema, validate_config
from mmcore.pilot import TRAIN_RULES, eval_images, job_kind, paper_steps
from mmcore.runsheet import all_runs, artefact_cells

#: Assumed seconds per epoch of 50,000 32x32 images (Tiny-ImageNet's stride-2 stem makes its 64x64
#: images cost about the same per image as CIFAR's 32x32).
SECONDS_PER_50K_EPOCH = {"preactresnet18": 10, "preactresnet34": 17, "preactresnet50": 30, "wrn28_10": 60, "wrn28_2": 8}
TRAIN_IMAGES = {"cifar10": 50_000, "cifar100": 50_000, "svhn": 62_156, "tiny_imagenet": 100_000}
#: Assumed seconds per generator step at n_dis 5 (G and D forward/backward), per GAN family.
SECONDS_PER_G_STEP = {"sngan": 0.15, "dcgan": 0.01}
#: Assumed seconds of Inception features per 1,000 images (torch-fidelity, 299 x 299 resize).
SECONDS_PER_1K_EVAL = 4.0


def gan_hours(run: dict) -> float:
    train = SECONDS_PER_G_STEP[run["arch"]] * int(run["g_steps"]) * int(run["n_dis"]) / 5
    images = int(run["eval_samples"]) + (int(run["reference_size"]) or TRAIN_IMAGES.get(run["dataset"], 60_000))
    return (train + SECONDS_PER_1K_EVAL * images / 1000) / 3600


def measured_seconds(path: str, precision: str) -> dict[str, float]:
    """PreActResNet18's measured epoch (channels-last, the given precision), the others scaled alike."""
    with open(path) as fh:
        info = json.load(fh)
    cell = next(r for r in info["train_step"]["results"] if r["precision"] == precision and r["layout"] == "channels-last")
    epoch = cell["epoch_s"] * 50_000 / info["train_step"].get("epoch_images", 50_000)
    scale = epoch / SECONDS_PER_50K_EPOCH["preactresnet18"]
    return {arch: s * scale for arch, s in SECONDS_PER_50K_EPOCH.items()}


def pilot_seconds(path: str, speedup: float | None = None) -> dict[str, tuple[float, float]]:
    """Job kind -> (GPU seconds per step, per evaluated image) from a pilot report's JSON: the pilot's CPU
    seconds over its stated (or the given) CPU-to-GPU ratio."""
    with open(path) as fh:
        info = json.load(fh)
    ratio = float(speedup or info["gpu_speedup"])
    return {
        row["kind"]: ((row["s_per_step"] or 0.0) / ratio, (row["s_per_eval_image"] or 0.0) / ratio)
        for row in info["kinds"]
        if row.get("s_per_step")
    }


def estimate(
    cfg: dict, seconds: dict | None = None, pilot: dict | None = None
) -> tuple[dict, collections.Counter, int]:
    """(runs by id, hours by (family, dataset, model, length), runs priced by the pilot) of the GPU runs of
    a validated config."""
    seconds = seconds or SECONDS_PER_50K_EPOCH
    runs = {rid: r for rid, r in all_runs(artefact_cells(cfg)).items() if r["experiment"] in ("supervised", "gan")}
    hours = collections.Counter()
    priced = 0
    for r in runs.values():
        rule = TRAIN_RULES[r["experiment"]]
        measured = (pilot or {}).get(job_kind(rule, r))
        length = f"{r['g_steps']} G steps" if r["experiment"] == "gan" else f"{r['epochs']} epochs"
        if measured is not None:
            per_step, per_image = measured
            key = (r["experiment"], r["dataset"], r["arch"], length)
            hours[key] += (per_step * paper_steps(r) + per_image * eval_images(rule, r, cfg)) / 3600
            priced += 1
        elif r["experiment"] == "gan":
            hours[("gan", r["dataset"], r["arch"], f"{r['g_steps']} G steps")] += gan_hours(r)
        else:
            per_epoch = seconds[r["arch"]] * TRAIN_IMAGES.get(r["dataset"], 50_000) / 50_000
            hours[("supervised", r["dataset"], r["arch"], f"{r['epochs']} epochs")] += per_epoch * r["epochs"] / 3600
    return runs, hours, priced


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", nargs="?", default="configs/paper.yaml")
    ap.add_argument("--measured", default="", help="JSON written by benchmarks/gpu_check.sh")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--pilot", default="", help="pilot_report.json of `make pilot`: its measured step times")
    ap.add_argument("--gpu-speedup", type=float, default=None, help="CPU-to-GPU ratio (default: the pilot's)")
    args = ap.parse_args()
    with open(args.config) as fh:
        cfg = validate_config(yaml.safe_load(fh), load_schema("schemas/config.schema.yaml"))
    seconds = measured_seconds(args.measured, args.precision) if args.measured else None
    pilot = pilot_seconds(args.pilot, args.gpu_speedup) if args.pilot else None
    runs, hours, priced = estimate(cfg, seconds, pilot)
    count = collections.Counter(r["experiment"] for r in runs.values())
    print(f"{count['supervised']} supervised training runs, {count['gan']} GAN runs")
    for key, h in sorted(hours.items()):
        print(f"  {key[0]:10s} {key[1]:14s} {key[2]:15s} {key[3]:>16s}: {h:8.0f} GPU-hours")
    for family in ("supervised", "gan"):
        print(f"{family}: {sum(h for k, h in hours.items() if k[0] == family):.0f} GPU-hours")
    basis = f"supervised epochs measured ({args.measured}, {args.precision})" if args.measured else "assumed A100-class"
    if pilot is not None:
        basis += f"; {priced} of {len(runs)} runs priced by the pilot ({args.pilot}, CPU seconds over an assumed ratio)"
    print(f"total: {sum(hours.values()):.0f} GPU-hours ({basis}; see the docstring)")


if __name__ == "__main__":
    main()
