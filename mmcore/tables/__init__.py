"""Writers of the registered artefacts (``mmcore.artefacts``), one module per family.

Every writer walks its artefact's cells the same way, with :func:`per_run`: cell -> run ids -> the
run's file, so no table repeats that loop. Tables return a DataFrame (the generic ``table`` step writes
it with the artefact's title and notes); figures draw into the given PNG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

__all__ = ["per_run", "seed_of", "files_of", "load_json", "figure_title", "regime", "fits", "with_regime"]


def load_json(path: str | Path) -> dict:
    """A run's metrics or evaluation file, its seal, run id and metric types checked: a damaged one, or
    one of another run, stops the job in one sentence (:mod:`mmcore.records`)."""
    from ..records import read_record

    return read_record(path)


def per_run(
    cells: list[dict], files: dict[str, str], load: Callable[[str], object] = load_json
) -> Iterator[tuple[dict, str, object]]:
    """(cell, run id, loaded file) for every run of every cell, in cell order; each file loaded once."""
    cache: dict[str, object] = {}
    for cell in cells:
        for rid in cell["run_ids"]:
            if rid not in cache:
                cache[rid] = load(files[rid])
            yield cell, rid, cache[rid]


def seed_of(cell: dict, rid: str, loaded: object = None) -> int | None:
    """The seed of run ``rid`` of ``cell``: the run sheet's (``seeds`` is parallel to ``run_ids``), else
    the run file's own (``run.seed`` of a metrics or evaluation file), else None (unknown)."""
    if "seeds" in cell:
        return int(cell["seeds"][cell["run_ids"].index(rid)])
    seed = loaded.get("run", {}).get("seed") if isinstance(loaded, dict) else None
    return None if seed is None else int(seed)


def files_of(artefact, paths) -> dict[str, str]:
    """The job's input files by run id (``results/runs/<run id>/<file>``), or ``{"table": csv}``."""
    paths = [str(p) for p in paths]
    if artefact.source is not None:
        return {"table": paths[0]}
    return {Path(p).parent.name: p for p in paths}


def figure_title(artefact, options: dict) -> str:
    return artefact.fill(artefact.title, options)


def regime(values: dict[str, tuple[str, float]], threshold: float, criterion: str) -> str:
    """Whether every run behind a table, whatever its method (run id -> (method, value); a run shared
    by two cells counts once), is in the regime the paper's claims concern (networks trained to
    convergence), as measured: one phrase for the table's note, its CSV and the scorecard, quoting the
    lowest value of each method. A comparison of a trained baseline with undertrained mixup runs says
    nothing about mixup, so the mixup runs are held to the same criterion as the baseline."""
    if not values:
        return f"not measured: the table has no run with {criterion} recorded (>= {threshold:g} %)"
    by_method: dict[str, list[float]] = {}
    for method, value in values.values():
        by_method.setdefault(method, []).append(float(value))
    low = min(min(v) for v in by_method.values())
    verdict = "met" if low >= threshold else "NOT met"
    parts = ", ".join(f"{m} {min(v):.1f} % ({len(v)} run{'s' if len(v) > 1 else ''})" for m, v in by_method.items())
    return f"{verdict}: {criterion} >= {threshold:g} % for every run; lowest per method: {parts}"


def fits(cells, files, metric: str) -> dict[str, tuple[str, float]]:
    """Run id -> (method, ``metric``) for every run of the cells that records ``metric``."""
    return {rid: (cell["method"], m["metrics"][metric]) for cell, rid, m in per_run(cells, files)
            if metric in m["metrics"]}


def with_regime(table, state: str):
    """Add the regime to a table (a column the scorecard copies, and a note under the title)."""
    table["regime"] = state
    table.attrs["notes"] = [f"Regime: {state}."]
    return table
