"""Section 5.1 / appendix C: train one supervised run (PreActResNet or WRN) and evaluate it every epoch.

As the authors' ``main.py``: SGD with Nesterov momentum, step schedule in epochs, BCE on softmax for
every method, the test set evaluated after every epoch (error, NLL = cross entropy, top-5), and both
the best epoch (the paper's convention, confirmed by the authors) and the final epoch reported.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import torch

from ..checkpoint import load_trained
from ..data.datasets import dataset_spec, load_prepared
from ..data.loader import TensorSource, class_balanced_subset, normalise
from ..evaluate import classification_metrics, predict_logits
from ..models import create_model
from ..pilot import caps_of, capped_count, capped_schedule
from ..policy import MixPolicy
from ..seeding import seed_generator
from ..train import TrainConfig, channels_last_supported
from .job import Job

__all__ = ["build", "train_run", "train_config", "summarise", "load_model", "test_set", "training_set"]

log = logging.getLogger(__name__)


def build(run: dict, device: torch.device) -> torch.nn.Module:
    """The run's network, initialised from its seed."""
    spec = dataset_spec(run["dataset"])
    torch.manual_seed(int(run["seed"]))
    kwargs = json.loads(run["model_kwargs"])
    model = create_model(run["model"], num_classes=spec.num_classes, in_channels=spec.channels, **kwargs)
    return model.to(device)


def test_set(run: dict, data_dir: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The test images (uint8) and labels; a fixed random subset when ``test_size`` asks for one.

    The subset does not depend on the run's seed, so every run is scored on the same images.
    """
    x, y, _ = load_prepared(data_dir, "test")
    size = capped_count(int(run.get("test_size") or 0), caps_of(run))  # a pilot's eval_images at most
    if 0 < size < x.shape[0]:
        pick = torch.randperm(x.shape[0], generator=seed_generator(0, "test_subset"))[:size].sort().values
        x, y = x[pick], y[pick]
    return x, y


def full_test_metrics(run: dict, data_dir, model, to_input, final: dict) -> dict:
    """The final network on the whole test set (Fashion-MNIST's 10,000 images, CIFAR's 10,000, ...):
    what the verdicts use. The per-epoch curves may score a fixed subset (``test_size``) to save time;
    the last epoch is scored once more on every test image, so the claims rest on the full set and do
    not pick an epoch on it. Where the subset is the whole set, that is the final epoch itself."""
    caps = caps_of(run)
    if caps is not None:  # a pilot scores its eval_images test images, the set its curves used
        x, y = test_set(run, data_dir)
    else:
        x, y, _ = load_prepared(data_dir, "test")
    size = int(run.get("test_size") or 0)
    if caps is None and 0 < size < x.shape[0]:
        m = _test_metrics(model, x, y, to_input, run["run_id"])
    else:
        m = {k: final[k] for k in ("test_error", "test_nll", "test_top5") if k in final}
    out = {"test_error_full": m["test_error"], "test_nll_full": m["test_nll"], "n_test_full": int(x.shape[0])}
    if "test_top5" in m:
        out["test_top5_full"] = m["test_top5"]
    return out


def summarise(history: list[dict]) -> dict:
    """Best epoch (lowest test error; the earliest on ties) and final epoch of a per-epoch history."""
    best = min(history, key=lambda r: (r["test_error"], r["epoch"]))
    final = history[-1]
    out = {
        "best_epoch": int(best["epoch"]),
        "test_error_best": best["test_error"],
        "test_nll_best": best["test_nll"],
        "test_error_final": final["test_error"],
        "test_nll_final": final["test_nll"],
        "train_loss_final": final["train_loss"],
        "epochs": int(final["epoch"]),
    }
    if "test_top5" in best:
        out["test_top5_best"] = best["test_top5"]
        out["test_top5_final"] = final["test_top5"]
    return out


def training_set(run: dict, data_dir: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The training images (uint8) and labels; a class-balanced subset of the run's seed when
    ``train_per_class`` asks for one."""
    x, y, _ = load_prepared(data_dir, "train")
    if int(run["train_per_class"]):
        generator = seed_generator(int(run["seed"]), "labels_per_class")
        pick = class_balanced_subset(y, int(run["train_per_class"]), generator)
        x, y = x[pick], y[pick]
    return x, y


def _source(run: dict, spec, x: torch.Tensor, y: torch.Tensor, device, channels_last: bool) -> TensorSource:
    augment = run.get("augment", True)
    return TensorSource(
        x,
        y,
        int(run["batch_size"]),
        int(run["seed"]),
        spec.num_classes,
        spec.mean,
        spec.std,
        device,
        crop_padding=spec.crop_padding if augment else 0,
        flip=spec.flip if augment else False,
        channels_last=channels_last,
    )


def train_config(run: dict, spe: int, checkpoint_every: int, channels_last: bool, precision: str) -> TrainConfig:
    """The authors' optimisation in steps (``spe`` steps per epoch): SGD with Nesterov momentum, the
    step schedule, one history row per epoch; ``checkpoint_every`` is in epochs. A pilot run's caps
    (:mod:`mmcore.pilot`) shorten the epochs, their steps and the milestones."""
    milestones = [int(m) for m in str(run["milestones"]).split(",") if m]
    epochs, spe, milestones = capped_schedule(int(run["epochs"]), spe, milestones, caps_of(run))
    return TrainConfig(
        steps=epochs * spe,
        lr=float(run["lr"]),
        optimizer="sgd",
        momentum=float(run["momentum"]),
        weight_decay=float(run["weight_decay"]),
        nesterov=bool(run["nesterov"]),
        milestones=[m * spe for m in milestones],
        gamma=float(run["gamma"]),
        loss=run["loss"],
        log_every=spe,  # one history row per epoch
        checkpoint_every=max(1, int(checkpoint_every)) * spe,
        steps_per_epoch=spe,
        channels_last=channels_last,
        precision=precision,
    )


def _input_fn(spec, channels_last: bool):
    """uint8 images -> the network's normalised input, in the training's memory layout."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format

    def to_input(xb: torch.Tensor) -> torch.Tensor:
        return normalise(xb, spec.mean, spec.std).contiguous(memory_format=fmt)

    return to_input


def _test_metrics(model, x_test, y_test, to_input, run_id: str) -> dict:
    """The test error, NLL (and top-5) of one evaluation."""
    m = classification_metrics(predict_logits(model, x_test, 500, to_input), y_test, run_id)
    out = {"test_error": 100.0 - m["test_acc"], "test_nll": m["test_nll"]}
    if "test_top5" in m:
        out["test_top5"] = m["test_top5"]
    return out


def train_run(
    run: dict,
    data_dir: str | Path,
    model_path: str | Path,
    history_path: str | Path,
    metrics_path: str | Path,
    *,
    device: str = "auto",
    checkpoint_path: str | Path | None = None,
    checkpoint_every: int = 1,
    channels_last: bool = True,
    precision: str = "fp32",
    stop_after: int | None = None,
) -> dict:
    """Train one run, evaluating the test set after every epoch; write model, history and metrics.

    ``checkpoint_every`` is in epochs; ``stop_after`` (steps) simulates a kill for the tests.
    """
    job = Job(run, device=device, precision=precision, checkpoint_path=checkpoint_path, log=log)
    spec = dataset_spec(run["dataset"])
    x, y = training_set(run, data_dir)
    x_test, y_test = test_set(run, data_dir)
    model = build(run, job.device)
    if channels_last and not channels_last_supported(model):
        log.warning("channels-last is off for this run: a convolution is narrower than 8 channels on the CPU")
        channels_last = False
    source = _source(run, spec, x, y, job.device, channels_last)
    cfg = train_config(run, source.steps_per_epoch, checkpoint_every, channels_last, job.precision)
    spe = cfg.steps_per_epoch
    epochs = cfg.steps // spe
    to_input = _input_fn(spec, channels_last)
    job.start()

    def progress(step: int, row: dict) -> None:
        job.progress(
            "epoch %d/%d  lr %.4g  train loss %.4f  test error %.2f%%  test NLL %.3f",
            step // spe, epochs, row["lr"], row["train_loss"], row["test_error"], row["test_nll"],
        )

    history = job.train(
        model, source, MixPolicy.for_run(run), cfg, on_step=progress, stop_after=stop_after,
        evaluate=job.timed_eval(lambda: _test_metrics(model, x_test, y_test, to_input, run["run_id"]), len(y_test)),
    )
    for row in history:
        row["epoch"] = math.ceil(row["step"] / spe)
    if stop_after is not None and stop_after < cfg.steps:
        return {}
    metrics = summarise(history)
    # The regime the paper's claims concern: does the final network fit its (clean) training images?
    n_fit = capped_count(int(x.shape[0]), caps_of(run))  # a pilot scores eval_images training images
    train_fit = job.timed(lambda: classification_metrics(
        predict_logits(model, x[:n_fit], 500, to_input), y[:n_fit], run["run_id"]), n_fit)
    metrics.update(full_test_metrics(run, data_dir, model, to_input, history[-1]))
    metrics.update(
        train_acc_clean_final=train_fit["test_acc"],
        n_train=int(x.shape[0]), n_test=int(x_test.shape[0]), seconds=job.seconds(),
        precision=cfg.precision, **job.pilot_metrics(),
    )
    job.finish(metrics_path, metrics, model=model, model_path=model_path, history=history, history_path=history_path)
    log.info(
        "%s: best test error %.2f%% (epoch %d), final %.2f%%, on %d training images in %.1fs",
        run["run_id"], metrics["test_error_best"], metrics["best_epoch"], metrics["test_error_final"],
        x.shape[0], job.elapsed(),
    )
    return metrics


def load_model(run: dict, model_path: str | Path, device: torch.device) -> torch.nn.Module:
    """A trained run's network in eval mode (used by the robustness evaluations), after checking the
    file against the sha256 recorded when it was written; channels-last where that is safe (as in
    training: the stand-in's evaluations run ~1.3x faster on the CPU, the same numbers up to rounding)."""
    state = load_trained(model_path, run["run_id"], device)
    model = build(run, device)
    model.load_state_dict(state["model"])
    if channels_last_supported(model):
        model = model.to(memory_format=torch.channels_last)
    return model.eval()
