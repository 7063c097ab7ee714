"""The skeleton every experiment job shares: where it runs, its clock, its training call and its tail.

A job is one run-sheet row. It resolves its device and precision, trains (through :meth:`Job.train`,
which hands the loop the run's seed, checkpoint and name), then writes its outputs: the trained model
with its run row and the history (sealed, :mod:`mmcore.checkpoint`), whatever else the experiment
keeps, and metrics.json with the run row and provenance. Only then does it drop its resume checkpoint,
so a kill before that resumes the run instead of restarting it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from ..checkpoint import drop_checkpoint, save_trained
from ..io import save_torch
from ..pilot import caps_of
from ..records import write_record
from ..precision import resolve_precision
from ..provenance import provenance, resolve_device
from ..train import train

__all__ = ["Job", "write_metrics"]


def write_metrics(path: str | Path, run: dict, metrics: dict) -> dict:
    """metrics.json (or an evaluation's JSON): the run row, its metrics and the provenance, sealed
    (:mod:`mmcore.records`) and written atomically; returns that document."""
    return write_record(path, {"run": dict(run), "metrics": metrics, "provenance": provenance()})


class Job:
    """One run's job: ``device`` and ``precision`` resolved, a clock, and ``log`` (the experiment
    module's logger) for its progress lines."""

    def __init__(
        self,
        run: dict,
        *,
        device: str = "auto",
        precision: str = "fp32",
        checkpoint_path: str | Path | None = None,
        log: logging.Logger,
    ):
        self.run, self.name, self.log = run, run["run_id"], log
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.checkpoint_path = checkpoint_path
        self.started = time.time()
        self.pilot = caps_of(run) is not None  # a pilot run records its step and evaluation times
        self._clock = {"steps": 0, "train_s": 0.0, "eval_s": 0.0, "eval_images": 0}

    # ---- the clock ------------------------------------------------------------------------------------

    def start(self) -> None:
        """(Re)start the clock: the job's seconds count from here (the training, after the setup)."""
        self.started = time.time()

    def elapsed(self) -> float:
        return time.time() - self.started

    def seconds(self) -> float:
        """Seconds since :meth:`start`, as metrics.json records them."""
        return round(self.elapsed(), 1)

    def progress(self, message: str, *args) -> None:
        """Log a progress line, followed by the seconds since :meth:`start`."""
        self.log.info(message + "  (%.1fs)", *args, self.elapsed())

    # ---- training -------------------------------------------------------------------------------------

    def train(self, *args, loop: Callable[..., list[dict]] = train, **kwargs) -> list[dict]:
        """The training ``loop`` (:func:`mmcore.train.train`, or :func:`mmcore.gan.loop.train_gan`) on
        ``args`` with this run's seed, checkpoint and name; returns its history."""
        t0, eval_before = time.perf_counter(), self._clock["eval_s"]
        history = loop(*args, seed=int(self.run["seed"]), checkpoint_path=self.checkpoint_path, name=self.name, **kwargs)
        cfg = args[3] if len(args) > 3 else kwargs.get("cfg")
        self._clock["steps"] += int(getattr(cfg, "steps", 0) or getattr(cfg, "g_steps", 0))
        self._clock["train_s"] += time.perf_counter() - t0 - (self._clock["eval_s"] - eval_before)
        return history

    # ---- a pilot's clock (mmcore.pilot): seconds of the optimisation steps and of the evaluations ----

    def timed(self, fn: Callable[[], object], images: int):
        """``fn()``, its seconds and ``images`` counted as evaluation time."""
        t0 = time.perf_counter()
        out = fn()
        self._clock["eval_s"] += time.perf_counter() - t0
        self._clock["eval_images"] += int(images)
        return out

    def timed_eval(self, fn: Callable[[], object], images: int) -> Callable[[], object]:
        """``fn`` counted by :meth:`timed` at every call (an evaluation inside the training loop)."""
        return lambda: self.timed(fn, images)

    def pilot_metrics(self) -> dict:
        """A pilot run's timings for metrics.json (``pilot_steps``, ``pilot_train_s``, ``pilot_eval_s``,
        ``pilot_eval_images``); nothing for a real run, whose metrics stay as they were."""
        if not self.pilot:
            return {}
        c = self._clock
        return {"pilot_steps": c["steps"], "pilot_train_s": round(c["train_s"], 3),
                "pilot_eval_s": round(c["eval_s"], 3), "pilot_eval_images": c["eval_images"]}

    # ---- the tail -------------------------------------------------------------------------------------

    def save_model(self, model, history: list[dict] | None, model_path, history_path=None) -> None:
        """The trained model with the run row (sealed) and, when given, the history."""
        save_trained(model, self.run, history, model_path, history_path)

    def write_metrics(self, path: str | Path, metrics: dict) -> dict:
        return write_metrics(path, self.run, metrics)

    def done(self) -> None:
        """Drop the resume checkpoint: the last step, once every output exists."""
        drop_checkpoint(self.checkpoint_path)

    def finish(
        self,
        metrics_path: str | Path,
        metrics: dict,
        *,
        model=None,
        model_path: str | Path | None = None,
        history: list[dict] | None = None,
        history_path: str | Path | None = None,
        extra: dict | None = None,
    ) -> dict:
        """The whole tail, in its order: the model and history, the ``extra`` sealed torch files
        (path -> object), metrics.json, and only then the checkpoint's removal. Returns metrics.json's
        document."""
        if model is not None:
            self.save_model(model, history, model_path, history_path)
        for path, obj in (extra or {}).items():
            save_torch(path, obj)
        out = self.write_metrics(metrics_path, metrics)
        self.done()
        return out
