"""Mix points and mixing methods by name, in one light place (no torch: read while Snakemake parses).

A model declares its mix points (:func:`mmcore.mixup.mix_point_names`); the run sheet names them
without building a model, with :data:`MIX_POINTS`, and a run-sheet row carries the eligible ones as
one string (``mix_points``: comma-separated names, ``""`` without mixing), written by
:func:`row_mix_points` and read back by :func:`parse_mix_points`. Tests check the table against every
registered model and against the config schema's enums.

"Alpha means nothing without mixing" is :func:`mix_alpha`: a run without mixing has alpha 0.0, so a
changed alpha never retrains the baseline and the baseline is listed once.
"""

from __future__ import annotations

__all__ = ["MIX_POINTS", "parse_mix_points", "row_mix_points", "mixes", "mix_alpha"]

#: The mix points each registered model declares, in order (index 0 = input).
MIX_POINTS: dict[str, tuple[str, ...]] = {
    "synthetic_cnn": ("input", "block1", "block2", "block3"),
    "mlp_bottleneck": ("input", "bottleneck"),
    "mlp_bottleneck2": ("input", "bottleneck"),
    "mlp_bottleneck12_after3": ("input", "bottleneck"),
    "mlp_bottleneck30_after3": ("input", "bottleneck"),
    "mlp_bottleneck30_after1": ("input", "bottleneck"),
    **{
        arch: ("input", "stage1", "stage2", "stage3")
        for arch in ("preactresnet18", "preactresnet34", "preactresnet50", "wrn28_10", "wrn28_2")
    },
    # Appendix E's discriminators: the input is "pixel", h1 / h2 the outputs of blocks 1 and 2.
    "sngan_d": ("pixel", "h1", "h2"),
    "dcgan_d": ("pixel", "h1", "h2"),
    "feature_cnn": ("input", "block1", "block2"),
}


def parse_mix_points(text: str | None) -> tuple[str, ...]:
    """A row's ``mix_points`` as names: ``""`` -> ``()``, ``"a,b"`` -> ``("a", "b")``."""
    return tuple(p for p in str(text or "").split(",") if p)


def row_mix_points(model: str, method: str, eligible) -> str:
    """A row's ``mix_points``: the eligible names, comma-separated; the model's input point alone for
    input mixup; ``""`` without mixing at a mix point (no mixup, factor mixup)."""
    if method == "input":
        return MIX_POINTS[model][0]
    if method == "manifold":
        return ",".join(eligible)
    return ""


def mixes(method: str) -> bool:
    """Whether a run of ``method`` mixes at all (every method but ``none``)."""
    return method != "none"


def mix_alpha(method: str, alpha: float) -> float:
    """The alpha a run of ``method`` uses: alpha means nothing without mixing, so no mixup's is 0.0."""
    return float(alpha) if mixes(method) else 0.0
