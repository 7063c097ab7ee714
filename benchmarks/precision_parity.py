"""Accuracy parity of two finished runs of the same config in two precisions (e.g. bf16 and fp32).

Usage: python benchmarks/precision_parity.py RUN_A RUN_B

RUN_A and RUN_B are workflow directories (each with results/tables/). For the cells both runs share
(Table 8 accuracy, Table 1 best test error (each set of runs once), the per-class flattening sums, the 2-D
tightness), it prints the two means, their difference and its standard error over seeds,
sqrt(std_a^2 / n_a + std_b^2 / n_b), and whether the difference is within two standard errors: the
precision changes nothing beyond seed noise where it is. Not a timed test: docs/benchmarks.md records
what it printed.
"""

from __future__ import annotations

import math
import sys

import pandas as pd

CELLS = [
    ("table8", ["task", "method"], "test_acc"),
    ("table1", ["dataset", "arch", "method"], "test_error_best"),
    ("svd_flattening", ["setting", "method"], "rest_sv_sum"),
    ("bottleneck2d", ["classes", "method"], "tightness"),
]


def parity(run_a: str, run_b: str) -> pd.DataFrame:
    rows = []
    for table, keys, col in CELLS:
        a = pd.read_csv(f"{run_a}/results/tables/{table}.csv")
        b = pd.read_csv(f"{run_b}/results/tables/{table}.csv")
        if "runs" in a and "runs" in b:  # rows of datasets that share the stand-in's runs: compare them once
            a, b = a.drop_duplicates("runs"), b.drop_duplicates("runs")
        for r in a.merge(b, on=keys, suffixes=("_a", "_b")).to_dict("records"):
            diff = r[f"{col}_mean_a"] - r[f"{col}_mean_b"]
            se = math.sqrt(r[f"{col}_std_a"] ** 2 / r["n_seeds_a"] + r[f"{col}_std_b"] ** 2 / r["n_seeds_b"])
            rows.append({
                "table": table, "cell": "/".join(str(r[k]) for k in keys), "value": col,
                "a": round(r[f"{col}_mean_a"], 3), "b": round(r[f"{col}_mean_b"], 3),
                "difference": round(diff, 3), "se": round(se, 3), "within 2 se": abs(diff) <= 2 * se,
            })
    return pd.DataFrame(rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    df = parity(sys.argv[1], sys.argv[2])
    print(df.to_string(index=False))
    print(f"within 2 se: {int(df['within 2 se'].sum())} of {len(df)}")
