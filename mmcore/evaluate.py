"""Test-set metrics: accuracy (%) and NLL (mean cross entropy of the hard label, natural log)."""

from __future__ import annotations

import torch
from torch import nn

from .losses import nll

__all__ = ["predict_logits", "classification_metrics"]


@torch.no_grad()
def predict_logits(model: nn.Module, x: torch.Tensor, batch_size: int = 500) -> torch.Tensor:
    """Logits of ``model`` in eval mode over ``x``, batch by batch, on the model's device."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        return torch.cat([model(xb.to(device)).float().cpu() for xb in x.split(batch_size)])
    finally:
        model.train(was_training)


def classification_metrics(logits: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    y = y.cpu()
    return {
        "test_acc": 100.0 * (logits.argmax(1) == y).float().mean().item(),
        "test_nll": nll(logits, y).item(),
        "n_test": int(y.shape[0]),
    }
