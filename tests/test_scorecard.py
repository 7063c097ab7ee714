"""The scorecard against hand-made tables: verdicts from per-seed spread, thresholds, missing tables."""

import math

import pandas as pd
import pytest

from mmcore.scorecard import SCORECARD_COLUMNS, claims, counts, scorecard, verdict


def write(tmp_path, name, rows):
    path = tmp_path / f"{name}.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def t8(task, method, acc, acc_sd, nll, nll_sd, n=3):
    return {"task": task, "method": method, "n_seeds": n, "test_acc_mean": acc, "test_acc_std": acc_sd,
            "test_nll_mean": nll, "test_nll_std": nll_sd, "paper_test_acc": 1.0, "paper_test_nll": 1.0,
            "scale": "reduced: test"}


def test_verdicts_weigh_the_difference_against_its_standard_error(tmp_path):
    table8 = write(tmp_path, "table8", [
        t8("A", "factor", 50.0, 3.0, 1.0, 0.1), t8("A", "input", 10.0, 3.0, 2.0, 0.1),  # far apart: holds
        t8("C", "factor", 20.0, 6.0, 1.0, 0.1), t8("C", "input", 22.0, 6.0, 1.0, 0.1),  # within the noise
        t8("B", "input", 0.0, 0.0, 3.0, 0.1), t8("B", "none", 0.0, 0.0, 2.0, 0.1),  # NLL the wrong way
    ])
    card = scorecard({"table8": table8})
    assert list(card.columns) == SCORECARD_COLUMNS
    card = card.set_index("claim")
    a = card.loc["factor mixup beats input mixup on task A (accuracy)"]
    assert a["verdict"] == "holds" and a["difference"] == 40.0 and a["n"] == "3 vs 3"
    assert a["se"] == pytest.approx(math.sqrt(9 / 3 + 9 / 3))  # Welch: sqrt(sd_a^2/n_a + sd_b^2/n_b)
    c = card.loc["factor mixup beats input mixup on task C (accuracy)"]
    assert c["verdict"] == "inconclusive" and c["difference"] == -2.0  # 2 < 2 se = 9.8
    b = card.loc["input mixup lowers the NLL of no mixup on task B"]
    assert b["verdict"] == "reversed" and b["difference"] == pytest.approx(-1.0)  # lower is the paper's way
    assert len(card) == 3  # claims whose rows this run did not make are left out


def test_one_seed_is_always_inconclusive(tmp_path):
    table8 = write(tmp_path, "table8", [t8("A", "factor", 90.0, float("nan"), 1.0, float("nan"), n=1),
                                        t8("A", "input", 10.0, float("nan"), 2.0, float("nan"), n=1)])
    card = scorecard({"table8": table8})
    assert card["verdict"].tolist() == ["inconclusive"] and card.loc[0, "n"] == "1 vs 1"
    assert counts(card) == {"holds": 0, "reversed": 0, "inconclusive": 1}


def test_verdict_rule():
    assert verdict(3.0, 1.0, (3, 3)) == "holds" and verdict(-3.0, 1.0, (3, 3)) == "reversed"
    assert verdict(2.0, 1.0, (3, 3)) == "inconclusive"  # exactly 2 se is not more than 2 se
    assert verdict(0.5, 0.0, (2, 2)) == "holds"  # no spread at all: any difference is beyond the noise
    assert verdict(5.0, 0.1, (1, 3)) == "inconclusive"


def test_threshold_claims_use_the_standard_error_of_the_mean(tmp_path):
    pgd = write(tmp_path, "pgd_sanity", [{"method": "manifold", "n_seeds": 4, "acc_mean": 1.0, "acc_std": 0.4,
                                          "paper_acc": 0.0, "scale": "paper"}])
    row = scorecard({"pgd_sanity": pgd}).iloc[0]
    assert row["verdict"] == "holds" and row["difference"] == 1.0 and row["se"] == pytest.approx(0.2)
    assert "threshold 2" in row["measured"] and row["scale"] == "paper"


def test_fgsm_claims_use_the_largest_epsilon(tmp_path):
    rows = [{"dataset": "cifar10", "method": m, "epsilon": e, "n_seeds": 3, "acc_mean": acc, "acc_std": 1.0,
             "paper_acc": 1.0, "scale": "x"}
            for m, e, acc in [("manifold", 0.0, 90.0), ("manifold", 0.03, 20.0), ("none", 0.0, 95.0),
                              ("none", 0.03, 30.0), ("input", 0.0, 90.0), ("input", 0.03, 10.0)]]
    card = scorecard({"table7": write(tmp_path, "table7", rows)})
    assert card["measured"].tolist() == ["20 vs 30", "20 vs 10"]
    assert card["verdict"].tolist() == ["reversed", "holds"]


def test_figure6_claims_read_the_loss_table(tmp_path):
    rows = [
        {"curve": "{0} input mixup", "layers": "0", "detach": False, "n_seeds": 2, "final_train_loss_mean": 0.30,
         "final_train_loss_std": 0.01, "scale": "x"},
        {"curve": "{2}", "layers": "2", "detach": False, "n_seeds": 2, "final_train_loss_mean": 0.20,
         "final_train_loss_std": 0.01, "scale": "x"},
        {"curve": "{0,1,2}", "layers": "0,1,2", "detach": False, "n_seeds": 2, "final_train_loss_mean": 0.25,
         "final_train_loss_std": 0.01, "scale": "x"},
        {"curve": "{0,1,2} gradient blocked", "layers": "0,1,2", "detach": True, "n_seeds": 2,
         "final_train_loss_mean": 0.24, "final_train_loss_std": 0.01, "scale": "x"},
    ]
    card = scorecard({"figure6_loss": write(tmp_path, "figure6_loss", rows)})
    assert card["verdict"].tolist() == ["holds", "inconclusive"] and card["paper"].tolist() == ["holds (figure only)"] * 2


def test_the_registry_carries_at_least_25_claims_on_real_columns():
    from mmcore.artefacts import ARTEFACTS

    found = claims()
    assert len(found) >= 25
    for table, claim in found:
        art = ARTEFACTS[table]
        assert claim.column in art.columns, (table, claim.text)
        assert claim.column.removesuffix("_mean") + "_std" in art.columns, (table, claim.column)
        assert "n_seeds" in art.columns, table
        assert set(claim.a) | set(claim.b or {}) <= set(art.columns), (table, claim.text)


def _supervised_rows(dataset, runs):
    """Per-run rows as the supervised writer makes them: (method, layers, run id, test error)."""
    return [{"dataset": dataset, "arch": "preactresnet18", "method": method, "alpha": 2.0, "layers": layers,
             "run_id": rid, "test_error_best": err} for method, layers, rid, err in runs]


def _table(tmp_path, name, rows):
    from mmcore.report import aggregate

    out = aggregate(rows, ["dataset", "arch", "method", "alpha", "layers"], ["test_error_best"])
    out["scale"] = "reduced: test"
    return write(tmp_path, name, out.to_dict("records"))


# Manifold mixup's runs ({0,1,2}) 2 points above no mixup's on 3 seeds: a difference of -2, se 0.816.
MANIFOLD = [("manifold", "0,1,2", f"sup-m-s{s}", e) for s, e in enumerate([26.0, 25.0, 27.0])]
NONE = [("none", "", f"sup-n-s{s}", e) for s, e in enumerate([24.0, 23.0, 25.0])]


def test_two_claims_on_the_same_runs_are_one_comparison(tmp_path):
    """At reduced scale Table 2's SVHN and Table 5's CIFAR-10 rows are the stand-in's same runs."""
    tables = {"table2": _table(tmp_path, "table2", _supervised_rows("svhn", MANIFOLD + NONE)),
              "table5": _table(tmp_path, "table5", _supervised_rows("cifar10", NONE[::-1] + MANIFOLD))}
    card = scorecard(tables).set_index("claim")
    t2 = card.loc["manifold mixup has lower test error than no mixup (SVHN, PreActResNet18)"]
    t5 = card.loc["mixing at {0,1,2} beats no mixup (CIFAR-10)"]
    assert t2["verdict"] == t5["verdict"] == "reversed"  # -2 beyond 2 se = 1.63
    assert t2["difference"] == pytest.approx(-2.0) and t2["se"] == pytest.approx(math.sqrt(2 / 3))
    assert t2["same_runs_as"] == "" and t5["same_runs_as"].startswith("Section 5.1, Table 2: manifold mixup")
    assert counts(card.reset_index()) == {"holds": 0, "reversed": 1, "inconclusive": 0}


def test_claims_on_other_runs_count_apart_even_with_equal_numbers(tmp_path):
    other = [("none", "", f"sup-n-cifar-s{s}", e) for s, e in enumerate([24.0, 23.0, 25.0])]  # same values
    tables = {"table2": _table(tmp_path, "table2", _supervised_rows("svhn", MANIFOLD + NONE)),
              "table5": _table(tmp_path, "table5", _supervised_rows("cifar10", MANIFOLD + other))}
    card = scorecard(tables)
    assert card["same_runs_as"].tolist() == ["", ""]
    assert counts(card) == {"holds": 0, "reversed": 2, "inconclusive": 0}


def test_runs_fingerprint_names_a_set_and_survives_the_csv(tmp_path):
    import hashlib

    from mmcore.report import runs_fingerprint

    assert runs_fingerprint(["b", "a", "a"]) == runs_fingerprint(["a", "b"]) != runs_fingerprint(["a", "c"])
    # A one-row table whose runs hash to digits only: a bare hex would come back from the CSV as a number.
    digits = next(f"run-{i}" for i in range(100_000)
                  if hashlib.sha256(f"run-{i}".encode()).hexdigest()[:12].isdigit())
    path = write(tmp_path, "t", [{"runs": runs_fingerprint([digits]), "n_seeds": 3}])
    back = pd.read_csv(path)["runs"].tolist()
    assert back == [runs_fingerprint([digits])] and isinstance(back[0], str)
