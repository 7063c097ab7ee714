"""Appendix B / G: train a bottleneck MLP, then extract and analyse its bottleneck representations."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import torch

from ..analysis import cluster_tightness, flattening
from ..data.datasets import load_prepared
from ..data.loader import TensorSource, normalise
from ..evaluate import classification_metrics
from ..io import save_torch, write_json
from ..models import create_model
from ..policy import MixPolicy
from ..precision import resolve_precision
from ..provenance import provenance, resolve_device
from ..checkpoint import drop_checkpoint, save_trained
from ..seeding import seed_generator
from ..train import TrainConfig, train

__all__ = ["build", "train_run", "extract", "class_list"]

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
    dev = resolve_device(device)
    seed = int(run["seed"])
    x, y, _ = load_prepared(data_dir, "train")
    x, y = _subset(x, y, class_list(run["classes"]))
    if run["train_size"] and int(run["train_size"]) < x.shape[0]:
        pick = torch.randperm(x.shape[0], generator=seed_generator(seed, "train_subset"))
        pick = pick[: int(run["train_size"])]
        x, y = x[pick], y[pick]
    source = TensorSource(x, y, int(run["batch_size"]), seed, NUM_CLASSES, MEAN, STD, dev)
    model = build(run, dev)
    cfg = TrainConfig(
        steps=int(run["epochs"]) * source.steps_per_epoch,
        lr=float(run["lr"]),
        optimizer="adam",
        loss=run["loss"],
        log_every=source.steps_per_epoch,  # one history row per epoch
        checkpoint_every=checkpoint_every,
        steps_per_epoch=source.steps_per_epoch,
        precision=resolve_precision(precision, dev),
    )
    policy = MixPolicy.for_run(run)
    start = time.time()

    def progress(step: int, row: dict) -> None:
        log.info(
            "epoch %d/%d  loss %.4f  train acc %.1f%%  (%.1fs)",
            step // source.steps_per_epoch, int(run["epochs"]), row["train_loss"], row["train_acc"],
            time.time() - start,
        )

    history = train(
        model, source, policy, cfg, seed=seed, checkpoint_path=checkpoint_path, on_step=progress, name=run["run_id"]
    )
    for row in history:
        row["epoch"] = row["step"] // source.steps_per_epoch
    save_trained(model, run, history, model_path, history_path)
    log.info("trained %s on %d images in %.1fs", run["run_id"], x.shape[0], time.time() - start)
    metrics = extract(run, model, data_dir, representations_path, metrics_path, center=center, precision=cfg.precision)
    drop_checkpoint(checkpoint_path)
    return metrics


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
) -> dict:
    """Test-set bottleneck representations (in fp32), accuracy, and the SVD / tightness figures of merit;
    metrics.json records the precision the run trained in."""
    dev = next(model.parameters()).device
    model.eval()
    x, y, _ = load_prepared(data_dir, "test")
    x, y = _subset(x, y, class_list(run["classes"]))
    hs, logits = [], []
    for xb in x.split(1000):
        h = model.forward_features(normalise(xb, MEAN, STD).to(dev))
        hs.append(h.float().cpu())
        logits.append(model.forward_head(h).float().cpu())
    h, logits = torch.cat(hs), torch.cat(logits)
    metrics = classification_metrics(logits, y, run["run_id"])
    metrics.update(flattening(h, y, center))
    metrics["precision"] = precision
    if h.shape[1] == 2:
        metrics["tightness"] = cluster_tightness(h, y)
    save_torch(representations_path, {"h": h, "y": y})
    write_json(metrics_path, {"run": dict(run), "metrics": metrics, "provenance": provenance()})
    log.info(
        "%s: test acc %.2f%%  first sv %.2f  rest sv sum %.2f",
        run["run_id"], metrics["test_acc"], metrics["first_sv"], metrics["rest_sv_sum"],
    )
    return metrics
