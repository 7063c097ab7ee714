"""Appendix E: the GAN table, Figure 8 and the sample grids."""

from __future__ import annotations

import math

from ..gan.labels import axis_label
from ..paper import paper_reference
from ..report import aggregate
from . import figure_title, per_run, regime, seed_of, with_regime

__all__ = ["gan_table", "figure8", "sample_grids"]

_SETTING_ORDER = {"baseline": 0, "input": 1, "manifold": 2}
_LAYER_ORDER = {"": 0, "pixel": 1, "h1": 2, "h1,h2": 3, "pixel,h1,h2": 4}


def _paper(row: dict, key: str) -> float:
    ref = paper_reference()["gan"]
    name = "baseline" if row["setting"] == "baseline" else f"{row['layers']}@{float(row['alpha']):g}"
    return float(ref.get(name, {}).get(key, math.nan))


def gan_table(art, cells, files, scale, options):
    """IS, FID and KID per (setting, layer set, alpha): mean and std over seeds, the paper's beside."""
    rows = []
    features = set()
    real, shares = [], {}
    for cell, rid, m in per_run(cells, files):
        metrics = m["metrics"]
        features.add(metrics["features"])
        if "real_is" in metrics:
            real.append((metrics["real_is"], metrics["real_fid"]))
            if cell["setting"] == "baseline":
                shares[rid] = ("baseline", 100.0 * metrics["is"] / metrics["real_is"])
        rows.append({
            "setting": cell["setting"],
            "layers": cell["layers"],
            "alpha": float(cell["alpha"]),
            "seed": seed_of(cell, rid, m),
            "is": metrics["is"],
            "fid": metrics["fid"],
            "kid": metrics["kid"],
        })
    if len(features) != 1:
        raise ValueError(f"the GAN runs were scored with different features ({sorted(features)}); rerun them")
    table = aggregate(rows, ["setting", "layers", "alpha"], ["is", "fid", "kid"])
    records = table.to_dict("records")
    table["paper_is"] = [_paper(r, "is") for r in records]
    table["paper_fid"] = [_paper(r, "fid") for r in records]
    table["features"] = features.pop()
    # The real test images scored the same way: the IS a perfect generator would reach, the FID floor.
    table["real_is"] = sum(r[0] for r in real) / len(real) if real else math.nan
    table["real_fid"] = sum(r[1] for r in real) / len(real) if real else math.nan
    table["is_share"] = 100.0 * table["is_mean"] / table["real_is"]
    table["scale"] = scale
    table = table.sort_values(
        ["setting", "layers", "alpha"],
        key=lambda c: c.map(_SETTING_ORDER) if c.name == "setting" else (c.map(_LAYER_ORDER) if c.name == "layers" else c),
    )
    # The regime of appendix E's claims: a baseline that generates (recognisable samples), measured as
    # its IS against the real test images' IS under the same features; the mixup runs are what is judged.
    state = regime(shares, GAN_REGIME, "the baseline's IS as a share of the real test images' IS")
    return with_regime(table.reset_index(drop=True), state)


#: the least share (%) of the real test images' IS the baseline's samples must reach to count as generating.
GAN_REGIME = 70.0


def figure8(art, cells, files, scale, options, png):
    """IS and FID against alpha, one curve per layer set (mean +- std over seeds), the baseline dotted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    table = pd.read_csv(files["table"], keep_default_na=False, na_values=[""])
    table["layers"] = table["layers"].fillna("")
    features = str(table["features"].iloc[0])
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    for ax, metric in zip(axes, ("is", "fid")):
        base = table[table["setting"] == "baseline"]
        for layers, group in table[table["setting"] != "baseline"].groupby("layers", sort=False):
            group = group.sort_values("alpha")
            ax.errorbar(group["alpha"], group[f"{metric}_mean"], yerr=group[f"{metric}_std"].fillna(0),
                        marker="o", capsize=3, label=layers)
        if len(base):
            ax.axhline(float(base[f"{metric}_mean"].iloc[0]), color="k", linestyle=":", label="baseline")
        ax.set_xscale("log")
        ax.set_xlabel("alpha (lambda ~ U(0, alpha))")
        ax.set_ylabel(axis_label(metric.upper(), features))
        ax.set_title(f"{metric.upper()}: {'higher' if metric == 'is' else 'lower'} is better")
        ax.legend(fontsize=8)
    import textwrap

    fig.suptitle(textwrap.fill(f"{figure_title(art, options)}. Scale: {scale}", 150), fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def sample_grids(art, cells, files, scale, options, png):
    """One grid of generated samples per cell (the first seed's run)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch
    from torchvision.utils import make_grid

    from ..io import load_torch

    n = len(cells)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 4.3 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, cell in zip(axes.flat, cells):
        rid = cell["run_ids"][0]
        samples = load_torch(files[rid], map_location="cpu")["samples"]
        grid = make_grid(samples, nrow=int(math.ceil(math.sqrt(samples.shape[0]))), padding=1, pad_value=255)
        img = grid.permute(1, 2, 0).numpy() if grid.shape[0] == 3 else grid[0].numpy()
        ax.imshow(img, cmap="gray" if grid.shape[0] != 3 or torch.equal(grid[0], grid[1]) else None, vmin=0, vmax=255)
        label = "baseline" if cell["setting"] == "baseline" else f"{cell['layers']}, alpha {float(cell['alpha']):g}"
        ax.set_title(f"{label} (seed {cell['seeds'][0]})", fontsize=9)
    fig.suptitle(figure_title(art, options), fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
