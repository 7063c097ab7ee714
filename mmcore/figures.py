"""Figures of the paper, drawn from mmcore's own data and results (matplotlib, Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .data.synthetic import factor_mix, render, sample_factors  # noqa: E402
from .io import atomic_write  # noqa: E402
from .mixup import mix, sample_mix  # noqa: E402
from .seeding import seed_generator  # noqa: E402

__all__ = ["deformation_figure", "figure4", "figure5", "loss_curves_figure", "spectra_figure"]


def _finish(fig, path: str, title: str, footer: str = "") -> None:
    """A one-line title on top and the scale note as a wrapped footer (never a clipped multi-line title)."""
    import textwrap

    width = max(60, int(fig.get_figwidth() * 16))
    fig.suptitle(textwrap.shorten(title, width=width, placeholder="..."), fontsize=10)
    bottom = 0.0
    if footer:
        text = textwrap.fill(footer, width=int(width * 1.3))
        lines = text.count("\n") + 1
        bottom = min(0.3, (lines * 0.13 + 0.1) / fig.get_figheight())
        fig.text(0.01, 0.01, text, fontsize=6.5, ha="left", va="bottom", color="0.3")
    fig.tight_layout(rect=(0, bottom, 1, 0.95))
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)


def figure4(
    path: str, *, task: str = "C", n: int = 8, alpha: float = 1.0, seed: int = 0, truncate: bool = True
) -> None:
    """Figure 4: training images (top), input mixup (middle), ground-truth factor mixup (bottom).

    Both mixed rows use the same lambdas and partners (one lambda per column, so the figure shows a
    range of lambdas), drawn from a seeded generator: the figure is reproducible.
    """
    g = seed_generator(seed, "figure4")
    factors, labels = sample_factors(task, n, g, "train")
    params = sample_mix(n, alpha, g, per_example=True)
    images = render(factors)
    rows = [
        ("training images", images, [f"y={int(v)}" for v in labels]),
        ("input mixup", mix(images, params), None),
        ("factor mixup", render(factor_mix(factors, params, truncate)), None),
    ]
    lam = params.lam
    fig, axes = plt.subplots(3, n, figsize=(1.3 * n, 4.4), squeeze=False)
    for r, (name, imgs, titles) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(imgs[c, 0].numpy(), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if titles:
                ax.set_title(titles[c], fontsize=8)
            elif r == 1:
                ax.set_title(f"λ={lam[c]:.2f}", fontsize=8)
        axes[r, 0].set_ylabel(name, fontsize=9)
    _finish(fig, path, f"Figure 4: synthetic task {task}", "Mixed rows pair column i with column perm[i].")


_COLORS = {"none": "tab:gray", "input": "tab:blue", "manifold": "tab:red"}


def figure5(path: str, panels: dict, methods: list[str], subsets: list[str], title: str, footer: str = "") -> None:
    """Figure 5: test-set 2-D bottleneck representations, one row per class subset, one column per method.

    ``panels[(subset, method)]`` is ``(h, y)`` of one run (seed 0). Axes are equal within each panel.
    """
    import numpy as np

    fig, axes = plt.subplots(len(subsets), len(methods), figsize=(3.6 * len(methods), 3.4 * len(subsets)), squeeze=False)
    cmap = plt.get_cmap("tab10")
    for r, subset in enumerate(subsets):
        for c, method in enumerate(methods):
            ax = axes[r, c]
            h, y = panels[(subset, method)]
            h, y = np.asarray(h), np.asarray(y)
            for k in np.unique(y):
                pts = h[y == k]
                ax.scatter(pts[:, 0], pts[:, 1], s=2, color=cmap(int(k) % 10), label=str(int(k)), rasterized=True)
            ax.set_aspect("equal", adjustable="datalim")
            ax.set_title(f"{method} (classes {subset})", fontsize=9)
            ax.tick_params(labelsize=7)
        axes[r, -1].legend(markerscale=4, fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
    _finish(fig, path, title, footer)


def spectra_figure(path: str, panels: dict, title: str, ylabel: str, footer: str = "") -> None:
    """Singular values by index, one panel per entry of ``panels``, one curve per method.

    ``panels[panel_title][method]`` is a list (over seeds) of equal-length spectra; curves show their
    mean. The first singular value is in the legend, as the paper reports it numerically.
    """
    import numpy as np

    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    for ax, (panel, spectra) in zip(axes[0], panels.items()):
        for method, curves in spectra.items():
            mean = np.mean(np.asarray(curves, dtype=float), axis=0)
            idx = np.arange(1, len(mean) + 1)
            label = f"{method} (first {mean[0]:.1f})"
            ax.plot(idx, mean, marker="o", ms=3, color=_COLORS.get(method), label=label)
        ax.set_yscale("log")
        ax.set_xlabel("singular value index")
        ax.set_ylabel(ylabel)
        ax.set_title(panel, fontsize=9)
        ax.legend(fontsize=8)
    _finish(fig, path, title, footer)


def loss_curves_figure(path: str, curves: dict[str, list[tuple[list, list]]], title: str, footer: str = "") -> None:
    """Figures 6 and 7: training loss per epoch, one curve per mixing set, mean over seeds.

    ``curves[label]`` is a list (over seeds) of (epochs, losses).
    """
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for label, runs in curves.items():
        epochs = runs[0][0]
        mean = np.mean(np.asarray([losses for _, losses in runs], dtype=float), axis=0)
        style = "--" if "blocked" in label else "-"
        ax.plot(epochs, mean, style, marker="o", ms=3, label=f"{label} (last {mean[-1]:.4f})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("train loss (binary cross entropy on softmax)")
    ax.legend(fontsize=8)
    _finish(fig, path, title, footer)


def deformation_figure(path: str, table, title: str, footer: str = "") -> None:
    """Table 9 as a picture: accuracy against deformation strength, one panel per deformation."""
    kinds = [k for k in ("rotation", "shear", "zoom_in", "zoom_out") if k in set(table["deformation"])]
    units = {"rotation": "max angle (degrees)", "shear": "max shear (radians)", "zoom_in": "box (%)", "zoom_out": "scale (%)"}
    fig, axes = plt.subplots(1, max(1, len(kinds)), figsize=(4.2 * max(1, len(kinds)), 3.8), squeeze=False)
    clean = table[table["deformation"] == "none"]
    for ax, kind in zip(axes[0], kinds):
        sub = table[table["deformation"] == kind]
        for (method, alpha), g in sub.groupby(["method", "alpha"], sort=False):
            g = g.sort_values("param")
            label = method if method == "none" else f"{method} alpha {alpha:g}"
            line = ax.plot(g["param"], g["acc_mean"], marker="o", ms=3, label=label)[0]
            base = clean[(clean["method"] == method) & (clean["alpha"] == alpha)]["acc_mean"]
            if len(base):
                ax.axhline(float(base.iloc[0]), color=line.get_color(), lw=0.6, ls=":")
        ax.set_xlabel(units[kind])
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(kind.replace("_", "-"), fontsize=9)
        ax.legend(fontsize=7)
    _finish(fig, path, title + " (dotted: clean accuracy)", footer)
