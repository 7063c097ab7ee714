"""Section 5.2 / appendix D: evaluate trained supervised runs under deformations, FGSM and PGD.

One function per evaluation and run (each is its own workflow job; the tables are in
``mmcore.tables.robustness``). Every evaluation
uses the run's own test set (the stand-in's fixed subset, or the whole test split) in [0, 1] pixel
space, and normalises inside, as the model was trained.
"""

from __future__ import annotations

import logging

import torch

from .. import attacks
from ..data.datasets import dataset_spec
from ..data.loader import standardise, to_unit
from ..deform import deform
from ..evaluate import check_finite
from ..pilot import caps_of
from ..records import read_record
from ..seeding import seed_generator
from .job import Job
from .supervised import load_model, test_set

__all__ = ["evaluate_deformations", "evaluate_fgsm", "evaluate_pgd"]

log = logging.getLogger(__name__)


def _setup(run: dict, data_dir, model_path, device: str):
    """The evaluation's job (its clock starts now), the trained model, the run's test set in [0, 1] on
    the job's device, and the normalisation."""
    job = Job(run, device=device, log=log)
    spec = dataset_spec(run["dataset"])
    model = load_model(run, model_path, job.device)
    x, y = test_set(run, data_dir)

    def to_input(pixels: torch.Tensor) -> torch.Tensor:
        return standardise(pixels, spec.mean, spec.std)

    return job, model, to_unit(x).to(job.device), y.to(job.device), to_input


def _batched_accuracy(model, x, y, to_input, name: str, batch: int = 500) -> float:
    correct = 0
    with torch.no_grad():
        for xb, yb in zip(x.split(batch), y.split(batch)):
            logits = model(to_input(xb))
            check_finite(logits, name)
            correct += int((logits.argmax(1) == yb).sum())
    return 100.0 * correct / y.shape[0]


def _write(job: Job, path, metrics: dict, images: int = 0, trained=None) -> None:
    """The evaluation's record; ``trained`` (the run's sealed metrics.json) lends it the evaluated model's
    final clean training accuracy, so the robustness tables state the regime of the models they compare."""
    if trained is not None:
        metrics["model_train_acc_clean"] = read_record(trained)["metrics"]["train_acc_clean_final"]
    metrics["seconds"] = job.seconds()
    if job.pilot:  # a pilot's evaluation: its seconds and the images it evaluated (mmcore.pilot's report)
        metrics.update(pilot_eval_s=metrics["seconds"], pilot_eval_images=int(images))
    job.write_metrics(path, metrics)


def evaluate_deformations(
    run: dict, data_dir, model_path, out_path, *, deformations: dict, interpolation: str = "nearest", device="auto",
    trained=None,
) -> dict:
    """Accuracy on the clean test set and on each deformation x strength (seeded per deformation)."""
    job, model, x, y, to_input = _setup(run, data_dir, model_path, device)
    out = {"clean": _batched_accuracy(model, x, y, to_input, run["run_id"]), "deformations": {}}
    for kind, params in deformations.items():
        for p in params:
            g = seed_generator(0, f"deform-{kind}-{p:g}")  # the same deformed set for every run
            xd = deform(x.cpu(), kind, float(p), g, interpolation).to(x.device)
            acc = _batched_accuracy(model, xd, y, to_input, run["run_id"])
            out["deformations"].setdefault(kind, {})[f"{p:g}"] = acc
            log.info("%s %g: accuracy %.2f%%", kind, p, acc)
    _write(job, out_path, out, y.shape[0] * (1 + sum(len(v) for v in deformations.values())), trained)
    return out


def evaluate_fgsm(run: dict, data_dir, model_path, out_path, *, epsilons: list[float], device="auto",
                  trained=None) -> dict:
    job, model, x, y, to_input = _setup(run, data_dir, model_path, device)
    out = {"clean": _batched_accuracy(model, x, y, to_input, run["run_id"]), "fgsm": {}}
    for eps in epsilons:
        adv = torch.cat([
            attacks.fgsm(model, xb, yb, float(eps), to_input, run["loss"])
            for xb, yb in zip(x.split(500), y.split(500))
        ])
        out["fgsm"][f"{eps:g}"] = _batched_accuracy(model, adv, y, to_input, run["run_id"])
        log.info("FGSM eps %g: accuracy %.2f%% (clean %.2f%%)", eps, out["fgsm"][f"{eps:g}"], out["clean"])
    _write(job, out_path, out, y.shape[0] * (1 + 2 * len(epsilons)), trained)
    return out


def evaluate_pgd(
    run: dict,
    data_dir,
    model_path,
    out_path,
    *,
    iterations: int,
    step_size: float,
    epsilon: float | None = None,
    test_size: int = 0,
    device="auto",
    trained=None,
) -> dict:
    """Accuracy after PGD; ``test_size`` > 0 attacks the first images of the run's test set only (a pilot
    run's test set is already capped; its iterations are capped at the pilot's ``attack_iterations``)."""
    job, model, x, y, to_input = _setup(run, data_dir, model_path, device)
    caps = caps_of(run)
    if caps is not None:
        iterations = min(int(iterations), caps.attack_iterations)
    if 0 < test_size < x.shape[0]:
        x, y = x[:test_size], y[:test_size]
    adv = torch.cat([
        attacks.pgd(model, xb, yb, iterations, step_size, to_input, epsilon, run["loss"])
        for xb, yb in zip(x.split(500), y.split(500))
    ])
    out = {
        "clean": _batched_accuracy(model, x, y, to_input, run["run_id"]),
        "pgd": _batched_accuracy(model, adv, y, to_input, run["run_id"]),
        "n_attacked": int(y.shape[0]),
        "max_linf": float((adv - x).abs().max()),
    }
    log.info("PGD %d x %g: accuracy %.2f%% (clean %.2f%%)", iterations, step_size, out["pgd"], out["clean"])
    _write(job, out_path, out, y.shape[0] * (2 + int(iterations)), trained)
    return out
