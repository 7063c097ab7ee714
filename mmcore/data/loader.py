"""Batches from an in-memory dataset, epoch by epoch, from one seeded generator (resumable).

Mirrors the authors' loaders: a fresh random order every epoch, and the last partial batch kept.
Images are stored as uint8 and normalised per batch, which keeps a 60,000-image dataset at 47 MB.
"""

from __future__ import annotations

import math

import torch

from ..policy import Batch

__all__ = ["TensorSource", "normalise"]


def normalise(x_uint8: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """uint8 (N, H, W) or (N, C, H, W) -> float (N, C, H, W), (x / 255 - mean) / std."""
    x = x_uint8.float().div_(255.0)
    if x.ndim == 3:
        x = x.unsqueeze(1)
    return x.sub_(mean).div_(std)


class TensorSource:
    """Training batches over ``(x, y)``; ``num_classes`` sizes the one-hot targets."""

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        seed: int,
        num_classes: int,
        mean: float = 0.5,
        std: float = 0.5,
        device: str | torch.device = "cpu",
    ):
        if x.shape[0] != y.shape[0] or x.shape[0] == 0:
            raise ValueError(f"TensorSource: {x.shape[0]} images but {y.shape[0]} labels")
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.num_classes = num_classes
        self.mean, self.std = mean, std
        self.device = torch.device(device)
        self.generator = torch.Generator().manual_seed(seed)
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
        x = normalise(self.x[idx], self.mean, self.std).to(self.device)
        return Batch(x=x, y=self.y[idx].to(self.device))

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
