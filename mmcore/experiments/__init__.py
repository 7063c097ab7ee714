"""Experiment glue: turn one run-sheet row into a trained model and metrics, using the rest of mmcore.

Step scripts call these functions and nothing else; each experiment family has one module.
"""

from pathlib import Path

import torch

from ..io import atomic_write, write_csv


def save_trained(model, run: dict, history: list[dict], model_path, history_path, checkpoint_path=None) -> None:
    """Write a finished run's model (with its run row) and history, then drop its resume checkpoint."""
    atomic_write(model_path, lambda tmp: torch.save({"model": model.state_dict(), "run": dict(run)}, tmp))
    write_csv(history_path, history)
    if checkpoint_path is not None:
        Path(checkpoint_path).unlink(missing_ok=True)
