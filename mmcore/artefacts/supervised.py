"""Section 5.1 and appendix C: the supervised tables (Tables 1, 2, 3, 5, 6 and the alpha grid) and the
loss curves of Figures 6 and 7 with their last-epoch tables.

Each supervised table declares how the paper's numbers of a row are looked up (``paper``); its writer
(:func:`mmcore.tables.supervised.supervised_table`) calls it and reads ``paper_reference.yaml`` nowhere else.
"""

from __future__ import annotations

import math

from ..mix_points import mix_alpha
from ..paper import paper_reference
from ._registry import Artefact, Claim, each, grid, method_alphas, method_map, register, with_seeds

__all__ = []

_SECTION_5_1 = "Section 5.1: supervised"
_SUPERVISED_COLUMNS = (
    "dataset", "arch", "method", "alpha", "layers", "n_seeds", "test_error_best_mean", "test_error_best_std",
    "test_error_final_mean", "test_error_final_std", "test_nll_mean", "test_nll_std", "test_error_full_mean",
    "test_error_full_std", "test_nll_full_mean", "test_nll_full_std", "paper_value", "paper_nll", "scale",
    "regime", "runs",
)
#: The measures the supervised claims are judged on: the final network on the full test set. The best
#: epoch (the paper's convention, per the authors) is chosen on the test set itself, so it stays in the
#: tables beside the verdict without feeding it.
_ERROR = "test_error_full_mean"
_TOP1 = "top1_acc_full_mean"
_NLL = "test_nll_full_mean"
_SUPERVISED_NOTE = (
    "best: the epoch of lowest test error (the paper's convention, per the authors; chosen on the test set, "
    "so not what the scorecard judges); final: the last epoch on the per-epoch test images; full: the final "
    "network on the whole test set (what the scorecard judges); test_nll: cross entropy at the best epoch; "
    "mean and std (ddof 1) over seeds."
)
_SUPERVISED_CAPTION = (
    "Section 5.1 / appendix C: {title}. Mean and standard deviation over seeds of the test error at the best "
    "epoch (the paper's convention), at the final epoch and of the final network on the full test set (the "
    "verdicts' measure), the test NLL, and the paper's number beside it. The scale note says how the run differs from the paper; a stand-in run (reduced "
    "widths, data and epochs) is comparable in direction only."
)


def _paper_table12(table: str):
    def paper(row: dict) -> tuple[float, float]:
        entry = paper_reference()[table].get(row["dataset"], {}).get(row["arch"], {}).get(row["method"])
        # a no-mixup entry states no alpha: alpha means nothing without mixing
        if entry is None or float(entry.get("alpha", 0.0)) != mix_alpha(row["method"], row["alpha"]):
            return math.nan, math.nan
        return entry["error"], entry["nll"]

    return paper


def _paper_table3(row: dict) -> tuple[float, float]:
    entry = paper_reference()["table3"].get(row["method"], {}).get(mix_alpha(row["method"], row["alpha"]))
    return (entry["top1"], entry["top5"]) if entry else (math.nan, math.nan)


def _paper_table5(row: dict) -> tuple[float, float]:
    acc = paper_reference()["table5"].get(row["dataset"], {}).get(row["layers"])
    return (100.0 - acc, math.nan) if acc is not None else (math.nan, math.nan)


def _paper_table6(row: dict) -> tuple[float, float]:
    acc = paper_reference()["table6"].get(row["method"], {}).get(float(row["alpha"]))
    return (100.0 - acc, math.nan) if acc is not None else (math.nan, math.nan)


def _no_paper(row: dict) -> tuple[float, float]:
    return math.nan, math.nan


def _supervised_table(
    name, title, cells, paper, schedules, claims=(), notes=(), columns=_SUPERVISED_COLUMNS
) -> Artefact:
    """A supervised table: its block is ``supervised.<name>``; the shared writer, note and caption."""
    return Artefact(
        name=name,
        kind="table",
        title=title,
        section=_SECTION_5_1,
        caption=_SUPERVISED_CAPTION.format(title=title),
        runs="supervised",
        block=("supervised", name),
        cells=cells,
        writer="mmcore.tables.supervised:supervised_table",
        columns=with_seeds(columns),
        notes=(_SUPERVISED_NOTE, *notes),
        claims=claims,
        schedules=schedules,
        paper=paper,
    )


def _table12_cells(b: dict, c: dict) -> list[dict]:
    return grid(each("dataset", b["datasets"]), each("arch", b["archs"]), method_map(b["methods"]))


_C10_18 = {"dataset": "cifar10", "arch": "preactresnet18"}
register(
    _supervised_table(
        "table1",
        "Table 1: CIFAR-10 / CIFAR-100 test error (%) and NLL",
        _table12_cells,
        _paper_table12("table1"),
        ("preact", "wrn"),
        claims=tuple(
            claim
            for arch, name in (("preactresnet18", "PreActResNet18"), ("preactresnet34", "PreActResNet34"),
                               ("wrn28_10", "WRN-28-10"))
            for claim in (
                Claim("Section 5.1, Table 1",
                      f"manifold mixup has lower test error than input mixup (CIFAR-10, {name})",
                      _ERROR, {"dataset": "cifar10", "arch": arch, "method": "manifold"},
                      {"dataset": "cifar10", "arch": arch, "method": "input"}),
                Claim("Section 5.1, Table 1", f"input mixup has lower test error than no mixup (CIFAR-10, {name})",
                      _ERROR, {"dataset": "cifar10", "arch": arch, "method": "input"},
                      {"dataset": "cifar10", "arch": arch, "method": "none"}),
            )
        )
        + (
            Claim("Section 5.1, Table 1", "manifold mixup has lower test NLL than no mixup (CIFAR-10, PreActResNet18)",
                  _NLL, {**_C10_18, "method": "manifold"}, {**_C10_18, "method": "none"},
                  paper_column="paper_nll"),
        ),
    )
)
register(
    _supervised_table(
        "table2",
        "Table 2: SVHN test error (%) and NLL",
        _table12_cells,
        _paper_table12("table2"),
        ("preact", "wrn"),
        claims=(
            Claim("Section 5.1, Table 2", "manifold mixup has lower test error than no mixup (SVHN, PreActResNet18)",
                  _ERROR, {"dataset": "svhn", "arch": "preactresnet18", "method": "manifold"},
                  {"dataset": "svhn", "arch": "preactresnet18", "method": "none"}),
        ),
    )
)
register(
    _supervised_table(
        "table3",
        "Table 3: Tiny-ImageNet top-1 / top-5 accuracy (%), PreActResNet18",
        lambda b, c: method_alphas(b["methods"], b["alphas"]),
        _paper_table3,
        ("long",),
        claims=(
            Claim("Section 5.1, Table 3", "manifold mixup (alpha 0.2) has higher top-1 accuracy than no mixup "
                  "(Tiny-ImageNet)", _TOP1, {"method": "manifold", "alpha": 0.2}, {"method": "none"},
                  "higher"),
        ),
        notes=("Accuracies, as the paper prints Table 3; paper_value is the paper's top-1, paper_top5 its top-5.",),
        columns=(
            "dataset", "arch", "method", "alpha", "layers", "n_seeds", "top1_acc_best_mean", "top1_acc_best_std",
            "top1_acc_final_mean", "top1_acc_final_std", "top5_acc_best_mean", "top5_acc_best_std", "test_nll_mean",
            "test_nll_std", "top1_acc_full_mean", "top1_acc_full_std", "test_nll_full_mean", "test_nll_full_std",
            "paper_value", "paper_top5", "scale", "regime", "runs",
        ),
    )
)
register(
    _supervised_table(
        "table5",
        "Table 5: manifold mixup per eligible-layer set S, test error (%)",
        lambda b, c: grid(
            each("dataset", b["datasets"]),
            [{"method": "manifold", "alpha": b["alpha"]}],
            each("layers", b["layer_sets"]),
        ),
        _paper_table5,
        ("long",),
        claims=(
            Claim("Appendix C, Table 5", "mixing at {0,1,2} beats no mixup (CIFAR-10)", _ERROR,
                  {"dataset": "cifar10", "layers": "0,1,2"}, {"dataset": "cifar10", "layers": ""}),
        ),
        notes=(
            "The paper prints accuracy; paper_value here is its error (100 - accuracy). layers: S (0 = input, 1-3 = "
            "after stage 1-3); S = {0} is input mixup and S = {} no mixup.",
        ),
    )
)
register(
    _supervised_table(
        "table6",
        "Table 6: input and manifold mixup per alpha, CIFAR-10 test error (%)",
        lambda b, c: method_alphas(b["methods"], b["alphas"]),
        _paper_table6,
        ("long",),
        claims=tuple(
            Claim("Appendix C, Table 6", f"manifold mixup beats input mixup at alpha {alpha:g} (CIFAR-10)",
                  _ERROR, {"method": "manifold", "alpha": alpha}, {"method": "input", "alpha": alpha})
            for alpha in (0.5, 1.0, 2.0)
        )
        + (
            Claim("Appendix C, Table 6", "manifold mixup's error falls from alpha 0.5 to alpha 2 (CIFAR-10)",
                  _ERROR, {"method": "manifold", "alpha": 2.0}, {"method": "manifold", "alpha": 0.5}),
        ),
        notes=("The paper prints accuracy; paper_value here is its error (100 - accuracy).",),
    )
)
register(
    _supervised_table(
        "alpha_grid",
        "Appendix C.1: the alpha grid, test error (%)",
        lambda b, c: grid(each("dataset", b["datasets"]), method_alphas(b["methods"], b["alphas"])),
        _no_paper,
        ("preact", "long"),
        notes=(
            "The paper publishes no per-alpha numbers, only its choice: input 1.0 on SVHN and 0.2 on Tiny-ImageNet; "
            "manifold 2.0 on SVHN and 0.2 on Tiny-ImageNet.",
        ),
    )
)


def _curve_cells(figure: str):
    def cells(b: dict, c: dict) -> list[dict]:
        spec = b["figures"].get(figure)
        if spec is None:
            return []
        sets = [(s, False) for s in b["layer_sets"]] + [(s, True) for s in b["detached"]]
        return [
            {"dataset": spec["dataset"], "arch": spec["arch"], "method": "manifold", "alpha": b["alpha"],
             "layers": s, "detach": d}
            for s, d in sets
        ]

    return cells


_CURVE_CLAIMS = (
    Claim("Appendix C, Figure 6", "mixing after stage 2 ends with a lower training loss than input mixup (CIFAR-10)",
          "final_train_loss_mean", {"layers": "2", "detach": "False"}, {"layers": "0"},
          paper_text="holds (figure only)"),
    Claim("Appendix C, Figure 6", "blocking the gradient raises the training loss of manifold mixup at {0,1,2}",
          "final_train_loss_mean", {"layers": "0,1,2", "detach": "True"}, {"layers": "0,1,2", "detach": "False"},
          "higher", paper_text="holds (figure only)"),
)


def _blocked_note(c: dict) -> dict:
    return {
        "blocked_note": "" if c["supervised"]["loss_curves"]["detached"] else
        "No gradient-blocked curve: supervised.loss_curves.detached is empty in this run's config."
    }


def _register_loss_curves() -> None:
    """Figures 6 and 7, each with the table of its last epoch (what the scorecard reads)."""
    for figure, data in (("figure6", "CIFAR-10, PreActResNet18"), ("figure7", "CIFAR-100, PreActResNet50")):
        number = figure.removeprefix("figure")
        caption = (
            f"Figure {number} (appendix C, {data}): training loss per epoch when mixing at S = {{0}} (input "
            "mixup), {1}, {2}, {0,1,2}, and {0,1,2} with the gradient blocked before the mixing layer. The paper: "
            "deeper mixing ends with the lowest training loss, the gradient-blocked variant with the highest."
        )
        curve = dict(  # what the figure and its last-epoch table share: the same cells and runs
            section=_SECTION_5_1,
            caption=caption,
            runs="supervised",
            block=("supervised", "loss_curves"),
            cells=_curve_cells(figure),
            reads="history.csv",
            schedules=("long",),
        )
        register(
            Artefact(
                name=figure,
                kind="figure",
                title=f"Figure {number}: training loss per epoch",
                writer="mmcore.tables.supervised:loss_curves",
                **curve,
            )
        )
        register(
            Artefact(
                name=f"{figure}_loss",
                kind="table",
                title=f"Figure {number}: training loss at the last epoch per mixing set",
                writer="mmcore.tables.supervised:final_losses",
                columns=with_seeds((
                    "curve", "layers", "detach", "method", "alpha", "n_seeds", "final_train_loss_mean",
                    "final_train_loss_std", "scale",
                )),
                notes=(
                    "The paper: mixing in deeper layers ends with the lowest training loss; blocking the gradient "
                    "before the mixing layer with the highest.",
                    "{blocked_note}",
                ),
                options=_blocked_note,
                claims=_CURVE_CLAIMS if figure == "figure6" else (),
                **curve,
            )
        )


_register_loss_curves()
