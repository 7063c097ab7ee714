"""Appendices B and G: the tightness and flattening tables, Figure 5 and the spectra of Figures 9-12."""

from __future__ import annotations

import math

from ..paper import paper_reference
from ..report import aggregate, sort_methods
from . import figure_title, fits, per_run, regime, seed_of, with_regime

__all__ = ["bottleneck2d", "svd_flattening", "figure5", "class_spectra", "overall_spectra"]

_SVD_VALUES = ("first_sv", "rest_sv_sum", "overall_first_sv", "overall_rest_sv_sum", "rest_over_first", "test_acc")
_SVD_COLUMNS = _SVD_VALUES + ("rest_over_overall",)
_METHODS = ("none", "input", "manifold")


def svd_flattening(art, cells, files, scale, options):
    """Per setting and method: the class-specific and overall singular values, mean and std over seeds
    (``overall_first_sv``: the largest singular value of all classes together)."""
    rows = [
        {
            "setting": cell["setting"],
            "method": cell["method"],
            "seed": seed_of(cell, rid, m),
            **{k: m["metrics"][k] for k in _SVD_VALUES},
            # Flattening "without a comparable change overall": the class-specific sum against the overall.
            "rest_over_overall": m["metrics"]["rest_sv_sum"] / m["metrics"]["overall_rest_sv_sum"],
        }
        for cell, rid, m in per_run(cells, files)
    ]
    table = aggregate(rows, ["setting", "method"], list(_SVD_COLUMNS))
    ref = paper_reference()["svd_section3_2"]
    table["paper_first_sv"] = table["method"].map(lambda m: ref.get(m, {}).get("first_sv", math.nan))
    table["paper_rest_sv_sum"] = table["method"].map(lambda m: ref.get(m, {}).get("rest_sv_sum", math.nan))
    table["scale"] = scale
    return with_regime(sort_methods(table, ["setting", "method"]), _regime(cells, files))


def bottleneck2d(art, cells, files, scale, options):
    """Figure 5's figure of merit: within-class spread over between-class distance (lower: tighter)."""
    rows = [
        {
            "classes": cell["classes"],
            "method": cell["method"],
            "seed": seed_of(cell, rid, m),
            "tightness": m["metrics"]["tightness"],
            "test_acc": m["metrics"]["test_acc"],
        }
        for cell, rid, m in per_run(cells, files)
    ]
    table = aggregate(rows, ["classes", "method"], ["tightness", "test_acc"])
    table["scale"] = scale
    return with_regime(sort_methods(table, ["classes", "method"]), _regime(cells, files))


def _regime(cells, files) -> str:
    return regime(fits(cells, files, "test_acc"), 85.0, "test accuracy")


def _load_representations(path):
    from ..io import load_torch

    return load_torch(path)  # checked against the sha256 sealed in when it was written


def figure5(art, cells, files, scale, options, png):
    """The first seed of each (class subset, method) cell, one panel each."""
    from ..figures import figure5 as draw

    panels = {}
    for cell in cells:
        first = cell["run_ids"][cell["seeds"].index(min(cell["seeds"]))]
        reps = _load_representations(files[first])
        panels[(cell["classes"], cell["method"])] = (reps["h"].numpy(), reps["y"].numpy())
    methods = [m for m in _METHODS if any(c[1] == m for c in panels)]
    subsets = sorted({c[0] for c in panels})
    draw(png, panels, methods, subsets, figure_title(art, options), f"Scale: {scale}.")


def _spectra(cells, files, key: str, setting: str) -> dict:
    """{method: [spectrum per seed]} of one setting, methods in the paper's order."""
    out = {m: [] for m in _METHODS}
    for cell, _, m in per_run(cells, files):
        if cell["setting"] == setting and cell["method"] in out:
            out[cell["method"]].append(m["metrics"][key])
    return {k: v for k, v in out.items() if v}


def class_spectra(art, cells, files, scale, options, png):
    """Figures 9-11: the class-specific spectra of one setting (the artefact's one panel)."""
    from ..figures import spectra_figure

    (setting, describe), = art.panels
    panels = {describe: _spectra(cells, files, "class_spectrum", setting)}
    footer = f"{options['dataset']} test set. Scale: {scale}."
    spectra_figure(png, panels, figure_title(art, options), "singular value (mean over classes)", footer)


def overall_spectra(art, cells, files, scale, options, png):
    """Figure 12: the spectra of all classes together, one panel per setting the cells train."""
    from ..figures import spectra_figure

    settings = [(s, d) for s, d in art.panels if any(c["setting"] == s for c in cells)]
    panels = {d: _spectra(cells, files, "overall_spectrum", s) for s, d in settings}
    footer = f"{options['dataset']} test set. Scale: {scale}."
    spectra_figure(png, panels, figure_title(art, options), "singular value", footer)
