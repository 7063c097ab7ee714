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
from ..io import load_torch, save_torch, write_json
from ..models import create_model
from ..policy import MixPolicy
from ..provenance import provenance, resolve_device
from ..runsheet import SVD_FIGURES
from . import drop_checkpoint, load_trained, save_trained
from ..train import TrainConfig, seed_generator, train

__all__ = ["build", "train_run", "extract_run", "class_list", "svd_outputs", "figure5_outputs"]

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
    *,
    device: str = "auto",
    checkpoint_path: str | Path | None = None,
    checkpoint_every: int = 200,
) -> list[dict]:
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
    )
    policy = MixPolicy(method=run["method"], alpha=float(run["alpha"]), eligible=["bottleneck"])
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
    drop_checkpoint(checkpoint_path)
    log.info("trained %s on %d images in %.1fs", run["run_id"], x.shape[0], time.time() - start)
    return history


@torch.no_grad()
def extract_run(
    run: dict,
    data_dir: str | Path,
    model_path: str | Path,
    representations_path: str | Path,
    metrics_path: str | Path,
    *,
    device: str = "auto",
    center: bool = False,
) -> dict:
    """Test-set bottleneck representations, accuracy, and the SVD / tightness figures of merit."""
    dev = resolve_device(device)
    state = load_trained(model_path, run["run_id"], dev)
    model = build(run, dev)
    model.load_state_dict(state["model"])
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
    if h.shape[1] == 2:
        metrics["tightness"] = cluster_tightness(h, y)
    save_torch(representations_path, {"h": h, "y": y})
    write_json(metrics_path, {"run": dict(run), "metrics": metrics, "provenance": provenance()})
    log.info(
        "%s: test acc %.2f%%  first sv %.2f  rest sv sum %.2f",
        run["run_id"], metrics["test_acc"], metrics["first_sv"], metrics["rest_sv_sum"],
    )
    return metrics


_DESCRIBE = {
    "bottleneck12_after3": "12-unit bottleneck after 3 layers",
    "bottleneck30_after3": "30-unit bottleneck after 3 layers",
    "bottleneck30_after1": "30-unit bottleneck after 1 layer",
}


def _by(metrics: list[dict], key: str, setting: str, methods: list[str]) -> dict:
    out = {m: [] for m in methods}
    for m in metrics:
        if m["run"]["setting"] == setting and m["run"]["method"] in out:
            out[m["run"]["method"]].append(m["metrics"][key])
    return {k: v for k, v in out.items() if v}


def svd_outputs(
    metrics_paths: list[str],
    *,
    csv: str,
    md: str,
    figures: dict[str, str],
    overall_figure: str,
    scale: str,
    dataset: str,
) -> None:
    """Appendix G: the flattening table, per-setting class-specific spectra, and the overall spectra."""
    from ..figures import spectra_figure
    from ..io import read_json
    from ..report import svd_table, write_table

    metrics = [read_json(p, require=("run", "metrics")) for p in metrics_paths]
    table = svd_table(metrics, scale)
    write_table(
        table,
        csv,
        md,
        title="Class-specific SVD flattening (appendix G, Figures 9-12)",
        notes=[
            f"Scale: {scale}.",
            "Singular values of the test-set bottleneck representations of each class (first, and the "
            "sum of the others), averaged over classes, then mean and std over seeds; overall_*: the "
            "SVD of all classes together; rest_over_first: the per-class ratio of the two (scale-free).",
            "paper_* columns: the paper's section 3.2 numbers from its own MNIST network, for direction "
            "only (a different layer and scale).",
        ],
    )
    methods = [m for m in ("none", "input", "manifold") if m in set(table["method"])]
    for setting, path in figures.items():
        spectra_figure(
            path,
            {_DESCRIBE.get(setting, setting): _by(metrics, "class_spectrum", setting, methods)},
            title=f"Figure {SVD_FIGURES.get(setting, '?')}: class-specific singular values, {dataset} ({scale})",
            ylabel="singular value (mean over classes)",
        )
    panels = {
        _DESCRIBE.get(s, s): _by(metrics, "overall_spectrum", s, methods)
        for s in sorted(set(table["setting"]), key=lambda s: SVD_FIGURES.get(s, 99))
    }
    spectra_figure(
        overall_figure,
        panels,
        title=f"Figure 12: singular values of all classes together, {dataset} ({scale})",
        ylabel="singular value",
    )


def figure5_outputs(
    metrics_paths: list[str],
    representation_paths: list[str],
    *,
    png: str,
    csv: str,
    md: str,
    scale: str,
    dataset: str,
) -> None:
    """Figure 5 (first seed of each cell) and the cluster tightness table (all seeds)."""
    from ..figures import figure5
    from ..io import read_json
    from ..report import bottleneck2d_table, write_table

    metrics = [read_json(p, require=("run", "metrics")) for p in metrics_paths]
    table = bottleneck2d_table(metrics, scale)
    write_table(
        table,
        csv,
        md,
        title="2-D bottleneck cluster tightness (appendix B, Figure 5)",
        notes=[
            f"Scale: {scale}.",
            "tightness = mean distance of test points to their class centroid / mean distance between "
            "class centroids, in the 2-D bottleneck (lower: tighter clusters, wider margins); the paper "
            "shows Figure 5 only, without a number.",
        ],
    )
    panels, first_seed = {}, {}
    for m, rep_path in zip(metrics, representation_paths):
        cell = (m["run"]["classes"], m["run"]["method"])
        if cell not in first_seed or m["run"]["seed"] < first_seed[cell]:
            first_seed[cell] = m["run"]["seed"]
            reps = load_torch(rep_path)
            panels[cell] = (reps["h"].numpy(), reps["y"].numpy())
    methods = [m for m in ("none", "input", "manifold") if any(c[1] == m for c in panels)]
    subsets = sorted({c[0] for c in panels})
    figure5(png, panels, methods, subsets, dataset)
