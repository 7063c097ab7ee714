"""The paper's reported numbers (``mmcore/paper_reference.yaml``): the only place they live.

Light on purpose (PyYAML only): the workflow reads it while it parses, before any job runs.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

__all__ = ["paper_reference"]


@lru_cache(maxsize=1)
def paper_reference() -> dict:
    text = resources.files("mmcore").joinpath("paper_reference.yaml").read_text()
    return yaml.safe_load(text)
