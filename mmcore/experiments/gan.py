"""Appendix E / Figure 8: one GAN run from its run-sheet row (train, sample, score), and the evaluation
classifier whose features score the offline stand-in."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import torch

from ..data.datasets import dataset_spec, load_prepared
from ..data.loader import TensorSource, class_balanced_subset, normalise
from ..evaluate import classification_metrics, predict_logits
from ..gan.loop import GanConfig, generate, train_gan
from ..gan.metrics import score_samples
from ..mix_points import parse_mix_points
from ..models import create_model
from ..models.gan import create_generator, split_gan_settings
from ..pilot import caps_of, capped_count, capped_schedule
from ..policy import MixPolicy
from ..seeding import seed_generator
from ..train import TrainConfig
from .job import Job

__all__ = ["build", "train_run", "train_classifier_run", "reference_images"]

log = logging.getLogger(__name__)


def _subset(x: torch.Tensor, y: torch.Tensor, size: int, seed: int, stream: str):
    """A class-balanced subset of ``size`` images (all of them for 0 or more than there are)."""
    if not 0 < size < x.shape[0]:
        return x, y
    per_class = max(1, size // int(torch.unique(y).numel()))
    pick = class_balanced_subset(y, per_class, seed_generator(seed, stream))
    return x[pick], y[pick]


# ---- the evaluation classifier ------------------------------------------------------------------------


def train_classifier_run(
    run: dict, data_dir: str | Path, model_path: str | Path, metrics_path: str | Path, *,
    device: str = "auto", precision: str = "fp32",
) -> dict:
    """Train the stand-in's feature classifier (Adam, cross entropy, the dataset's augmentation) on the
    training set and score it on the test set; write the sealed model and metrics.json."""
    job = Job(run, device=device, precision=precision, log=log)
    spec = dataset_spec(run["dataset"])
    seed = int(run["seed"])
    x, y, _ = load_prepared(data_dir, "train")
    x, y = _subset(x, y, int(run["train_size"]), seed, "classifier_subset")
    torch.manual_seed(seed)
    model = create_model(run["model"], num_classes=spec.num_classes, **json.loads(run["model_kwargs"])).to(job.device)
    source = TensorSource(x, y, int(run["batch_size"]), seed, spec.num_classes, spec.mean, spec.std, job.device,
                          crop_padding=spec.crop_padding, flip=spec.flip)
    epochs, spe, _ = capped_schedule(int(run["epochs"]), source.steps_per_epoch, [], caps_of(run))
    cfg = TrainConfig(steps=epochs * spe, lr=float(run["lr"]), optimizer="adam", loss="soft_ce",
                      log_every=spe, checkpoint_every=10**9, steps_per_epoch=spe, precision=job.precision)
    job.start()

    def progress(step: int, row: dict) -> None:
        job.progress("step %d/%d  loss %.4f  train acc %.1f%%", step, cfg.steps, row["train_loss"], row["train_acc"])

    history = job.train(model, source, MixPolicy(), cfg, on_step=progress)
    x_test, y_test = load_prepared(data_dir, "test")[:2]
    n_test = capped_count(int(x_test.shape[0]), caps_of(run))  # a pilot's eval_images
    x_test, y_test = x_test[:n_test], y_test[:n_test]
    model.eval()
    metrics = job.timed(lambda: classification_metrics(
        predict_logits(model, x_test, 500, lambda xb: normalise(xb, spec.mean, spec.std)), y_test, run["run_id"]
    ), n_test)
    metrics.update(train_loss_final=history[-1]["train_loss"], n_train=int(x.shape[0]),
                   seconds=job.seconds(), precision=cfg.precision, **job.pilot_metrics())
    job.finish(metrics_path, metrics, model=model, model_path=model_path)
    log.info("%s: test acc %.2f%% in %.1fs", run["run_id"], metrics["test_acc"], job.elapsed())
    return metrics


# ---- one GAN run --------------------------------------------------------------------------------------


def build(run: dict, device: torch.device) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The run's generator and discriminator, initialised from its seed (G first, then D)."""
    g_kwargs, d_kwargs = split_gan_settings(run["arch"], json.loads(run["model_kwargs"]))
    torch.manual_seed(int(run["seed"]))
    G = create_generator(run["arch"], **g_kwargs)
    D = create_model(run["model"], **d_kwargs)
    return G.to(device), D.to(device)


def gan_config(run: dict, precision: str, checkpoint_every: int) -> GanConfig:
    """The run's GAN settings; a pilot run's caps (:mod:`mmcore.pilot`) take epochs x steps G steps and a
    checkpoint every ``steps``."""
    caps = caps_of(run)
    g_steps = min(int(run["g_steps"]), caps.total_steps) if caps else int(run["g_steps"])
    if caps:
        checkpoint_every = min(int(checkpoint_every), caps.steps)
    return GanConfig(
        g_steps=g_steps,
        n_dis=int(run["n_dis"]),
        batch_size=int(run["batch_size"]),
        g_batch_size=int(run["g_batch_size"]),
        lr=float(run["lr"]),
        beta1=float(run["beta1"]),
        beta2=float(run["beta2"]),
        method=run["method"],
        alpha=float(run["alpha"]),
        mix_points=parse_mix_points(run["mix_points"]),
        formulation=run["formulation"] or "paper",  # the baseline mixes nothing
        g_mix_term=bool(run["g_mix_term"]),
        checkpoint_every=max(1, int(checkpoint_every)),
        log_every=max(1, g_steps // 50),
        precision=precision,
    )


def reference_images(run: dict, data_dir: str | Path) -> torch.Tensor:
    """The training images FID and KID compare against (all, or a fixed class-balanced subset that
    does not depend on the run's seed)."""
    x, y, _ = load_prepared(data_dir, "train")
    size = capped_count(int(run["reference_size"]), caps_of(run))  # a pilot's eval_images
    return _subset(x, y, size, 0, "gan_reference")[0][:size or None]


def train_run(
    run: dict,
    data_dir: str | Path,
    model_path: str | Path,
    history_path: str | Path,
    metrics_path: str | Path,
    samples_path: str | Path,
    *,
    weights_path: str | Path | None,
    allow_download: bool = False,
    device: str = "auto",
    checkpoint_path: str | Path | None = None,
    checkpoint_every: int = 100,
    precision: str = "fp32",
    grid: int = 64,
    stop_after: int | None = None,
) -> dict:
    """Train one GAN run, then sample it and score the samples (IS, FID, KID) in the same job.

    ``weights_path``: the feature extractor's weights: the classifier run's ``model.pt`` (classifier
    features) or the Inception weights file. Writes model.pt (G and D, sealed), history.csv,
    samples.pt (the first ``grid`` samples, for the figures) and metrics.json; the resume checkpoint
    goes once all of them exist.
    """
    job = Job(run, device=device, precision=precision, checkpoint_path=checkpoint_path, log=log)
    if run["features"] == "inception" and weights_path is not None and not Path(weights_path).is_file():
        score_samples(torch.zeros(1, 1, 1, 1, dtype=torch.uint8), torch.zeros(1, 1, 1, 1, dtype=torch.uint8),
                      features="inception", weights_path=weights_path)  # fails now, in one sentence
    spec = dataset_spec(run["dataset"])
    seed = int(run["seed"])
    x, y, _ = load_prepared(data_dir, "train")
    x, _ = _subset(x, y, int(run["train_size"]), seed, "gan_subset")
    G, D = build(run, job.device)
    source = TensorSource(x, torch.zeros(x.shape[0], dtype=torch.long), int(run["batch_size"]), seed, 1, 0.5, 0.5,
                          job.device)
    cfg = gan_config(run, job.precision, checkpoint_every)
    job.start()
    report_every = max(1, cfg.g_steps // 10)

    def progress(step: int, row: dict) -> None:
        if step % report_every == 0 or step == cfg.g_steps:
            job.progress("step %d/%d  D loss %.4f  mix %.4f  G loss %.4f  D(real) %.2f  D(fake) %.2f",
                         step, cfg.g_steps, row["d_loss"], row["d_mix_loss"], row.get("g_loss", float("nan")),
                         row["d_real"], row["d_fake"])

    history = job.train(G, D, source, cfg, loop=train_gan, on_step=progress, stop_after=stop_after)
    if stop_after is not None and stop_after < cfg.g_steps:
        return {}
    trained = job.seconds()
    caps = caps_of(run)  # a pilot: eval_images samples and reference images
    n_samples = capped_count(int(run["eval_samples"]), caps)

    def score():
        samples = generate(G, n_samples, seed)
        reference = reference_images(run, data_dir)
        kid_size = int(run["kid_subset_size"])
        splits = int(run["isc_splits"])
        if caps:
            kid_size, splits = min(kid_size, samples.shape[0], reference.shape[0]), min(splits, samples.shape[0])
        return samples, reference, score_samples(
            samples, reference, features=run["features"], weights_path=weights_path, allow_download=allow_download,
            isc_splits=splits, kid_subsets=int(run["kid_subsets"]), kid_subset_size=kid_size, device=job.device,
        )

    samples, reference, scores = job.timed(score, 2 * n_samples)
    real = job.timed(lambda: real_scores(run, data_dir, reference, samples.shape[0], weights_path, allow_download,
                                         job.device), 2 * n_samples)
    metrics = {**scores, **real, "n_samples": int(samples.shape[0]), "n_reference": int(reference.shape[0]),
               "n_train": int(x.shape[0]), "train_seconds": trained, "seconds": job.seconds(),
               "precision": cfg.precision, "final_d_loss": history[-1]["d_loss"],
               "image_channels": spec.channels, **job.pilot_metrics()}
    job.finish(metrics_path, metrics, model=_Pair(G, D), model_path=model_path, history=history,
               history_path=history_path, extra={samples_path: {"samples": samples[:grid], "run": dict(run)}})
    log.info("%s: %s IS %.3f (real test images %.3f)  FID %.3f (real %.3f)  KID %.4f  (%d samples, %.1fs)",
             run["run_id"], run["features"], scores["is"], real["real_is"], scores["fid"], real["real_fid"],
             scores["kid"], samples.shape[0], job.elapsed())
    return metrics


def real_scores(run: dict, data_dir, reference: torch.Tensor, n: int, weights_path, allow_download: bool,
                device) -> dict:
    """The real test images scored as the samples are (``n`` of them, a fixed subset): ``real_is``, the IS
    a generator of the data would reach under these features, and ``real_fid``, their FID against the
    same reference, the floor. The GAN's regime reads the baseline's IS against ``real_is``."""
    x, y, _ = load_prepared(data_dir, "test")
    real = _subset(x, y, min(n, x.shape[0]), 0, "gan_real_test")[0]
    kid_size = min(int(run["kid_subset_size"]), real.shape[0], reference.shape[0])
    out = score_samples(real, reference, features=run["features"], weights_path=weights_path,
                        allow_download=allow_download, isc_splits=min(int(run["isc_splits"]), real.shape[0]),
                        kid_subsets=int(run["kid_subsets"]), kid_subset_size=kid_size, device=device)
    return {"real_is": out["is"], "real_fid": out["fid"], "n_real": int(real.shape[0])}


class _Pair(torch.nn.Module):
    """G and D under one state dict (``G.*``, ``D.*``) for :func:`mmcore.checkpoint.save_trained`."""

    def __init__(self, G, D):
        super().__init__()
        self.G, self.D = G, D
