"""Appendices B and G: bottleneck MLPs, 2-D clusters (Figure 5) and class-specific flattening (Figures 9-12)."""

from __future__ import annotations

from ._registry import Artefact, Claim, each, grid, method_alphas, register, with_seeds

__all__ = ["SVD_SETTINGS", "OVERALL_MARGIN"]

_APPENDIX_B = "Appendix B: 2-D bottleneck"
_APPENDIX_G = "Appendix G: flattening"

#: The SVD settings of appendix G, in the order of Figures 9, 10 and 11: (setting, description).
SVD_SETTINGS = (
    ("bottleneck12_after3", "12-unit bottleneck after 3 layers"),
    ("bottleneck30_after3", "30-unit bottleneck after 3 layers"),
    ("bottleneck30_after1", "30-unit bottleneck after 1 layer"),
)


def _dataset(c: dict) -> dict:
    return {"dataset": c["representations"]["dataset"]}


def _figure5_cells(fig5: dict, config: dict) -> list[dict]:
    setting = "bottleneck2d" if fig5["layout"] == "text" else "bottleneck2d_code"
    methods = config["representations"]["methods"]
    return grid(each("classes", fig5["class_subsets"]), [{"setting": setting}], method_alphas(methods, [fig5["alpha"]]))


def _svd_cells(svd: dict, config: dict, only: str | None = None) -> list[dict]:
    settings = [s for s in svd["settings"] if only in (None, s)]
    methods = config["representations"]["methods"]
    return grid(each("setting", settings), [{"classes": "0-9"}], method_alphas(methods, [svd["alpha"]]))


#: Appendix G's "not changed in a clear way", as a number declared before the verdict: a relative change of
#: the overall singular values, manifold mixup against no mixup, whose whole 2-se interval lies within
#: +-10 % is no change; one wholly beyond it is a change.
OVERALL_MARGIN = 0.10


def _flattening_claims(setting: str, describe: str) -> tuple[Claim, ...]:
    """Section 3.2 / appendix G on one SVD setting: manifold mixup flattens the class-specific
    representations, while the singular values over all classes "are not changed in a clear way" (Figure
    12): judged on the overall quantities themselves, the sum of the non-leading singular values and the
    first, not on a ratio that hides a change of its denominator."""
    rows = {"setting": setting, "method": "manifold"}, {"setting": setting, "method": "none"}
    margin = f"within +-{100 * OVERALL_MARGIN:g} %"
    paper = "not changed in a clear way (appendix G, Figure 12)"
    return (
        Claim("Section 3.2, appendix G", f"manifold mixup flattens the class-specific representations "
              f"(a smaller sum of the non-leading singular values than no mixup; {describe})",
              "rest_sv_sum_mean", *rows, "lower", paper_column="paper_rest_sv_sum"),
        Claim("Appendix G, Figure 12", f"...without a clear change overall: the sum of the non-leading singular "
              f"values of all classes together is unchanged by manifold mixup ({margin} of no mixup's; "
              f"{describe})", "overall_rest_sv_sum_mean", *rows, kind="unchanged", margin=OVERALL_MARGIN,
              paper_text=paper),
        Claim("Appendix G, Figure 12", f"...without a clear change overall: the first singular value of all "
              f"classes together is unchanged by manifold mixup ({margin} of no mixup's; {describe})",
              "overall_first_sv_mean", *rows, kind="unchanged", margin=OVERALL_MARGIN, paper_text=paper),
    )


register(
    Artefact(
        name="bottleneck2d",
        kind="table",
        title="2-D bottleneck cluster tightness (appendix B, Figure 5)",
        section=_APPENDIX_B,
        caption=(
            "Appendix B: tightness of the 2-D bottleneck clusters of the test set (mean distance to the class "
            "centroid over mean distance between centroids; lower is tighter), per class subset and method. "
            "The paper shows Figure 5 only; this number makes its visual claim checkable."
        ),
        runs="representations",
        block=("representations", "figure5"),
        cells=_figure5_cells,
        writer="mmcore.tables.representations:bottleneck2d",
        columns=with_seeds((
            "classes", "method", "n_seeds", "tightness_mean", "tightness_std", "test_acc_mean", "test_acc_std",
            "scale", "regime",
        )),
        notes=(
            "tightness = mean distance of test points to their class centroid / mean distance between class "
            "centroids, in the 2-D bottleneck (lower: tighter clusters, wider margins); the paper shows "
            "Figure 5 only, without a number.",
        ),
        claims=tuple(
            Claim("Appendix B, Figure 5", f"manifold mixup gives tighter 2-D clusters than {other} (classes "
                  f"{classes})", "tightness_mean", {"classes": classes, "method": "manifold"},
                  {"classes": classes, "method": other}, "lower", paper_text="holds (figure only)")
            for classes in ("0-4", "0-9")
            for other in ("none", "input")
        ),
    )
)

register(
    Artefact(
        name="figure5",
        kind="figure",
        title="Figure 5: 2-D bottleneck representations of the {dataset} test set",
        section=_APPENDIX_B,
        caption=(
            "Figure 5 (appendix B): test-set representations in a 2-unit bottleneck, without mixup, with input "
            "mixup and with manifold mixup at the bottleneck (first seed of each cell). The paper: manifold "
            "mixup gives tighter class clusters with wider margins between them."
        ),
        runs="representations",
        block=("representations", "figure5"),
        cells=_figure5_cells,
        reads="representations.pt",
        writer="mmcore.tables.representations:figure5",
        options=_dataset,
    )
)

register(
    Artefact(
        name="svd_flattening",
        kind="table",
        title="Class-specific SVD flattening (appendix G, Figures 9-12)",
        section=_APPENDIX_G,
        caption=(
            "Appendix G / section 3.2: singular values of the class-specific test-set bottleneck "
            "representations (the largest and the sum of the others, averaged over classes) and of all classes "
            "together. The paper: manifold mixup flattens the class-specific representations (a smaller sum of "
            "the non-leading singular values) while the singular values of all classes together are \"not "
            "changed in a clear way\". The scorecard judges the latter on the overall quantities themselves (the "
            "overall sum of the non-leading singular values and the overall first singular value, manifold "
            "mixup against no mixup): unchanged when the 2-se interval of the relative change lies within "
            f"+-{100 * OVERALL_MARGIN:g} %, the margin declared with the claims."
        ),
        runs="representations",
        block=("representations", "svd"),
        cells=_svd_cells,
        writer="mmcore.tables.representations:svd_flattening",
        columns=with_seeds((
            "setting", "method", "n_seeds", "first_sv_mean", "first_sv_std", "rest_sv_sum_mean",
            "rest_sv_sum_std", "overall_rest_sv_sum_mean", "overall_rest_sv_sum_std", "overall_first_sv_mean",
            "overall_first_sv_std", "rest_over_first_mean", "rest_over_overall_mean", "rest_over_overall_std",
            "test_acc_mean", "paper_first_sv", "paper_rest_sv_sum", "scale", "regime",
        )),
        notes=(
            "Singular values of the test-set bottleneck representations of each class (first, and the sum of "
            "the others), averaged over classes, then mean and std over seeds; overall_*: the SVD of all "
            "classes together (overall_first_sv: its largest singular value); rest_over_first: the per-class "
            "ratio of the two (scale-free); rest_over_overall: "
            "the class-specific sum over the overall one, per run (it falls both when the class-specific sum "
            "falls and when the overall one rises: the scorecard judges the overall quantities apart).",
            "paper_* columns: the paper's section 3.2 numbers from its own MNIST network, for direction only "
            "(a different layer and scale).",
        ),
        claims=tuple(claim for setting, describe in SVD_SETTINGS for claim in _flattening_claims(setting, describe)),
    )
)


def _register_class_spectra() -> None:
    """Figures 9, 10 and 11: the class-specific spectra, one figure per SVD setting."""
    for number, (setting, describe) in enumerate(SVD_SETTINGS, start=9):
        register(
            Artefact(
                name=f"figure{number}",
                kind="figure",
                title=f"Figure {number}: class-specific singular values, {describe}",
                section=_APPENDIX_G,
                caption=(
                    f"Figure {number} (appendix G): singular values of the class-specific "
                    f"test-set representations in the {describe} (mean over classes and seeds, one curve per "
                    "method). Flattening shows as a faster fall after the first singular value."
                ),
                runs="representations",
                block=("representations", "svd"),
                cells=lambda b, c, s=setting: _svd_cells(b, c, only=s),
                writer="mmcore.tables.representations:class_spectra",
                options=_dataset,
                panels=((setting, describe),),
            )
        )


_register_class_spectra()

register(
    Artefact(
        name="figure12",
        kind="figure",
        title="Figure 12: singular values of all classes together",
        section=_APPENDIX_G,
        caption=(
            "Figure 12 (appendix G): singular values of the test-set representations of all classes together, "
            "per setting and method: the overall spectrum, against which the class-specific flattening is read."
        ),
        runs="representations",
        block=("representations", "svd"),
        cells=_svd_cells,
        writer="mmcore.tables.representations:overall_spectra",
        options=_dataset,
        panels=SVD_SETTINGS,
    )
)
