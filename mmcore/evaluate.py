"""Test-set metrics: accuracy (%), top-5 accuracy and NLL (mean cross entropy of the hard label, natural log)."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .errors import DivergenceError
from .losses import nll

__all__ = ["predict_logits", "classification_metrics", "check_finite"]


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


def check_finite(logits: torch.Tensor, name: str) -> None:
    """A model whose test logits are not finite has diverged: no metric of it means anything."""
    bad = int((~torch.isfinite(logits)).any(1).sum())
    if bad:
        raise DivergenceError(
            name,
            f"its logits are not finite on {bad} of {logits.shape[0]} test images",
            "retrain it with a lower learning rate",
        )


def classification_metrics(logits: torch.Tensor, y: torch.Tensor, name: str = "the model") -> dict[str, float]:
    """Top-1 accuracy (%), NLL, and top-5 accuracy (%) where there are more than 5 classes.

    Non-finite logits are a :class:`~mmcore.train.DivergenceError` naming ``name`` (the run id).
    """
    check_finite(logits, name)
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
