"""SVD helpers and cluster tightness against numpy on known matrices."""

import numpy as np
import pytest
import torch

from mmcore.analysis import class_singular_values, cluster_tightness, flattening, singular_values

pytestmark = pytest.mark.filterwarnings("error")


def test_singular_values_match_numpy_and_known_matrices():
    a = torch.randn(40, 7, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(singular_values(a).numpy(), np.linalg.svd(a.double().numpy(), compute_uv=False))
    # diag(3, 2, 1) padded with zero rows has singular values 3, 2, 1.
    d = torch.zeros(5, 3)
    d[0, 0], d[1, 1], d[2, 2] = 1.0, 3.0, 2.0
    np.testing.assert_allclose(singular_values(d).numpy(), [3, 2, 1])
    # Rank one: one non-zero singular value equal to |u| |v|.
    u, v = torch.tensor([1.0, 2.0, 2.0]), torch.tensor([3.0, 4.0])
    s = singular_values(torch.outer(u, v))
    np.testing.assert_allclose(s.numpy(), [15.0, 0.0], atol=1e-12)


def test_centering_removes_the_mean_direction():
    h = torch.randn(100, 4, generator=torch.Generator().manual_seed(1)) * 0.1 + torch.tensor([5.0, 0, 0, 0])
    assert singular_values(h)[0] > 40  # the mean dominates the uncentred spectrum
    centred = h - h.mean(0)
    np.testing.assert_allclose(singular_values(h, center=True).numpy(), np.linalg.svd(centred.double().numpy(), compute_uv=False))


def test_class_conditional_grouping():
    g = torch.Generator().manual_seed(2)
    h = torch.randn(30, 3, generator=g)
    y = torch.tensor([0, 1, 2] * 10)
    per_class = class_singular_values(h, y)
    assert sorted(per_class) == [0, 1, 2]
    for c in range(3):
        rows = h.double().numpy()[y.numpy() == c]
        np.testing.assert_allclose(per_class[c].numpy(), np.linalg.svd(rows, compute_uv=False))


def test_flattening_summary_of_flat_classes():
    """Each class lies on a line: one singular value per class, the rest zero; overall it is not flat."""
    g = torch.Generator().manual_seed(3)
    t = torch.randn(50, 1, generator=g)
    h = torch.cat([t * torch.tensor([1.0, 0.0, 0.0]), t * torch.tensor([0.0, 1.0, 0.0])])
    y = torch.tensor([0] * 50 + [1] * 50)
    out = flattening(h, y)
    assert out["rest_sv_sum"] == pytest.approx(0.0, abs=1e-9)
    assert out["overall_rest_sv_sum"] > 1.0
    expected_first = np.mean([np.linalg.svd(h[y == c].double().numpy(), compute_uv=False)[0] for c in (0, 1)])
    assert out["first_sv"] == pytest.approx(expected_first)
    assert len(out["class_spectrum"]) == 3


def test_cluster_tightness_ratio():
    # Two classes, points at distance 1 from centroids (0,0) and (10,0): spread 1, between 10.
    h = torch.tensor([[1.0, 0], [-1.0, 0], [10, 1], [10, -1]])
    y = torch.tensor([0, 0, 1, 1])
    assert cluster_tightness(h, y) == pytest.approx(0.1)
    assert cluster_tightness(h * 7.0, y) == pytest.approx(0.1)  # scale-free
