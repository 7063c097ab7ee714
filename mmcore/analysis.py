"""Representation analysis: class-conditional and overall SVD (appendix G), 2-D cluster tightness.

Singular values are those of the raw matrix of test-set representations (rows = examples), not
centred, as the paper's appendix G describes ("the SVD of the hidden states for each class"); pass
``center=True`` for the SVD of the centred states. The paper does not say which it used.
"""

from __future__ import annotations

import torch

__all__ = ["singular_values", "class_singular_values", "flattening", "cluster_tightness"]


def singular_values(h: torch.Tensor, center: bool = False) -> torch.Tensor:
    """Singular values of ``h`` (N, d) in descending order, in float64."""
    h = h.double()
    if center:
        h = h - h.mean(0, keepdim=True)
    return torch.linalg.svdvals(h)


def class_singular_values(h: torch.Tensor, y: torch.Tensor, center: bool = False) -> dict[int, torch.Tensor]:
    """Per class, the singular values of that class's representations."""
    return {int(c): singular_values(h[y == c], center) for c in torch.unique(y)}


def flattening(h: torch.Tensor, y: torch.Tensor, center: bool = False) -> dict:
    """Appendix G's figures of merit for one trained model.

    Returns the per-class spectra averaged over classes (``class_spectrum``), the first singular value
    and the sum of the others averaged over classes, and the same for the SVD over all classes.
    """
    per_class = class_singular_values(h, y, center)
    k = min(s.shape[0] for s in per_class.values())
    spectra = torch.stack([s[:k] for s in per_class.values()])
    overall = singular_values(h, center)
    return {
        "class_spectrum": spectra.mean(0).tolist(),
        "first_sv": float(spectra[:, 0].mean()),
        "rest_sv_sum": float(spectra[:, 1:].sum(1).mean()),
        # Scale-free: a network that only shrinks its representations lowers both sums alike.
        "rest_over_first": float((spectra[:, 1:].sum(1) / spectra[:, 0]).mean()),
        "overall_spectrum": overall.tolist(),
        "overall_first_sv": float(overall[0]),
        "overall_rest_sv_sum": float(overall[1:].sum()),
    }


def cluster_tightness(h: torch.Tensor, y: torch.Tensor) -> float:
    """Mean within-class spread over mean between-class centroid distance (lower is tighter).

    Spread of a class: the mean Euclidean distance of its points to its centroid. The ratio does not
    change when the representation is scaled, so models with different output scales compare fairly.
    """
    h = h.double()
    classes = torch.unique(y)
    centroids = torch.stack([h[y == c].mean(0) for c in classes])
    spread = torch.stack([(h[y == c] - centroids[i]).norm(dim=1).mean() for i, c in enumerate(classes)])
    dist = torch.cdist(centroids, centroids)
    n = len(classes)
    between = dist.sum() / (n * (n - 1))
    return float(spread.mean() / between)
