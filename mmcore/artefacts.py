"""The registry of the paper's artefacts: one declaration per table or figure.

Each :class:`Artefact` holds what a table or figure needs, in one place: the config block it reads,
how that block expands into *cells* (a table row or figure curve as the paper names it; the run sheet
turns each cell into one run per seed), which per-run file its writer reads, the function that writes
it, its title, notes, columns, caption, report section and the claims of the paper it carries. The run
sheet, the workflow's targets, the generic ``table`` and ``figure`` rules, the scorecard and the report
iterate over :data:`ARTEFACTS`, as timm's ``@register_model`` does for models.

Adding a table of an existing family is one :func:`register` call here, its config/schema block and its
paper numbers (``paper_reference.yaml``); ``docs/architecture.md`` walks through it.

This module is read while Snakemake parses the workflow, so it imports nothing heavy (no torch, no
pandas); writers are named as ``"module:function"`` and imported by the job that runs them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Callable

from .paper import paper_reference

__all__ = ["Claim", "Artefact", "ARTEFACTS", "register", "grid", "each", "method_alphas", "writer_of"]


@dataclass(frozen=True)
class Claim:
    """A finding of the paper, read off this artefact's table: row ``a`` against row ``b`` (or a threshold).

    ``better``: "lower" or "higher" (a is lower / higher than b on ``column``). Rows are selected by
    equality on the given columns; with several matching rows (datasets sharing stand-in runs) the first.
    """

    section: str
    text: str
    column: str
    a: dict
    b: dict | None = None
    better: str = "lower"
    threshold: float | None = None
    paper_column: str = "paper_value"
    paper_text: str = ""  # the paper's finding in words, for claims read off a figure


@dataclass(frozen=True)
class Artefact:
    """One table or figure of the paper, as this workflow makes it.

    Attributes:
        name: registry key and output stem: ``results/tables/<name>.csv`` / ``.md`` for a table,
            ``results/figures/<name>.png`` for a figure.
        kind: ``"table"`` or ``"figure"``.
        title: the table's heading or the figure's title.
        section: the paper section; the report's category.
        caption: the report caption (reStructuredText).
        runs: the run family its cells train (``synthetic``, ``representations``, ``supervised``), or
            ``""`` for an artefact without runs (Figure 4).
        block: the config block, as a key path (``("supervised", "table5")``).
        cells: ``(block, config) -> cell specs``, each a dict of the paper's names (dataset, arch,
            method, alpha, layer set, ...); the run sheet adds one run per seed.
        reads: the per-run file the writer reads (``metrics.json``, ``history.csv``, ``deform.json``,
            ...), or ``"table:<name>"`` for another artefact's CSV.
        writer: ``"module:function"``; tables: ``f(artefact, cells, files, scale, options) ->
            DataFrame``, figures: ``f(artefact, cells, files, scale, options, png)``.
        columns: the table's columns, in order.
        notes: notes under the title; a ``{key}`` of ``options`` is filled in (other braces, such as
            the layer set ``{0}``, stay as written); a note that fills to nothing is left out.
        options: ``config -> dict`` of the evaluation settings the writer needs (not run settings).
        claims: the paper's findings the scorecard checks on this table.
        schedules: the supervised schedules its runs use (for the scale label).
        scale_block: the block whose seeds the scale label counts, when not ``block``.
    """

    name: str
    kind: str
    title: str
    section: str
    caption: str
    runs: str = ""
    block: tuple[str, ...] = ()
    cells: Callable[[dict, dict], list[dict]] | None = None
    reads: str = "metrics.json"
    writer: str = ""
    columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    options: Callable[[dict], dict] | None = None
    claims: tuple[Claim, ...] = ()
    schedules: tuple[str, ...] = ()
    enabled_key: str = "enabled"
    extra: dict = field(default_factory=dict)

    def block_of(self, config: dict) -> dict:
        node = config
        for key in self.block:
            node = node.get(key) or {}
        return node

    def enabled(self, config: dict) -> bool:
        return bool(self.block_of(config).get(self.enabled_key, True))

    def options_of(self, config: dict) -> dict:
        return self.options(config) if self.options else {}

    def fill(self, text: str, options: dict) -> str:
        """``text`` with each ``{key}`` of ``options`` replaced by its value."""
        for key, value in options.items():
            text = text.replace("{" + key + "}", str(value))
        return text

    @property
    def outputs(self) -> list[str]:
        if self.kind == "figure":
            return [f"results/figures/{self.name}.png"]
        return [f"results/tables/{self.name}.csv", f"results/tables/{self.name}.md"]

    @property
    def source(self) -> str | None:
        """The artefact whose table this one reads (``reads="table:<name>"``), if any."""
        return self.reads.split(":", 1)[1] if self.reads.startswith("table:") else None


#: Every artefact, in the paper's order (the report's order).
ARTEFACTS: dict[str, Artefact] = {}


def register(artefact: Artefact) -> Artefact:
    """Add an artefact; a second one of the same name is an error (no silent overwrite)."""
    if artefact.name in ARTEFACTS:
        raise ValueError(f"artefact {artefact.name!r} is already registered")
    if artefact.kind not in ("table", "figure"):
        raise ValueError(f"artefact {artefact.name!r}: kind must be 'table' or 'figure'")
    ARTEFACTS[artefact.name] = artefact
    return artefact


def writer_of(artefact: Artefact) -> Callable:
    """Import the artefact's writer (in the job that runs it, never at parse time)."""
    import importlib

    module, function = artefact.writer.split(":")
    return getattr(importlib.import_module(module), function)


# ---- cell helpers: a cell spec is a dict; a grid is the product of axes (lists of dicts) ------------------


def grid(*axes: list[dict]) -> list[dict]:
    """The cartesian product of axes, first axis outermost; each cell merges one dict of every axis."""
    return [{k: v for part in combo for k, v in part.items()} for combo in itertools.product(*axes)]


def each(key: str, values) -> list[dict]:
    return [{key: v} for v in values]


def method_alphas(methods, alphas) -> list[dict]:
    """Every method at every alpha; no mixup once (its alpha means nothing)."""
    return [{"method": m, "alpha": a} for m in methods for a in ([0.0] if m == "none" else alphas)]


def _method_map(mapping: dict) -> list[dict]:
    return [{"method": m, "alpha": a} for m, a in mapping.items()]


# ---- Appendix A: the synthetic factor experiment ---------------------------------------------------------

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
        columns=(
            "task", "method", "alpha", "n_seeds", "test_acc_mean", "test_acc_std", "test_nll_mean",
            "test_nll_std", "paper_test_acc", "paper_test_nll", "scale", "regime",
        ),
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

# ---- Appendices B and G: bottleneck MLPs, 2-D clusters and class-specific flattening ---------------------

_APPENDIX_B = "Appendix B: 2-D bottleneck"
_APPENDIX_G = "Appendix G: flattening"


def _figure5_cells(fig5: dict, config: dict) -> list[dict]:
    setting = "bottleneck2d" if fig5["layout"] == "text" else "bottleneck2d_code"
    methods = config["representations"]["methods"]
    return grid(each("classes", fig5["class_subsets"]), [{"setting": setting}], method_alphas(methods, [fig5["alpha"]]))


def _svd_cells(svd: dict, config: dict, only: str | None = None) -> list[dict]:
    settings = [s for s in svd["settings"] if only in (None, s)]
    methods = config["representations"]["methods"]
    return grid(each("setting", settings), [{"classes": "0-9"}], method_alphas(methods, [svd["alpha"]]))


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
        columns=(
            "classes", "method", "n_seeds", "tightness_mean", "tightness_std", "test_acc_mean", "test_acc_std",
            "scale", "regime",
        ),
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
        options=lambda c: {"dataset": c["representations"]["dataset"]},
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
            "the non-leading singular values) without a comparable change overall."
        ),
        runs="representations",
        block=("representations", "svd"),
        cells=_svd_cells,
        writer="mmcore.tables.representations:svd_flattening",
        columns=(
            "setting", "method", "n_seeds", "first_sv_mean", "first_sv_std", "rest_sv_sum_mean",
            "rest_sv_sum_std", "overall_rest_sv_sum_mean", "overall_rest_sv_sum_std", "rest_over_first_mean",
            "rest_over_overall_mean", "rest_over_overall_std", "test_acc_mean", "paper_first_sv",
            "paper_rest_sv_sum", "scale", "regime",
        ),
        notes=(
            "Singular values of the test-set bottleneck representations of each class (first, and the sum of "
            "the others), averaged over classes, then mean and std over seeds; overall_*: the SVD of all "
            "classes together; rest_over_first: the per-class ratio of the two (scale-free); rest_over_overall: "
            "the class-specific sum over the overall one, per run (flattening without a comparable change "
            "overall lowers it).",
            "paper_* columns: the paper's section 3.2 numbers from its own MNIST network, for direction only "
            "(a different layer and scale).",
        ),
        claims=tuple(
            claim
            for setting, describe in (("bottleneck12_after3", "12-unit bottleneck after 3 layers"),
                                      ("bottleneck30_after3", "30-unit bottleneck after 3 layers"),
                                      ("bottleneck30_after1", "30-unit bottleneck after 1 layer"))
            for claim in (
                Claim("Section 3.2, appendix G", f"manifold mixup flattens the class-specific representations "
                      f"(a smaller sum of the non-leading singular values than no mixup; {describe})",
                      "rest_sv_sum_mean", {"setting": setting, "method": "manifold"},
                      {"setting": setting, "method": "none"}, "lower", paper_column="paper_rest_sv_sum"),
                Claim("Appendix G, Figure 12", f"...without a comparable change overall (the class-specific sum "
                      f"shrinks relative to the overall one; {describe})", "rest_over_overall_mean",
                      {"setting": setting, "method": "manifold"}, {"setting": setting, "method": "none"},
                      "lower", paper_text="holds (Figures 9-12)"),
            )
        ),
    )
)

_SVD_FIGURES = {
    "figure9": ("bottleneck12_after3", "12-unit bottleneck after 3 layers"),
    "figure10": ("bottleneck30_after3", "30-unit bottleneck after 3 layers"),
    "figure11": ("bottleneck30_after1", "30-unit bottleneck after 1 layer"),
}
for _name, (_setting, _describe) in _SVD_FIGURES.items():
    register(
        Artefact(
            name=_name,
            kind="figure",
            title=f"Figure {_name.removeprefix('figure')}: class-specific singular values, {_describe}",
            section=_APPENDIX_G,
            caption=(
                f"Figure {_name.removeprefix('figure')} (appendix G): singular values of the class-specific "
                f"test-set representations in the {_describe} (mean over classes and seeds, one curve per "
                "method). Flattening shows as a faster fall after the first singular value."
            ),
            runs="representations",
            block=("representations", "svd"),
            cells=lambda b, c, s=_setting: _svd_cells(b, c, only=s),
            writer="mmcore.tables.representations:class_spectra",
            options=lambda c: {"dataset": c["representations"]["dataset"]},
            extra={"setting": _setting, "describe": _describe},
        )
    )

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
        options=lambda c: {"dataset": c["representations"]["dataset"]},
        extra={"describe": {s: d for s, d in _SVD_FIGURES.values()}},
    )
)

# ---- Section 5.1 and appendix C: the supervised tables and the loss curves ---------------------------------

_SECTION_5_1 = "Section 5.1: supervised"
_SUPERVISED_COLUMNS = (
    "dataset", "arch", "method", "alpha", "layers", "n_seeds", "test_error_best_mean", "test_error_best_std",
    "test_error_final_mean", "test_error_final_std", "test_nll_mean", "test_nll_std", "paper_value",
    "paper_nll", "scale", "regime", "runs",
)
_SUPERVISED_NOTE = (
    "best: the epoch of lowest test error (the paper's convention, per the authors); final: the last epoch; "
    "test_nll: cross entropy at the best epoch; mean and std (ddof 1) over seeds."
)
_SUPERVISED_CAPTION = (
    "Section 5.1 / appendix C: {title}. Mean and standard deviation over seeds of the test error at the best "
    "epoch (the paper's convention) and at the final epoch, the test NLL at the best epoch, and the paper's "
    "number beside it. The scale note says how the run differs from the paper; a stand-in run (reduced "
    "widths, data and epochs) is comparable in direction only."
)


def _paper_table12(table: str):
    def paper(row: dict) -> tuple[float, float]:
        entry = paper_reference()[table].get(row["dataset"], {}).get(row["arch"], {}).get(row["method"])
        if entry is None or (row["method"] != "none" and float(entry["alpha"]) != float(row["alpha"])):
            return math.nan, math.nan
        return entry["error"], entry["nll"]

    return paper


def _paper_table3(row: dict) -> tuple[float, float]:
    entry = paper_reference()["table3"].get(row["method"], {}).get(0.0 if row["method"] == "none" else float(row["alpha"]))
    return (entry["top1"], entry["top5"]) if entry else (math.nan, math.nan)


def _paper_table5(row: dict) -> tuple[float, float]:
    acc = paper_reference()["table5"].get(row["dataset"], {}).get(row["layers"])
    return (100.0 - acc, math.nan) if acc is not None else (math.nan, math.nan)


def _paper_table6(row: dict) -> tuple[float, float]:
    acc = paper_reference()["table6"].get(row["method"], {}).get(float(row["alpha"]))
    return (100.0 - acc, math.nan) if acc is not None else (math.nan, math.nan)


def _no_paper(row: dict) -> tuple[float, float]:
    return math.nan, math.nan


def _supervised_table(name, title, cells, paper, schedules, claims=(), notes=(), columns=_SUPERVISED_COLUMNS):
    register(
        Artefact(
            name=name,
            kind="table",
            title=title,
            section=_SECTION_5_1,
            caption=_SUPERVISED_CAPTION.format(title=title),
            runs="supervised",
            block=("supervised", name),
            cells=cells,
            writer="mmcore.tables.supervised:supervised_table",
            columns=columns,
            notes=(_SUPERVISED_NOTE, *notes),
            claims=claims,
            schedules=schedules,
            extra={"paper": paper},
        )
    )


def _table12_cells(b: dict, c: dict) -> list[dict]:
    return grid(each("dataset", b["datasets"]), each("arch", b["archs"]), _method_map(b["methods"]))


_C10_18 = {"dataset": "cifar10", "arch": "preactresnet18"}
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
            Claim("Section 5.1, Table 1", f"manifold mixup has lower test error than input mixup (CIFAR-10, {name})",
                  "test_error_best_mean", {"dataset": "cifar10", "arch": arch, "method": "manifold"},
                  {"dataset": "cifar10", "arch": arch, "method": "input"}),
            Claim("Section 5.1, Table 1", f"input mixup has lower test error than no mixup (CIFAR-10, {name})",
                  "test_error_best_mean", {"dataset": "cifar10", "arch": arch, "method": "input"},
                  {"dataset": "cifar10", "arch": arch, "method": "none"}),
        )
    )
    + (
        Claim("Section 5.1, Table 1", "manifold mixup has lower test NLL than no mixup (CIFAR-10, PreActResNet18)",
              "test_nll_mean", {**_C10_18, "method": "manifold"}, {**_C10_18, "method": "none"},
              paper_column="paper_nll"),
    ),
)
_supervised_table(
    "table2",
    "Table 2: SVHN test error (%) and NLL",
    _table12_cells,
    _paper_table12("table2"),
    ("preact", "wrn"),
    claims=(
        Claim("Section 5.1, Table 2", "manifold mixup has lower test error than no mixup (SVHN, PreActResNet18)",
              "test_error_best_mean", {"dataset": "svhn", "arch": "preactresnet18", "method": "manifold"},
              {"dataset": "svhn", "arch": "preactresnet18", "method": "none"}),
    ),
)
_supervised_table(
    "table3",
    "Table 3: Tiny-ImageNet top-1 / top-5 accuracy (%), PreActResNet18",
    lambda b, c: method_alphas(b["methods"], b["alphas"]),
    _paper_table3,
    ("long",),
    claims=(
        Claim("Section 5.1, Table 3", "manifold mixup (alpha 0.2) has higher top-1 accuracy than no mixup "
              "(Tiny-ImageNet)", "top1_acc_best_mean", {"method": "manifold", "alpha": 0.2}, {"method": "none"},
              "higher"),
    ),
    notes=("Accuracies, as the paper prints Table 3; paper_value is the paper's top-1, paper_top5 its top-5.",),
    columns=(
        "dataset", "arch", "method", "alpha", "layers", "n_seeds", "top1_acc_best_mean", "top1_acc_best_std",
        "top1_acc_final_mean", "top1_acc_final_std", "top5_acc_best_mean", "top5_acc_best_std", "test_nll_mean",
        "test_nll_std", "paper_value", "paper_top5", "scale", "regime", "runs",
    ),
)
_supervised_table(
    "table5",
    "Table 5: manifold mixup per eligible-layer set S, test error (%)",
    lambda b, c: grid(
        each("dataset", b["datasets"]), [{"method": "manifold", "alpha": b["alpha"]}], each("layers", b["layer_sets"])
    ),
    _paper_table5,
    ("long",),
    claims=(
        Claim("Appendix C, Table 5", "mixing at {0,1,2} beats no mixup (CIFAR-10)", "test_error_best_mean",
              {"dataset": "cifar10", "layers": "0,1,2"}, {"dataset": "cifar10", "layers": ""}),
    ),
    notes=(
        "The paper prints accuracy; paper_value here is its error (100 - accuracy). layers: S (0 = input, 1-3 = "
        "after stage 1-3); S = {0} is input mixup and S = {} no mixup.",
    ),
)
_supervised_table(
    "table6",
    "Table 6: input and manifold mixup per alpha, CIFAR-10 test error (%)",
    lambda b, c: method_alphas(b["methods"], b["alphas"]),
    _paper_table6,
    ("long",),
    claims=tuple(
        Claim("Appendix C, Table 6", f"manifold mixup beats input mixup at alpha {alpha:g} (CIFAR-10)",
              "test_error_best_mean", {"method": "manifold", "alpha": alpha}, {"method": "input", "alpha": alpha})
        for alpha in (0.5, 1.0, 2.0)
    )
    + (
        Claim("Appendix C, Table 6", "manifold mixup's error falls from alpha 0.5 to alpha 2 (CIFAR-10)",
              "test_error_best_mean", {"method": "manifold", "alpha": 2.0}, {"method": "manifold", "alpha": 0.5}),
    ),
    notes=("The paper prints accuracy; paper_value here is its error (100 - accuracy).",),
)
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
for _figure, _data in (("figure6", "CIFAR-10, PreActResNet18"), ("figure7", "CIFAR-100, PreActResNet50")):
    _number = _figure.removeprefix("figure")
    _curve_caption = (
        f"Figure {_number} (appendix C, {_data}): training loss per epoch when mixing at S = {{0}} (input mixup), "
        "{1}, {2}, {0,1,2}, and {0,1,2} with the gradient blocked before the mixing layer. The paper: deeper "
        "mixing ends with the lowest training loss, the gradient-blocked variant with the highest."
    )
    _curve = dict(  # what the figure and its last-epoch table share: the same cells and runs
        section=_SECTION_5_1,
        caption=_curve_caption,
        runs="supervised",
        block=("supervised", "loss_curves"),
        cells=_curve_cells(_figure),
        reads="history.csv",
        schedules=("long",),
    )
    register(
        Artefact(
            name=_figure,
            kind="figure",
            title=f"Figure {_number}: training loss per epoch",
            writer="mmcore.tables.supervised:loss_curves",
            **_curve,
        )
    )
    register(
        Artefact(
            name=f"{_figure}_loss",
            kind="table",
            title=f"Figure {_number}: training loss at the last epoch per mixing set",
            writer="mmcore.tables.supervised:final_losses",
            columns=(
                "curve", "layers", "detach", "method", "alpha", "n_seeds", "final_train_loss_mean",
                "final_train_loss_std", "scale",
            ),
            notes=(
                "The paper: mixing in deeper layers ends with the lowest training loss; blocking the gradient "
                "before the mixing layer with the highest.",
                "{blocked_note}",
            ),
            options=lambda c: {
                "blocked_note": "" if c["supervised"]["loss_curves"]["detached"] else
                "No gradient-blocked curve: supervised.loss_curves.detached is empty in this run's config."
            },
            claims=_CURVE_CLAIMS if _figure == "figure6" else (),
            **_curve,
        )
    )

# ---- Section 5.2 and appendix D: robustness of the supervised models ---------------------------------------

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
        columns=("deformation", "param", "method", "alpha", "n_seeds", "acc_mean", "acc_std", "paper_acc", "scale"),
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
        cells=lambda b, c: grid([dict(m) for m in b["models"]], _method_map(b["methods"])),
        reads="fgsm.json",
        writer="mmcore.tables.robustness:table7",
        columns=(
            "dataset", "arch", "method", "alpha", "epsilon", "n_seeds", "acc_mean", "acc_std", "clean_acc_mean",
            "paper_acc", "scale", "runs",
        ),
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
        cells=lambda b, c: _method_map(b["methods"]),
        reads="pgd.json",
        writer="mmcore.tables.robustness:pgd_sanity",
        columns=(
            "dataset", "arch", "method", "alpha", "iterations", "step_size", "epsilon", "n_seeds", "acc_mean",
            "acc_std", "clean_acc_mean", "paper_acc", "scale", "runs",
        ),
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

# ---- Appendix E: manifold mixup in a GAN discriminator (Figure 8) ------------------------------------------

_APPENDIX_E = "Appendix E"


def _gan_cells(b: dict, c: dict) -> list[dict]:
    from .runsheet import gan_cells  # the run sheet names the layer sets' mix points

    return gan_cells(b, c)


def _gan_options(c: dict) -> dict:
    from .gan.labels import metric_label, metric_short

    gan = c["gan"]
    return {
        "features": gan["features"],
        "metric": metric_label(gan["features"]),
        "short": metric_short(gan["features"]),
        "dataset": gan["dataset"],
        "arch": gan["arch"],
        "formulation": gan["formulation"],
    }


_GAN_CAPTION = (
    "Appendix E / Figure 8: a JS GAN with a spectral-norm discriminator, without mixup (baseline) and with "
    "mixup in the discriminator (input mixup = layer set pixel; manifold mixup = mixing at a layer drawn from "
    "the set), per alpha. Mean and std over seeds of IS (higher is better), FID and KID (lower is better), with "
    "the paper's CIFAR-10 values beside. The features column and the scale note say which features score "
    "the samples: classifier-based numbers (the offline default) are not Inception values."
)


def _gan_claim(metric: str, setting: dict, text: str) -> Claim:
    lower = metric == "fid"
    return Claim(
        "Appendix E, Figure 8",
        f"{text} (alpha 0.5) beats the baseline in {metric.upper()} ({'lower' if lower else 'higher'})",
        f"{metric}_mean",
        {**setting, "alpha": 0.5},
        {"setting": "baseline"},
        "lower" if lower else "higher",
        paper_column=f"paper_{metric}",
    )


register(
    Artefact(
        name="gan",
        kind="table",
        title="Appendix E: GAN sample quality, {metric}",
        section=_APPENDIX_E,
        caption=_GAN_CAPTION,
        runs="gan",
        block=("gan",),
        cells=_gan_cells,
        writer="mmcore.tables.gan:gan_table",
        columns=(
            "setting", "layers", "alpha", "n_seeds", "is_mean", "is_std", "fid_mean", "fid_std", "kid_mean",
            "kid_std", "paper_is", "paper_fid", "features", "scale",
        ),
        notes=(
            "features = {features}: the is_*, fid_* and kid_* columns are {metric}.",
            "{formulation} formulation; {arch} GAN on {dataset}. Mean and std (ddof 1) over seeds of each run's "
            "IS (its own split std is in the run's metrics.json), FID and KID; paper_* are appendix E's CIFAR-10 "
            "values (IS / FID with Inception features), for direction only.",
        ),
        options=_gan_options,
        claims=(
            _gan_claim("fid", {"layers": "pixel"}, "input mixup"),
            _gan_claim("is", {"layers": "pixel"}, "input mixup"),
            _gan_claim("fid", {"layers": "pixel,h1,h2"}, "manifold mixup at {pixel, h1, h2}"),
            _gan_claim("is", {"layers": "pixel,h1,h2"}, "manifold mixup at {pixel, h1, h2}"),
        ),
    )
)

register(
    Artefact(
        name="figure8",
        kind="figure",
        title="Figure 8: {short} against alpha per layer set",
        section=_APPENDIX_E,
        caption=(
            "Figure 8 (appendix E): IS (higher is better) and FID (lower is better) against alpha, one curve per "
            "layer set of the discriminator (pixel = input mixup), mean and std over seeds; the dotted line is "
            "the baseline without mixup. The axis labels say which features score the samples."
        ),
        block=("gan",),
        reads="table:gan",
        writer="mmcore.tables.gan:figure8",
        options=_gan_options,
    )
)

register(
    Artefact(
        name="gan_samples",
        kind="figure",
        title="Appendix E: generated samples per setting ({arch} GAN on {dataset})",
        section=_APPENDIX_E,
        caption=(
            "Appendix E: a grid of generated samples per setting (baseline, and each layer set at each alpha), "
            "from the first seed of each cell, with the same latent codes in every grid."
        ),
        runs="gan",
        block=("gan",),
        cells=_gan_cells,
        reads="samples.pt",
        writer="mmcore.tables.gan:sample_grids",
        options=_gan_options,
    )
)
