"""Section 5.2 and appendix D: robustness of the supervised models (Tables 9 and 7, the PGD check and the
figure of Table 9)."""

from __future__ import annotations

from ._registry import Artefact, Claim, grid, method_map, register, with_seeds

__all__ = []

_SECTION_5_2 = "Section 5.2: robustness"
_TABLE9_CAPTION = (
    "Table 9 (Table 4 is its subset), section 5.2: accuracy of the CIFAR-100 PreActResNet34 models (no mixup, "
    "input mixup alpha 1 and 2, manifold mixup alpha 2) on test sets with deformations never seen in training. "
    "The paper: manifold mixup is the most robust to rotation, shear and zoom-out."
)


def _table9_claim(kind: str, param: float, text: str) -> Claim:
    return Claim("Section 5.2, Table 9", f"manifold mixup is more accurate than no mixup {text}", "acc_mean",
                 {"deformation": kind, "param": param, "method": "manifold"},
                 {"deformation": kind, "param": param, "method": "none"}, "higher", paper_column="paper_acc")


register(
    Artefact(
        name="table9",
        kind="table",
        title="Table 9: accuracy (%) on deformed test sets (section 5.2; Table 4 is its subset)",
        section=_SECTION_5_2,
        caption=_TABLE9_CAPTION,
        runs="supervised",
        block=("robustness", "table9"),
        cells=lambda b, c: [dict(m) for m in b["models"]],
        reads="deform.json",
        writer="mmcore.tables.robustness:table9",
        columns=with_seeds(
            ("deformation", "param", "method", "alpha", "n_seeds", "acc_mean", "acc_std", "paper_acc", "scale",
             "regime")
        ),
        notes=(
            "Deformations in pixel space before normalisation, {interpolation} interpolation, black fill; rotation "
            "U(-t, t) degrees, shear U(-r, r) radians (torchvision's shear, whose tangent makes 2.5 and 3 rad "
            "milder than 1 rad), zoom-in: centred k % box enlarged, zoom-out: image shrunk to 1/k.",
            "deformation none: the clean test set. Mean and std over seeds (n_seeds; a model may run fewer, "
            "robustness.table9.models[].seeds); the paper's models are single runs. The scorecard's claims "
            "compare the manifold mixup and no-mixup columns.",
        ),
        options=lambda c: {"interpolation": c["robustness"]["interpolation"]},
        claims=(
            _table9_claim("rotation", 20.0, "under rotation U(-20, 20)"),
            _table9_claim("rotation", 40.0, "under rotation U(-40, 40)"),
            _table9_claim("shear", 0.5, "under shear U(-0.5, 0.5)"),
            _table9_claim("shear", 1.0, "under shear U(-1, 1)"),
            _table9_claim("zoom_out", 120.0, "zoomed out to 120 %"),
            _table9_claim("zoom_out", 140.0, "zoomed out to 140 %"),
        ),
        schedules=("preact",),
    )
)

register(
    Artefact(
        name="table9_deformations",
        kind="figure",
        title="Table 9 deformations",
        section=_SECTION_5_2,
        caption=_TABLE9_CAPTION + " The figure plots accuracy against strength per method, with each model's "
        "clean accuracy dotted.",
        block=("robustness", "table9"),
        reads="table:table9",
        writer="mmcore.tables.robustness:deformations_figure",
    )
)

register(
    Artefact(
        name="table7",
        kind="table",
        title="Table 7: accuracy (%) under white-box FGSM",
        section=_SECTION_5_2,
        caption=(
            "Table 7, section 5.2: accuracy under a white-box one-step FGSM attack on the training loss, per "
            "epsilon (the paper does not state its epsilon), beside the clean accuracy and the paper's number."
        ),
        runs="supervised",
        block=("robustness", "fgsm"),
        cells=lambda b, c: grid([dict(m) for m in b["models"]], method_map(b["methods"])),
        reads="fgsm.json",
        writer="mmcore.tables.robustness:table7",
        columns=with_seeds((
            "dataset", "arch", "method", "alpha", "epsilon", "n_seeds", "acc_mean", "acc_std", "clean_acc_mean",
            "paper_acc", "scale", "regime", "runs",
        )),
        notes=(
            "One-step FGSM on the training loss (BCE on softmax), in [0, 1] pixel space with clamping; epsilon in "
            "pixel units. The paper does not state its epsilon: paper_acc is printed beside every epsilon.",
            "epsilon 0 is the clean accuracy. SVHN's 'WideResNet20-10' in the paper's caption is read as WRN-28-10.",
        ),
        claims=(
            Claim("Section 5.2, Table 7", "manifold mixup is more accurate than no mixup under FGSM (CIFAR-10)",
                  "acc_mean", {"dataset": "cifar10", "method": "manifold"}, {"dataset": "cifar10", "method": "none"},
                  "higher", paper_column="paper_acc"),
            Claim("Section 5.2, Table 7", "manifold mixup is more accurate than input mixup under FGSM (CIFAR-10)",
                  "acc_mean", {"dataset": "cifar10", "method": "manifold"}, {"dataset": "cifar10", "method": "input"},
                  "higher", paper_column="paper_acc"),
        ),
        schedules=("preact", "wrn"),
    )
)


def _pgd_options(c: dict) -> dict:
    pgd = c["robustness"]["pgd"]
    eps = pgd["epsilon"]
    return {
        "iterations": pgd["iterations"],
        "step_size": pgd["step_size"],
        "step": f"{pgd['step_size']:g}",
        "epsilon": eps,
        "bound": "unbounded (no projection)" if eps is None else f"projected onto the {eps:g} ball",
    }


register(
    Artefact(
        name="pgd_sanity",
        kind="table",
        title="Appendix D: PGD sanity check, accuracy (%)",
        section="Appendix D: adversarial sanity check",
        caption=(
            "Appendix D: accuracy after PGD without projection (200 steps of 0.01 in pixel space). Near 0 means "
            "the robustness of mixup models is not gradient masking (the paper: input 1 %, manifold 0 %)."
        ),
        runs="supervised",
        block=("robustness", "pgd"),
        cells=lambda b, c: method_map(b["methods"]),
        reads="pgd.json",
        writer="mmcore.tables.robustness:pgd_sanity",
        columns=with_seeds((
            "dataset", "arch", "method", "alpha", "iterations", "step_size", "epsilon", "n_seeds", "acc_mean",
            "acc_std", "clean_acc_mean", "paper_acc", "scale", "regime", "runs",
        )),
        notes=(
            "PGD {bound}, {iterations} steps of {step} in [0, 1] pixel space with clamping. An accuracy "
            "near 0 means the defence is not gradient masking (the paper: input mixup 1 %, manifold mixup 0 %).",
        ),
        options=_pgd_options,
        claims=(
            Claim("Appendix D", "unbounded PGD leaves the manifold mixup model at most 2 % accuracy (no gradient "
                  "masking)", "acc_mean", {"method": "manifold"}, None, "lower", threshold=2.0,
                  paper_column="paper_acc"),
        ),
        schedules=("preact",),
    )
)
