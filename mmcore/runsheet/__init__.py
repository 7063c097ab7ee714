"""Expand a validated config into the run sheet: one row per training run.

The artefact registry (:mod:`mmcore.artefacts`) says which cells each table or figure needs; this
package turns every cell into one run row per seed, with one cell builder per run family, a module each
as in the registry and the writers (:mod:`mmcore.tables`). Every row starts the same way
(:func:`._rows.make_row`: experiment, method, alpha). A row holds every setting that affects the
trained model, and its ``run_id`` is readable and derived from those values (a short hash covers the
ones not spelled out), so two tables that need the same model share one training job, and changing a
setting gives the affected runs new ids and leaves the others.

Mix points are named once (:mod:`mmcore.mix_points`): every family's eligible set becomes mix-point
*names* in the row's ``mix_points`` (comma-separated; ``""`` without mixing, the model's input point
for input mixup), and the training jobs build their :class:`~mmcore.policy.MixPolicy` from it. The
config may keep the paper's layer indices (0 = input, 1 = after stage 1, ...); an index the
architecture does not declare is a config error naming the key.

Light on purpose (no torch, no pandas): Snakemake builds the run sheet while it parses.
"""

from __future__ import annotations

from ..artefacts import ARTEFACTS
from ..artefacts.gan import gan_cells
from ..mix_points import MIX_POINTS
from ..pilot import apply_pilot
from ._rows import run_id
from .gan import gan_cell, gan_classifier_run
from .representations import REPRESENTATION_SETTINGS, representation_cell
from .supervised import SUPERVISED_ARCHS, default_layers, supervised_cell
from .synthetic import synthetic_cell

__all__ = [
    "MIX_POINTS",
    "REPRESENTATION_SETTINGS",
    "SUPERVISED_ARCHS",
    "run_id",
    "default_layers",
    "gan_cells",
    "gan_classifier_run",
    "supervised_cell",
    "artefact_cells",
    "made_artefacts",
    "all_runs",
    "slim",
]

#: The cell builder of each run family: ``(config, artefact, block, cell spec) -> cell with its runs``.
_CELL_BUILDERS = {
    "synthetic": synthetic_cell,
    "representations": representation_cell,
    "supervised": supervised_cell,
    "gan": gan_cell,
}


def artefact_cells(config: dict) -> dict[str, list[dict]]:
    """Every enabled artefact's cells, each with its run rows (``runs``), keyed by artefact name.

    Artefacts without runs (Figure 4) and those whose block is disabled or expands to no cell are left
    out; the workflow makes exactly the artefacts listed here (and the run-free ones).
    """
    out: dict[str, list[dict]] = {}
    for art in ARTEFACTS.values():
        if art.cells is None or not art.enabled(config):
            continue
        block = art.block_of(config)
        cells = [_CELL_BUILDERS[art.runs](config, art, block, spec) for spec in art.cells(block, config)]
        if cells:
            out[art.name] = cells
    pilot = config.get("pilot") or {}
    if pilot.get("enabled"):  # the caps enter every row (and its run id); off, the rows stay as they are
        apply_pilot(out, pilot)
    return out


def made_artefacts(config: dict, cells: dict[str, list[dict]]) -> list[str]:
    """Names of the artefacts this config makes, in the registry's order: those with cells, and those
    without runs whose block is on (Figure 4) or whose source table is made (the Table 9 figure)."""
    made = []
    for name, art in ARTEFACTS.items():
        if art.cells is not None:
            ok = name in cells
        elif art.source is not None:
            ok = art.source in cells
        else:
            ok = art.enabled(config)
        if ok:
            made.append(name)
    return made


def all_runs(cells: dict[str, list[dict]]) -> dict[str, dict]:
    """Every training run behind the cells, keyed by run id (rows with the same id are the same run),
    with the runs those runs need (``aux_runs``: the GAN's evaluation classifier)."""
    runs = {run["run_id"]: run for table in cells.values() for cell in table for run in cell["runs"]}
    for table in cells.values():
        for cell in table:
            for aux in cell.get("aux_runs", ()):
                runs.setdefault(aux["run_id"], aux)
    return runs


def slim(cells: list[dict]) -> list[dict]:
    """Cells as rule params: the paper's names and the run ids (not the full rows)."""
    return [
        {
            **{k: v for k, v in cell.items() if k not in ("runs", "aux_runs")},
            "run_ids": [r["run_id"] for r in cell["runs"]],
            "seeds": [r["seed"] for r in cell["runs"]],
        }
        for cell in cells
    ]
