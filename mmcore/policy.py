"""Mixing policies: how one training step turns a batch into (logits, soft targets).

The one training loop (``mmcore.train``) is the same for every classifier experiment; experiments
differ by their batch source and by the policy here:

* ``none``: plain forward, one-hot targets;
* ``input``: mix at the model's input mix point (k = 0);
* ``manifold``: mix at a mix point drawn uniformly from the eligible set;
* ``factor``: mix the batch's generative factors and render them (synthetic task, appendix A).

All four draw their randomness with :func:`mmcore.mixup.sample_mix` from the policy's generator and
mix targets with :func:`mmcore.mixup.mix_targets`; ``input`` and ``manifold`` go through
:func:`mmcore.mixup.mixing`, so the model only declares its mix points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from .data.batch import Batch
from .losses import one_hot
from .mix_points import mixes, parse_mix_points
from .mixup import METHODS, mix_point_names, mix_targets, mixing, sample_mix

__all__ = ["MixPolicy"]


@dataclass
class MixPolicy:
    """One experiment's mixing choices.

    Attributes:
        method: one of ``none``, ``input``, ``manifold``, ``factor``.
        alpha: Beta(alpha, alpha) parameter of lambda.
        eligible: mix point names for ``manifold`` (the set S); ignored otherwise.
        detach: block the gradient before the mixing layer.
        per_example: one lambda per example instead of one per batch.
    """

    method: str = "none"
    alpha: float = 0.0
    eligible: Sequence[str] = ()
    detach: bool = False
    per_example: bool = False

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"unknown mixing method {self.method!r}; available: {', '.join(METHODS)}")
        if not self.alpha >= 0:
            raise ValueError(f"alpha: expected a number >= 0, got {self.alpha!r}")
        if self.method == "manifold" and not self.eligible:
            raise ValueError("manifold mixup needs a non-empty set of eligible mix points")

    @classmethod
    def for_run(cls, run: dict) -> "MixPolicy":
        """The policy of a run-sheet row: the one way every experiment builds it (``mix_points`` are names)."""
        return cls(
            method=run["method"],
            alpha=float(run["alpha"]),
            eligible=parse_mix_points(run.get("mix_points")),
            detach=bool(run.get("detach", False)),
            per_example=bool(run.get("lambda_per_example", False)),
        )

    def points(self, model: nn.Module) -> tuple[str, ...]:
        """The eligible mix points of this policy on ``model`` (validated against its declaration)."""
        declared = mix_point_names(model)
        if self.method == "input":
            return declared[:1]
        if self.method == "manifold":
            unknown = [p for p in self.eligible if p not in declared]
            if unknown:
                raise ValueError(
                    f"eligible mix points {unknown} are not declared by {type(model).__name__}; "
                    f"declared: {', '.join(declared)}"
                )
            return tuple(self.eligible)
        return ()

    def forward(
        self, model: nn.Module, batch: Batch, generator: torch.Generator, num_classes: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits and soft targets of one training step."""
        targets = one_hot(batch.y, num_classes)
        if not mixes(self.method):
            return model(batch.x), targets
        params = sample_mix(
            batch.y.shape[0],
            self.alpha,
            generator,
            points=self.points(model) or None,
            per_example=self.per_example,
        ).to(batch.y.device)
        targets = mix_targets(targets, params)
        if self.method == "factor":
            if batch.factors is None or batch.render is None:
                raise ValueError("factor mixup needs a batch source that renders factors")
            return model(batch.render(batch.factors, params)), targets
        with mixing(model, params, detach=self.detach):
            return model(batch.x), targets
