"""Appendix A / Table 8: train and evaluate one synthetic-task run from its run-sheet row."""

from __future__ import annotations

import logging
from pathlib import Path

import torch

from ..data.synthetic import SyntheticSource, fixed_test_set, fixed_train_sample
from ..evaluate import classification_metrics, predict_logits
from ..models import create_model
from ..pilot import caps_of, capped_count
from ..policy import MixPolicy
from ..train import TrainConfig, channels_last_supported
from .job import Job, write_metrics

__all__ = ["build", "train_run", "evaluate_run"]

log = logging.getLogger(__name__)


def build(run: dict, device: torch.device) -> torch.nn.Module:
    """The run's model, initialised from its seed (same seed, same initial weights)."""
    torch.manual_seed(int(run["seed"]))
    model = create_model(run["model"], num_classes=SyntheticSource.num_classes, in_channels=1)
    return model.to(device)


def train_run(
    run: dict,
    model_path: str | Path,
    history_path: str | Path,
    metrics_path: str | Path,
    *,
    test_size: int,
    device: str = "auto",
    checkpoint_path: str | Path | None = None,
    checkpoint_every: int = 50,
    precision: str = "fp32",
) -> dict:
    """Train one run, then score it on the fixed test set of (task, seed), in one job.

    Writes the final model, the per-step history and metrics.json (each atomically); the resume
    checkpoint goes only once all three exist.
    """
    job = Job(run, device=device, precision=precision, checkpoint_path=checkpoint_path, log=log)
    model = build(run, job.device)
    source = SyntheticSource(
        run["task"],
        int(run["batch_size"]),
        int(run["seed"]),
        factor_truncate=bool(run["factor_truncate"]),
        device=job.device,
    )
    caps = caps_of(run)  # a pilot: epochs x steps iterations, eval_images test images
    test_size = capped_count(int(test_size), caps)
    cfg = TrainConfig(
        steps=min(int(run["iterations"]), caps.total_steps) if caps else int(run["iterations"]),
        lr=float(run["lr"]),
        optimizer="adam",
        loss=run["loss"],
        log_every=1,
        checkpoint_every=min(checkpoint_every, caps.steps) if caps else checkpoint_every,
        # A layout, not a paper choice: 1.1x faster training and 1.3x faster scoring of the CNN on the CPU.
        channels_last=channels_last_supported(model),
        precision=job.precision,
    )
    job.start()
    report_every = max(1, cfg.steps // 10)

    def progress(step: int, row: dict) -> None:
        if step % report_every == 0 or step == cfg.steps:
            job.progress(
                "step %d/%d  loss %.4f  train acc %.1f%%", step, cfg.steps, row["train_loss"], row["train_acc"]
            )

    history = job.train(model, source, MixPolicy.for_run(run), cfg, on_step=progress)
    job.save_model(model, history, model_path, history_path)
    log.info("trained %s in %.1fs", run["run_id"], job.elapsed())
    out = evaluate_run(run, model, metrics_path, test_size=test_size, precision=cfg.precision, job=job)
    job.done()  # only now: a kill before this resumes from the checkpoint
    return out


def evaluate_run(
    run: dict, model: torch.nn.Module, metrics_path: str | Path, *, test_size: int, precision: str = "fp32",
    job: Job | None = None,
) -> dict:
    """Accuracy and NLL (in fp32) on the fixed test set of (task, seed); write metrics.json with the
    precision the run trained in and provenance."""
    def score() -> dict:
        x, y = fixed_test_set(run["task"], int(test_size), int(run["seed"]))
        metrics = classification_metrics(predict_logits(model, x), y, run["run_id"])
        # The regime: accuracy on the training distribution (fresh images, the training split's factors).
        xt, yt = fixed_train_sample(run["task"], int(test_size), int(run["seed"]))
        metrics["train_dist_acc"] = classification_metrics(predict_logits(model, xt), yt, run["run_id"])["test_acc"]
        return metrics

    metrics = job.timed(score, 2 * int(test_size)) if job is not None else score()
    metrics["precision"] = precision
    if job is not None:
        metrics.update(job.pilot_metrics())
    out = write_metrics(metrics_path, run, metrics)
    log.info("%s: test acc %.2f%%  test NLL %.4f", run["run_id"], metrics["test_acc"], metrics["test_nll"])
    return out
