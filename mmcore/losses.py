"""Training losses on soft targets.

The paper trains every method, the no-mixup baseline included, with ``nn.BCELoss()(softmax(logits),
soft_targets)``: binary cross entropy of each class probability against its soft target, averaged over
batch x classes (reference.md section 2). It is not cross entropy: the 1/C average scales gradients by
about 1/C, which the paper's learning rates assume. Soft-target cross entropy is offered for users who
want the usual loss (then retune the learning rate).

For two classes, softmax-BCE equals the sigmoid BCE of the logit difference exactly, so the synthetic
task's two-logit classifier trains on the same loss as the authors' one-logit sigmoid classifier.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["LOSSES", "bce_softmax", "soft_cross_entropy", "get_loss", "one_hot", "nll"]


def bce_softmax(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """mean over B x C of -[t log p + (1 - t) log(1 - p)], p = softmax(logits).

    log(1 - p_c) is computed as logsumexp over the other classes minus logsumexp over all, which stays
    exact where p_c rounds to 1; both logs are clamped at -100 as ``nn.BCELoss`` does.
    """
    z = logits if logits.dtype == torch.float64 else logits.float()  # fp32 at least (AMP), fp64 kept
    lse = torch.logsumexp(z, dim=1, keepdim=True)
    logp = z - lse
    num_classes = z.shape[1]
    eye = torch.eye(num_classes, dtype=torch.bool, device=z.device)
    others = z.unsqueeze(1).expand(-1, num_classes, -1).masked_fill(eye, float("-inf"))
    log1mp = torch.logsumexp(others, dim=2) - lse
    t = targets.to(z.dtype)
    return -(t * logp.clamp(min=-100.0) + (1 - t) * log1mp.clamp(min=-100.0)).mean()


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """mean over the batch of -sum_c t_c log softmax(logits)_c."""
    return -(targets.float() * F.log_softmax(logits.float(), dim=1)).sum(dim=1).mean()


LOSSES = {"bce_softmax": bce_softmax, "soft_ce": soft_cross_entropy}


def get_loss(name: str):
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; available: {', '.join(LOSSES)}") from None


def one_hot(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    return F.one_hot(y.long(), num_classes).float()


def nll(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Test NLL: cross entropy of hard labels, mean over examples (the paper's 'Test NLL')."""
    return F.cross_entropy(logits.float(), y.long())
