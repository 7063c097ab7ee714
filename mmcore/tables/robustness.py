"""Section 5.2 / appendix D: Tables 9 and 7, the PGD check, and the deformation figure."""

from __future__ import annotations

import math

from ..paper import paper_reference
from ..report import aggregate
from . import figure_title, fits, per_run, regime, seed_of, with_regime

__all__ = ["table9", "table7", "pgd_sanity", "deformations_figure"]


def _model_key(method: str, alpha: float) -> str:
    return "none" if method == "none" else f"{method}_{alpha:g}"


def table9(art, cells, files, scale, options):
    """Accuracy per deformation and strength (deformation ``none``: the clean test set)."""
    rows = []
    for cell, rid, ev in per_run(cells, files):
        m = ev["metrics"]
        base = {"method": cell["method"], "alpha": cell["alpha"], "seed": seed_of(cell, rid, ev)}
        rows.append({"deformation": "none", "param": 0.0, **base, "acc": m["clean"]})
        for kind, accs in m["deformations"].items():
            for p, acc in accs.items():
                rows.append({"deformation": kind, "param": float(p), **base, "acc": acc})
    table = aggregate(rows, ["deformation", "param", "method", "alpha"], ["acc"])
    ref = paper_reference()["table9"]

    def paper(r):
        entry = ref.get(r["deformation"], {})
        value = entry.get(r["param"], entry.get(int(r["param"]) if float(r["param"]).is_integer() else None, {}))
        return (value or {}).get(_model_key(r["method"], r["alpha"]), math.nan)

    table["paper_acc"] = [paper(r) for r in table.to_dict("records")]
    table["scale"] = scale
    return with_regime(table, models_regime(cells, files))


def table7(art, cells, files, scale, options):
    """Accuracy under FGSM per model, method and epsilon."""
    rows = []
    for cell, rid, ev in per_run(cells, files):
        m = ev["metrics"]
        for eps, acc in m["fgsm"].items():
            rows.append({
                **{k: cell[k] for k in ("dataset", "arch", "method", "alpha")}, "run_id": rid,
                "seed": seed_of(cell, rid, ev), "epsilon": float(eps), "acc": acc, "clean_acc": m["clean"],
            })
    table = aggregate(rows, ["dataset", "arch", "method", "alpha", "epsilon"], ["acc", "clean_acc"])
    ref = paper_reference()["table7"]
    table["paper_acc"] = [
        ref.get(r["dataset"], {}).get(_model_key(r["method"], r["alpha"]), math.nan) for r in table.to_dict("records")
    ]
    table["scale"] = scale
    return with_regime(table, models_regime(cells, files))


def pgd_sanity(art, cells, files, scale, options):
    """Accuracy after PGD per method (near 0: no gradient masking)."""
    rows = [
        {
            **{k: cell[k] for k in ("dataset", "arch", "method", "alpha")},
            "run_id": rid,
            "seed": seed_of(cell, rid, ev),
            "acc": ev["metrics"]["pgd"],
            "clean_acc": ev["metrics"]["clean"],
        }
        for cell, rid, ev in per_run(cells, files)
    ]
    table = aggregate(rows, ["dataset", "arch", "method", "alpha"], ["acc", "clean_acc"])
    table["iterations"], table["step_size"] = options["iterations"], options["step_size"]
    table["epsilon"] = math.nan if options["epsilon"] is None else options["epsilon"]
    ref = paper_reference()["pgd_sanity"]
    table["paper_acc"] = table["method"].map(lambda m: ref.get(m, math.nan))
    table["scale"] = scale
    return with_regime(table, models_regime(cells, files))


def models_regime(cells, files) -> str:
    """The supervised tables' regime, of the models these evaluations compare (each evaluation carries its
    model's final clean training accuracy)."""
    return regime(fits(cells, files, "model_train_acc_clean"), 99.0,
                  "final clean training accuracy of the evaluated models")


def deformations_figure(art, cells, files, scale, options, png):
    """Table 9 as a picture: accuracy against strength, one panel per deformation."""
    import pandas as pd

    from ..figures import deformation_figure

    table = pd.read_csv(files["table"])
    deformation_figure(png, table, figure_title(art, options), f"Scale: {scale}.")
