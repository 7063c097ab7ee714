"""What every family's run rows share: the head of a row, its readable id, the seeds of a block."""

from __future__ import annotations

import hashlib
import json

from ..mix_points import mix_alpha

__all__ = ["run_id", "make_row", "with_id", "seeds_of"]


def run_id(prefix: str, readable: list[tuple[str, object]], row: dict) -> str:
    """``prefix-k1v1-k2v2-<hash>``: readable (key, value) pairs first, then 8 hex digits of the row."""
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()[:8]
    parts = [prefix] + [f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}" for k, v in readable]
    return "-".join(parts + [digest])


def make_row(experiment: str, method: str, alpha: float, **settings) -> dict:
    """A run row: its head, the same in every family (the experiment, the method and its alpha, 0.0
    without mixing: a changed alpha must not retrain the baseline), then the family's settings in the
    order given."""
    return {"experiment": experiment, "method": method, "alpha": mix_alpha(method, alpha), **settings}


def _readable(row: dict) -> list[tuple[str, object]]:
    """The method, alpha and (for manifold mixup) the mix points: spelled the same in every family."""
    out = [("", row["method"]), ("a", row["alpha"])]
    if row["method"] == "manifold":
        out.append(("L", row["mix_points"].replace(",", "+")))
    return out


def with_id(row: dict, prefix: str, before: list, after: list) -> dict:
    """``row`` with its ``run_id``: the readable pairs ``before``, the method, alpha and mix points, then
    ``after`` (the seed last)."""
    row["run_id"] = run_id(prefix, before + _readable(row) + after, row)
    return row


def seeds_of(block: dict, fallback) -> list[int]:
    """The block's seeds, else ``fallback``'s."""
    seeds = block.get("seeds")
    return [int(s) for s in (fallback if seeds is None else seeds)]
