"""Models on disk, sealed by :mod:`mmcore.io`: a finished run's trained model (with its run row) and the
resume checkpoint of a training loop that is still running.

Below the experiments: the training loops (:mod:`mmcore.train`, :mod:`mmcore.gan.loop`), the GAN
metrics' classifier loader and the experiment glue all read and write models through here.
"""

from __future__ import annotations

from pathlib import Path

from .io import ArtefactError, load_torch, save_torch, write_csv

__all__ = ["RETRAIN", "save_trained", "load_trained", "drop_checkpoint"]

#: What to do about a damaged trained model: Snakemake retrains a run whose model.pt is missing.
RETRAIN = "delete it and run the workflow again to retrain the run"


def save_trained(model, run: dict, history: list[dict] | None, model_path, history_path=None) -> str:
    """Write a finished run's model (with its run row, sealed with its sha256) and, when given, its
    history; return the sha256.

    The resume checkpoint stays until :func:`drop_checkpoint`, called once every output of the job is
    written: a kill before that resumes the run instead of restarting it.
    """
    digest = save_torch(model_path, {"model": model.state_dict(), "run": dict(run)})
    if history is not None:
        write_csv(history_path, history)
    return digest


def drop_checkpoint(checkpoint_path) -> None:
    """Remove a run's resume checkpoint: the last step of a job, after all of its outputs exist."""
    if checkpoint_path is not None:
        Path(checkpoint_path).unlink(missing_ok=True)


def load_trained(model_path, run_id: str | None, device) -> dict:
    """The state :func:`save_trained` wrote (``model``, ``run``), verified against its sha256 and, when
    ``run_id`` is given, checked to be that run's."""
    state = load_torch(model_path, map_location=device, fix=RETRAIN)
    if not isinstance(state, dict) or "model" not in state or "run" not in state:
        raise ArtefactError(f"{model_path} is not a trained model of this workflow; {RETRAIN}")
    if run_id is not None and state["run"].get("run_id") != run_id:
        raise ArtefactError(f"{model_path} holds run {state['run'].get('run_id')!r}, not {run_id!r}; {RETRAIN}")
    return state
