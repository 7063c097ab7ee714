"""Appendices B and G: a cell of the bottleneck MLPs -> one run row per seed."""

from __future__ import annotations

import json

from ..artefacts import Artefact
from ..mix_points import row_mix_points
from ..scale import representation_training
from ._rows import make_row, seeds_of, with_id

__all__ = ["REPRESENTATION_SETTINGS", "representation_cell"]

#: Appendix B / G settings: registered model name and its keyword arguments.
REPRESENTATION_SETTINGS = {
    "bottleneck2d": ("mlp_bottleneck2", {}),
    "bottleneck2d_code": ("mlp_bottleneck2", {"n_before": 3, "bottleneck_bn": True}),
    "bottleneck12_after3": ("mlp_bottleneck12_after3", {}),
    "bottleneck30_after3": ("mlp_bottleneck30_after3", {}),
    "bottleneck30_after1": ("mlp_bottleneck30_after1", {}),
}


def representation_cell(config: dict, art: Artefact, block: dict, spec: dict) -> dict:
    rep = config["representations"]
    setting, classes, method = spec["setting"], spec["classes"], spec["method"]
    model, kwargs = REPRESENTATION_SETTINGS[setting]
    width, epochs = representation_training(rep, block)
    if width != 1024:  # the authors' width is the model's default: keeps the paper's run ids
        kwargs = {**kwargs, "width": width}
    runs = [
        with_id(
            make_row(
                "representations",
                method,
                spec["alpha"],
                seed=seed,
                setting=setting,
                classes=classes,
                model=model,
                model_kwargs=json.dumps(kwargs, sort_keys=True),
                mix_points=row_mix_points(model, method, ["bottleneck"]),
                dataset=rep["dataset"],
                epochs=epochs,
                train_size=int(rep["train_size"]) if rep["train_size"] else 0,
                batch_size=int(rep["batch_size"]),
                lr=float(rep["lr"]),
                loss=rep["loss"],
            ),
            "rep",
            [("", setting), ("c", classes)],
            [("s", seed)],
        )
        for seed in seeds_of(rep, ())
    ]
    return {"setting": setting, "classes": classes, "method": method, "runs": runs}
