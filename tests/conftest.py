import os
from pathlib import Path

import pytest
import torch

# A Slurm client without a reachable config would try a DNS lookup (see shared slurm facts); the
# Slurm executor plugin runs one at import, so every snakemake call in the tests gets this.
os.environ.setdefault("SLURM_CONF", "/dev/null")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _seed_and_threads():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    yield


@pytest.fixture
def repo() -> Path:
    return REPO
