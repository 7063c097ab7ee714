"""Where random draws get their seeds: one ``torch.Generator`` per (run seed, purpose).

Every random draw in mmcore comes from a generator made by :func:`seed_generator` from the run's seed
and a *stream*, a name for the draw's purpose ("mix", "labels_per_class", ...), so adding a draw in
one place moves no other. The one exception is the model's initial weights: torch's initialisers draw
from the global RNG, which the experiments seed with ``torch.manual_seed(seed)`` before building the
model.

A stream's integer seed is ``1_000_003 * seed`` plus a position-weighted sum of the name's characters.
Two streams predate that rule and keep their own, so that every run draws what it drew before:

* ``"batches"`` (the batch sources' order, augmentation and synthetic training factors): the seed itself;
* ``"synthetic_test/<task>"`` (the synthetic task's fixed test set): ``10_000_019 * (seed + 1) + ord(task)``.
"""

from __future__ import annotations

import torch

__all__ = ["seed_generator", "stream_seed"]

_SYNTHETIC_TEST = "synthetic_test/"


def stream_seed(seed: int, stream: str) -> int:
    """The integer seed of ``stream``'s generator for run seed ``seed``."""
    seed = int(seed)
    if stream == "batches":
        return seed
    if stream.startswith(_SYNTHETIC_TEST):
        return 10_000_019 * (seed + 1) + ord(stream[len(_SYNTHETIC_TEST) :])
    return 1_000_003 * seed + sum((i + 1) * ord(ch) for i, ch in enumerate(stream))


def seed_generator(seed: int, stream: str) -> torch.Generator:
    """An independent CPU generator per (seed, stream), so adding a draw in one place moves no other."""
    return torch.Generator().manual_seed(stream_seed(seed, stream))
