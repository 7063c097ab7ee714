"""Appendix A: Table 8 and Figure 4."""

from __future__ import annotations

import math

from ..paper import paper_reference
from ..report import aggregate, sort_methods
from . import fits, per_run, regime, seed_of, with_regime

__all__ = ["table8", "figure4"]


def table8(art, cells, files, scale, options):
    """Test accuracy and NLL per task and method, mean and std over seeds, the paper's beside."""
    rows = [
        {
            "task": cell["task"],
            "method": cell["method"],
            "alpha": float(cell["alpha"]),
            "seed": seed_of(cell, rid, m),
            "test_acc": m["metrics"]["test_acc"],
            "test_nll": m["metrics"]["test_nll"],
        }
        for cell, rid, m in per_run(cells, files)
    ]
    table = aggregate(rows, ["task", "method", "alpha"], ["test_acc", "test_nll"])
    ref = paper_reference()["table8"]

    def paper(row, key):
        return ref.get(row["task"], {}).get(row["method"], {}).get(key, math.nan)

    table["paper_test_acc"] = [paper(r, "test_acc") for r in table.to_dict("records")]
    table["paper_test_nll"] = [paper(r, "test_nll") for r in table.to_dict("records")]
    table["scale"] = scale
    state = regime(fits(cells, files, "train_dist_acc"), 99.0, "accuracy on the training distribution")
    return with_regime(sort_methods(table, ["task", "method", "alpha"]), state)


def figure4(art, cells, files, scale, options, png):
    from ..figures import figure4 as draw

    draw(png, n=options["n"], alpha=options["alpha"], truncate=options["truncate"])
