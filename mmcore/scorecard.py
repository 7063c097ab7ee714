"""The reproduction scorecard: each claim of the paper, what this run measured, and a verdict from noise.

A claim (declared with its table in :mod:`mmcore.artefacts`) compares two rows of that table (or one row
against a threshold) in the direction the paper states. The verdict comes from the per-seed values the
table summarises (mean, sample std and n of each row): the difference in the paper's direction and its
standard error ``sqrt(sd_a^2 / n_a + sd_b^2 / n_b)`` (a threshold: ``sd_a / sqrt(n_a)``) give

* ``holds`` when the difference is in the paper's direction and larger than twice its standard error,
* ``reversed`` when it is that large the other way,
* ``inconclusive`` otherwise, and whenever a row has a single seed (no spread to judge by).

At reduced scale several of the paper's datasets share the stand-in's runs (Table 2's SVHN and Table 5's
CIFAR-10 rows are then the same runs), so two claims can be judged on one comparison. Tables whose rows
carry a ``runs`` fingerprint let the scorecard see it: the later claim names the earlier one in
``same_runs_as`` and :func:`counts` counts the comparison once.

The measured and paper values stand side by side with the scale the table was measured at and whether
its no-mixup runs are in the regime the claims concern (trained networks), so a verdict at the reduced
default scale, or outside that regime, is read as such, not as a verdict on the paper.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .artefacts import ARTEFACTS, Claim

__all__ = ["VERDICTS", "claims", "verdict", "scorecard", "counts", "distinct", "headline", "SCORECARD_COLUMNS"]

SCORECARD_COLUMNS = [
    "section", "claim", "verdict", "n", "measured", "difference", "se", "paper", "scale", "regime", "same_runs_as",
]
VERDICTS = ("holds", "reversed", "inconclusive")


def verdict(difference: float, se: float, n: tuple[int, ...]) -> str:
    """``difference`` is signed so that positive is the paper's direction."""
    if min(n) < 2 or not math.isfinite(se) or not math.isfinite(difference):
        return "inconclusive"
    if difference > 2 * se:
        return "holds"
    if difference < -2 * se:
        return "reversed"
    return "inconclusive"


def _stats(row: pd.Series, column: str) -> tuple[float, float, int]:
    """(mean, sample std, n) of a table row's ``column`` (a ``*_mean`` column beside ``*_std``)."""
    mean = float(row[column])
    std_col = column[: -len("_mean")] + "_std" if column.endswith("_mean") else None
    n = int(row["n_seeds"]) if "n_seeds" in row.index and not pd.isna(row["n_seeds"]) else 1
    std = float(row[std_col]) if std_col and std_col in row.index and not pd.isna(row[std_col]) else math.nan
    return mean, std, n


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
    """Judge every claim whose table is in ``tables`` (name -> CSV path); claims of other tables, or whose
    rows this run did not make, are left out."""
    frames = {name: pd.read_csv(path, keep_default_na=True) for name, path in tables.items()}
    rows = []
    judged: dict[tuple, str] = {}  # comparison (column, direction, runs of a, runs of b) -> first claim on it
    for table, claim in claims():
        df = frames.get(table)
        if df is None:
            continue
        a = _row(df, claim.a)
        b = _row(df, claim.b) if claim.b is not None else None
        if a is None or (claim.b is not None and b is None):
            continue
        sign = -1.0 if claim.better == "lower" else 1.0  # positive: the paper's direction
        mean_a, sd_a, n_a = _stats(a, claim.column)
        if claim.threshold is not None:
            difference = sign * (mean_a - claim.threshold)
            se = sd_a / math.sqrt(n_a)
            n = (n_a,)
            measured = f"{_fmt(mean_a)} (threshold {claim.threshold:g})"
            paper = _fmt(a.get(claim.paper_column))
        else:
            mean_b, sd_b, n_b = _stats(b, claim.column)
            difference = sign * (mean_a - mean_b)
            se = math.sqrt(sd_a**2 / n_a + sd_b**2 / n_b)
            n = (n_a, n_b)
            measured = f"{_fmt(mean_a)} vs {_fmt(mean_b)}"
            paper = claim.paper_text or f"{_fmt(a.get(claim.paper_column))} vs {_fmt(b.get(claim.paper_column))}"
        name = f"{claim.section}: {claim.text}"
        comparison = _comparison(claim, a, b)
        first = judged.setdefault(comparison, name) if comparison else name
        rows.append({
            "section": claim.section,
            "claim": claim.text,
            "verdict": verdict(difference, se, n),
            "n": " vs ".join(str(k) for k in n),
            "measured": measured,
            "difference": difference,
            "se": se,
            "paper": paper,
            "scale": str(a.get("scale", "")),
            "regime": "" if pd.isna(a.get("regime", "")) else str(a.get("regime", "")),
            "same_runs_as": "" if first == name else first,
        })
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)


def _comparison(claim: Claim, a: pd.Series, b: pd.Series | None) -> tuple | None:
    """What a claim's verdict rests on, where its rows name their runs; None where they do not."""
    runs_a = a.get("runs")
    runs_b = b.get("runs") if b is not None else ""
    if not isinstance(runs_a, str) or not isinstance(runs_b, str):
        return None
    return (claim.column, claim.better, claim.threshold, runs_a, runs_b)


def distinct(card: pd.DataFrame) -> pd.DataFrame:
    """The claims judged on a comparison of their own (the first claim on each shared one)."""
    return card[card["same_runs_as"].fillna("") == ""]


def headline(card: pd.DataFrame) -> str:
    """The scorecard's first line: the verdict counts, over distinct comparisons where claims share runs."""
    summary = ", ".join(f"{k} {v}" for k, v in counts(card).items())
    shared = len(card) - len(distinct(card))
    if not shared:
        return f"**Verdicts of {len(card)} claims: {summary}.**"
    return (
        f"**Verdicts of {len(card)} claims on {len(card) - shared} distinct comparisons: {summary}.** "
        f"{shared} claim(s) rest on the same runs as an earlier one (datasets that share the stand-in's "
        "runs at this scale): same_runs_as names it, and the comparison is counted once."
    )


def counts(card: pd.DataFrame) -> dict[str, int]:
    """How many distinct comparisons got each verdict (a claim judged on the same runs as an earlier one,
    in the same direction, is not counted again)."""
    card = distinct(card)
    return {v: int((card["verdict"] == v).sum()) for v in VERDICTS}
