"""Section 5.1 / appendix C and section 5.2: a supervised cell -> its canonical (method, alpha, layers)
and one run row per seed."""

from __future__ import annotations

import json

from ..artefacts import Artefact
from ..config import ConfigError
from ..mix_points import MIX_POINTS, mix_alpha, row_mix_points
from ._rows import make_row, seeds_of, with_id

__all__ = ["SUPERVISED_ARCHS", "default_layers", "supervised_cell"]

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
    without mixing (:func:`~mmcore.mix_points.mix_alpha`) and there is nothing to block before the input."""
    if method == "input":
        layers = "0"
    elif method == "none":
        layers = ""
    if layers == "":
        method = "none"
    elif layers == "0":
        method = "input"
    if method in ("none", "input"):
        detach = False
    return method, mix_alpha(method, alpha), layers, bool(detach)


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
    seeds = seeds_of(block, sup["seeds"]) if own is None else [int(s) for s in own]
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
    from ..data.datasets import DATASETS  # light: torch is imported lazily there

    spec = DATASETS[data]
    scale = float(stand["width_scale"]) if stand else 1.0
    kwargs = {"stem_stride": 2 if spec.size >= 64 else 1}
    if SUPERVISED_ARCHS[arch] == "preact":
        kwargs["width"] = max(1, round(64 * scale))
    else:
        kwargs["widen_factor"] = max(1, round(_WIDEN[arch] * scale))
    per_class = int(stand["train_per_class"]) if stand else int(sup["labels_per_class"].get(data, 0))
    row = make_row(
        "supervised",
        method,
        alpha,
        seed=int(seed),
        dataset=data,
        arch=arch,
        model=arch,
        model_kwargs=json.dumps(kwargs, sort_keys=True),
        mix_points=row_mix_points(arch, method, names),
        detach=bool(detach),
        epochs=int(sched["epochs"]),
        milestones=",".join(str(m) for m in sched["milestones"]),
        gamma=float(sup["gamma"]),
        batch_size=int(sup["batch_size"]),
        lr=float(sup["lr"]),
        momentum=float(sup["momentum"]),
        weight_decay=float(sup["weight_decay"]),
        nesterov=bool(sup["nesterov"]),
        loss=sup["loss"],
        train_per_class=per_class,
        test_size=int(stand["test_size"]) if stand else 0,
    )
    if stand and not stand["augment"]:  # only when off: the augmented rows keep their ids
        row["augment"] = False
    blocked = [("", "detach")] if row["detach"] else []
    return with_id(row, "sup", [("", data), ("", arch)], blocked + [("e", row["epochs"]), ("s", row["seed"])])
