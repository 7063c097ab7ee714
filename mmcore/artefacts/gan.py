"""Appendix E: manifold mixup in a GAN discriminator (the GAN table, Figure 8 and the sample grids)."""

from __future__ import annotations

from ..gan.labels import metric_label, metric_short
from ..mix_points import MIX_POINTS
from ._registry import Artefact, Claim, register, with_seeds

__all__ = ["gan_cells"]

_APPENDIX_E = "Appendix E"


def gan_cells(block: dict, config: dict) -> list[dict]:
    """Figure 8's cells: the baseline, then every layer set at every alpha (input mixup is {pixel}); a
    layer set's names in the order the discriminator declares them."""
    points = MIX_POINTS[f"{block['arch']}_d"]
    cells = [{"setting": "baseline", "layers": "", "alpha": 0.0}] if block["baseline"] else []
    for layers in block["layer_sets"]:
        names = [p for p in points if p in layers]
        setting = "input" if names == [points[0]] else "manifold"
        cells += [{"setting": setting, "layers": ",".join(names), "alpha": float(a)} for a in block["alphas"]]
    return cells


def _gan_options(c: dict) -> dict:
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
        cells=gan_cells,
        writer="mmcore.tables.gan:gan_table",
        columns=with_seeds((
            "setting", "layers", "alpha", "n_seeds", "is_mean", "is_std", "fid_mean", "fid_std", "kid_mean",
            "kid_std", "real_is", "real_fid", "is_share", "paper_is", "paper_fid", "features", "scale", "regime",
        )),
        notes=(
            "features = {features}: the is_*, fid_* and kid_* columns are {metric}.",
            "{formulation} formulation; {arch} GAN on {dataset}. Mean and std (ddof 1) over seeds of each run's "
            "IS (its own split std is in the run's metrics.json), FID and KID; paper_* are appendix E's CIFAR-10 "
            "values (IS / FID with Inception features), for direction only.",
            "real_is / real_fid: real test images (as many as each run's samples) scored with the same features "
            "against the same reference: the IS of a perfect generator and the FID floor; is_share = is_mean / "
            "real_is in %. The regime: the baseline's samples reach >= 70 % of real_is.",
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
        cells=gan_cells,
        reads="samples.pt",
        writer="mmcore.tables.gan:sample_grids",
        options=_gan_options,
    )
)
