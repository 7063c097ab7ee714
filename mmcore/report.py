"""Aggregation over seeds, the paper's numbers beside ours, and table writers (csv + md).

Every table says at which scale it was measured: a reduced-scale number never stands without that
label and the paper's value beside it.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from .io import atomic_write, write_text

__all__ = [
    "paper_reference",
    "synthetic_scale",
    "aggregate",
    "table8",
    "write_table",
    "summary_page",
    "representations_scale",
    "svd_table",
    "bottleneck2d_table",
    "TABLE8_COLUMNS",
    "SVD_COLUMNS",
    "BOTTLENECK2D_COLUMNS",
    "SUPERVISED_COLUMNS",
    "TABLE3_COLUMNS",
    "supervised_scale",
    "supervised_table",
]

TABLE8_COLUMNS = [
    "task",
    "method",
    "alpha",
    "n_seeds",
    "test_acc_mean",
    "test_acc_std",
    "test_nll_mean",
    "test_nll_std",
    "paper_test_acc",
    "paper_test_nll",
    "scale",
]


@lru_cache(maxsize=1)
def paper_reference() -> dict:
    """The paper's reported numbers (``mmcore/paper_reference.yaml``)."""
    text = resources.files("mmcore").joinpath("paper_reference.yaml").read_text()
    return yaml.safe_load(text)


def synthetic_scale(syn: dict) -> str:
    """'paper' when the synthetic block matches the paper's settings, else what was reduced."""
    paper = paper_reference()["settings"]["synthetic"]
    diffs = [
        f"{key} {syn[key]:g} (paper {paper[key]:g})"
        for key in ("iterations", "batch_size", "lr")
        if float(syn[key]) != float(paper[key])
    ]
    return "paper" if not diffs else "reduced: " + ", ".join(diffs)


def aggregate(rows: list[dict], by: list[str], values: list[str]) -> pd.DataFrame:
    """Mean and sample standard deviation (ddof=1; empty for one seed) of ``values`` per group."""
    df = pd.DataFrame(rows)
    grouped = df.groupby(by, sort=False)
    out = grouped.size().rename("n_seeds").to_frame()
    for v in values:
        out[f"{v}_mean"] = grouped[v].mean()
        out[f"{v}_std"] = grouped[v].std(ddof=1)
    return out.reset_index()


_METHOD_ORDER = {"none": 0, "input": 1, "manifold": 2, "factor": 3}

SVD_COLUMNS = [
    "setting",
    "method",
    "n_seeds",
    "first_sv_mean",
    "first_sv_std",
    "rest_sv_sum_mean",
    "rest_sv_sum_std",
    "overall_rest_sv_sum_mean",
    "overall_rest_sv_sum_std",
    "rest_over_first_mean",
    "test_acc_mean",
    "paper_first_sv",
    "paper_rest_sv_sum",
    "scale",
]
BOTTLENECK2D_COLUMNS = [
    "classes",
    "method",
    "n_seeds",
    "tightness_mean",
    "tightness_std",
    "test_acc_mean",
    "test_acc_std",
    "scale",
]


def representations_scale(rep: dict) -> str:
    """'paper' for MNIST with the authors' training length, else what differs."""
    diffs = []
    if rep["dataset"] != "mnist":
        diffs.append(f"{rep['dataset']} stands in for mnist")
    if rep["train_size"]:
        diffs.append(f"{rep['train_size']} training images (paper 60000)")
    if int(rep["epochs"]) < 30:
        diffs.append(f"{rep['epochs']} epochs (authors' script 30)")
    return "paper" if not diffs else "reduced: " + ", ".join(diffs)


def _sort(table: pd.DataFrame, first: str) -> pd.DataFrame:
    return table.sort_values(
        [first, "method"], key=lambda c: c.map(_METHOD_ORDER) if c.name == "method" else c
    ).reset_index(drop=True)


_SVD_VALUES = ("first_sv", "rest_sv_sum", "overall_rest_sv_sum", "rest_over_first", "test_acc")


def svd_table(metrics: list[dict], scale: str) -> pd.DataFrame:
    """The flattening table of appendix G from the extraction metrics of every SVD run."""
    rows = [
        {
            "setting": m["run"]["setting"],
            "method": m["run"]["method"],
            **{k: m["metrics"][k] for k in _SVD_VALUES},
        }
        for m in metrics
    ]
    table = aggregate(rows, ["setting", "method"], list(_SVD_VALUES))
    ref = paper_reference()["svd_section3_2"]
    table["paper_first_sv"] = table["method"].map(lambda m: ref.get(m, {}).get("first_sv", np.nan))
    table["paper_rest_sv_sum"] = table["method"].map(lambda m: ref.get(m, {}).get("rest_sv_sum", np.nan))
    table["scale"] = scale
    return _sort(table, "setting")[SVD_COLUMNS]


def bottleneck2d_table(metrics: list[dict], scale: str) -> pd.DataFrame:
    """Figure 5's figure of merit: within-class spread over between-class distance (lower: tighter)."""
    rows = [
        {
            "classes": m["run"]["classes"],
            "method": m["run"]["method"],
            "tightness": m["metrics"]["tightness"],
            "test_acc": m["metrics"]["test_acc"],
        }
        for m in metrics
    ]
    table = aggregate(rows, ["classes", "method"], ["tightness", "test_acc"])
    table["scale"] = scale
    return _sort(table, "classes")[BOTTLENECK2D_COLUMNS]


def table8(metrics: list[dict], scale: str) -> pd.DataFrame:
    """Table 8 from the metrics.json contents of every synthetic run."""
    rows = [
        {
            "task": m["run"]["task"],
            "method": m["run"]["method"],
            "alpha": float(m["run"]["alpha"]),
            "test_acc": m["metrics"]["test_acc"],
            "test_nll": m["metrics"]["test_nll"],
        }
        for m in metrics
    ]
    table = aggregate(rows, ["task", "method", "alpha"], ["test_acc", "test_nll"])
    ref = paper_reference()["table8"]

    def paper(row, key):
        return ref.get(row["task"], {}).get(row["method"], {}).get(key, np.nan)

    table["paper_test_acc"] = table.apply(lambda r: paper(r, "test_acc"), axis=1)
    table["paper_test_nll"] = table.apply(lambda r: paper(r, "test_nll"), axis=1)
    table["scale"] = scale
    table = table.sort_values(
        ["task", "method", "alpha"], key=lambda c: c.map(_METHOD_ORDER) if c.name == "method" else c
    )
    return table[TABLE8_COLUMNS].reset_index(drop=True)


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
    shown = df.drop(columns=["scale"], errors="ignore")
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


# ---- Section 5.1 / appendix C: the supervised tables ------------------------------------------------

SUPERVISED_COLUMNS = [
    "dataset",
    "arch",
    "method",
    "alpha",
    "layers",
    "n_seeds",
    "test_error_best_mean",
    "test_error_best_std",
    "test_error_final_mean",
    "test_error_final_std",
    "test_nll_mean",
    "test_nll_std",
    "paper_value",
    "paper_nll",
    "scale",
]
TABLE3_COLUMNS = [
    "dataset",
    "arch",
    "method",
    "alpha",
    "layers",
    "n_seeds",
    "top1_acc_best_mean",
    "top1_acc_best_std",
    "top1_acc_final_mean",
    "top1_acc_final_std",
    "top5_acc_best_mean",
    "top5_acc_best_std",
    "test_nll_mean",
    "test_nll_std",
    "paper_value",
    "paper_top5",
    "scale",
]

#: Which named schedules each table's runs use (for the scale label).
_TABLE_SCHEDULES = {
    "table1": ("preact", "wrn"),
    "table2": ("preact", "wrn"),
    "table3": ("long",),
    "table5": ("long",),
    "table6": ("long",),
    "alpha_grid": ("preact", "long"),
    "figure6": ("long",),
    "figure7": ("long",),
    "table9": ("preact",),
    "table7": ("preact", "wrn"),
    "pgd_sanity": ("preact",),
}


def supervised_scale(sup: dict, table: str, block: dict | None = None) -> str:
    """'paper' when a supervised table runs at the paper's settings, else every reduction it makes.

    ``block`` is the config block of tables outside ``supervised`` (the robustness evaluations).
    """
    paper = paper_reference()["settings"]["supervised"]
    diffs = []
    stand = sup["stand_in"]
    if stand:
        diffs.append(f"{stand['dataset']} stands in for every dataset (rows of different datasets share runs)")
        diffs.append(f"network widths x{stand['width_scale']:g}")
        if stand["train_per_class"]:
            diffs.append(f"{stand['train_per_class']} training images per class")
        if stand["test_size"]:
            diffs.append(f"{stand['test_size']} test images")
    for name in _TABLE_SCHEDULES.get(table, ()):
        ours, theirs = sup["schedules"].get(name), paper["schedules"][name]
        if ours is not None and (ours["epochs"], list(ours["milestones"])) != (
            theirs["epochs"],
            list(theirs["milestones"]),
        ):
            diffs.append(
                f"{name} schedule {ours['epochs']} epochs, lr/10 at {list(ours['milestones'])} "
                f"(paper {theirs['epochs']} at {theirs['milestones']})"
            )
    block = block if block is not None else (sup.get(table) or sup["loss_curves"])
    seeds = block.get("seeds") if block.get("seeds") is not None else sup["seeds"]
    paper_seeds = paper["seeds"].get(table, 1)  # tables the paper reports as single runs
    if len(seeds) != paper_seeds:
        diffs.append(f"{len(seeds)} seed(s) (paper {paper_seeds})")
    return "paper" if not diffs else "reduced: " + "; ".join(diffs)


def _paper_supervised(table: str, cell: dict) -> tuple[float, float]:
    """The paper's (main value, second value) of a cell: error and NLL, or top-1 and top-5 (Table 3)."""
    ref = paper_reference()
    nan = (np.nan, np.nan)
    method, alpha = cell["method"], float(cell["alpha"])
    if table in ("table1", "table2"):
        entry = ref[table].get(cell["dataset"], {}).get(cell["arch"], {}).get(method)
        if entry is None or (method != "none" and float(entry["alpha"]) != alpha):
            return nan
        return entry["error"], entry["nll"]
    if table == "table3":
        entry = ref["table3"].get(method, {}).get(0.0 if method == "none" else alpha)
        return (entry["top1"], entry["top5"]) if entry else nan
    if table == "table5":
        acc = ref["table5"].get(cell["dataset"], {}).get(cell["layers"])
        return (100.0 - acc, np.nan) if acc is not None else nan
    if table == "table6":
        acc = ref["table6"].get(method, {}).get(alpha)
        return (100.0 - acc, np.nan) if acc is not None else nan
    return nan


def supervised_table(table: str, cells: list[dict], metrics: dict[str, dict], scale: str) -> pd.DataFrame:
    """One supervised table: a row per cell, mean and std over its seeds' best- and final-epoch values.

    ``cells`` come from :func:`mmcore.runsheet.table_cells`; ``metrics`` maps run id -> the run's
    metrics.json content. The NLL is the best epoch's.
    """
    rows = []
    for cell in cells:
        for rid in cell["run_ids"]:
            m = metrics[rid]["metrics"]
            row = {k: cell[k] for k in ("dataset", "arch", "method", "alpha", "layers")}
            row.update(
                test_error_best=m["test_error_best"],
                test_error_final=m["test_error_final"],
                test_nll=m["test_nll_best"],
                top1_acc_best=100.0 - m["test_error_best"],
                top1_acc_final=100.0 - m["test_error_final"],
                top5_acc_best=m.get("test_top5_best", np.nan),
            )
            rows.append(row)
    values = ["test_error_best", "test_error_final", "test_nll", "top1_acc_best", "top1_acc_final", "top5_acc_best"]
    out = aggregate(rows, ["dataset", "arch", "method", "alpha", "layers"], values)
    paper = [_paper_supervised(table, cell) for cell in out.to_dict("records")]
    out["paper_value"] = [p[0] for p in paper]
    out["paper_nll"] = [p[1] for p in paper]
    out["paper_top5"] = [p[1] for p in paper]
    out["scale"] = scale
    columns = TABLE3_COLUMNS if table == "table3" else SUPERVISED_COLUMNS
    return out[columns]
