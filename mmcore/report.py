"""Aggregation over seeds, table writers (csv + md) and the summary page.

Every table says at which scale it was measured: a reduced-scale number never stands without that
label and the paper's value beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .io import atomic_write, write_text

__all__ = ["aggregate", "per_seed_text", "parse_per_seed", "is_per_seed", "sort_methods", "write_table", "summary_page"]

_METHOD_ORDER = {"none": 0, "input": 1, "manifold": 2, "factor": 3}


def aggregate(rows: list[dict], by: list[str], values: list[str]) -> pd.DataFrame:
    """Mean and sample standard deviation (ddof=1; empty for one seed) of ``values`` per group.

    Rows that carry a ``run_id`` also give each group a ``runs`` fingerprint of its runs: at reduced scale
    several datasets share the stand-in's runs, and the scorecard must not count one comparison twice.

    Rows that carry a ``seed`` also give each value a ``<value>_seeds`` column: the group's per-seed values
    as ``seed:value`` pairs (:func:`per_seed_text`), which the scorecard pairs across rows (runs of one seed
    share their initial weights, training subset and batch order). A group with a row of unknown seed
    (``None``) gets an empty one.
    """
    df = pd.DataFrame(rows)
    grouped = df.groupby(by, sort=False)
    out = grouped.size().rename("n_seeds").to_frame()
    for v in values:
        out[f"{v}_mean"] = grouped[v].mean()
        out[f"{v}_std"] = grouped[v].std(ddof=1)
    if "run_id" in df.columns:
        out["runs"] = grouped["run_id"].agg(runs_fingerprint)
    if "seed" in df.columns:
        for v in values:
            out[f"{v}_seeds"] = grouped[v].agg(lambda s: per_seed_text(df.loc[s.index, "seed"], s))
    return out.reset_index()


def per_seed_text(seeds, values) -> str:
    """``seed:value`` pairs in seed order, ``;``-separated, each value at full precision (``repr``), a
    missing (NaN) value left out, as the mean leaves it out: ``"0:12.3;1:11.9;2:13.0"``. Empty where a
    seed is unknown."""
    seeds, values = list(seeds), list(values)
    if any(s is None or (isinstance(s, float) and np.isnan(s)) for s in seeds):
        return ""
    pairs = sorted((int(s), float(v)) for s, v in zip(seeds, values) if not np.isnan(float(v)))
    return ";".join(f"{s}:{v!r}" for s, v in pairs)


def is_per_seed(column) -> bool:
    """Whether a table column holds per-seed values (``<value>_seeds``; ``n_seeds`` is a count)."""
    return str(column).endswith("_seeds") and column != "n_seeds"


def parse_per_seed(text) -> list[tuple[int, float]] | None:
    """The (seed, value) pairs of a ``<value>_seeds`` cell (:func:`per_seed_text`); None for an empty or
    missing cell, or one that does not parse."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return [(int(s), float(v)) for s, v in (pair.split(":") for pair in text.split(";"))]
    except ValueError:
        return None


def runs_fingerprint(run_ids) -> str:
    """A short name of a set of runs: equal for the same runs, whatever their order or repetitions."""
    import hashlib

    # a letter first: an all-digit (or "1e5"-like) hex string would come back from the CSV as a number
    return "r" + hashlib.sha256(",".join(sorted(set(run_ids))).encode()).hexdigest()[:12]


def sort_methods(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sort by ``by``, methods in the paper's order (none, input, manifold, factor)."""
    return table.sort_values(
        by, key=lambda c: c.map(_METHOD_ORDER) if c.name == "method" else c
    ).reset_index(drop=True)


def _markdown(df: pd.DataFrame, floatfmt: str = ".3f") -> str:
    """A GitHub-flavoured Markdown table (no optional dependency on ``tabulate``)."""

    def cell(v):
        if isinstance(v, float):
            return "" if np.isnan(v) else format(v, floatfmt)
        return str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def write_table(
    df: pd.DataFrame, csv_path: str, md_path: str, title: str, notes: list[str]
) -> None:
    """Write ``df`` as CSV and as Markdown with a title and notes (the scale label among them)."""
    atomic_write(csv_path, lambda tmp: df.to_csv(tmp, index=False, float_format="%.6g"))
    # scale and regime are notes under the title; runs (a fingerprint for the scorecard) and the per-seed
    # values (*_seeds, which the scorecard pairs) are CSV-only
    hidden = ["scale", "regime", "runs"] + [c for c in df.columns if is_per_seed(c)]
    shown = df.drop(columns=hidden, errors="ignore")
    body = [f"# {title}", ""] + [f"> {n}" for n in notes] + ["", _markdown(shown), ""]
    write_text(md_path, "\n".join(body))


def summary_page(path: str, title: str, tables: list[str], figures: list[str]) -> None:
    """Concatenate the Markdown tables (each keeps its scale note) and link the figures."""
    import os

    parts = [f"# {title}", ""]
    for t in tables:
        with open(t) as fh:
            parts += ["#" + fh.read().strip(), ""]
    parts += ["## Figures", ""]
    base = os.path.dirname(os.path.abspath(path))
    for f in figures:
        rel = os.path.relpath(os.path.abspath(f), base)
        parts.append(f"![{os.path.basename(f)}]({rel})")
    write_text(path, "\n".join(parts) + "\n")
