"""Losses against direct formulas."""

import math

import pytest
import torch
import torch.nn.functional as F

from mmcore.losses import bce_softmax, get_loss, soft_cross_entropy

pytestmark = pytest.mark.filterwarnings("error")


def test_bce_softmax_equals_bceloss_of_softmax():
    logits = torch.randn(16, 10)
    t = torch.softmax(torch.randn(16, 10), 1)
    expected = torch.nn.BCELoss()(torch.softmax(logits, 1), t)
    torch.testing.assert_close(bce_softmax(logits, t), expected)


def test_bce_softmax_direct_formula():
    logits = torch.randn(4, 3, dtype=torch.float64)
    t = torch.tensor([[1, 0, 0], [0.3, 0.7, 0], [0, 0, 1], [0.5, 0, 0.5]], dtype=torch.float64)
    p = torch.exp(logits) / torch.exp(logits).sum(1, keepdim=True)
    direct = -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).sum() / (4 * 3)
    torch.testing.assert_close(bce_softmax(logits, t).double(), direct, rtol=1e-5, atol=1e-6)


def test_two_class_bce_softmax_equals_sigmoid_bce_of_logit_difference():
    logits = torch.randn(32, 2)
    t1 = torch.rand(32)
    t = torch.stack([1 - t1, t1], 1)
    expected = F.binary_cross_entropy_with_logits(logits[:, 1] - logits[:, 0], t1)
    torch.testing.assert_close(bce_softmax(logits, t), expected)


def test_bce_softmax_stays_finite_when_saturated():
    logits = torch.tensor([[200.0, -200.0, 0.0]])
    t = torch.tensor([[0.0, 1.0, 0.0]])
    loss = bce_softmax(logits, t)
    assert torch.isfinite(loss)
    # nn.BCELoss clamps each log at -100: two clamped terms over three entries.
    torch.testing.assert_close(loss, torch.nn.BCELoss()(torch.softmax(logits, 1), t))


def test_soft_cross_entropy_against_torch_and_a_float64_hand_computation():
    logits = torch.randn(8, 5) * 3
    y = torch.randint(0, 5, (8,))
    torch.testing.assert_close(soft_cross_entropy(logits, F.one_hot(y, 5).float()), F.cross_entropy(logits, y))
    t = torch.softmax(torch.randn(8, 5), 1)
    # torch's cross entropy accepts class probabilities as targets (mean over the batch of the sum over classes)
    torch.testing.assert_close(soft_cross_entropy(logits, t), F.cross_entropy(logits, t))
    # and by hand, in float64 with Python's math: -sum_c t_c (z_c - log sum_k exp z_k), averaged over rows
    rows = []
    for z, tc in zip(logits.double().tolist(), t.double().tolist()):
        top = max(z)
        lse = top + math.log(sum(math.exp(v - top) for v in z))
        rows.append(-sum(w * (v - lse) for w, v in zip(tc, z)))
    assert soft_cross_entropy(logits, t).item() == pytest.approx(sum(rows) / len(rows), rel=1e-6)


def test_unknown_loss():
    with pytest.raises(ValueError, match="unknown loss 'hinge'; available: bce_softmax, soft_ce"):
        get_loss("hinge")
