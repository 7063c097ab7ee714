"""Appendix B / G: train a bottleneck MLP, then extract and analyse its bottleneck representations."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch

from ..analysis import cluster_tightness, flattening
from ..data.datasets import load_prepared
from ..data.loader import TensorSource, normalise
from ..evaluate import classification_metrics
from ..io import save_torch
from ..models import create_model
from ..pilot import caps_of, capped_count, capped_schedule
from ..policy import MixPolicy
from ..seeding import seed_generator
from ..train import TrainConfig
from .job import Job, write_metrics

__all__ = ["build", "train_run", "training_set", "extract", "class_list"]

log = logging.getLogger(__name__)
NUM_CLASSES = 10
MEAN = STD = 0.5  # the authors' Figure 5 script normalises MNIST with (0.5, 0.5)


def class_list(spec: str) -> list[int]:
    """'0-4' -> [0, 1, 2, 3, 4]."""
    lo, hi = (int(v) for v in spec.split("-"))
    return list(range(lo, hi + 1))


def _subset(x, y, classes: list[int]):
    keep = torch.isin(y, torch.tensor(classes))
    return x[keep], y[keep]


def build(run: dict, device: torch.device) -> torch.nn.Module:
    torch.manual_seed(int(run["seed"]))
    kwargs = json.loads(run["model_kwargs"])
    return create_model(run["model"], num_classes=NUM_CLASSES, in_channels=1, **kwargs).to(device)


def train_run(
    run: dict,
    data_dir: str | Path,
    model_path: str | Path,
    history_path: str | Path,
    representations_path: str | Path,
    metrics_path: str | Path,
    *,
    device: str = "auto",
    center: bool = False,
    checkpoint_path: str | Path | None = None,
    checkpoint_every: int = 200,
    precision: str = "fp32",
) -> dict:
    """Train one bottleneck MLP, then extract its test-set bottleneck representations, in one job.

    The resume checkpoint goes only once the model, history, representations and metrics exist.
    """
    job = Job(run, device=device, precision=precision, checkpoint_path=checkpoint_path, log=log)
    x, y = training_set(run, data_dir)
    source = TensorSource(x, y, int(run["batch_size"]), int(run["seed"]), NUM_CLASSES, MEAN, STD, job.device)
    model = build(run, job.device)
    epochs, spe, _ = capped_schedule(int(run["epochs"]), source.steps_per_epoch, [], caps_of(run))
    cfg = TrainConfig(
        steps=epochs * spe,
        lr=float(run["lr"]),
        optimizer="adam",
        loss=run["loss"],
        log_every=spe,  # one history row per epoch
        checkpoint_every=checkpoint_every,
        steps_per_epoch=spe,
        precision=job.precision,
    )
    policy = MixPolicy.for_run(run)
    job.start()

    def progress(step: int, row: dict) -> None:
        job.progress(
            "epoch %d/%d  loss %.4f  train acc %.1f%%",
            step // spe, epochs, row["train_loss"], row["train_acc"],
        )

    history = job.train(model, source, policy, cfg, on_step=progress)
    for row in history:
        row["epoch"] = row["step"] // spe
    job.save_model(model, history, model_path, history_path)
    log.info("trained %s on %d images in %.1fs", run["run_id"], x.shape[0], job.elapsed())
    metrics = extract(run, model, data_dir, representations_path, metrics_path, center=center, precision=cfg.precision,
                      job=job)
    job.done()  # only now: a kill before this resumes from the checkpoint
    return metrics


def training_set(run: dict, data_dir: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The training images of the run's classes; a random subset of the run's seed when ``train_size``
    asks for one."""
    x, y, _ = load_prepared(data_dir, "train")
    x, y = _subset(x, y, class_list(run["classes"]))
    if run["train_size"] and int(run["train_size"]) < x.shape[0]:
        pick = torch.randperm(x.shape[0], generator=seed_generator(int(run["seed"]), "train_subset"))
        pick = pick[: int(run["train_size"])]
        x, y = x[pick], y[pick]
    return x, y


@torch.no_grad()
def extract(
    run: dict,
    model: torch.nn.Module,
    data_dir: str | Path,
    representations_path: str | Path,
    metrics_path: str | Path,
    *,
    center: bool = False,
    precision: str = "fp32",
    job: Job | None = None,
) -> dict:
    """Test-set bottleneck representations (in fp32), accuracy, and the SVD / tightness figures of merit;
    metrics.json records the precision the run trained in (a pilot run its timings, from ``job``)."""
    dev = next(model.parameters()).device
    model.eval()
    x, y, _ = load_prepared(data_dir, "test")
    x, y = _subset(x, y, class_list(run["classes"]))
    n = capped_count(int(x.shape[0]), caps_of(run))  # a pilot's eval_images
    x, y = x[:n], y[:n]

    def features():
        hs, logits = [], []
        for xb in x.split(1000):
            h = model.forward_features(normalise(xb, MEAN, STD).to(dev))
            hs.append(h.float().cpu())
            logits.append(model.forward_head(h).float().cpu())
        return torch.cat(hs), torch.cat(logits)

    h, logits = job.timed(features, n) if job is not None else features()
    metrics = classification_metrics(logits, y, run["run_id"])
    metrics.update(flattening(h, y, center))
    metrics["precision"] = precision
    if job is not None:
        metrics.update(job.pilot_metrics())
    if h.shape[1] == 2:
        metrics["tightness"] = cluster_tightness(h, y)
    save_torch(representations_path, {"h": h, "y": y})
    write_metrics(metrics_path, run, metrics)
    log.info(
        "%s: test acc %.2f%%  first sv %.2f  rest sv sum %.2f",
        run["run_id"], metrics["test_acc"], metrics["first_sv"], metrics["rest_sv_sum"],
    )
    return metrics
