"""The reproduction scorecard: each claim of the paper, what this run measured, and a verdict from noise.

A claim (declared with its table in :mod:`mmcore.artefacts`) compares two rows of that table (or one row
against a threshold) on the claim's ``column`` (a ``*_mean`` column; the table's ``*_std``, ``n_seeds``
and per-seed ``*_seeds`` columns beside it carry the spread).

**Design.** Runs of one seed share their initial weights, training subset and batch order
(:mod:`mmcore.seeding`), so two rows whose runs have the same seeds are paired by design. Where both rows
carry per-seed values on at least 2 common seeds the claim is judged *paired*: on the per-seed differences
``d_s = a_s - b_s`` of the common seeds, their mean and standard error ``sd(d) / sqrt(k)`` (ddof 1, k
common seeds); the ``design`` column says ``paired (k seeds)``, or ``paired (k common seeds of n_a vs
n_b)`` where the rows' seeds only partly overlap (the difference is then the mean over the common seeds).
Otherwise (different seeds, a row without per-seed values, a threshold claim) it is judged *unpaired*, on
the rows' means, sample stds and n: the Welch standard error ``sqrt(sd_a^2 / n_a + sd_b^2 / n_b)`` (a
threshold: ``sd_a / sqrt(n_a)``), and ``design`` says ``unpaired (why)``.

**Directional claims** (``kind="directional"``: a is lower / higher than b, or than a threshold).
``difference`` is signed so that positive is the paper's direction; the verdict is

* ``holds`` when it is larger than twice its standard error,
* ``reversed`` when it is that large the other way,
* ``inconclusive`` otherwise, and with fewer than 2 seeds (no spread to judge by).

**Unchanged claims** (``kind="unchanged"``: the paper says a quantity does not change, to within the
claim's ``margin``, declared with it). ``difference`` is the relative change ``(a - b) / b`` (a fraction:
0.25 is +25 %), paired the mean of the per-seed ``a_s / b_s - 1``, unpaired ``mean_a / mean_b - 1`` with
the first-order (delta-method) standard error ``(mean_a / mean_b) * sqrt(se_a^2 / mean_a^2 + se_b^2 /
mean_b^2)``. With the interval ``difference +- 2 se`` the verdict is

* ``unchanged`` when the whole interval lies within ``+-margin``,
* ``changed`` when the whole interval lies outside it (beyond ``+margin``, or beyond ``-margin``),
* ``inconclusive`` otherwise, and with fewer than 2 seeds.

``detectable`` is ``2 se``: the smallest difference (for unchanged claims, relative change) this run could
tell from noise. The raw verdict stands in each row; :func:`counts` and :func:`headline` sort them into
three buckets: ``holds`` (the paper's finding: a difference in its direction, or no change where it says
unchanged), ``reversed`` (the opposite: a difference the other way, or a change where it says unchanged)
and ``inconclusive``.

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
import statistics
from pathlib import Path

import numpy as np
import pandas as pd

from .artefacts import ARTEFACTS, Claim
from .report import parse_per_seed

__all__ = [
    "VERDICTS", "UNCHANGED_VERDICTS", "BUCKETS", "claims", "verdict", "unchanged_verdict", "paired", "scorecard",
    "counts", "distinct", "headline", "SCORECARD_COLUMNS",
]

SCORECARD_COLUMNS = [
    "section", "claim", "verdict", "n", "design", "measured", "difference", "se", "detectable", "paper", "scale",
    "regime", "same_runs_as",
]
VERDICTS = ("holds", "reversed", "inconclusive")  # directional claims
UNCHANGED_VERDICTS = ("unchanged", "changed", "inconclusive")  # unchanged claims
#: The headline's three buckets: the paper's finding, its opposite, neither.
BUCKETS = {"holds": "holds", "unchanged": "holds", "reversed": "reversed", "changed": "reversed",
           "inconclusive": "inconclusive"}


def verdict(difference: float, se: float, n: tuple[int, ...]) -> str:
    """A directional claim's verdict; ``difference`` is signed so that positive is the paper's direction."""
    if min(n) < 2 or not math.isfinite(se) or not math.isfinite(difference):
        return "inconclusive"
    if difference > 2 * se:
        return "holds"
    if difference < -2 * se:
        return "reversed"
    return "inconclusive"


def unchanged_verdict(change: float, se: float, n: tuple[int, ...], margin: float) -> str:
    """An unchanged claim's verdict from the relative change, its standard error and the claim's margin:
    the interval ``change +- 2 se`` wholly within ``+-margin`` (unchanged), wholly outside it (changed)."""
    if min(n) < 2 or not math.isfinite(se) or not math.isfinite(change):
        return "inconclusive"
    low, high = change - 2 * se, change + 2 * se
    if -margin <= low and high <= margin:
        return "unchanged"
    if low > margin or high < -margin:
        return "changed"
    return "inconclusive"


def _stats(row: pd.Series, column: str) -> tuple[float, float, int]:
    """(mean, sample std, n) of a table row's ``column`` (a ``*_mean`` column beside ``*_std``)."""
    mean = float(row[column])
    std_col = column[: -len("_mean")] + "_std" if column.endswith("_mean") else None
    n = int(row["n_seeds"]) if "n_seeds" in row.index and not pd.isna(row["n_seeds"]) else 1
    std = float(row[std_col]) if std_col and std_col in row.index and not pd.isna(row[std_col]) else math.nan
    return mean, std, n


def _per_seed(row: pd.Series, column: str) -> dict[int, float] | None:
    """{seed: value} of a table row's ``column`` from its ``*_seeds`` column (finite values only); None
    where the table has none, or a seed appears twice (nothing to pair on)."""
    pairs = parse_per_seed(row.get(column.removesuffix("_mean") + "_seeds"))
    if pairs is None or len({seed for seed, _ in pairs}) != len(pairs):
        return None
    return {seed: value for seed, value in pairs if math.isfinite(value)}


def paired(a: dict[int, float] | None, b: dict[int, float] | None) -> tuple[list[int], str]:
    """The seeds two rows are paired on (at least 2 in common) and the ``design`` that says so; no seeds
    and ``unpaired (why)`` otherwise."""
    if a is None or b is None:
        return [], "unpaired (no per-seed values)"
    common = sorted(set(a) & set(b))
    if len(common) < 2:
        return [], "unpaired (fewer than 2 common seeds)"
    if set(a) == set(b):
        return common, f"paired ({len(common)} seeds)"
    return common, f"paired ({len(common)} common seeds of {len(a)} vs {len(b)})"


def _mean_se(values: list[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (ddof 1) of per-seed values."""
    return statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


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


def _judge(claim: Claim, a: pd.Series, b: pd.Series | None) -> dict:
    """The verdict of one claim on its rows, with the columns that show how it was reached."""
    mean_a, sd_a, n_a = _stats(a, claim.column)
    if claim.threshold is not None:
        sign = -1.0 if claim.better == "lower" else 1.0  # positive: the paper's direction
        difference, se = sign * (mean_a - claim.threshold), sd_a / math.sqrt(n_a)
        return {"verdict": verdict(difference, se, (n_a,)), "n": str(n_a), "design": "unpaired (threshold)",
                "measured": f"{_fmt(mean_a)} (threshold {claim.threshold:g})", "difference": difference, "se": se,
                "paper": claim.paper_text or _fmt(a.get(claim.paper_column))}
    mean_b, sd_b, n_b = _stats(b, claim.column)
    per_a, per_b = _per_seed(a, claim.column), _per_seed(b, claim.column)
    seeds, design = paired(per_a, per_b)
    n = (len(seeds),) if seeds else (n_a, n_b)
    measured = f"{_fmt(mean_a)} vs {_fmt(mean_b)}"
    if claim.kind == "unchanged":
        if seeds:
            change, se = _mean_se([per_a[s] / per_b[s] - 1.0 for s in seeds])
        else:
            ratio = mean_a / mean_b if mean_b else math.nan
            change = ratio - 1.0
            se = abs(ratio) * math.sqrt(sd_a**2 / (n_a * mean_a**2) + sd_b**2 / (n_b * mean_b**2)) \
                if mean_a and mean_b else math.nan
        result = unchanged_verdict(change, se, n, claim.margin)
        interval = (f"2-se interval {100 * (change - 2 * se):+.1f} % to {100 * (change + 2 * se):+.1f} %"
                    if math.isfinite(se) else "no 2-se interval")
        measured += f" ({100 * change:+.1f} %, {interval}; margin +-{100 * claim.margin:g} %)"
        difference = change
    else:
        sign = -1.0 if claim.better == "lower" else 1.0
        if seeds:
            mean_d, se = _mean_se([per_a[s] - per_b[s] for s in seeds])
            difference = sign * mean_d
        else:
            difference, se = sign * (mean_a - mean_b), math.sqrt(sd_a**2 / n_a + sd_b**2 / n_b)
        result = verdict(difference, se, n)
    paper = claim.paper_text or f"{_fmt(a.get(claim.paper_column))} vs {_fmt(b.get(claim.paper_column))}"
    return {"verdict": result, "n": f"{n_a} vs {n_b}", "design": design, "measured": measured,
            "difference": difference, "se": se, "paper": paper}


def scorecard(tables: dict[str, str | Path]) -> pd.DataFrame:
    """Judge every claim whose table is in ``tables`` (name -> CSV path); claims of other tables, or whose
    rows this run did not make, are left out."""
    frames = {name: pd.read_csv(path, keep_default_na=True) for name, path in tables.items()}
    rows = []
    judged: dict[tuple, str] = {}  # comparison (kind, column, direction, runs of a, runs of b) -> first claim
    for table, claim in claims():
        df = frames.get(table)
        if df is None:
            continue
        a = _row(df, claim.a)
        b = _row(df, claim.b) if claim.b is not None else None
        if a is None or (claim.b is not None and b is None):
            continue
        judged_row = _judge(claim, a, b)
        name = f"{claim.section}: {claim.text}"
        comparison = _comparison(claim, a, b)
        first = judged.setdefault(comparison, name) if comparison else name
        rows.append({
            "section": claim.section,
            "claim": claim.text,
            **judged_row,
            "detectable": 2 * judged_row["se"],
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
    return (claim.kind, claim.column, claim.better, claim.threshold, claim.margin, runs_a, runs_b)


def distinct(card: pd.DataFrame) -> pd.DataFrame:
    """The claims judged on a comparison of their own (the first claim on each shared one)."""
    return card[card["same_runs_as"].fillna("") == ""]


def headline(card: pd.DataFrame) -> str:
    """The scorecard's first line: the verdict counts, over distinct comparisons where claims share runs;
    holds and reversed say how many of them are unchanged claims (unchanged / changed)."""
    tally = counts(card)
    raw = distinct(card)["verdict"].value_counts()
    within = {"holds": ("unchanged", "unchanged as the paper says"),
              "reversed": ("changed", "changed where the paper says unchanged")}
    parts = []
    for bucket, number in tally.items():
        part = f"{bucket} {number}"
        if bucket in within and raw.get(within[bucket][0], 0):
            part += f" ({int(raw[within[bucket][0]])} of them {within[bucket][1]})"
        parts.append(part)
    summary = ", ".join(parts)
    shared = len(card) - len(distinct(card))
    if not shared:
        return f"**Verdicts of {len(card)} claims: {summary}.**"
    return (
        f"**Verdicts of {len(card)} claims on {len(card) - shared} distinct comparisons: {summary}.** "
        f"{shared} claim(s) rest on the same runs as an earlier one (datasets that share the stand-in's "
        "runs at this scale): same_runs_as names it, and the comparison is counted once."
    )


def counts(card: pd.DataFrame) -> dict[str, int]:
    """How many distinct comparisons fall in each bucket (a claim judged on the same runs as an earlier
    one, in the same direction, is not counted again): ``holds`` (a directional claim that holds, an
    unchanged claim found unchanged), ``reversed`` (reversed, or changed) and ``inconclusive``."""
    buckets = distinct(card)["verdict"].map(BUCKETS)
    return {v: int((buckets == v).sum()) for v in VERDICTS}
