"""The reproduction scorecard: each claim of the paper, what this run measured, and whether it holds.

A claim compares two rows of one of the workflow's tables (or one row against a threshold), in the
direction the paper states. The measured and paper values are shown side by side with the scale the
table was measured at, so a claim that fails at the reduced default scale is read as such, not as a
refutation of the paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Claim", "CLAIMS", "scorecard", "SCORECARD_COLUMNS"]

SCORECARD_COLUMNS = ["section", "claim", "measured", "paper", "holds", "scale"]


@dataclass(frozen=True)
class Claim:
    """``table``'s row ``a`` compared with row ``b`` (or with ``threshold``) on ``column``.

    ``better``: "lower" or "higher" (a is lower / higher than b). Rows are selected by equality on the
    given columns; with several matching rows (e.g. datasets sharing stand-in runs) the first is used.
    """

    section: str
    text: str
    table: str
    column: str
    a: dict
    b: dict | None = None
    better: str = "lower"
    threshold: float | None = None
    paper_column: str = "paper_value"
    paper_text: str = ""  # the paper's finding in words, for claims read off a figure


CLAIMS = [
    Claim("Appendix A, Table 8", "factor mixup beats input mixup on task A (accuracy)", "table8", "test_acc_mean",
          {"task": "A", "method": "factor"}, {"task": "A", "method": "input"}, "higher", paper_column="paper_test_acc"),
    Claim("Appendix A, Table 8", "factor mixup beats input mixup on task C (accuracy)", "table8", "test_acc_mean",
          {"task": "C", "method": "factor"}, {"task": "C", "method": "input"}, "higher", paper_column="paper_test_acc"),
    Claim("Appendix A, Table 8", "input mixup lowers the NLL of no mixup on task B", "table8", "test_nll_mean",
          {"task": "B", "method": "input"}, {"task": "B", "method": "none"}, "lower", paper_column="paper_test_nll"),
    Claim("Section 3.2, appendix G", "manifold mixup flattens class representations (smaller sum of the other "
          "singular values than no mixup, 12-unit bottleneck)", "svd_flattening", "rest_sv_sum_mean",
          {"setting": "bottleneck12_after3", "method": "manifold"}, {"setting": "bottleneck12_after3", "method": "none"},
          "lower", paper_column="paper_rest_sv_sum"),
    Claim("Section 5.1, Table 1", "manifold mixup has lower test error than no mixup (CIFAR-10, PreActResNet18)",
          "table1", "test_error_best_mean", {"dataset": "cifar10", "arch": "preactresnet18", "method": "manifold"},
          {"dataset": "cifar10", "arch": "preactresnet18", "method": "none"}),
    Claim("Section 5.1, Table 1", "manifold mixup has lower test error than input mixup (CIFAR-10, PreActResNet18)",
          "table1", "test_error_best_mean", {"dataset": "cifar10", "arch": "preactresnet18", "method": "manifold"},
          {"dataset": "cifar10", "arch": "preactresnet18", "method": "input"}),
    Claim("Section 5.1, Table 1", "input mixup has lower test error than no mixup (CIFAR-10, PreActResNet18)",
          "table1", "test_error_best_mean", {"dataset": "cifar10", "arch": "preactresnet18", "method": "input"},
          {"dataset": "cifar10", "arch": "preactresnet18", "method": "none"}),
    Claim("Section 5.1, Table 1", "manifold mixup has lower test NLL than no mixup (CIFAR-10, PreActResNet18)",
          "table1", "test_nll_mean", {"dataset": "cifar10", "arch": "preactresnet18", "method": "manifold"},
          {"dataset": "cifar10", "arch": "preactresnet18", "method": "none"}, paper_column="paper_nll"),
    Claim("Section 5.1, Table 2", "manifold mixup has lower test error than no mixup (SVHN, PreActResNet18)",
          "table2", "test_error_best_mean", {"dataset": "svhn", "arch": "preactresnet18", "method": "manifold"},
          {"dataset": "svhn", "arch": "preactresnet18", "method": "none"}),
    Claim("Section 5.1, Table 3", "manifold mixup (alpha 0.2) has higher top-1 accuracy than no mixup (Tiny-ImageNet)",
          "table3", "top1_acc_best_mean", {"method": "manifold", "alpha": 0.2}, {"method": "none"}, "higher"),
    Claim("Appendix C, Table 5", "mixing at {0,1,2} beats no mixup (CIFAR-10)", "table5", "test_error_best_mean",
          {"dataset": "cifar10", "layers": "0,1,2"}, {"dataset": "cifar10", "layers": ""}),
    Claim("Appendix C, Table 6", "manifold mixup beats input mixup at alpha 2 (CIFAR-10)", "table6",
          "test_error_best_mean", {"method": "manifold", "alpha": 2.0}, {"method": "input", "alpha": 2.0}),
    Claim("Appendix C, Figure 6", "mixing after stage 2 ends with a lower training loss than input mixup (CIFAR-10)",
          "figure6_loss", "final_train_loss_mean", {"layers": "2", "detach": "False"}, {"layers": "0"},
          paper_text="holds (figure only)"),
    Claim("Appendix C, Figure 6", "blocking the gradient raises the training loss of manifold mixup at {0,1,2}",
          "figure6_loss", "final_train_loss_mean", {"layers": "0,1,2", "detach": "True"},
          {"layers": "0,1,2", "detach": "False"}, "higher", paper_text="holds (figure only)"),
    Claim("Section 5.2, Table 9", "manifold mixup is more accurate than no mixup under rotation U(-20, 20)",
          "table9", "acc_mean", {"deformation": "rotation", "param": 20.0, "method": "manifold"},
          {"deformation": "rotation", "param": 20.0, "method": "none"}, "higher", paper_column="paper_acc"),
    Claim("Section 5.2, Table 9", "manifold mixup is more accurate than no mixup zoomed out to 120 %",
          "table9", "acc_mean", {"deformation": "zoom_out", "param": 120.0, "method": "manifold"},
          {"deformation": "zoom_out", "param": 120.0, "method": "none"}, "higher", paper_column="paper_acc"),
    Claim("Section 5.2, Table 7", "manifold mixup is more accurate than no mixup under FGSM (CIFAR-10)",
          "table7", "acc_mean", {"dataset": "cifar10", "method": "manifold"}, {"dataset": "cifar10", "method": "none"},
          "higher", paper_column="paper_acc"),
    Claim("Appendix D", "unbounded PGD leaves the manifold mixup model at most 2 % accuracy (no gradient masking)",
          "pgd_sanity", "acc_mean", {"method": "manifold"}, None, "lower", threshold=2.0, paper_column="paper_acc"),
]


def _row(df: pd.DataFrame, where: dict) -> pd.Series | None:
    mask = np.ones(len(df), dtype=bool)
    for key, value in where.items():
        if key not in df.columns:
            return None
        col = df[key]
        if isinstance(value, float):
            mask &= np.isclose(col.astype(float), value)
        else:
            mask &= col.fillna("").astype(str) == str(value)
    # Prefer a non-zero epsilon for FGSM (epsilon 0 is the clean accuracy): the largest one.
    rows = df[mask]
    if "epsilon" in rows.columns and len(rows):
        rows = rows.sort_values("epsilon", ascending=False)
    return rows.iloc[0] if len(rows) else None


def _fmt(v) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{float(v):.3g}"


def scorecard(tables: dict[str, str | Path]) -> pd.DataFrame:
    """Evaluate every claim whose table is in ``tables`` (name -> CSV path); skip the others."""
    frames = {name: pd.read_csv(path, keep_default_na=True) for name, path in tables.items()}
    rows = []
    for claim in CLAIMS:
        df = frames.get(claim.table)
        if df is None:
            continue
        a = _row(df, claim.a)
        b = _row(df, claim.b) if claim.b is not None else None
        if a is None or (claim.b is not None and b is None):
            continue
        ours_a = float(a[claim.column])
        if claim.threshold is not None:
            holds = ours_a <= claim.threshold if claim.better == "lower" else ours_a >= claim.threshold
            measured = f"{_fmt(ours_a)} (threshold {claim.threshold:g})"
            paper = _fmt(a.get(claim.paper_column))
        else:
            ours_b = float(b[claim.column])
            holds = ours_a < ours_b if claim.better == "lower" else ours_a > ours_b
            measured = f"{_fmt(ours_a)} vs {_fmt(ours_b)}"
            paper = claim.paper_text or f"{_fmt(a.get(claim.paper_column))} vs {_fmt(b.get(claim.paper_column))}"
        rows.append({
            "section": claim.section,
            "claim": claim.text,
            "measured": measured,
            "paper": paper,
            "holds": "yes" if holds else "no",
            "scale": str(a.get("scale", "")),
        })
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
