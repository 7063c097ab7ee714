"""A strict model registry: one construction door, no silent overwrites (torchvision's rule)."""

from __future__ import annotations

import fnmatch
from typing import Callable

from torch import nn

from ..mixup import validate_mix_points

__all__ = ["register_model", "create_model", "list_models"]

_MODELS: dict[str, Callable[..., nn.Module]] = {}


def register_model(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Register an entrypoint under its function name; a second entrypoint of that name is an error."""
    name = fn.__name__
    if name in _MODELS:
        raise ValueError(f"model {name!r} is already registered")
    _MODELS[name] = fn
    return fn


def list_models(pattern: str = "*") -> list[str]:
    return sorted(n for n in _MODELS if fnmatch.fnmatch(n, pattern))


def create_model(name: str, **kwargs) -> nn.Module:
    """Build a registered model; ``None`` kwargs fall back to the entrypoint's defaults.

    Every model must declare its mix points; the declaration is checked against the built modules.
    """
    if name not in _MODELS:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}")
    model = _MODELS[name](**{k: v for k, v in kwargs.items() if v is not None})
    validate_mix_points(model)
    return model
