"""Experiment glue: turn one run-sheet row into a trained model and metrics, using the rest of mmcore.

Step scripts call these functions and nothing else; each experiment family has one module.
"""

import torch

from ..io import atomic_write, write_csv


def save_trained(model, run: dict, history: list[dict], model_path, history_path) -> None:
    """Write a finished run's model (with its run row) and history. The caller drops the resume
    checkpoint once every output of the run exists."""
    atomic_write(model_path, lambda tmp: torch.save({"model": model.state_dict(), "run": dict(run)}, tmp))
    write_csv(history_path, history)
