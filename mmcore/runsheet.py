"""Expand a validated config into the run sheet: one row per training run.

A row holds every setting that affects the trained model, and its ``run_id`` is readable and derived
from those values (a short hash covers the ones not spelled out), so two tables that need the same model
share one training job, and changing a setting gives the affected runs new ids and leaves the others.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

__all__ = [
    "RUN_COLUMNS",
    "REPRESENTATION_SETTINGS",
    "SVD_FIGURES",
    "synthetic_runs",
    "representation_runs",
    "all_runs",
    "build_runsheet",
    "run_id",
]

#: Columns every experiment's rows share; experiment-specific settings follow them.
RUN_COLUMNS = ["run_id", "experiment", "method", "alpha", "seed"]


def run_id(prefix: str, readable: list[tuple[str, object]], row: dict) -> str:
    """``prefix-k1v1-k2v2-<hash>``: readable (key, value) pairs first, then 8 hex digits of the row."""
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:8]
    parts = [prefix] + [f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}" for k, v in readable]
    return "-".join(parts + [digest])


def synthetic_runs(config: dict) -> list[dict]:
    """Rows of the synthetic experiment (Table 8): tasks x methods x seeds."""
    syn = config["synthetic"]
    rows = []
    for task in syn["tasks"]:
        for method in syn["methods"]:
            for seed in syn["seeds"]:
                mixes = method != "none"
                row = {
                    "experiment": "synthetic",
                    "method": method,
                    # alpha means nothing without mixing: a changed alpha must not retrain the baseline.
                    "alpha": float(syn["alpha"]) if mixes else 0.0,
                    "seed": int(seed),
                    "task": task,
                    "model": "synthetic_cnn",
                    "iterations": int(syn["iterations"]),
                    "batch_size": int(syn["batch_size"]),
                    "lr": float(syn["lr"]),
                    "loss": syn["loss"],
                    "eligible_layers": ",".join(syn["eligible_layers"]) if method == "manifold" else "",
                    "lambda_per_example": bool(syn["lambda_per_example"]) and mixes,
                    "factor_truncate": bool(syn["factor_truncate"]) and method == "factor",
                }
                readable = [("task", task), ("", method), ("a", row["alpha"]), ("s", row["seed"])]
                row["run_id"] = run_id("syn", readable, row)
                rows.append(row)
    return rows


#: Appendix B / G settings: registered model name and its keyword arguments.
REPRESENTATION_SETTINGS = {
    "bottleneck2d": ("mlp_bottleneck2", {}),
    "bottleneck2d_code": ("mlp_bottleneck2", {"n_before": 3, "bottleneck_bn": True}),
    "bottleneck12_after3": ("mlp_bottleneck12_after3", {}),
    "bottleneck30_after3": ("mlp_bottleneck30_after3", {}),
    "bottleneck30_after1": ("mlp_bottleneck30_after1", {}),
}


#: Appendix G: the paper's figure number of each SVD setting.
SVD_FIGURES = {"bottleneck12_after3": 9, "bottleneck30_after3": 10, "bottleneck30_after1": 11}


def representation_runs(config: dict) -> list[dict]:
    """Rows of appendix B (Figure 5: 2-D bottleneck per class subset) and G (SVD settings)."""
    rep = config["representations"]
    fig5_setting = "bottleneck2d" if rep["figure5"]["layout"] == "text" else "bottleneck2d_code"
    cells = [(fig5_setting, c, rep["figure5"]["alpha"]) for c in rep["figure5"]["class_subsets"]]
    cells += [(s, "0-9", rep["svd"]["alpha"]) for s in rep["svd"]["settings"]]
    rows = []
    for setting, classes, alpha in cells:
        model, kwargs = REPRESENTATION_SETTINGS[setting]
        for method in rep["methods"]:
            for seed in rep["seeds"]:
                row = {
                    "experiment": "representations",
                    "method": method,
                    "alpha": float(alpha) if method != "none" else 0.0,
                    "seed": int(seed),
                    "setting": setting,
                    "classes": classes,
                    "model": model,
                    "model_kwargs": json.dumps(kwargs, sort_keys=True),
                    "dataset": rep["dataset"],
                    "epochs": int(rep["epochs"]),
                    "train_size": int(rep["train_size"]) if rep["train_size"] else 0,
                    "batch_size": int(rep["batch_size"]),
                    "lr": float(rep["lr"]),
                    "loss": rep["loss"],
                }
                readable = [("", setting), ("c", classes), ("", method), ("a", row["alpha"]), ("s", row["seed"])]
                row["run_id"] = run_id("rep", readable, row)
                rows.append(row)
    return rows


def all_runs(config: dict) -> dict[str, dict]:
    """Every training run of a validated config as plain-Python rows, keyed by run id.

    Rows with the same id are the same run (same settings): they merge into one.
    """
    rows = synthetic_runs(config) + representation_runs(config)
    return {row["run_id"]: row for row in rows}


def build_runsheet(config: dict) -> pd.DataFrame:
    """The run sheet as a table, indexed by run id, for display and wildcard constraints."""
    sheet = pd.DataFrame(list(all_runs(config).values()))
    if sheet.empty:
        return pd.DataFrame(columns=RUN_COLUMNS).set_index("run_id", drop=False)
    cols = RUN_COLUMNS + [c for c in sheet.columns if c not in RUN_COLUMNS]
    return sheet[cols].set_index("run_id", drop=False).sort_index()
