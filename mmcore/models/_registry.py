"""A strict model registry: one construction door, no silent overwrites (torchvision's rule), and no
silently ignored settings: a keyword the factory does not take is refused in one sentence."""

from __future__ import annotations

import fnmatch
import inspect
from typing import Callable

from torch import nn

from ..errors import UserError
from ..mixup import validate_mix_points

__all__ = ["ModelSettingError", "register_model", "create_model", "list_models", "model_settings", "settings_of",
           "check_settings"]

_MODELS: dict[str, Callable[..., nn.Module]] = {}
_SETTINGS: dict[str, tuple[str, ...]] = {}


class ModelSettingError(UserError, ValueError):
    """A model setting its factory does not take (a typo in the config, say): one sentence naming it."""


def settings_of(fn: Callable) -> tuple[str, ...]:
    """The keyword settings a factory takes: its named parameters; for a factory that hands ``**kwargs``
    to the class it returns (its return annotation), that class's parameters with a default (those
    without one, such as PreActResNet's block type, are the factory's to fix)."""
    sig = inspect.signature(fn, eval_str=True)
    named = [p.name for p in sig.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        return tuple(named)
    cls = sig.return_annotation
    if not inspect.isclass(cls):
        raise ValueError(f"{fn.__name__} takes **kwargs: annotate the class it returns, whose settings they are")
    params = inspect.signature(cls).parameters.values()
    return tuple(named + [p.name for p in params if p.default is not p.empty and p.name not in named])


def check_settings(what: str, given, known: tuple[str, ...]) -> None:
    """Refuse the names in ``given`` that are not in ``known``, in one sentence naming ``what``."""
    unknown = [k for k in given if k not in known]
    if unknown:
        raise ModelSettingError(
            f"{what}: unknown setting(s) {', '.join(repr(k) for k in unknown)}; known: {', '.join(known)}"
        )


def register_model(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Register an entrypoint under its function name; a second entrypoint of that name is an error.

    Its settings (:func:`settings_of`) are read here: a factory taking ``**kwargs`` must name the class
    it returns."""
    name = fn.__name__
    if name in _MODELS:
        raise ValueError(f"model {name!r} is already registered")
    _SETTINGS[name] = settings_of(fn)
    _MODELS[name] = fn
    return fn


def list_models(pattern: str = "*") -> list[str]:
    return sorted(n for n in _MODELS if fnmatch.fnmatch(n, pattern))


def model_settings(name: str) -> tuple[str, ...]:
    """The settings the registered model ``name`` takes."""
    _known(name)
    return _SETTINGS[name]


def _known(name: str) -> None:
    if name not in _MODELS:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(list_models())}")


def create_model(name: str, **kwargs) -> nn.Module:
    """Build a registered model; ``None`` kwargs fall back to the entrypoint's defaults, and a keyword it
    does not take is a :class:`ModelSettingError`.

    Every model must declare its mix points; the declaration is checked against the built modules.
    """
    _known(name)
    check_settings(f"model {name}", kwargs, _SETTINGS[name])
    model = _MODELS[name](**{k: v for k, v in kwargs.items() if v is not None})
    validate_mix_points(model)
    return model
