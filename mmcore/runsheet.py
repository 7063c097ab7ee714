"""Expand a validated config into the run sheet: one row per training run.

A row holds every setting that affects the trained model, and its ``run_id`` is readable and derived
from those values (a short hash covers the ones not spelled out), so two tables that need the same model
share one training job, and changing a setting gives the affected runs new ids and leaves the others.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from .config import ConfigError

__all__ = [
    "RUN_COLUMNS",
    "REPRESENTATION_SETTINGS",
    "SVD_FIGURES",
    "synthetic_runs",
    "representation_runs",
    "all_runs",
    "build_runsheet",
    "run_id",
    "SUPERVISED_TABLES",
    "SUPERVISED_ARCHS",
    "default_layers",
    "supervised_run",
    "supervised_cells",
    "supervised_runs",
    "table_cells",
    "robustness_cells",
    "ROBUSTNESS_EVALUATIONS",
]

#: Columns every experiment's rows share; experiment-specific settings follow them.
RUN_COLUMNS = ["run_id", "experiment", "method", "alpha", "seed"]


def run_id(prefix: str, readable: list[tuple[str, object]], row: dict) -> str:
    """``prefix-k1v1-k2v2-<hash>``: readable (key, value) pairs first, then 8 hex digits of the row."""
    digest = hashlib.sha256(
        json.dumps(row, sort_keys=True, default=str).encode()
    ).hexdigest()[:8]
    parts = [prefix] + [
        f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}" for k, v in readable
    ]
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
                    "eligible_layers": ",".join(syn["eligible_layers"])
                    if method == "manifold"
                    else "",
                    "lambda_per_example": bool(syn["lambda_per_example"]) and mixes,
                    "factor_truncate": bool(syn["factor_truncate"])
                    and method == "factor",
                }
                readable = [
                    ("task", task),
                    ("", method),
                    ("a", row["alpha"]),
                    ("s", row["seed"]),
                ]
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
SVD_FIGURES = {
    "bottleneck12_after3": 9,
    "bottleneck30_after3": 10,
    "bottleneck30_after1": 11,
}


def representation_runs(config: dict) -> list[dict]:
    """Rows of appendix B (Figure 5: 2-D bottleneck per class subset) and G (SVD settings)."""
    rep = config["representations"]
    fig5_setting = (
        "bottleneck2d" if rep["figure5"]["layout"] == "text" else "bottleneck2d_code"
    )
    cells = [
        (fig5_setting, c, rep["figure5"]["alpha"])
        for c in rep["figure5"]["class_subsets"]
    ]
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
                readable = [
                    ("", setting),
                    ("c", classes),
                    ("", method),
                    ("a", row["alpha"]),
                    ("s", row["seed"]),
                ]
                row["run_id"] = run_id("rep", readable, row)
                rows.append(row)
    return rows


#: Section 5.1 / appendix C tables built from supervised runs, in the paper's order.
SUPERVISED_TABLES = ("table1", "table2", "table3", "table5", "table6", "alpha_grid")

#: Registered architectures of the supervised suite and their family.
SUPERVISED_ARCHS = {
    "preactresnet18": "preact",
    "preactresnet34": "preact",
    "preactresnet50": "preact",
    "wrn28_10": "wrn",
    "wrn28_2": "wrn",
}
_WIDEN = {"wrn28_10": 10, "wrn28_2": 2}
_SUPERVISED_DATASETS = (
    "mnist",
    "fashion_mnist",
    "cifar10",
    "cifar100",
    "svhn",
    "tiny_imagenet",
)


def _layers_key(layers) -> str:
    return ",".join(str(i) for i in sorted(set(int(v) for v in layers)))


def default_layers(arch: str, sup: dict) -> list[int]:
    """Manifold mixup's eligible set S: {0,1,2} for PreActResNets; WRN per ``wrn_layers`` (text {0,1})."""
    if SUPERVISED_ARCHS[arch] == "wrn" and sup["wrn_layers"] == "text":
        return [0, 1]
    return [0, 1, 2]


def _schedule(sup: dict, block: dict, dataset: str, arch: str) -> dict:
    name = block["schedule"]
    for key in (dataset, arch):  # an architecture's override wins over a dataset's
        name = sup["schedule_overrides"].get(key, name)
    if name not in sup["schedules"]:
        raise ConfigError(
            f"supervised: schedule {name!r} is not defined in supervised.schedules "
            f"(defined: {', '.join(sup['schedules'])})"
        )
    sched = sup["schedules"][name]
    if any(m >= sched["epochs"] for m in sched["milestones"]):
        raise ConfigError(
            f"supervised.schedules.{name}: every milestone must be below epochs ({sched['epochs']})"
        )
    return sched


def supervised_run(
    sup: dict,
    dataset: str,
    arch: str,
    method: str,
    alpha: float,
    layers,
    detach: bool,
    sched: dict,
    seed: int,
) -> dict:
    """One run row: the stand-in applied, then (method, alpha, layers) put in canonical form.

    Canonical form makes equal computations share a run: S = {} is no mixup, S = {0} is input mixup,
    and alpha means nothing without mixing.
    """
    if dataset not in _SUPERVISED_DATASETS:
        raise ConfigError(
            f"supervised: unknown dataset {dataset!r}; available: {', '.join(_SUPERVISED_DATASETS)}"
        )
    if arch not in SUPERVISED_ARCHS:
        raise ConfigError(
            f"supervised: unknown architecture {arch!r}; available: {', '.join(SUPERVISED_ARCHS)}"
        )
    layers = _layers_key(layers)
    if method == "input":
        layers = "0"
    elif method == "none":
        layers = ""
    if layers == "":
        method = "none"
    elif layers == "0":
        method = "input"
    if method == "none":
        alpha, detach = 0.0, False
    if method == "input":
        detach = False  # nothing before the input to block
    stand = sup["stand_in"]
    data = stand["dataset"] if stand else dataset
    from .data.datasets import DATASETS  # light: torch is imported lazily there

    spec = DATASETS[data]
    scale = float(stand["width_scale"]) if stand else 1.0
    kwargs = {"stem_stride": 2 if spec.size >= 64 else 1}
    if SUPERVISED_ARCHS[arch] == "preact":
        kwargs["width"] = max(1, round(64 * scale))
    else:
        kwargs["widen_factor"] = max(1, round(_WIDEN[arch] * scale))
    per_class = (
        int(stand["train_per_class"])
        if stand
        else int(sup["labels_per_class"].get(data, 0))
    )
    row = {
        "experiment": "supervised",
        "method": method,
        "alpha": float(alpha),
        "seed": int(seed),
        "dataset": data,
        "arch": arch,
        "model": arch,
        "model_kwargs": json.dumps(kwargs, sort_keys=True),
        "layers": layers,
        "detach": bool(detach),
        "epochs": int(sched["epochs"]),
        "milestones": ",".join(str(m) for m in sched["milestones"]),
        "gamma": float(sup["gamma"]),
        "batch_size": int(sup["batch_size"]),
        "lr": float(sup["lr"]),
        "momentum": float(sup["momentum"]),
        "weight_decay": float(sup["weight_decay"]),
        "nesterov": bool(sup["nesterov"]),
        "loss": sup["loss"],
        "train_per_class": per_class,
        "test_size": int(stand["test_size"]) if stand else 0,
    }
    readable = [("", data), ("", arch), ("", method), ("a", row["alpha"])]
    if method == "manifold":
        readable.append(("L", layers.replace(",", "")))
    if row["detach"]:
        readable.append(("", "detach"))
    readable += [("e", row["epochs"]), ("s", row["seed"])]
    row["run_id"] = run_id("sup", readable, row)
    return row


def _cell(
    sup: dict,
    table: str,
    dataset: str,
    arch: str,
    method: str,
    alpha: float,
    block: dict,
    layers=None,
    detach: bool = False,
) -> dict:
    """One cell: the paper's names, the canonical (method, alpha, layers), one run row per seed.

    ``layers`` None means the architecture's eligible set S (``default_layers``).
    """
    sched = _schedule(sup, block, dataset, arch)
    seeds = block["seeds"] if block.get("seeds") is not None else sup["seeds"]
    layers = default_layers(arch, sup) if layers is None else layers
    runs = [
        supervised_run(sup, dataset, arch, method, alpha, layers, detach, sched, s)
        for s in seeds
    ]
    first = runs[0]
    return {
        "table": table,
        "dataset": dataset,
        "arch": arch,
        "method": first["method"],
        "alpha": first["alpha"],
        "layers": first["layers"],
        "detach": first["detach"],
        "runs": runs,
    }


def supervised_cells(config: dict) -> list[dict]:
    """Every cell of the supervised tables and loss-curve figures, with the run rows behind it.

    A cell is one row of a table (or one curve of a figure) as the paper names it (its dataset,
    architecture, method, alpha and layer set); ``runs`` holds one run row per seed. Under a stand-in,
    cells of different datasets point to the same runs.
    """
    sup = config["supervised"]
    cells = []
    for table in ("table1", "table2"):
        block = sup[table]
        if block["enabled"]:
            for dataset in block["datasets"]:
                for arch in block["archs"]:
                    for method, alpha in block["methods"].items():
                        cells.append(
                            _cell(sup, table, dataset, arch, method, alpha, block)
                        )
    for table in ("table3", "table6"):
        block = sup[table]
        if block["enabled"]:
            for method in block["methods"]:
                for alpha in [0.0] if method == "none" else block["alphas"]:
                    cells.append(
                        _cell(
                            sup,
                            table,
                            block["dataset"],
                            block["arch"],
                            method,
                            alpha,
                            block,
                        )
                    )
    block = sup["table5"]
    if block["enabled"]:
        for dataset in block["datasets"]:
            for layers in block["layer_sets"]:
                cells.append(
                    _cell(
                        sup,
                        "table5",
                        dataset,
                        block["arch"],
                        "manifold",
                        block["alpha"],
                        block,
                        layers,
                    )
                )
    block = sup["alpha_grid"]
    if block["enabled"]:
        for dataset in block["datasets"]:
            for method in block["methods"]:
                for alpha in block["alphas"]:
                    cells.append(
                        _cell(
                            sup,
                            "alpha_grid",
                            dataset,
                            block["arch"],
                            method,
                            alpha,
                            block,
                        )
                    )
    block = sup["loss_curves"]
    if block["enabled"]:
        for figure, spec in block["figures"].items():
            for layers, detach in [(s, False) for s in block["layer_sets"]] + [
                (s, True) for s in block["detached"]
            ]:
                cells.append(
                    _cell(
                        sup,
                        figure,
                        spec["dataset"],
                        spec["arch"],
                        "manifold",
                        block["alpha"],
                        block,
                        layers,
                        detach,
                    )
                )
    return cells


#: Section 5.2 / appendix D evaluations and the output each builds.
ROBUSTNESS_EVALUATIONS = {"table9": "deform", "table7": "fgsm", "pgd_sanity": "pgd"}


def robustness_cells(config: dict) -> list[dict]:
    """Cells of Table 9 (deformations), Table 7 (FGSM) and the PGD check, on supervised runs.

    The runs are made exactly as the supervised tables make theirs, so Table 1's models are shared.
    """
    sup, rob = config["supervised"], config["robustness"]
    cells = []
    block = rob["table9"]
    if block["enabled"]:
        for m in block["models"]:
            cells.append(
                _cell(
                    sup,
                    "table9",
                    block["dataset"],
                    block["arch"],
                    m["method"],
                    m["alpha"],
                    block,
                )
            )
    block = rob["fgsm"]
    if block["enabled"]:
        for model in block["models"]:
            for method, alpha in block["methods"].items():
                cells.append(
                    _cell(
                        sup,
                        "table7",
                        model["dataset"],
                        model["arch"],
                        method,
                        alpha,
                        block,
                    )
                )
    block = rob["pgd"]
    if block["enabled"]:
        for method, alpha in block["methods"].items():
            cells.append(
                _cell(
                    sup,
                    "pgd_sanity",
                    block["dataset"],
                    block["arch"],
                    method,
                    alpha,
                    block,
                )
            )
    return cells


def table_cells(config: dict) -> dict[str, list[dict]]:
    """Per table or figure name, its cells without the full run rows (run ids instead): rule params."""
    out: dict[str, list[dict]] = {}
    for cell in supervised_cells(config) + robustness_cells(config):
        slim = {k: v for k, v in cell.items() if k not in ("runs", "table")}
        slim["run_ids"] = [r["run_id"] for r in cell["runs"]]
        out.setdefault(cell["table"], []).append(slim)
    return out


def supervised_runs(config: dict) -> list[dict]:
    return [
        run
        for cell in supervised_cells(config) + robustness_cells(config)
        for run in cell["runs"]
    ]


def all_runs(config: dict) -> dict[str, dict]:
    """Every training run of a validated config as plain-Python rows, keyed by run id.

    Rows with the same id are the same run (same settings): they merge into one.
    """
    rows = (
        synthetic_runs(config) + representation_runs(config) + supervised_runs(config)
    )
    return {row["run_id"]: row for row in rows}


def build_runsheet(config: dict) -> pd.DataFrame:
    """The run sheet as a table, indexed by run id, for display and wildcard constraints."""
    sheet = pd.DataFrame(list(all_runs(config).values()))
    if sheet.empty:
        return pd.DataFrame(columns=RUN_COLUMNS).set_index("run_id", drop=False)
    cols = RUN_COLUMNS + [c for c in sheet.columns if c not in RUN_COLUMNS]
    return sheet[cols].set_index("run_id", drop=False).sort_index()
