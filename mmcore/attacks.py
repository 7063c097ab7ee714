"""White-box attacks of section 5.2 / appendix D, in [0, 1] pixel space.

The authors' old ``attacks.py`` attacked normalised inputs without clamping and the paper does not
state epsilon; here every attack takes pixel values in [0, 1], normalises inside (``to_input``), and
clamps each adversarial image back to [0, 1], so epsilon is in pixel units (8/255 = 0.031 is the usual
CIFAR budget). The attacked loss is the training loss (BCE on softmax of a one-hot target, as the
authors' FGSM) unless another is given.

* ``fgsm``: one step, x + eps * sign(grad).
* ``pgd``: ``steps`` steps of size ``step_size``; with ``epsilon=None`` there is no projection onto
  an epsilon-ball (the unbounded sanity check of appendix D: 200 steps of 0.01), else the projection of
  Madry et al.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .losses import get_loss, one_hot

__all__ = ["input_gradient", "fgsm", "pgd"]


def input_gradient(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    to_input: Callable[[torch.Tensor], torch.Tensor],
    loss: str = "bce_softmax",
) -> torch.Tensor:
    """Gradient of the loss of (model(to_input(x)), y) with respect to the pixels ``x``."""
    x = x.detach().clone().requires_grad_(True)
    logits = model(to_input(x))
    value = get_loss(loss)(logits, one_hot(y, logits.shape[1]))
    (grad,) = torch.autograd.grad(value, x)
    return grad


def fgsm(model, x, y, epsilon: float, to_input, loss: str = "bce_softmax") -> torch.Tensor:
    if epsilon == 0:
        return x.clone()
    grad = input_gradient(model, x, y, to_input, loss)
    return (x + epsilon * grad.sign()).clamp_(0.0, 1.0)


def pgd(
    model, x, y, steps: int, step_size: float, to_input, epsilon: float | None = None, loss: str = "bce_softmax"
) -> torch.Tensor:
    adv = x.clone()
    for _ in range(steps):
        adv = adv + step_size * input_gradient(model, adv, y, to_input, loss).sign()
        if epsilon is not None:
            adv = torch.max(torch.min(adv, x + epsilon), x - epsilon)
        adv = adv.clamp_(0.0, 1.0)
    return adv
