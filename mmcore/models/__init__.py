"""Model registry. Importing this package registers every model family."""

from . import mlp, synthetic_cnn  # noqa: F401  (register their entrypoints)
from ._registry import create_model, list_models, register_model

__all__ = ["create_model", "list_models", "register_model"]
