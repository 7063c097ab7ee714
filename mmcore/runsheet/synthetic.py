"""Appendix A: a cell of the synthetic factor experiment -> one run row per seed."""

from __future__ import annotations

from ..artefacts import Artefact
from ..config import ConfigError
from ..mix_points import MIX_POINTS, mix_alpha, mixes, row_mix_points
from ._rows import make_row, seeds_of, with_id

__all__ = ["synthetic_cell"]


def synthetic_cell(config: dict, art: Artefact, block: dict, spec: dict) -> dict:
    syn = config["synthetic"]
    method = spec["method"]
    points = MIX_POINTS["synthetic_cnn"]
    for i, name in enumerate(syn["eligible_layers"]):
        if name not in points:
            raise ConfigError(
                f"config.synthetic.eligible_layers[{i}]: {name!r} is not a mix point of the synthetic CNN "
                f"(declared: {', '.join(points)})"
            )
    runs = [
        with_id(
            make_row(
                "synthetic",
                method,
                syn["alpha"],
                seed=seed,
                task=spec["task"],
                model="synthetic_cnn",
                iterations=int(syn["iterations"]),
                batch_size=int(syn["batch_size"]),
                lr=float(syn["lr"]),
                loss=syn["loss"],
                mix_points=row_mix_points("synthetic_cnn", method, list(syn["eligible_layers"])),
                lambda_per_example=bool(syn["lambda_per_example"]) and mixes(method),
                factor_truncate=bool(syn["factor_truncate"]) and method == "factor",
            ),
            "syn",
            [("task", spec["task"])],
            [("s", seed)],
        )
        for seed in seeds_of(syn, ())
    ]
    return {"task": spec["task"], "method": method, "alpha": mix_alpha(method, syn["alpha"]), "runs": runs}
