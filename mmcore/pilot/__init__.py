"""The pilot of a configuration (``config.pilot``, configs/pilot.yaml, docs/pilot.md).

A pilot runs every job of a configuration through the real rules and code with the configuration's
models, batch sizes, image sizes and data pipeline, but every training loop capped at a few optimisation
steps and every evaluation at a few images, so that a paper-scale job that cannot run fails here, in
minutes, before cluster time is spent. This module holds:

* the caps: :func:`apply_pilot` writes them into every run row (``pilot_epochs``, ``pilot_steps``,
  ``pilot_eval_images``, ``pilot_attack_iterations``) and gives the row a new run id (``...-pilot-<hash>``)
  so that a pilot run never shares a folder with a real one; :func:`caps_of` reads them back in the
  loops (``None`` for a real run, which therefore computes exactly as before);
* the report: job kinds (:func:`job_kind`), what each kind stands for at full scale
  (:func:`full_scale_kinds`), the projection of its wall time and the check against the Slurm
  profile's ``mem_mb`` and ``runtime`` (:func:`report_rows`, :func:`profile_limits`).

Light (no torch): the workflow imports it while it parses.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

__all__ = [
    "Caps", "ROW_KEYS", "apply_pilot", "caps_of", "capped_schedule", "capped_count",  # the caps
    "TRAIN_RULES", "DATASET_SIZES", "job_kind", "run_kind", "paper_steps", "eval_images", "full_scale_kinds",
    "robustness_jobs",  # the job kinds (.kinds)
    "profile_limits", "report_rows", "report_markdown", "merge_configs", "read_benchmark", "collect_job",  # .report
]

#: The keys the pilot adds to a run row.
ROW_KEYS = ("pilot_epochs", "pilot_steps", "pilot_eval_images", "pilot_attack_iterations")


@dataclass(frozen=True)
class Caps:
    """A pilot run's caps: ``epochs`` x ``steps`` (per epoch) optimisation steps, ``eval_images`` images per
    evaluation, ``attack_iterations`` PGD iterations."""

    epochs: int
    steps: int
    eval_images: int
    attack_iterations: int

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps


def caps_of(run: dict) -> Caps | None:
    """The caps of a pilot run row, or None for a real run (whose loops then run uncapped)."""
    if "pilot_epochs" not in run:
        return None
    return Caps(
        int(run["pilot_epochs"]),
        int(run["pilot_steps"]),
        int(run["pilot_eval_images"]),
        int(run["pilot_attack_iterations"]),
    )


def capped_count(n: int, caps: Caps | None, cap_attr: str = "eval_images") -> int:
    """``n`` (0 = all) capped at the pilot's ``cap_attr``; ``n`` itself without a pilot."""
    if caps is None:
        return n
    cap = getattr(caps, cap_attr)
    return cap if n <= 0 else min(n, cap)


def capped_schedule(
    epochs: int, steps_per_epoch: int, milestones: list[int], caps: Caps | None
) -> tuple[int, int, list[int]]:
    """``(epochs, steps per epoch, milestone epochs)`` of an epoch-based loop under the caps.

    Without a pilot the arguments come back unchanged. A pilot runs ``caps.epochs`` epochs of at most
    ``caps.steps`` steps; the milestones are scaled by ``caps.epochs / epochs`` (rounded up, those at or
    past the pilot's last epoch dropped), so a schedule with milestones still changes its learning rate.
    """
    if caps is None:
        return epochs, steps_per_epoch, list(milestones)
    new_epochs = caps.epochs
    scaled = sorted({math.ceil(m * new_epochs / epochs) for m in milestones if epochs > 0})
    return new_epochs, min(steps_per_epoch, caps.steps), [m for m in scaled if 0 < m < new_epochs]


def _digest(row: dict) -> str:
    body = {k: v for k, v in row.items() if k != "run_id"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:8]


def apply_pilot(cells: dict[str, list[dict]], pilot: dict) -> None:
    """Write the pilot's caps into every run row of ``cells`` (in place) and re-id each row
    ``<readable part>-pilot-<hash of the row with its caps>``; references between runs (a GAN run's
    ``feature_run``) follow."""
    caps = {
        "pilot_epochs": int(pilot["epochs"]),
        "pilot_steps": int(pilot["steps"]),
        "pilot_eval_images": int(pilot["eval_images"]),
        "pilot_attack_iterations": int(pilot["attack_iterations"]),
    }
    renamed: dict[str, str] = {}

    def re_id(row: dict) -> None:
        if "pilot_epochs" in row:
            return
        old = row["run_id"]
        row.update(caps)
        row["run_id"] = f"{old.rsplit('-', 1)[0]}-pilot-{_digest(row)}"
        renamed[old] = row["run_id"]

    for table in cells.values():
        for cell in table:
            for aux in cell.get("aux_runs", ()):
                re_id(aux)
    for table in cells.values():
        for cell in table:
            for run in cell["runs"]:
                if run.get("feature_run"):
                    run["feature_run"] = renamed.get(run["feature_run"], run["feature_run"])
                re_id(run)


from .kinds import (  # noqa: E402 - after the caps they use
    DATASET_SIZES, TRAIN_RULES, eval_images, full_scale_kinds, job_kind, paper_steps, robustness_jobs, run_kind,
)
from .report import (  # noqa: E402
    collect_job, merge_configs, profile_limits, read_benchmark, report_markdown, report_rows,
)
