"""Appendix E: a GAN cell -> one run row per seed, and the evaluation classifier's run they need."""

from __future__ import annotations

import json

from ..artefacts import Artefact
from ..config import ConfigError
from ..mix_points import MIX_POINTS, mixes, parse_mix_points, row_mix_points
from ._rows import make_row, run_id, seeds_of, with_id

__all__ = ["gan_classifier_run", "gan_cell"]


def gan_classifier_run(config: dict) -> dict | None:
    """The evaluation classifier of classifier-based GAN metrics: its own run (one, seed 0), or None
    with Inception features."""
    gan = config["gan"]
    if gan["features"] != "classifier":
        return None
    from ..data.datasets import DATASETS

    spec = DATASETS[gan["dataset"]]
    clf = gan["classifier"]
    row = make_row(
        "gan_classifier",
        "none",  # a plain classifier: no mixing
        0.0,
        mix_points="",
        seed=0,
        dataset=gan["dataset"],
        model="feature_cnn",
        model_kwargs=json.dumps(
            {"in_channels": spec.channels, "image_size": spec.size, "width": int(clf["width"])}, sort_keys=True
        ),
        epochs=int(clf["epochs"]),
        train_size=int(clf["train_size"]),
        batch_size=int(clf["batch_size"]),
        lr=float(clf["lr"]),
    )
    row["run_id"] = run_id("ganclf", [("", gan["dataset"]), ("e", row["epochs"]), ("s", 0)], row)
    return row


def gan_cell(config: dict, art: Artefact, block: dict, spec: dict) -> dict:
    gan = config["gan"]
    from ..data.datasets import DATASETS

    data = DATASETS[gan["dataset"]]
    model = f"{gan['arch']}_d"
    names = parse_mix_points(spec["layers"])
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
    runs = [
        with_id(
            make_row(
                "gan",
                method,
                spec["alpha"],
                seed=int(seed),
                dataset=gan["dataset"],
                arch=gan["arch"],
                model=model,
                model_kwargs=json.dumps(kwargs, sort_keys=True),
                mix_points=row_mix_points(model, method, names),
                formulation=gan["formulation"] if mixes(method) else "",
                g_mix_term=bool(gan["g_mix_term"]) and mixes(method) and gan["formulation"] == "paper",
                loss="js",
                g_steps=int(gan["g_steps"]),
                n_dis=int(gan["n_dis"]),
                batch_size=int(gan["batch_size"]),
                g_batch_size=int(gan["g_batch_size"]),
                lr=float(gan["lr"]),
                beta1=float(gan["beta1"]),
                beta2=float(gan["beta2"]),
                train_size=int(gan["train_size"]),
                features=gan["features"],
                feature_run=clf["run_id"] if clf else "",
                eval_samples=int(gan["eval_samples"]),
                reference_size=int(gan["reference_size"]),
                isc_splits=int(gan["isc_splits"]),
                kid_subsets=int(gan["kid_subsets"]),
                kid_subset_size=int(gan["kid_subset_size"]),
            ),
            "gan",
            [("", gan["dataset"]), ("", gan["arch"])],
            [("s", int(seed))],
        )
        for seed in seeds_of(gan, ())
    ]
    return {**spec, "runs": runs, "aux_runs": [clf] if clf else []}
