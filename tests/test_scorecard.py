"""The scorecard against hand-made tables: verdicts from per-seed spread (paired where the seeds pair,
unpaired otherwise), thresholds, unchanged claims with their margin, missing tables."""

import math

import pandas as pd
import pytest

from mmcore.scorecard import SCORECARD_COLUMNS, claims, counts, headline, scorecard, verdict


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
        assert claim.column.removesuffix("_mean") + "_seeds" in art.columns, (table, claim.column)  # to pair on
    unchanged = [claim for _, claim in found if claim.kind == "unchanged"]
    assert len(unchanged) == 6 and all(c.margin == 0.10 and c.section == "Appendix G, Figure 12" for c in unchanged)
    assert {c.column for c in unchanged} == {"overall_rest_sv_sum_mean", "overall_first_sv_mean"}


def _supervised_rows(dataset, runs):
    """Per-run rows as the supervised writer makes them: (method, layers, run id, test error of the final
    network on the full test set, the claims' measure)."""
    return [{"dataset": dataset, "arch": "preactresnet18", "method": method, "alpha": 2.0, "layers": layers,
             "run_id": rid, "test_error_full": err} for method, layers, rid, err in runs]


def _table(tmp_path, name, rows):
    from mmcore.report import aggregate

    out = aggregate(rows, ["dataset", "arch", "method", "alpha", "layers"], ["test_error_full"])
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


# ---- paired designs and unchanged claims ----------------------------------------------------------------


def seeds_text(values: dict[int, float]) -> str:
    return ";".join(f"{s}:{v!r}" for s, v in values.items())


def t8_seeded(task, method, acc: dict[int, float]):
    """A Table 8 row with per-seed accuracies (the mean and std the writer would put beside them)."""
    values = list(acc.values())
    std = pd.Series(values).std(ddof=1) if len(values) > 1 else float("nan")
    return {**t8(task, method, sum(values) / len(values), std, 1.0, 0.1, n=len(values)),
            "test_acc_seeds": seeds_text(acc)}


FACTOR_A = {0: 50.0, 1: 60.0, 2: 71.0}  # a large spread across seeds ...
INPUT_A = {0: 48.0, 1: 58.0, 2: 68.0}  # ... that moves together: per-seed differences 2, 2, 3


def test_rows_on_the_same_seeds_are_judged_paired(tmp_path):
    """The per-seed differences are 2, 2, 3: mean 7/3, deviations -1/3, -1/3, 2/3, sample variance
    (1/9 + 1/9 + 4/9) / 2 = 1/3, so se = sqrt(1/3) / sqrt(3) = 1/3 and 7/3 > 2/3: holds. Unpaired, the
    seeds' spread (std 10.5 and 10) swamps it: Welch se sqrt(10.504^2 / 3 + 10^2 / 3) = 8.37."""
    card = scorecard({"table8": write(tmp_path, "table8", [t8_seeded("A", "factor", FACTOR_A),
                                                           t8_seeded("A", "input", INPUT_A)])})
    row = card.set_index("claim").loc["factor mixup beats input mixup on task A (accuracy)"]
    assert row["design"] == "paired (3 seeds)" and row["n"] == "3 vs 3"
    assert row["difference"] == pytest.approx(7 / 3) and row["se"] == pytest.approx(1 / 3)
    assert row["detectable"] == pytest.approx(2 / 3) and row["verdict"] == "holds"

    unpaired = [{k: v for k, v in r.items() if k != "test_acc_seeds"}
                for r in (t8_seeded("A", "factor", FACTOR_A), t8_seeded("A", "input", INPUT_A))]
    row = scorecard({"table8": write(tmp_path, "table8", unpaired)}).iloc[0]
    assert row["design"] == "unpaired (no per-seed values)" and row["verdict"] == "inconclusive"
    assert row["difference"] == pytest.approx(7 / 3)
    assert row["se"] == pytest.approx(math.sqrt((10.5039675 ** 2 + 10.0 ** 2) / 3)) and row["se"] > 8


def test_rows_on_other_seeds_are_judged_unpaired(tmp_path):
    other = {3: 48.0, 4: 58.0, 5: 68.0}  # the same values as INPUT_A, on seeds the factor row lacks
    row = scorecard({"table8": write(tmp_path, "table8", [t8_seeded("A", "factor", FACTOR_A),
                                                          t8_seeded("A", "input", other)])}).iloc[0]
    assert row["design"] == "unpaired (fewer than 2 common seeds)" and row["verdict"] == "inconclusive"
    assert row["se"] == pytest.approx(math.sqrt((10.5039675 ** 2 + 10.0 ** 2) / 3))
    assert row["detectable"] == pytest.approx(2 * row["se"])


def test_rows_sharing_some_seeds_are_paired_on_those(tmp_path):
    """Seeds 1 and 2 in common: differences 60 - 58.5 = 1.5 and 71 - 69 = 2, mean 1.75, sd sqrt(0.125),
    se sqrt(0.125) / sqrt(2) = 0.25; seed 0 (factor only) and seed 3 (input only) are left out."""
    input_ = {1: 58.5, 2: 69.0, 3: 0.0}
    row = scorecard({"table8": write(tmp_path, "table8", [t8_seeded("A", "factor", FACTOR_A),
                                                          t8_seeded("A", "input", input_)])}).iloc[0]
    assert row["design"] == "paired (2 common seeds of 3 vs 3)"
    assert row["difference"] == pytest.approx(1.75) and row["se"] == pytest.approx(0.25)
    assert row["verdict"] == "holds"  # 1.75 > 0.5


def test_a_threshold_claim_stays_unpaired_and_shows_what_it_could_detect(tmp_path):
    pgd = write(tmp_path, "pgd_sanity", [{"method": "manifold", "n_seeds": 4, "acc_mean": 1.0, "acc_std": 0.4,
                                          "acc_seeds": "0:0.5;1:1.5;2:1.0;3:1.0", "paper_acc": 0.0, "scale": "x"}])
    row = scorecard({"pgd_sanity": pgd}).iloc[0]
    assert row["design"] == "unpaired (threshold)" and row["se"] == pytest.approx(0.2)
    assert row["detectable"] == pytest.approx(0.4)


def svd_runs(tmp_path, per_seed: dict[str, dict[str, list[float]]]):
    """The svd_flattening table as the workflow writes it (writer, CSV), from hand-made runs of seeds
    0, 1, 2: {method: {metric: [value per seed]}}."""
    from mmcore.artefacts import ARTEFACTS
    from mmcore.records import write_record
    from mmcore.report import write_table
    from mmcore.tables.representations import svd_flattening

    setting = "bottleneck12_after3"
    cells, files = [], {}
    for method, metrics in per_seed.items():
        ids = [f"rep-{method}-s{s}" for s in (0, 1, 2)]
        cells.append({"setting": setting, "classes": "0-9", "method": method, "run_ids": ids, "seeds": [0, 1, 2]})
        for s, rid in enumerate(ids):
            path = tmp_path / rid / "metrics.json"
            path.parent.mkdir(parents=True)
            m = {"rest_over_first": 0.1, "test_acc": 90.0, **{k: v[s] for k, v in metrics.items()}}
            write_record(path, {"run": {"run_id": rid, "seed": s}, "metrics": m})
            files[rid] = str(path)
    art = ARTEFACTS["svd_flattening"]
    df = svd_flattening(art, cells, files, "reduced: test", {})[list(art.columns)]
    write_table(df, tmp_path / "svd_flattening.csv", tmp_path / "svd_flattening.md", "svd", [])
    card = scorecard({"svd_flattening": tmp_path / "svd_flattening.csv"})
    return df.set_index("method"), card


def _claim(card, words: str) -> pd.Series:
    (row,) = [r for _, r in card.iterrows() if words in r["claim"]]
    return row


def test_a_ratio_that_falls_because_its_denominator_rose_is_a_change(tmp_path):
    """The class-specific sum is the same with and without manifold mixup; the overall sum rises by 26, 25
    and 23.75 % on seeds 0-2 and the overall first singular value falls by 20, 19 and 21 %. The ratio
    rest_over_overall falls by a fifth, which the former claim read as 'holds'; judged on the overall
    quantities, both changed: mean relative change 0.2491667 with se sqrt(0.00025417 / 2) / sqrt(3) =
    0.0065085 (interval 0.236 to 0.262, beyond +10 %), and -0.2 with se 0.01 / sqrt(3) (beyond -10 %)."""
    df, card = svd_runs(tmp_path, {
        "none": {"first_sv": [5.0, 5.0, 5.0], "rest_sv_sum": [10.0, 11.0, 12.0],
                 "overall_first_sv": [50.0, 60.0, 40.0], "overall_rest_sv_sum": [100.0, 120.0, 80.0]},
        "manifold": {"first_sv": [5.0, 5.0, 5.0], "rest_sv_sum": [10.0, 11.0, 12.0],
                     "overall_first_sv": [40.0, 48.6, 31.6], "overall_rest_sv_sum": [126.0, 150.0, 99.0]},
    })
    ratio = df["rest_over_overall_mean"]
    assert ratio["manifold"] < 0.81 * ratio["none"]  # the ratio falls ...
    assert df.loc["manifold", "rest_sv_sum_mean"] == df.loc["none", "rest_sv_sum_mean"]  # ... not its numerator
    rest = _claim(card, "sum of the non-leading singular values of all classes")
    assert rest["verdict"] == "changed" and rest["design"] == "paired (3 seeds)"
    assert rest["difference"] == pytest.approx(0.2491667, abs=1e-6)
    assert rest["se"] == pytest.approx(0.0065085, abs=1e-6) and rest["detectable"] == pytest.approx(0.013017, abs=2e-6)
    assert "+24.9 %" in rest["measured"] and "margin +-10 %" in rest["measured"]
    first = _claim(card, "first singular value of all classes")
    assert first["verdict"] == "changed"
    assert first["difference"] == pytest.approx(-0.2) and first["se"] == pytest.approx(0.01 / math.sqrt(3))
    assert not card["claim"].str.contains("relative to the overall").any()  # the ratio is no claim any more
    assert counts(card) == {"holds": 0, "reversed": 2, "inconclusive": 1}  # flattening: a zero difference


def svd_row(method, rest: dict[int, float], first: dict[int, float] | None = None):
    """A hand-made svd_flattening row (the overall quantities, per seed)."""
    first = first or rest
    row = {"setting": "bottleneck30_after1", "method": method, "n_seeds": len(rest), "scale": "x",
           "rest_sv_sum_mean": 5.0 if method == "manifold" else 10.0, "rest_sv_sum_std": 1.0}  # flattened
    for column, values in (("overall_rest_sv_sum", rest), ("overall_first_sv", first)):
        v = list(values.values())
        row |= {f"{column}_mean": sum(v) / len(v), f"{column}_std": pd.Series(v).std(ddof=1),
                f"{column}_seeds": seeds_text(values)}
    return row


def test_a_small_change_with_a_tight_interval_is_unchanged_and_a_wide_one_inconclusive(tmp_path):
    """Tight: ratios 1.02, 1.03, 1.015: mean change 0.0216667, sd sqrt(0.00011667 / 2) = 0.0076376, se
    0.0044096, interval 0.0129 to 0.0305, within +-10 %: unchanged. Wide (the first singular value): ratios
    1.02, 1.25, 0.85: mean 0.04, sd sqrt(0.0806 / 2) = 0.20075, se 0.11590, interval -0.19 to 0.27:
    inconclusive."""
    none = {0: 100.0, 1: 120.0, 2: 80.0}
    card = scorecard({"svd_flattening": write(tmp_path, "svd_flattening", [
        svd_row("none", none),
        svd_row("manifold", {0: 102.0, 1: 123.6, 2: 81.2}, first={0: 102.0, 1: 150.0, 2: 68.0}),
    ])})
    assert len(card) == 3 and _claim(card, "flattens")["verdict"] == "holds"  # 5 against se 0.816, unpaired
    rest = _claim(card, "non-leading singular values of all classes")
    assert rest["verdict"] == "unchanged" and rest["design"] == "paired (3 seeds)"
    assert rest["difference"] == pytest.approx(0.0216667, abs=1e-6) and rest["se"] == pytest.approx(0.0044096, abs=1e-6)
    first = _claim(card, "first singular value")
    assert first["verdict"] == "inconclusive"
    assert first["difference"] == pytest.approx(0.04) and first["se"] == pytest.approx(0.11590, abs=1e-5)
    assert counts(card) == {"holds": 2, "reversed": 0, "inconclusive": 1}
    assert "holds 2 (1 of them unchanged as the paper says)" in headline(card)
    assert rest["measured"] == "102 vs 100 (+2.2 %, 2-se interval +1.3 % to +3.0 %; margin +-10 %)"


def test_unchanged_claims_without_per_seed_values_use_the_ratio_of_the_means(tmp_path):
    """Unpaired: ratio 150 / 100 = 1.5 with se 1.5 * sqrt(5^2 / 4 / 150^2 + 5^2 / 4 / 100^2) = 0.045069
    (interval 0.41 to 0.59: changed); 110 / 100 with sds 11 and 10: se 1.1 * sqrt(0.0025 + 0.0025) =
    0.077782 (interval -0.056 to 0.256: inconclusive)."""
    def row(method, rest, rest_sd, first, first_sd):
        return {"setting": "bottleneck30_after3", "method": method, "n_seeds": 4, "scale": "x",
                "rest_sv_sum_mean": 1.0, "rest_sv_sum_std": 1.0,
                "overall_rest_sv_sum_mean": rest, "overall_rest_sv_sum_std": rest_sd,
                "overall_first_sv_mean": first, "overall_first_sv_std": first_sd}

    card = scorecard({"svd_flattening": write(tmp_path, "svd_flattening", [
        row("none", 100.0, 5.0, 100.0, 10.0), row("manifold", 150.0, 5.0, 110.0, 11.0)])})
    rest, first = _claim(card, "non-leading singular values of all classes"), _claim(card, "first singular value")
    assert rest["design"] == first["design"] == "unpaired (no per-seed values)"
    assert rest["verdict"] == "changed" and rest["difference"] == pytest.approx(0.5)
    assert rest["se"] == pytest.approx(0.045069, abs=1e-6)
    assert first["verdict"] == "inconclusive" and first["se"] == pytest.approx(0.077782, abs=1e-6)
    nan = float("nan")  # one seed: the table has no std
    one = scorecard({"svd_flattening": write(tmp_path, "svd_flattening", [
        {**row("none", 100.0, nan, 100.0, nan), "n_seeds": 1}, {**row("manifold", 101.0, nan, 110.0, nan),
                                                                "n_seeds": 1}])})
    rest = _claim(one, "non-leading singular values of all classes")
    assert rest["measured"] == "101 vs 100 (+1.0 %, no 2-se interval; margin +-10 %)"
    assert rest["verdict"] == "inconclusive"


def test_unchanged_verdict_rule():
    from mmcore.scorecard import unchanged_verdict

    assert unchanged_verdict(0.02, 0.01, (3,), 0.10) == "unchanged"  # 0.00 to 0.04
    assert unchanged_verdict(0.08, 0.01, (3,), 0.10) == "unchanged"  # 0.06 to 0.10: the edge is within
    assert unchanged_verdict(0.09, 0.01, (3,), 0.10) == "inconclusive"  # 0.07 to 0.11 straddles +10 %
    assert unchanged_verdict(0.13, 0.01, (3,), 0.10) == "changed"  # 0.11 to 0.15
    assert unchanged_verdict(-0.13, 0.01, (3,), 0.10) == "changed"
    assert unchanged_verdict(0.0, 0.0, (1,), 0.10) == "inconclusive"  # one seed: no spread to judge by


def test_counts_put_unchanged_with_holds_and_changed_with_reversed():
    card = pd.DataFrame({"verdict": ["holds", "unchanged", "changed", "reversed", "inconclusive", "holds"],
                         "same_runs_as": ["", "", "", "", "", "an earlier claim"]})
    assert counts(card) == {"holds": 2, "reversed": 2, "inconclusive": 1}
    line = headline(card)
    assert "holds 2 (1 of them unchanged as the paper says)" in line
    assert "reversed 2 (1 of them changed where the paper says unchanged)" in line


def test_an_unchanged_claim_declares_its_margin():
    from mmcore.artefacts import Claim

    with pytest.raises(ValueError, match="positive margin"):
        Claim("s", "t", "x_mean", {"m": "a"}, {"m": "b"}, kind="unchanged")
    with pytest.raises(ValueError, match="only an unchanged claim"):
        Claim("s", "t", "x_mean", {"m": "a"}, {"m": "b"}, margin=0.1)
    with pytest.raises(ValueError, match="two rows"):
        Claim("s", "t", "x_mean", {"m": "a"}, None, threshold=1.0, kind="unchanged", margin=0.1)


def test_supervised_claims_use_the_final_network_on_the_full_test_set(tmp_path, monkeypatch):
    """The supervised claims read the final network on the full test set; the best epoch (picked on the
    test set) stays in the table beside them and does not feed the verdict."""
    from mmcore.artefacts import ARTEFACTS

    supervised = [(t, c) for t, c in claims() if ARTEFACTS[t].runs == "supervised" and t.startswith("table")
                  and t not in ("table7", "table9")]
    assert supervised and all(c.column.endswith("_full_mean") for _, c in supervised), [c.column for _, c in supervised]
    for table, claim in supervised:
        best = claim.column.replace("_full_", "_best_") if "error" in claim.column or "top1" in claim.column else None
        assert {claim.column.replace("_mean", "_std"), claim.column.replace("_mean", "_seeds")} <= set(
            ARTEFACTS[table].columns), (table, claim.text)
        assert best is None or best in ARTEFACTS[table].columns, (table, best)
    (claim,) = ARTEFACTS["table2"].claims
    rows = [{"dataset": "svhn", "arch": "preactresnet18", "method": m, "alpha": 2.0, "layers": "", "n_seeds": 2,
             "test_error_best_mean": best, "test_error_best_std": 0.0, "test_error_best_seeds": best_seeds,
             "test_error_full_mean": full, "test_error_full_std": 0.0, "test_error_full_seeds": per_seed,
             "scale": "x"}
            for m, best, best_seeds, full, per_seed in (("manifold", 9.0, "0:9.0;1:9.0", 5.0, "0:4.0;1:6.0"),
                                                         ("none", 1.0, "0:1.0;1:1.0", 6.0, "0:5.0;1:7.0"))]
    row = scorecard({"table2": write(tmp_path, "table2", rows)}).iloc[0]
    assert row["measured"] == "5 vs 6" and row["difference"] == 1.0 and row["verdict"] == "holds"  # d = -1, -1
