"""The reproduction scorecard: each claim of the paper, what this run measured, and whether it holds.

A claim (declared with its table in :mod:`mmcore.artefacts`) compares two rows of that table (or one row
against a threshold), in the direction the paper states. The measured and paper values are shown side by side with the scale the
table was measured at, so a claim that fails at the reduced default scale is read as such, not as a
refutation of the paper.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .artefacts import ARTEFACTS, Claim

__all__ = ["claims", "scorecard", "SCORECARD_COLUMNS"]

SCORECARD_COLUMNS = ["section", "claim", "measured", "paper", "holds", "scale"]


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


def claims() -> list[tuple[str, Claim]]:
    """(table name, claim) for every claim of every registered artefact, in the registry's order."""
    return [(art.name, claim) for art in ARTEFACTS.values() for claim in art.claims]


def scorecard(tables: dict[str, str | Path]) -> pd.DataFrame:
    """Evaluate every claim whose table is in ``tables`` (name -> CSV path); skip the others."""
    frames = {name: pd.read_csv(path, keep_default_na=True) for name, path in tables.items()}
    rows = []
    for table, claim in claims():
        df = frames.get(table)
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
