"""The scorecard against hand-made tables: direction, thresholds, missing tables, the scale column."""

import pandas as pd

from mmcore.scorecard import SCORECARD_COLUMNS, scorecard


def write(tmp_path, name, rows):
    path = tmp_path / f"{name}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_claims_compare_in_the_paper_direction(tmp_path):
    table8 = write(tmp_path, "table8", [
        {"task": t, "method": m, "test_acc_mean": acc, "test_nll_mean": nll, "paper_test_acc": 1.0,
         "paper_test_nll": 1.0, "scale": "reduced: test"}
        for t, m, acc, nll in [("A", "factor", 50.0, 1.0), ("A", "input", 10.0, 2.0), ("B", "input", 0, 3.0),
                               ("B", "none", 0, 2.0), ("C", "factor", 10.0, 1.0), ("C", "input", 20.0, 1.0)]
    ])
    pgd = write(tmp_path, "pgd_sanity", [{"method": "manifold", "acc_mean": 1.5, "paper_acc": 0.0, "scale": "paper"}])
    card = scorecard({"table8": table8, "pgd_sanity": pgd})
    assert list(card.columns) == SCORECARD_COLUMNS
    holds = dict(zip(card["claim"], card["holds"]))
    assert holds["factor mixup beats input mixup on task A (accuracy)"] == "yes"
    assert holds["factor mixup beats input mixup on task C (accuracy)"] == "no"
    assert holds["input mixup lowers the NLL of no mixup on task B"] == "no"  # 3.0 is not below 2.0
    pgd_row = card[card["section"] == "Appendix D"].iloc[0]
    assert pgd_row["holds"] == "yes" and pgd_row["scale"] == "paper" and "threshold 2" in pgd_row["measured"]
    assert card.loc[0, "measured"] == "50 vs 10" and card.loc[0, "scale"] == "reduced: test"
    assert len(card) == 4  # claims of tables that were not given are left out


def test_fgsm_claim_uses_the_largest_epsilon(tmp_path):
    rows = [{"dataset": "cifar10", "method": m, "epsilon": e, "acc_mean": acc, "paper_acc": 1.0, "scale": "x"}
            for m, e, acc in [("manifold", 0.0, 90.0), ("manifold", 0.03, 20.0), ("none", 0.0, 95.0), ("none", 0.03, 30.0)]]
    card = scorecard({"table7": write(tmp_path, "table7", rows)})
    assert card.iloc[0]["measured"] == "20 vs 30" and card.iloc[0]["holds"] == "no"


def test_figure6_claims_read_the_loss_table(tmp_path):
    rows = [
        {"curve": "{0} input mixup", "layers": "0", "detach": False, "final_train_loss_mean": 0.30, "scale": "x"},
        {"curve": "{2}", "layers": "2", "detach": False, "final_train_loss_mean": 0.20, "scale": "x"},
        {"curve": "{0,1,2}", "layers": "0,1,2", "detach": False, "final_train_loss_mean": 0.25, "scale": "x"},
        {"curve": "{0,1,2} gradient blocked", "layers": "0,1,2", "detach": True, "final_train_loss_mean": 0.24, "scale": "x"},
    ]
    card = scorecard({"figure6_loss": write(tmp_path, "figure6_loss", rows)})
    assert card["holds"].tolist() == ["yes", "no"] and card["paper"].tolist() == ["holds (figure only)"] * 2
