"""Test-set metrics: accuracy (%), top-5 accuracy and NLL (mean cross entropy of the hard label, natural log)."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .losses import nll

__all__ = ["predict_logits", "classification_metrics"]


@torch.no_grad()
def predict_logits(
    model: nn.Module,
    x: torch.Tensor,
    batch_size: int = 500,
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """Logits of ``model`` in eval mode over ``x``, batch by batch, on the model's device.

    ``transform`` turns a stored batch (e.g. uint8 pixels) into the model's input, batch by batch,
    so a whole test set never exists as floats at once.
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = []
        for xb in x.split(batch_size):
            xb = xb.to(device)
            out.append(model(transform(xb) if transform is not None else xb).float().cpu())
        return torch.cat(out)
    finally:
        model.train(was_training)


def classification_metrics(logits: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Top-1 accuracy (%), NLL, and top-5 accuracy (%) where there are more than 5 classes."""
    y = y.cpu()
    metrics = {
        "test_acc": 100.0 * (logits.argmax(1) == y).float().mean().item(),
        "test_nll": nll(logits, y).item(),
        "n_test": int(y.shape[0]),
    }
    if logits.shape[1] > 5:
        top5 = logits.topk(5, dim=1).indices
        metrics["test_top5"] = 100.0 * (top5 == y[:, None]).any(1).float().mean().item()
    return metrics
