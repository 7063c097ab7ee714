"""Batched training augmentation on tensors (random crop with zero padding, horizontal flip).

The authors' loaders apply torchvision's ``RandomCrop(size, padding)`` and ``RandomHorizontalFlip`` to
each PIL image before normalisation (CIFAR: flip + crop with padding 2; SVHN: crop only; Tiny-ImageNet:
flip + crop with padding 4; reference.md section 4). Here one gather does the whole batch: the crop
offsets and the flip are folded into per-image row and column indices into the zero-padded batch, which
gives exactly the per-image result (tested against torchvision's functional ops) on the CPU or the GPU,
with every draw from an explicit generator. Apply it to pixel values in [0, 1], before normalising, so
the padding is black as in the authors' pipeline.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["crop_flip", "draw_crop_flip"]


def draw_crop_flip(
    batch_size: int, padding: int, flip: bool, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per image: crop offsets (top, left) in [0, 2 * padding] and whether to flip."""
    top = torch.randint(0, 2 * padding + 1, (batch_size,), generator=generator)
    left = torch.randint(0, 2 * padding + 1, (batch_size,), generator=generator)
    flips = (
        torch.rand(batch_size, generator=generator) < 0.5
        if flip
        else torch.zeros(batch_size, dtype=torch.bool)
    )
    return top, left, flips


def crop_flip(
    x: torch.Tensor,
    padding: int,
    flip: bool,
    generator: torch.Generator,
) -> torch.Tensor:
    """Randomly crop (zero padding ``padding``) and, if ``flip``, mirror each image of ``x`` (B, C, H, W).

    The result is (B, C, H, W) stored channels-last; call ``.contiguous()`` for the default layout.
    """
    b, c, h, w = x.shape
    top, left, flips = draw_crop_flip(b, padding, flip, generator)
    top, left, flips = top.to(x.device), left.to(x.device), flips.to(x.device)
    padded = F.pad(x, (padding, padding, padding, padding)) if padding else x
    rows = top[:, None] + torch.arange(h, device=x.device)  # (B, H)
    cols = torch.arange(w, device=x.device).expand(b, w)
    cols = torch.where(flips[:, None], cols.flip(1), cols) + left[:, None]  # (B, W), mirrored in place
    batch = torch.arange(b, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C)
    # (B, C, H, W) in channels-last memory: what the channels-last training path wants anyway.
    return out.permute(0, 3, 1, 2)
