"""Expand a validated config into the run sheet: one row per training run.

The artefact registry (:mod:`mmcore.artefacts`) says which cells each table or figure needs; this
module turns every cell into one run row per seed. A row holds every setting that affects the trained
model, and its ``run_id`` is readable and derived from those values (a short hash covers the ones not
spelled out), so two tables that need the same model share one training job, and changing a setting
gives the affected runs new ids and leaves the others.

Mix points are named once, here: every family's eligible set becomes mix-point *names* in the row's
``mix_points`` (comma-separated; ``""`` without mixing, the model's input point for input mixup), and
the training jobs build their :class:`~mmcore.policy.MixPolicy` from it. The config may keep the
paper's layer indices (0 = input, 1 = after stage 1, ...); an index the architecture does not declare
is a config error naming the key.

Light on purpose (no torch, no pandas): Snakemake builds the run sheet while it parses.
"""

from __future__ import annotations

import hashlib
import json

from .artefacts import ARTEFACTS, Artefact
from .artefacts.gan import gan_cells
from .config import ConfigError
from .mix_points import MIX_POINTS, row_mix_points
from .scale import representation_training

__all__ = [
    "MIX_POINTS",
    "REPRESENTATION_SETTINGS",
    "SUPERVISED_ARCHS",
    "run_id",
    "default_layers",
    "gan_cells",
    "gan_classifier_run",
    "supervised_cell",
    "artefact_cells",
    "made_artefacts",
    "all_runs",
    "slim",
]

#: Appendix B / G settings: registered model name and its keyword arguments.
REPRESENTATION_SETTINGS = {
    "bottleneck2d": ("mlp_bottleneck2", {}),
    "bottleneck2d_code": ("mlp_bottleneck2", {"n_before": 3, "bottleneck_bn": True}),
    "bottleneck12_after3": ("mlp_bottleneck12_after3", {}),
    "bottleneck30_after3": ("mlp_bottleneck30_after3", {}),
    "bottleneck30_after1": ("mlp_bottleneck30_after1", {}),
}

#: Registered architectures of the supervised suite and their family.
SUPERVISED_ARCHS = {
    "preactresnet18": "preact",
    "preactresnet34": "preact",
    "preactresnet50": "preact",
    "wrn28_10": "wrn",
    "wrn28_2": "wrn",
}
_WIDEN = {"wrn28_10": 10, "wrn28_2": 2}
_SUPERVISED_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "svhn", "tiny_imagenet")


def run_id(prefix: str, readable: list[tuple[str, object]], row: dict) -> str:
    """``prefix-k1v1-k2v2-<hash>``: readable (key, value) pairs first, then 8 hex digits of the row."""
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:8]
    parts = [prefix] + [f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}" for k, v in readable]
    return "-".join(parts + [digest])


def _readable(row: dict) -> list[tuple[str, object]]:
    """The method, alpha and (for manifold mixup) the mix points: spelled the same in every family."""
    out = [("", row["method"]), ("a", row["alpha"])]
    if row["method"] == "manifold":
        out.append(("L", row["mix_points"].replace(",", "+")))
    return out


def _seeds(block: dict, fallback) -> list[int]:
    seeds = block.get("seeds")
    return [int(s) for s in (fallback if seeds is None else seeds)]


# ---- appendix A: synthetic ----------------------------------------------------------------------------


def _synthetic_cell(config: dict, art: Artefact, block: dict, spec: dict) -> dict:
    syn = config["synthetic"]
    method = spec["method"]
    mixes = method != "none"
    points = MIX_POINTS["synthetic_cnn"]
    for i, name in enumerate(syn["eligible_layers"]):
        if name not in points:
            raise ConfigError(
                f"config.synthetic.eligible_layers[{i}]: {name!r} is not a mix point of the synthetic CNN "
                f"(declared: {', '.join(points)})"
            )
    runs = []
    for seed in _seeds(syn, ()):
        row = {
            "experiment": "synthetic",
            "method": method,
            # alpha means nothing without mixing: a changed alpha must not retrain the baseline.
            "alpha": float(syn["alpha"]) if mixes else 0.0,
            "seed": seed,
            "task": spec["task"],
            "model": "synthetic_cnn",
            "iterations": int(syn["iterations"]),
            "batch_size": int(syn["batch_size"]),
            "lr": float(syn["lr"]),
            "loss": syn["loss"],
            "mix_points": row_mix_points("synthetic_cnn", method, list(syn["eligible_layers"])),
            "lambda_per_example": bool(syn["lambda_per_example"]) and mixes,
            "factor_truncate": bool(syn["factor_truncate"]) and method == "factor",
        }
        row["run_id"] = run_id("syn", [("task", spec["task"])] + _readable(row) + [("s", seed)], row)
        runs.append(row)
    return {"task": spec["task"], "method": method, "alpha": runs[0]["alpha"] if runs else 0.0, "runs": runs}


# ---- appendices B and G: bottleneck MLPs ----------------------------------------------------------------


def _representation_cell(config: dict, art: Artefact, block: dict, spec: dict) -> dict:
    rep = config["representations"]
    setting, classes, method = spec["setting"], spec["classes"], spec["method"]
    model, kwargs = REPRESENTATION_SETTINGS[setting]
    width, epochs = representation_training(rep, block)
    if width != 1024:  # the authors' width is the model's default: keeps the paper's run ids
        kwargs = {**kwargs, "width": width}
    runs = []
    for seed in _seeds(rep, ()):
        row = {
            "experiment": "representations",
            "method": method,
            "alpha": float(spec["alpha"]) if method != "none" else 0.0,
            "seed": seed,
            "setting": setting,
            "classes": classes,
            "model": model,
            "model_kwargs": json.dumps(kwargs, sort_keys=True),
            "mix_points": row_mix_points(model, method, ["bottleneck"]),
            "dataset": rep["dataset"],
            "epochs": epochs,
            "train_size": int(rep["train_size"]) if rep["train_size"] else 0,
            "batch_size": int(rep["batch_size"]),
            "lr": float(rep["lr"]),
            "loss": rep["loss"],
        }
        readable = [("", setting), ("c", classes)] + _readable(row) + [("s", seed)]
        row["run_id"] = run_id("rep", readable, row)
        runs.append(row)
    return {"setting": setting, "classes": classes, "method": method, "runs": runs}


# ---- section 5.1 / appendix C and section 5.2: supervised -------------------------------------------------


def default_layers(arch: str, sup: dict) -> list[int]:
    """Manifold mixup's eligible set S: {0,1,2} for PreActResNets; WRN per ``wrn_layers`` (text {0,1})."""
    if SUPERVISED_ARCHS[arch] == "wrn" and sup["wrn_layers"] == "text":
        return [0, 1]
    return [0, 1, 2]


def _schedule(sup: dict, block: dict, where: str, dataset: str, arch: str) -> dict:
    """The block's schedule, a dataset's override, an architecture's override (which wins); an
    undefined name is a config error naming the key that chose it."""
    name, source = block["schedule"], f"{where}.schedule"
    for key in (dataset, arch):
        if key in sup["schedule_overrides"]:
            name, source = sup["schedule_overrides"][key], f"config.supervised.schedule_overrides.{key}"
    if name not in sup["schedules"]:
        defined = ", ".join(sup["schedules"]) or "none"
        raise ConfigError(
            f"{source}: schedule {name!r} is not defined in config.supervised.schedules (defined: {defined})"
        )
    return sup["schedules"][name]


def _canonical(method: str, alpha: float, layers: str, detach: bool) -> tuple[str, float, str, bool]:
    """Equal computations share a run: S = {} is no mixup, S = {0} is input mixup, alpha means nothing
    without mixing and there is nothing to block before the input."""
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
        detach = False
    return method, float(alpha), layers, bool(detach)


def supervised_cell(config: dict, art: Artefact, block: dict, spec: dict) -> dict:
    """One cell of a supervised table or figure: the paper's names, the canonical (method, alpha, layers),
    one run row per seed. Under a stand-in, cells of different datasets point at the same runs."""
    sup = config["supervised"]
    where = "config." + ".".join(art.block)
    dataset = spec.get("dataset", block.get("dataset"))
    arch = spec.get("arch", block.get("arch"))
    if dataset not in _SUPERVISED_DATASETS:
        raise ConfigError(
            f"{where}: unknown dataset {dataset!r}; available: {', '.join(_SUPERVISED_DATASETS)}"
        )
    if arch not in SUPERVISED_ARCHS:
        raise ConfigError(f"{where}: unknown architecture {arch!r}; available: {', '.join(SUPERVISED_ARCHS)}")
    layers = spec.get("layers")
    layers = default_layers(arch, sup) if layers is None else layers
    declared = MIX_POINTS[arch]
    for i in layers:
        if not 0 <= int(i) < len(declared):
            raise ConfigError(
                f"{where}: layer {i} is not a mix point of {arch} (0 = input, 1-{len(declared) - 1} = after "
                f"stage 1-{len(declared) - 1})"
            )
    key = ",".join(str(i) for i in sorted({int(v) for v in layers}))
    method, alpha, key, detach = _canonical(spec["method"], spec["alpha"], key, spec.get("detach", False))
    sched = _schedule(sup, block, where, dataset, arch)
    names = [declared[int(i)] for i in key.split(",") if i != ""]
    own = spec.get("seeds")  # a cell's own seeds (a Table 9 model), else the block's
    seeds = _seeds(block, sup["seeds"]) if own is None else [int(s) for s in own]
    runs = [_supervised_run(sup, dataset, arch, method, alpha, names, detach, sched, seed) for seed in seeds]
    return {
        "dataset": dataset,
        "arch": arch,
        "method": method,
        "alpha": alpha,
        "layers": key,
        "detach": detach,
        "runs": runs,
    }


def _supervised_run(sup, dataset, arch, method, alpha, names, detach, sched, seed) -> dict:
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
    per_class = int(stand["train_per_class"]) if stand else int(sup["labels_per_class"].get(data, 0))
    row = {
        "experiment": "supervised",
        "method": method,
        "alpha": float(alpha),
        "seed": int(seed),
        "dataset": data,
        "arch": arch,
        "model": arch,
        "model_kwargs": json.dumps(kwargs, sort_keys=True),
        "mix_points": row_mix_points(arch, method, names),
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
    if stand and not stand["augment"]:  # only when off: the augmented rows keep their ids
        row["augment"] = False
    readable = [("", data), ("", arch)] + _readable(row)
    if row["detach"]:
        readable.append(("", "detach"))
    readable += [("e", row["epochs"]), ("s", row["seed"])]
    row["run_id"] = run_id("sup", readable, row)
    return row


# ---- appendix E: GAN ---------------------------------------------------------------------------------


def gan_classifier_run(config: dict) -> dict | None:
    """The evaluation classifier of classifier-based GAN metrics: its own run (one, seed 0), or None
    with Inception features."""
    gan = config["gan"]
    if gan["features"] != "classifier":
        return None
    from .data.datasets import DATASETS

    spec = DATASETS[gan["dataset"]]
    clf = gan["classifier"]
    row = {
        "experiment": "gan_classifier",
        "method": "none",  # a plain classifier: no mixing
        "alpha": 0.0,
        "mix_points": "",
        "seed": 0,
        "dataset": gan["dataset"],
        "model": "feature_cnn",
        "model_kwargs": json.dumps(
            {"in_channels": spec.channels, "image_size": spec.size, "width": int(clf["width"])}, sort_keys=True
        ),
        "epochs": int(clf["epochs"]),
        "train_size": int(clf["train_size"]),
        "batch_size": int(clf["batch_size"]),
        "lr": float(clf["lr"]),
    }
    row["run_id"] = run_id("ganclf", [("", gan["dataset"]), ("e", row["epochs"]), ("s", 0)], row)
    return row


def _gan_cell(config: dict, art: Artefact, block: dict, spec: dict) -> dict:
    gan = config["gan"]
    from .data.datasets import DATASETS

    data = DATASETS[gan["dataset"]]
    model = f"{gan['arch']}_d"
    names = [p for p in spec["layers"].split(",") if p]
    for name in names:
        if name not in MIX_POINTS[model]:
            raise ConfigError(f"config.gan.layer_sets: {name!r} is not a mix point of {model}")
    method = {"baseline": "none", "input": "input", "manifold": "manifold"}[spec["setting"]]
    if gan["arch"] == "sngan":
        kwargs = {"variant": gan["variant"], "in_channels": data.channels, "out_channels": data.channels}
    else:
        kwargs = {"width": int(gan["width"]), "in_channels": data.channels, "out_channels": data.channels,
                  "image_size": data.size}
    if gan["z_dim"] is not None:
        kwargs["z_dim"] = int(gan["z_dim"])
    clf = gan_classifier_run(config)
    mixes = method != "none"
    runs = []
    for seed in _seeds(gan, ()):
        row = {
            "experiment": "gan",
            "method": method,
            "alpha": float(spec["alpha"]) if mixes else 0.0,
            "seed": int(seed),
            "dataset": gan["dataset"],
            "arch": gan["arch"],
            "model": model,
            "model_kwargs": json.dumps(kwargs, sort_keys=True),
            "mix_points": ",".join(names),
            "formulation": gan["formulation"] if mixes else "",
            "g_mix_term": bool(gan["g_mix_term"]) and mixes and gan["formulation"] == "paper",
            "loss": "js",
            "g_steps": int(gan["g_steps"]),
            "n_dis": int(gan["n_dis"]),
            "batch_size": int(gan["batch_size"]),
            "g_batch_size": int(gan["g_batch_size"]),
            "lr": float(gan["lr"]),
            "beta1": float(gan["beta1"]),
            "beta2": float(gan["beta2"]),
            "train_size": int(gan["train_size"]),
            "features": gan["features"],
            "feature_run": clf["run_id"] if clf else "",
            "eval_samples": int(gan["eval_samples"]),
            "reference_size": int(gan["reference_size"]),
            "isc_splits": int(gan["isc_splits"]),
            "kid_subsets": int(gan["kid_subsets"]),
            "kid_subset_size": int(gan["kid_subset_size"]),
        }
        readable = [("", gan["dataset"]), ("", gan["arch"])] + _readable(row) + [("s", row["seed"])]
        row["run_id"] = run_id("gan", readable, row)
        runs.append(row)
    return {**spec, "runs": runs, "aux_runs": [clf] if clf else []}


_CELL_BUILDERS = {
    "synthetic": _synthetic_cell,
    "representations": _representation_cell,
    "supervised": supervised_cell,
    "gan": _gan_cell,
}


def artefact_cells(config: dict) -> dict[str, list[dict]]:
    """Every enabled artefact's cells, each with its run rows (``runs``), keyed by artefact name.

    Artefacts without runs (Figure 4) and those whose block is disabled or expands to no cell are left
    out; the workflow makes exactly the artefacts listed here (and the run-free ones).
    """
    out: dict[str, list[dict]] = {}
    for art in ARTEFACTS.values():
        if art.cells is None or not art.enabled(config):
            continue
        block = art.block_of(config)
        cells = [_CELL_BUILDERS[art.runs](config, art, block, spec) for spec in art.cells(block, config)]
        if cells:
            out[art.name] = cells
    return out


def made_artefacts(config: dict, cells: dict[str, list[dict]]) -> list[str]:
    """Names of the artefacts this config makes, in the registry's order: those with cells, and those
    without runs whose block is on (Figure 4) or whose source table is made (the Table 9 figure)."""
    made = []
    for name, art in ARTEFACTS.items():
        if art.cells is not None:
            ok = name in cells
        elif art.source is not None:
            ok = art.source in cells
        else:
            ok = art.enabled(config)
        if ok:
            made.append(name)
    return made


def all_runs(cells: dict[str, list[dict]]) -> dict[str, dict]:
    """Every training run behind the cells, keyed by run id (rows with the same id are the same run),
    with the runs those runs need (``aux_runs``: the GAN's evaluation classifier)."""
    runs = {run["run_id"]: run for table in cells.values() for cell in table for run in cell["runs"]}
    for table in cells.values():
        for cell in table:
            for aux in cell.get("aux_runs", ()):
                runs.setdefault(aux["run_id"], aux)
    return runs


def slim(cells: list[dict]) -> list[dict]:
    """Cells as rule params: the paper's names and the run ids (not the full rows)."""
    return [
        {
            **{k: v for k, v in cell.items() if k not in ("runs", "aux_runs")},
            "run_ids": [r["run_id"] for r in cell["runs"]],
            "seeds": [r["seed"] for r in cell["runs"]],
        }
        for cell in cells
    ]
