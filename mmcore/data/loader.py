"""Batches from an in-memory dataset, epoch by epoch, from one seeded generator (resumable).

Mirrors the authors' loaders: a fresh random order every epoch, the last partial batch kept, the
augmentation (random crop with zero padding, flip) applied to pixel values before per-channel
normalisation. Images are stored as uint8 and converted per batch, on the training device, so a
50,000-image CIFAR set stays at 150 MB and augmentation costs a gather instead of per-image PIL work.
"""

from __future__ import annotations

import math

import torch

from ..seeding import seed_generator
from .augment import crop_flip
from .batch import Batch

__all__ = ["TensorSource", "class_balanced_subset", "normalise", "standardise", "to_unit"]


def to_unit(x_uint8: torch.Tensor) -> torch.Tensor:
    """uint8 (N, H, W) or (N, C, H, W) -> float (N, C, H, W) in [0, 1]."""
    x = x_uint8.float().div_(255.0)
    return x.unsqueeze(1) if x.ndim == 3 else x


def _per_channel(v, x: torch.Tensor) -> torch.Tensor | float:
    if isinstance(v, (int, float)):
        return float(v)
    return torch.as_tensor(v, dtype=x.dtype, device=x.device).view(1, -1, 1, 1)


def standardise(x: torch.Tensor, mean, std) -> torch.Tensor:
    """Pixels in [0, 1] (N, C, H, W) -> (x - mean) / std per channel, as a new tensor (attacks
    differentiate through it)."""
    return (x - _per_channel(mean, x)) / _per_channel(std, x)


def normalise(x_uint8: torch.Tensor, mean, std) -> torch.Tensor:
    """uint8 (N, H, W) or (N, C, H, W) -> float (N, C, H, W), (x / 255 - mean) / std per channel."""
    return standardise(to_unit(x_uint8), mean, std)


def class_balanced_subset(y: torch.Tensor, per_class: int, generator: torch.Generator) -> torch.Tensor:
    """Sorted indices of ``per_class`` random images of every class (all of a smaller class).

    The authors' ``labels_per_class``: with 7325 per class on SVHN, the classes with fewer images keep
    all of theirs (62,156 of 73,257 images).
    """
    picks = []
    for c in torch.unique(y).tolist():
        idx = torch.nonzero(y == c).flatten()
        picks.append(idx[torch.randperm(idx.shape[0], generator=generator)[:per_class]])
    return torch.cat(picks).sort().values


class TensorSource:
    """Training batches over ``(x, y)``; ``num_classes`` sizes the one-hot targets.

    ``crop_padding`` > 0 and ``flip`` turn on the augmentation; ``channels_last`` hands batches over
    in the memory layout that convolutions prefer.
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        seed: int,
        num_classes: int,
        mean=0.5,
        std=0.5,
        device: str | torch.device = "cpu",
        *,
        crop_padding: int = 0,
        flip: bool = False,
        channels_last: bool = False,
    ):
        if x.shape[0] != y.shape[0] or x.shape[0] == 0:
            raise ValueError(f"TensorSource: {x.shape[0]} images but {y.shape[0]} labels")
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.num_classes = num_classes
        self.mean, self.std = mean, std
        self.device = torch.device(device)
        self.crop_padding, self.flip, self.channels_last = crop_padding, flip, channels_last
        self.generator = seed_generator(seed, "batches")
        self.order = torch.randperm(x.shape[0], generator=self.generator)
        self.position = 0
        self.epoch = 0

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.x.shape[0] / self.batch_size)

    def next_batch(self) -> Batch:
        if self.position >= self.x.shape[0]:
            self.order = torch.randperm(self.x.shape[0], generator=self.generator)
            self.position = 0
            self.epoch += 1
        idx = self.order[self.position : self.position + self.batch_size]
        self.position += idx.shape[0]
        x = to_unit(self.x[idx].to(self.device))
        if self.crop_padding or self.flip:
            x = crop_flip(x, self.crop_padding, self.flip, self.generator)
        x = standardise(x, self.mean, self.std)
        fmt = torch.channels_last if self.channels_last else torch.contiguous_format
        return Batch(x=x.contiguous(memory_format=fmt), y=self.y[idx].to(self.device))

    def state_dict(self) -> dict:
        return {
            "generator": self.generator.get_state(),
            "order": self.order,
            "position": self.position,
            "epoch": self.epoch,
        }

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])
        self.order = state["order"]
        self.position = int(state["position"])
        self.epoch = int(state["epoch"])
