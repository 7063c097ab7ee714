"""Atomic writers, and readers that verify: a failed job never leaves a file that looks complete, and a
damaged file is never used.

Torch files (trained models, resume checkpoints, representations) are *sealed*: :func:`save_torch`
serialises the object, records the sha256 of those bytes, and writes both in one file, atomically;
:func:`load_torch` recomputes the sha256 before it unpickles anything. The record travels with the
file it describes, so no kill can separate the two, and it works whichever job writes the file and
whatever else that job writes. JSON files are checked to parse (:func:`read_json`); a run's metrics,
evaluations and history are sealed too, by :mod:`mmcore.records`. Every failure is an
:class:`ArtefactError`: one sentence naming the file and what to do, which step scripts print without
a traceback.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from .errors import UserError

__all__ = [
    "ArtefactError",
    "atomic_write",
    "write_json",
    "write_text",
    "read_json",
    "sha256_file",
    "save_torch",
    "load_torch",
    "RERUN",
]

#: The usual fix for a damaged output of the workflow: Snakemake rebuilds a missing output.
RERUN = "delete it and run the workflow again to rebuild it"

#: Marks a sealed torch file (and the layout of its record).
SEAL = "mmcore.sealed.v1"


class ArtefactError(UserError, RuntimeError):
    """A file a job reads is missing, unreadable, or not what its writer recorded; one sentence."""


def atomic_write(path: str | Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are for everyone to read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> None:
    def _w(tmp: str) -> None:
        Path(tmp).write_text(text)

    atomic_write(path, _w)


def write_json(path: str | Path, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: str | Path, *, require: Iterable[str] = (), fix: str = RERUN):
    """Parse a JSON file; a missing, truncated or unparseable file, or a mapping without one of the
    ``require`` keys, is an :class:`ArtefactError` naming the file and ``fix``."""
    try:
        with open(path) as fh:
            obj = json.load(fh)
    except FileNotFoundError:
        raise ArtefactError(f"{path} is missing; {fix}") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ArtefactError(f"{path} is not readable JSON ({type(err).__name__}: truncated or damaged); {fix}") from None
    missing = [k for k in require if not isinstance(obj, dict) or k not in obj]
    if missing:
        raise ArtefactError(f"{path} lacks the key {missing[0]!r} that its writer records (damaged or changed); {fix}")
    return obj


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_torch(path: str | Path, obj) -> str:
    """``torch.save(obj)`` to ``path`` atomically, sealed with the sha256 of the serialised bytes
    (returned). Nothing about ``obj`` changes: :func:`load_torch` gives back an equal object."""
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    data = buf.getbuffer()
    digest = hashlib.sha256(data).hexdigest()
    sealed = {"format": SEAL, "sha256": digest, "payload": torch.frombuffer(bytearray(data), dtype=torch.uint8)}
    atomic_write(path, lambda tmp: torch.save(sealed, tmp))
    return digest


def load_torch(path: str | Path, *, map_location=None, fix: str = RERUN):
    """The object :func:`save_torch` wrote to ``path``, after checking its bytes against the sha256
    recorded with them; otherwise an :class:`ArtefactError` naming the file and ``fix``."""
    import torch

    def unreadable(err: Exception) -> ArtefactError:
        return ArtefactError(f"{path} is unreadable ({type(err).__name__}: truncated or damaged); {fix}")

    try:
        sealed = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ArtefactError(f"{path} is missing; {fix}") from None
    except Exception as err:  # noqa: BLE001 - whatever the damage, the sentence is the same
        raise unreadable(err) from None
    if not (
        isinstance(sealed, dict)
        and sealed.get("format") == SEAL
        and isinstance(sealed.get("sha256"), str)
        and isinstance(sealed.get("payload"), torch.Tensor)
    ):
        raise ArtefactError(
            f"{path} carries no sha256 record (written by an older version or another program), so it "
            f"cannot be verified; {fix}"
        )
    data = sealed["payload"].numpy().tobytes()
    if hashlib.sha256(data).hexdigest() != sealed["sha256"]:
        raise ArtefactError(f"{path} does not match the sha256 recorded when it was written (damaged since); {fix}")
    try:
        return torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except Exception as err:  # noqa: BLE001
        raise unreadable(err) from None
