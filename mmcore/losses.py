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

__all__ = [
    "LOSSES",
    "EXPLODED",
    "bce_softmax",
    "soft_cross_entropy",
    "get_loss",
    "unclamped_loss",
    "one_hot",
    "nll",
]

#: A training loss (unclamped, natural log) above this has exploded: the run diverged.
#:
#: ``bce_softmax`` clamps each log-probability at -100 (``nn.BCELoss``'s convention), so the loss it
#: trains on stays finite, at most 100, however large the logits grow: a run with lr 1e6 "trained" to a
#: test NLL of 2.6e15 behind it. The same loss without the clamp is exact (log-probabilities are
#: computed in log space), finite whenever the logits are, and exceeds 100 only when the predictions
#: are, on average over the batch and classes, wrong by a probability ratio of e^100: past the clamp
#: itself, where its gradient is zero. A training run starts near log 2 per term (soft_ce: log C, at
#: most log 200 = 5.3) and no learning run comes within a factor of ten of 100, while an exploding
#: one passes it within a few steps (lr 1e6: 1e14 at the second step).
EXPLODED = 100.0


def _bce_softmax(logits: torch.Tensor, targets: torch.Tensor, floor: float | None) -> torch.Tensor:
    z = logits if logits.dtype == torch.float64 else logits.float()  # fp32 at least (AMP), fp64 kept
    lse = torch.logsumexp(z, dim=1, keepdim=True)
    logp = z - lse
    num_classes = z.shape[1]
    eye = torch.eye(num_classes, dtype=torch.bool, device=z.device)
    others = z.unsqueeze(1).expand(-1, num_classes, -1).masked_fill(eye, float("-inf"))
    log1mp = torch.logsumexp(others, dim=2) - lse
    t = targets.to(z.dtype)
    if floor is not None:
        logp, log1mp = logp.clamp(min=floor), log1mp.clamp(min=floor)
    return -(t * logp + (1 - t) * log1mp).mean()


def bce_softmax(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """mean over B x C of -[t log p + (1 - t) log(1 - p)], p = softmax(logits).

    log(1 - p_c) is computed as logsumexp over the other classes minus logsumexp over all, which stays
    exact where p_c rounds to 1; both logs are clamped at -100 as ``nn.BCELoss`` does.
    """
    return _bce_softmax(logits, targets, -100.0)


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """mean over the batch of -sum_c t_c log softmax(logits)_c."""
    return -(targets.float() * F.log_softmax(logits.float(), dim=1)).sum(dim=1).mean()


LOSSES = {"bce_softmax": bce_softmax, "soft_ce": soft_cross_entropy}


def get_loss(name: str):
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; available: {', '.join(LOSSES)}") from None


@torch.no_grad()
def unclamped_loss(name: str, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The training loss ``name`` without any clamp, for the divergence check (no gradient, no draw)."""
    if name == "bce_softmax":
        return _bce_softmax(logits.detach(), targets, None)
    return get_loss(name)(logits.detach(), targets)


def one_hot(y: torch.Tensor, num_classes: int) -> torch.Tensor:
    return F.one_hot(y.long(), num_classes).float()


def nll(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Test NLL: cross entropy of hard labels, mean over examples (the paper's 'Test NLL')."""
    return F.cross_entropy(logits.float(), y.long())
