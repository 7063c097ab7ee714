"""A run's records, sealed like its model: metrics.json and the evaluation JSONs, and history.csv.

A table is only as good as the numbers it reads, and a JSON or CSV file is easy to damage without
breaking its syntax: a changed digit, another run's file copied into a folder, a history cut at a line
boundary, a metric set to null. So the job that writes a record seals it, and every reader checks the
seal before it uses a number:

* a **JSON record** (``{"run": ..., "metrics": ..., "provenance": ...}``) carries ``"seal"``: the
  sha256 of its canonical JSON (sorted keys, no whitespace) without the seal;
* a **history** ends with one comment line, ``# sealed sha256=<hex> run_id=<id>``, the sha256 of the
  bytes before it.

The reader also checks that the record belongs to the run whose folder holds it (its run id), and
hands the writers a :class:`Metrics` mapping that refuses a missing metric, a null one or a value of
the wrong type (every metric is a number, or a list or mapping of numbers, except the few text ones)
in one sentence naming the file and the fix, never a blank cell or a traceback.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from .io import RERUN, ArtefactError, atomic_write, read_json, write_text

__all__ = ["Metrics", "write_record", "read_record", "write_history", "read_history", "TEXT_METRICS"]

SEAL = "mmcore.sealed-json.v1"
_HISTORY_SEAL = "# sealed sha256="

#: Metrics whose value is text (the arithmetic a run used, the features that scored a GAN).
TEXT_METRICS = frozenset({"precision", "features"})


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str).encode()


def _digest(obj) -> str:
    return hashlib.sha256(_canonical(obj)).hexdigest()


def write_record(path: str | Path, record: dict) -> dict:
    """``record`` as JSON, sealed, atomically; returns it as written (with its seal)."""
    body = {k: v for k, v in record.items() if k != "seal"}
    # Round-trip first, so the digest is that of what a reader will parse (tuples become lists, ...).
    body = json.loads(_canonical(body))
    sealed = {**body, "seal": {"format": SEAL, "sha256": _digest(body)}}
    write_text(path, json.dumps(sealed, indent=2, sort_keys=True) + "\n")
    return sealed


def _folder_run_id(path: Path) -> str:
    return path.parent.name


def read_record(path: str | Path, *, run_id: str | None = None, fix: str = RERUN) -> dict:
    """A sealed record, checked: its seal, its run id (``run_id``, by default the name of the folder
    that holds it) and the types of its metrics; ``metrics`` comes back as a :class:`Metrics`."""
    path = Path(path)
    obj = read_json(path, require=("run", "metrics"), fix=fix)
    seal = obj.get("seal")
    if not isinstance(seal, dict) or seal.get("format") != SEAL or not isinstance(seal.get("sha256"), str):
        raise ArtefactError(f"{path} carries no seal (written by an older version or by hand), so its numbers "
                            f"cannot be trusted; {fix}")
    body = {k: v for k, v in obj.items() if k != "seal"}
    if _digest(body) != seal["sha256"]:
        raise ArtefactError(f"{path} does not match the seal its job wrote (a number or key changed since); {fix}")
    expected = _folder_run_id(path) if run_id is None else run_id
    found = obj["run"].get("run_id") if isinstance(obj["run"], dict) else None
    if found != expected:
        raise ArtefactError(f"{path} belongs to run {found!r}, not to {expected!r} whose folder holds it "
                            f"(copied from another run?); {fix}")
    if not isinstance(obj["metrics"], dict):
        raise ArtefactError(f"{path} has no mapping of metrics; {fix}")
    obj["metrics"] = Metrics(obj["metrics"], path, fix)
    return obj


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_value(path, key: str, value, fix: str) -> None:
    if value is None:
        raise ArtefactError(f"{path} has no value for the metric {key!r} (null); {fix}")
    if key in TEXT_METRICS:
        if not isinstance(value, str):
            raise ArtefactError(f"{path}: the metric {key!r} should be text, got {value!r}; {fix}")
        return
    if isinstance(value, dict):
        for k, v in value.items():
            _check_value(path, f"{key}.{k}", v, fix)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_value(path, f"{key}[{i}]", v, fix)
    elif not _is_number(value):
        raise ArtefactError(f"{path}: the metric {key!r} should be a number, got {value!r}; {fix}")


class Metrics(dict):
    """A record's metrics, checked once read: a missing key, a null or a value of the wrong type is
    an :class:`~mmcore.io.ArtefactError` naming the file, not a KeyError or a blank cell."""

    def __init__(self, values: dict, path, fix: str = RERUN):
        super().__init__(values)
        self.path, self.fix = path, fix
        for key, value in values.items():
            _check_value(path, key.rsplit(".", 1)[-1] if isinstance(key, str) else str(key), value, fix)

    def __missing__(self, key):
        raise ArtefactError(f"{self.path} lacks the metric {key!r} that its writer records; {self.fix}")


# ---- history.csv ----------------------------------------------------------------------------------


def write_history(path: str | Path, rows: list[dict], run_id: str) -> None:
    """Rows of equal keys as CSV, then the seal line (no pandas: step scripts start faster without it)."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else [])
    writer.writeheader()
    writer.writerows(rows)
    body = buf.getvalue()
    digest = hashlib.sha256(body.encode()).hexdigest()

    def _w(tmp: str) -> None:
        with open(tmp, "w", newline="") as fh:
            fh.write(body + f"{_HISTORY_SEAL}{digest} run_id={run_id}\n")

    atomic_write(path, _w)


def read_history(path: str | Path, *, run_id: str | None = None, fix: str = RERUN):
    """A sealed history.csv as a DataFrame, after checking its seal and its run id (by default the
    name of the folder that holds it)."""
    import pandas as pd

    path = Path(path)
    try:
        text = path.read_bytes().decode()
    except FileNotFoundError:
        raise ArtefactError(f"{path} is missing; {fix}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ArtefactError(f"{path} is unreadable ({type(err).__name__}: damaged); {fix}") from None
    body, _, last = text.rstrip("\n").rpartition("\n")
    if not last.startswith(_HISTORY_SEAL):
        raise ArtefactError(f"{path} does not end with its seal (cut short, or written by an older version); {fix}")
    digest, _, owner = last[len(_HISTORY_SEAL):].partition(" run_id=")
    if hashlib.sha256((body + "\n").encode()).hexdigest() != digest:
        raise ArtefactError(f"{path} does not match the seal its job wrote (rows changed or cut since); {fix}")
    expected = _folder_run_id(path) if run_id is None else run_id
    if owner != expected:
        raise ArtefactError(f"{path} belongs to run {owner!r}, not to {expected!r} whose folder holds it; {fix}")
    table = pd.read_csv(io.StringIO(body + "\n"))
    for column in table.columns:
        if table[column].dtype == object:
            raise ArtefactError(f"{path}: the column {column!r} holds text where numbers belong; {fix}")
    return table
