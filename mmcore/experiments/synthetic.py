"""Appendix A / Table 8: train and evaluate one synthetic-task run from its run-sheet row."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch

from ..data.synthetic import SyntheticSource, fixed_test_set
from ..evaluate import classification_metrics, predict_logits
from ..io import write_json
from ..models import create_model
from ..policy import MixPolicy
from ..provenance import provenance, resolve_device
from . import drop_checkpoint, load_trained, save_trained
from ..train import TrainConfig, train

__all__ = ["build", "train_run", "evaluate_run", "load_model"]

log = logging.getLogger(__name__)


def build(run: dict, device: torch.device) -> torch.nn.Module:
    """The run's model, initialised from its seed (same seed, same initial weights)."""
    torch.manual_seed(int(run["seed"]))
    model = create_model(run["model"], num_classes=SyntheticSource.num_classes, in_channels=1)
    return model.to(device)


def _policy(run: dict) -> MixPolicy:
    eligible = [p for p in str(run.get("eligible_layers") or "").split(",") if p]
    return MixPolicy(
        method=run["method"],
        alpha=float(run["alpha"]),
        eligible=eligible,
        per_example=bool(run["lambda_per_example"]),
    )


def train_run(
    run: dict,
    model_path: str | Path,
    history_path: str | Path,
    *,
    device: str = "auto",
    checkpoint_path: str | Path | None = None,
    checkpoint_every: int = 50,
) -> list[dict]:
    """Train one run; write the final model and the per-step history (both atomically)."""
    dev = resolve_device(device)
    model = build(run, dev)
    seed = int(run["seed"])
    source = SyntheticSource(
        run["task"],
        int(run["batch_size"]),
        seed,
        factor_truncate=bool(run["factor_truncate"]),
        device=dev,
    )
    cfg = TrainConfig(
        steps=int(run["iterations"]),
        lr=float(run["lr"]),
        optimizer="adam",
        loss=run["loss"],
        log_every=1,
        checkpoint_every=checkpoint_every,
    )
    start = time.time()
    report_every = max(1, cfg.steps // 10)

    def progress(step: int, row: dict) -> None:
        if step % report_every == 0 or step == cfg.steps:
            log.info(
                "step %d/%d  loss %.4f  train acc %.1f%%  (%.1fs)",
                step, cfg.steps, row["train_loss"], row["train_acc"], time.time() - start,
            )

    history = train(
        model, source, _policy(run), cfg, seed=seed,
        checkpoint_path=checkpoint_path, on_step=progress, name=run["run_id"],
    )
    save_trained(model, run, history, model_path, history_path)
    drop_checkpoint(checkpoint_path)
    log.info("trained %s in %.1fs", run["run_id"], time.time() - start)
    return history


def load_model(model_path: str | Path, device: torch.device, run_id: str | None = None) -> tuple[torch.nn.Module, dict]:
    """The trained model and its run row, after checking the file against its recorded sha256."""
    state = load_trained(model_path, run_id, device)
    model = build(state["run"], device)
    model.load_state_dict(state["model"])
    return model, state["run"]


def evaluate_run(
    run: dict,
    model_path: str | Path,
    metrics_path: str | Path,
    *,
    test_size: int,
    device: str = "auto",
) -> dict:
    """Accuracy and NLL on the fixed test set of (task, seed); write metrics.json with provenance."""
    dev = resolve_device(device)
    model, _ = load_model(model_path, dev, run["run_id"])
    x, y = fixed_test_set(run["task"], int(test_size), int(run["seed"]))
    metrics = classification_metrics(predict_logits(model, x), y, run["run_id"])
    out = {"run": dict(run), "metrics": metrics, "provenance": provenance()}
    write_json(metrics_path, out)
    log.info("%s: test acc %.2f%%  test NLL %.4f", run["run_id"], metrics["test_acc"], metrics["test_nll"])
    return out
