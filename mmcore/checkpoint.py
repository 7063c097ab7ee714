"""Models on disk, sealed by :mod:`mmcore.io`: a finished run's trained model (with its run row) and the
resume checkpoint of a training loop that is still running.

Below the experiments: the training loops (:mod:`mmcore.train`, :mod:`mmcore.gan.loop`), the GAN
metrics' classifier loader and the experiment glue all read and write models through here.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .io import ArtefactError, load_torch, save_torch
from .records import write_history

__all__ = ["RETRAIN", "RESTART", "save_trained", "load_trained", "drop_checkpoint", "ResumeCheckpoint"]

#: What to do about a damaged trained model: Snakemake retrains a run whose model.pt is missing.
RETRAIN = "delete it and run the workflow again to retrain the run"
#: What to do about a damaged resume checkpoint.
RESTART = "delete it to restart the run from its first step"


def save_trained(model, run: dict, history: list[dict] | None, model_path, history_path=None) -> str:
    """Write a finished run's model (with its run row, sealed with its sha256) and, when given, its
    history; return the sha256.

    The resume checkpoint stays until :func:`drop_checkpoint`, called once every output of the job is
    written: a kill before that resumes the run instead of restarting it.
    """
    digest = save_torch(model_path, {"model": model.state_dict(), "run": dict(run)})
    if history is not None:
        write_history(history_path, history, run["run_id"])
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


class ResumeCheckpoint:
    """The resume checkpoint of one training loop, at ``path`` (None: the loop keeps none).

    ``parts`` names the objects whose state it holds: models, optimisers and batch sources (their
    ``state_dict``) and torch generators (their ``get_state``); the global RNG state goes with them, and
    the loop's own values (history, running window, step, config) after. It is written every ``every``
    steps and after step ``stop_after`` (the tests' simulated kill), atomically and sealed
    (:func:`mmcore.io.save_torch`), to a side path that is no workflow output; a killed run restores it
    before its first step and ends as the uninterrupted run would.
    """

    def __init__(self, path, parts: dict, every: int, stop_after: int | None = None):
        self.path = Path(path) if path else None
        self.parts, self.every, self.stop_after = parts, every, stop_after

    def restore(self, log) -> dict | None:
        """Load the checkpoint (verified; on the CPU, where generator and RNG states must stay, while
        ``load_state_dict`` moves the rest to the model), restore every part and the global RNG, log it
        on ``log`` and return the whole state (the loop takes its values from it); None when there is
        no checkpoint."""
        if self.path is None or not self.path.exists():
            return None
        state = load_torch(self.path, map_location="cpu", fix=RESTART)
        for name, part in self.parts.items():
            if isinstance(part, torch.Generator):
                part.set_state(state[name])
            else:
                part.load_state_dict(state[name])
        torch.set_rng_state(state["torch_rng"])
        log.info("resumed from %s at step %d", self.path, int(state["step"]))
        return state

    def end_of_step(self, **values) -> bool:
        """At the end of step ``values["step"]``: save when it is due (every ``every`` steps, and at
        ``stop_after``); whether the loop stops there (``stop_after``)."""
        step = values["step"]
        if self.path is not None and (step % self.every == 0 or step == self.stop_after):
            self.save(**values)
        return self.stop_after is not None and step >= self.stop_after

    def save(self, **values) -> None:
        """Write the parts' states, the global RNG state and ``values`` (which hold ``step``)."""
        state = {
            name: part.get_state() if isinstance(part, torch.Generator) else part.state_dict()
            for name, part in self.parts.items()
        }
        state["torch_rng"] = torch.get_rng_state()
        state.update(values)
        save_torch(self.path, state)
