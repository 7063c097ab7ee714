"""Model registry. Importing this package registers every model family."""

from . import gan, mlp, preact_resnet, synthetic_cnn, wide_resnet  # noqa: F401  (register entrypoints)
from ._registry import create_model, list_models, register_model

__all__ = ["create_model", "list_models", "register_model"]
