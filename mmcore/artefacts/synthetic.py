"""Appendix A: Table 8 and Figure 4 of the synthetic factor experiment."""

from __future__ import annotations

from ._registry import Artefact, Claim, each, grid, register, with_seeds

__all__ = []

_APPENDIX_A = "Appendix A: synthetic factors"

register(
    Artefact(
        name="table8",
        kind="table",
        title="Table 8: synthetic factor tasks (appendix A)",
        section=_APPENDIX_A,
        caption=(
            "Table 8 (appendix A): test accuracy and NLL of a CNN trained on synthetic '1'/'7' digits whose "
            "test set needs factor combinations never seen in training (tasks A, B, C), without mixup, with "
            "input mixup and with ground-truth factor mixup. Mean and std over seeds, the paper's single-run "
            "values beside; the scale column says how far the run is from the paper's 1000 iterations."
        ),
        runs="synthetic",
        block=("synthetic",),
        cells=lambda b, c: grid(each("task", b["tasks"]), each("method", b["methods"])),
        writer="mmcore.tables.synthetic:table8",
        columns=with_seeds((
            "task", "method", "alpha", "n_seeds", "test_acc_mean", "test_acc_std", "test_nll_mean",
            "test_nll_std", "paper_test_acc", "paper_test_nll", "scale", "regime",
        )),
        notes=(
            "Seeds: {seeds}.",
            "test_acc in %, test_nll in nats; mean and sample std over seeds; paper_* columns are the "
            "paper's single-run values.",
        ),
        options=lambda c: {"seeds": list(c["synthetic"]["seeds"])},
        claims=tuple(
            claim
            for task in ("A", "B", "C")
            for claim in (
                Claim("Appendix A, Table 8", f"factor mixup beats input mixup on task {task} (accuracy)",
                      "test_acc_mean", {"task": task, "method": "factor"}, {"task": task, "method": "input"},
                      "higher", paper_column="paper_test_acc"),
                Claim("Appendix A, Table 8", f"factor mixup beats no mixup on task {task} (accuracy)",
                      "test_acc_mean", {"task": task, "method": "factor"}, {"task": task, "method": "none"},
                      "higher", paper_column="paper_test_acc"),
                Claim("Appendix A, Table 8", f"input mixup lowers the NLL of no mixup on task {task}",
                      "test_nll_mean", {"task": task, "method": "input"}, {"task": task, "method": "none"},
                      "lower", paper_column="paper_test_nll"),
            )
        ),
    )
)

register(
    Artefact(
        name="figure4",
        kind="figure",
        title="Figure 4: synthetic task {task}",
        section=_APPENDIX_A,
        caption=(
            "Figure 4 (appendix A): training images of the synthetic task, input mixup of two images (a blend "
            "of pixels) and ground-truth factor mixup (the factors are mixed, then rendered: a clean digit)."
        ),
        block=("synthetic",),
        writer="mmcore.tables.synthetic:figure4",
        options=lambda c: {
            "n": c["synthetic"]["figure4_examples"],
            "alpha": c["synthetic"]["alpha"],
            "truncate": c["synthetic"]["factor_truncate"],
        },
    )
)

