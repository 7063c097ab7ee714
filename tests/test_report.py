"""Aggregation and the Table 8 contract."""

import numpy as np
import pandas as pd

from mmcore.report import TABLE8_COLUMNS, aggregate, synthetic_scale, table8, write_table


def _metrics(task, method, alpha, seed, acc, nll):
    return {
        "run": {"task": task, "method": method, "alpha": alpha, "seed": seed},
        "metrics": {"test_acc": acc, "test_nll": nll},
    }


def test_aggregate_against_numpy():
    rows = [{"g": "a", "v": v} for v in (1.0, 2.0, 4.0)] + [{"g": "b", "v": 3.0}]
    out = aggregate(rows, ["g"], ["v"]).set_index("g")
    assert out.loc["a", "n_seeds"] == 3
    assert np.isclose(out.loc["a", "v_mean"], np.mean([1, 2, 4]))
    assert np.isclose(out.loc["a", "v_std"], np.std([1, 2, 4], ddof=1))
    assert np.isnan(out.loc["b", "v_std"])  # one seed: no spread to report


def test_table8_contract_and_paper_values(tmp_path):
    metrics = [
        _metrics("C", m, a, s, acc, nll)
        for m, a, acc, nll in [("none", 0.0, 60.0, 2.0), ("input", 1.0, 65.0, 1.0), ("factor", 1.0, 90.0, 0.3)]
        for s in (0, 1)
    ]
    t = table8(metrics, "reduced: test")
    assert list(t.columns) == TABLE8_COLUMNS
    assert list(t["method"]) == ["none", "input", "factor"]
    row = t.set_index("method").loc["factor"]
    assert row["n_seeds"] == 2 and row["test_acc_mean"] == 90.0
    assert row["paper_test_acc"] == 99.06 and row["paper_test_nll"] == 0.1279
    write_table(t, tmp_path / "t.csv", tmp_path / "t.md", "Table 8", ["Scale: reduced: test"])
    back = pd.read_csv(tmp_path / "t.csv")
    assert list(back.columns) == TABLE8_COLUMNS
    assert "Scale: reduced: test" in (tmp_path / "t.md").read_text()


def test_scale_label():
    paper = {"iterations": 1000, "batch_size": 128, "lr": 1e-4}
    assert synthetic_scale(paper) == "paper"
    label = synthetic_scale(dict(paper, iterations=100))
    assert label.startswith("reduced") and "iterations 100 (paper 1000)" in label


def test_svd_and_bottleneck2d_tables():
    from mmcore.report import BOTTLENECK2D_COLUMNS, SVD_COLUMNS, bottleneck2d_table, svd_table

    def m(setting, classes, method, seed, **metrics):
        return {"run": {"setting": setting, "classes": classes, "method": method, "seed": seed}, "metrics": metrics}

    svd = svd_table(
        [
            m("bottleneck12_after3", "0-9", meth, s, first_sv=10.0 + s, rest_sv_sum=r, overall_rest_sv_sum=50.0, rest_over_first=0.1, test_acc=90.0)
            for meth, r in (("manifold", 2.0), ("none", 8.0))
            for s in (0, 1)
        ],
        "reduced: test",
    )
    assert list(svd.columns) == SVD_COLUMNS and list(svd["method"]) == ["none", "manifold"]
    row = svd.set_index("method").loc["manifold"]
    assert row["first_sv_mean"] == 10.5 and row["rest_sv_sum_mean"] == 2.0 and row["paper_rest_sv_sum"] == 40.98
    b2d = bottleneck2d_table([m("bottleneck2d", "0-4", "none", 0, tightness=0.3, test_acc=80.0)], "reduced: test")
    assert list(b2d.columns) == BOTTLENECK2D_COLUMNS and b2d.loc[0, "tightness_mean"] == 0.3


def test_representations_scale_label():
    from mmcore.report import representations_scale

    paper = {"dataset": "mnist", "train_size": None, "epochs": 30}
    assert representations_scale(paper) == "paper"
    label = representations_scale({"dataset": "fashion_mnist", "train_size": 10000, "epochs": 2})
    assert "fashion_mnist stands in for mnist" in label and "10000 training images" in label
