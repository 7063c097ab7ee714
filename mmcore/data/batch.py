"""The training batch that batch sources hand to the training loop and the mixing policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import torch

if TYPE_CHECKING:
    from ..mixup import MixParams

__all__ = ["Batch"]


@dataclass
class Batch:
    """A training batch. ``factors``/``render`` are set by sources that can render (synthetic)."""

    x: torch.Tensor
    y: torch.Tensor
    factors: torch.Tensor | None = None
    render: Callable[[torch.Tensor, MixParams], torch.Tensor] | None = None
