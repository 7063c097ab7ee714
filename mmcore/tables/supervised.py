"""Section 5.1 / appendix C: the supervised tables (one writer for all of them) and Figures 6-7."""

from __future__ import annotations

import math

from ..report import aggregate
from . import figure_title, fits, per_run, regime, seed_of, with_regime

__all__ = ["supervised_table", "loss_curves", "final_losses", "curve_label"]

_KEYS = ["dataset", "arch", "method", "alpha", "layers"]
_VALUES = [
    "test_error_best", "test_error_final", "test_nll", "top1_acc_best", "top1_acc_final", "top5_acc_best",
    "test_error_full", "test_nll_full", "top1_acc_full",
]


def supervised_table(art, cells, files, scale, options):
    """A row per cell: mean and std over its seeds of the best- and final-epoch values, the paper's beside.

    The NLL is the best epoch's; ``art.paper`` (declared with the table) looks up the paper's (main,
    second) value of a row: error and NLL, or top-1 and top-5 (Table 3).
    """
    rows = []
    for cell, rid, run in per_run(cells, files):
        m = run["metrics"]
        rows.append({
            **{k: cell[k] for k in _KEYS},
            "run_id": rid,
            "seed": seed_of(cell, rid, run),
            "test_error_best": m["test_error_best"],
            "test_error_final": m["test_error_final"],
            "test_nll": m["test_nll_best"],
            "top1_acc_best": 100.0 - m["test_error_best"],
            "top1_acc_final": 100.0 - m["test_error_final"],
            "top5_acc_best": m.get("test_top5_best", math.nan),
            "test_error_full": m["test_error_full"],
            "test_nll_full": m["test_nll_full"],
            "top1_acc_full": 100.0 - m["test_error_full"],
        })
    out = aggregate(rows, _KEYS, _VALUES)
    paper = [art.paper(row) for row in out.to_dict("records")]
    out["paper_value"] = [p[0] for p in paper]
    out["paper_nll"] = [p[1] for p in paper]
    out["paper_top5"] = [p[1] for p in paper]
    out["scale"] = scale
    return with_regime(out, regime(fits(cells, files, "train_acc_clean_final"), 99.0, "final clean training accuracy"))


def curve_label(cell: dict) -> str:
    label = "{" + cell["layers"] + "}"
    if cell["method"] == "input":
        label += " input mixup"
    if cell["detach"]:
        label += " gradient blocked"
    return label


def _load_history(path):
    """A run's history.csv with an epoch and a finite training loss on every row, else one sentence."""
    from ..io import RERUN, ArtefactError
    from ..records import read_history

    h = read_history(path)  # sealed: a changed or cut history stops here
    ok = {"epoch", "train_loss"} <= set(h.columns) and len(h) and h[["epoch", "train_loss"]].notna().all().all()
    if not ok:
        raise ArtefactError(f"{path} lacks an epoch or training loss on some row (truncated or damaged); {RERUN}")
    return h


def _curves(cells, files) -> dict[str, list[tuple[list, list]]]:
    """{curve label: [(epochs, train losses) per seed]}."""
    curves: dict[str, list] = {}
    for cell, _, h in per_run(cells, files, _load_history):
        curves.setdefault(curve_label(cell), []).append((h["epoch"].tolist(), h["train_loss"].tolist()))
    return curves


def final_losses(art, cells, files, scale, options):
    """The last epoch's training loss per curve (mean over seeds, and per seed): what the scorecard reads."""
    import pandas as pd

    import statistics

    from ..report import per_seed_text

    last: dict[str, list[tuple]] = {}  # curve label -> (seed, last training loss) per run
    for cell, rid, h in per_run(cells, files, _load_history):
        last.setdefault(curve_label(cell), []).append((seed_of(cell, rid), h["train_loss"].tolist()[-1]))
    rows = []
    for cell in cells:
        seeds, losses = zip(*last[curve_label(cell)])
        rows.append({
            "curve": curve_label(cell), "layers": cell["layers"], "detach": cell["detach"],
            "method": cell["method"], "alpha": cell["alpha"], "n_seeds": len(losses),
            "final_train_loss_mean": statistics.fmean(losses),
            "final_train_loss_std": statistics.stdev(losses) if len(losses) > 1 else float("nan"),
            "scale": scale,
            "final_train_loss_seeds": per_seed_text(seeds, losses),
        })
    return pd.DataFrame(rows)


def loss_curves(art, cells, files, scale, options, png):
    """Figures 6 / 7: training loss per epoch for each mixing set (mean over seeds)."""
    from ..figures import loss_curves_figure

    first = cells[0]
    footer = f"{first['dataset']} {first['arch']}. Scale: {scale}."
    loss_curves_figure(png, _curves(cells, files), figure_title(art, options), footer)
