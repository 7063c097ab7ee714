"""Section 5.1 / appendix C: train one supervised run (PreActResNet or WRN) and evaluate it every epoch.

As the authors' ``main.py``: SGD with Nesterov momentum, step schedule in epochs, BCE on softmax for
every method, the test set evaluated after every epoch (error, NLL = cross entropy, top-5), and both
the best epoch (the paper's convention, confirmed by the authors) and the final epoch reported.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

import torch

from ..data.datasets import dataset_spec, load_prepared
from ..data.loader import TensorSource, class_balanced_subset, normalise
from ..evaluate import classification_metrics, predict_logits
from ..io import write_json
from ..mixup import mix_point_names
from ..models import create_model
from ..policy import MixPolicy
from ..provenance import provenance, resolve_device
from ..train import TrainConfig, channels_last_supported, seed_generator, train
from . import drop_checkpoint, load_trained, save_trained

__all__ = ["build", "policy_for", "train_run", "summarise", "load_model", "test_set"]

log = logging.getLogger(__name__)


def build(run: dict, device: torch.device) -> torch.nn.Module:
    """The run's network, initialised from its seed."""
    spec = dataset_spec(run["dataset"])
    torch.manual_seed(int(run["seed"]))
    kwargs = json.loads(run["model_kwargs"])
    model = create_model(run["model"], num_classes=spec.num_classes, in_channels=spec.channels, **kwargs)
    return model.to(device)


def policy_for(run: dict, model: torch.nn.Module) -> MixPolicy:
    """The run's mixing policy; layer indices are the model's mix points in order (0 = input)."""
    names = mix_point_names(model)
    eligible = [names[int(i)] for i in str(run["layers"]).split(",") if i != ""]
    return MixPolicy(method=run["method"], alpha=float(run["alpha"]), eligible=eligible, detach=bool(run["detach"]))


def test_set(run: dict, data_dir: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The test images (uint8) and labels; a fixed random subset when ``test_size`` asks for one.

    The subset does not depend on the run's seed, so every run is scored on the same images.
    """
    x, y, _ = load_prepared(data_dir, "test")
    size = int(run.get("test_size") or 0)
    if 0 < size < x.shape[0]:
        pick = torch.randperm(x.shape[0], generator=seed_generator(0, "test_subset"))[:size].sort().values
        x, y = x[pick], y[pick]
    return x, y


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
    amp: bool = False,
    stop_after: int | None = None,
) -> dict:
    """Train one run, evaluating the test set after every epoch; write model, history and metrics.

    ``checkpoint_every`` is in epochs; ``stop_after`` (steps) simulates a kill for the tests.
    """
    dev = resolve_device(device)
    spec = dataset_spec(run["dataset"])
    seed = int(run["seed"])
    x, y, _ = load_prepared(data_dir, "train")
    if int(run["train_per_class"]):
        pick = class_balanced_subset(y, int(run["train_per_class"]), seed_generator(seed, "labels_per_class"))
        x, y = x[pick], y[pick]
    x_test, y_test = test_set(run, data_dir)
    model = build(run, dev)
    if channels_last and not channels_last_supported(model):
        log.warning("channels-last is off for this run: a convolution is narrower than 8 channels on the CPU")
        channels_last = False
    source = TensorSource(
        x,
        y,
        int(run["batch_size"]),
        seed,
        spec.num_classes,
        spec.mean,
        spec.std,
        dev,
        crop_padding=spec.crop_padding,
        flip=spec.flip,
        channels_last=channels_last,
    )
    spe = source.steps_per_epoch
    cfg = TrainConfig(
        steps=int(run["epochs"]) * spe,
        lr=float(run["lr"]),
        optimizer="sgd",
        momentum=float(run["momentum"]),
        weight_decay=float(run["weight_decay"]),
        nesterov=bool(run["nesterov"]),
        milestones=[int(m) * spe for m in str(run["milestones"]).split(",") if m],
        gamma=float(run["gamma"]),
        loss=run["loss"],
        log_every=spe,  # one history row per epoch
        checkpoint_every=max(1, int(checkpoint_every)) * spe,
        steps_per_epoch=spe,
        channels_last=channels_last,
        amp=amp,
    )
    fmt = torch.channels_last if channels_last else torch.contiguous_format

    def to_input(xb: torch.Tensor) -> torch.Tensor:
        return normalise(xb, spec.mean, spec.std).contiguous(memory_format=fmt)

    def evaluate() -> dict:
        m = classification_metrics(predict_logits(model, x_test, 500, to_input), y_test, run["run_id"])
        out = {"test_error": 100.0 - m["test_acc"], "test_nll": m["test_nll"]}
        if "test_top5" in m:
            out["test_top5"] = m["test_top5"]
        return out

    start = time.time()

    def progress(step: int, row: dict) -> None:
        log.info(
            "epoch %d/%d  lr %.4g  train loss %.4f  test error %.2f%%  test NLL %.3f  (%.1fs)",
            step // spe, int(run["epochs"]), row["lr"], row["train_loss"], row["test_error"], row["test_nll"],
            time.time() - start,
        )

    history = train(
        model,
        source,
        policy_for(run, model),
        cfg,
        seed=seed,
        checkpoint_path=checkpoint_path,
        on_step=progress,
        evaluate=evaluate,
        stop_after=stop_after,
        name=run["run_id"],
    )
    for row in history:
        row["epoch"] = math.ceil(row["step"] / spe)
    if stop_after is not None and stop_after < cfg.steps:
        return {}
    metrics = summarise(history)
    metrics.update(n_train=int(x.shape[0]), n_test=int(x_test.shape[0]), seconds=round(time.time() - start, 1))
    save_trained(model, run, history, model_path, history_path)
    write_json(metrics_path, {"run": dict(run), "metrics": metrics, "provenance": provenance()})
    drop_checkpoint(checkpoint_path)  # only now: a kill before this resumes from the checkpoint
    log.info(
        "%s: best test error %.2f%% (epoch %d), final %.2f%%, on %d training images in %.1fs",
        run["run_id"], metrics["test_error_best"], metrics["best_epoch"], metrics["test_error_final"],
        x.shape[0], time.time() - start,
    )
    return metrics


def load_model(run: dict, model_path: str | Path, device: torch.device) -> torch.nn.Module:
    """A trained run's network in eval mode (used by the robustness evaluations), after checking the
    file against the sha256 recorded when it was written."""
    state = load_trained(model_path, run["run_id"], device)
    model = build(run, device)
    model.load_state_dict(state["model"])
    return model.eval()


TABLE_TITLES = {
    "table1": "Table 1: CIFAR-10 / CIFAR-100 test error (%) and NLL",
    "table2": "Table 2: SVHN test error (%) and NLL",
    "table3": "Table 3: Tiny-ImageNet top-1 / top-5 accuracy (%), PreActResNet18",
    "table5": "Table 5: manifold mixup per eligible-layer set S, test error (%)",
    "table6": "Table 6: input and manifold mixup per alpha, CIFAR-10 test error (%)",
    "alpha_grid": "Appendix C.1: the alpha grid, test error (%)",
}

_TABLE_NOTES = {
    "table3": "Accuracies, as the paper prints Table 3; paper_value is the paper's top-1, paper_top5 its top-5.",
    "table5": "The paper prints accuracy; paper_value here is its error (100 - accuracy). "
    "layers: S (0 = input, 1-3 = after stage 1-3); S = {0} is input mixup and S = {} no mixup.",
    "table6": "The paper prints accuracy; paper_value here is its error (100 - accuracy).",
    "alpha_grid": "The paper publishes no per-alpha numbers, only its choice: input 1.0 on SVHN and 0.2 on "
    "Tiny-ImageNet; manifold 2.0 on SVHN and 0.2 on Tiny-ImageNet.",
}


def table_outputs(table: str, cells: list[dict], metrics_paths: list[str], *, csv: str, md: str, scale: str) -> None:
    """Write one supervised table (csv + md) from the metrics of its runs."""
    from ..io import read_json
    from ..report import supervised_table, write_table

    metrics = {m["run"]["run_id"]: m for m in (read_json(p, require=("run", "metrics")) for p in metrics_paths)}
    df = supervised_table(table, cells, metrics, scale)
    notes = [
        f"Scale: {scale}.",
        "best: the epoch of lowest test error (the paper's convention, per the authors); final: the last "
        "epoch; test_nll: cross entropy at the best epoch; mean and std (ddof 1) over seeds.",
    ]
    if table in _TABLE_NOTES:
        notes.append(_TABLE_NOTES[table])
    write_table(df, csv, md, title=TABLE_TITLES.get(table, table), notes=notes)


def curve_label(cell: dict) -> str:
    label = "{" + cell["layers"] + "}"
    if cell["method"] == "input":
        label += " input mixup"
    if cell["detach"]:
        label += " gradient blocked"
    return label


def _read_history(path):
    """A run's history.csv with an epoch and a finite training loss on every row, else one sentence."""
    import pandas as pd

    from ..io import RERUN, ArtefactError

    try:
        h = pd.read_csv(path)
        ok = {"epoch", "train_loss"} <= set(h.columns) and len(h) and h[["epoch", "train_loss"]].notna().all().all()
    except (OSError, ValueError) as err:  # pandas' ParserError and EmptyDataError are ValueErrors
        raise ArtefactError(f"{path} is not a readable history ({type(err).__name__}: truncated or damaged); {RERUN}") from None
    if not ok:
        raise ArtefactError(f"{path} lacks an epoch or training loss on some row (truncated or damaged); {RERUN}")
    return h


def curves_outputs(
    figure: str, cells: list[dict], history_paths: dict[str, str], *, png: str, csv: str, md: str, scale: str
) -> None:
    """Figures 6 / 7: training loss per epoch for each mixing set (mean over seeds), and a table of the
    last epoch's loss per curve (what the scorecard reads)."""
    import pandas as pd

    from ..figures import loss_curves_figure
    from ..report import write_table

    curves, rows = {}, []
    for cell in cells:
        runs = []
        for rid in cell["run_ids"]:
            h = _read_history(history_paths[rid])
            runs.append((h["epoch"].tolist(), h["train_loss"].tolist()))
        curves[curve_label(cell)] = runs
        last = [losses[-1] for _, losses in runs]
        rows.append({
            "curve": curve_label(cell), "layers": cell["layers"], "detach": cell["detach"], "method": cell["method"],
            "alpha": cell["alpha"], "n_seeds": len(last), "final_train_loss_mean": sum(last) / len(last),
            "scale": scale,
        })
    write_table(
        pd.DataFrame(rows), csv, md,
        title=f"Figure {figure.removeprefix('figure')}: training loss at the last epoch per mixing set",
        notes=[f"Scale: {scale}.", "The paper: mixing in deeper layers ends with the lowest training loss; "
               "blocking the gradient before the mixing layer with the highest."]
        + ([] if any(c["detach"] for c in cells) else
           ["No gradient-blocked curve: supervised.loss_curves.detached is empty in this run's config."]),
    )
    first = cells[0]
    number = figure.removeprefix("figure")
    title = f"Figure {number}: {first['dataset']} {first['arch']}, train loss per epoch ({scale})"
    loss_curves_figure(png, curves, title)
