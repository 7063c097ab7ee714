"""Figures of the paper, drawn from mmcore's own data and results (matplotlib, Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .data.synthetic import factor_mix, render, sample_factors  # noqa: E402
from .io import atomic_write  # noqa: E402
from .mixup import mix, sample_mix  # noqa: E402
from .train import seed_generator  # noqa: E402

__all__ = ["figure4"]


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
    fig.suptitle(f"Figure 4: synthetic task {task} (mixed rows pair column i with column perm[i])")
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)
