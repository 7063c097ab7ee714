"""Aggregation over seeds, table writers (csv + md) and the summary page.

Every table says at which scale it was measured: a reduced-scale number never stands without that
label and the paper's value beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .io import atomic_write, write_text

__all__ = ["aggregate", "sort_methods", "write_table", "summary_page"]

_METHOD_ORDER = {"none": 0, "input": 1, "manifold": 2, "factor": 3}


def aggregate(rows: list[dict], by: list[str], values: list[str]) -> pd.DataFrame:
    """Mean and sample standard deviation (ddof=1; empty for one seed) of ``values`` per group.

    Rows that carry a ``run_id`` also give each group a ``runs`` fingerprint of its runs: at reduced scale
    several datasets share the stand-in's runs, and the scorecard must not count one comparison twice.
    """
    df = pd.DataFrame(rows)
    grouped = df.groupby(by, sort=False)
    out = grouped.size().rename("n_seeds").to_frame()
    for v in values:
        out[f"{v}_mean"] = grouped[v].mean()
        out[f"{v}_std"] = grouped[v].std(ddof=1)
    if "run_id" in df.columns:
        out["runs"] = grouped["run_id"].agg(runs_fingerprint)
    return out.reset_index()


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
    # scale and regime are notes under the title; runs (a fingerprint for the scorecard) is CSV-only
    shown = df.drop(columns=["scale", "regime", "runs"], errors="ignore")
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
