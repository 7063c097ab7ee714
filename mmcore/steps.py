"""What every step script does first: log to the rule's log file, and use the rule's thread count."""

from __future__ import annotations

import contextlib
import errno
import logging
import sys
from typing import Iterator

from .errors import UserError

__all__ = ["step"]


def _disk_full(err: BaseException) -> bool:
    """ENOSPC, as an OSError or wrapped by torch's writer (a RuntimeError quoting the OS message)."""
    while err is not None:
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            return True
        if "No space left on device" in str(err):
            return True
        err = err.__cause__ or err.__context__
    return False


@contextlib.contextmanager
def step(log_path: str, threads: int | None = None) -> Iterator[logging.Logger]:
    """Route logging to ``log_path`` (and stderr); record any failure there before re-raising.

    ``threads`` (training and evaluation jobs) sets torch's thread count; table and figure jobs pass
    none and so never import torch unless their writer needs it.

    A :class:`~mmcore.errors.UserError` ends the step with its one sentence and no traceback.
    """
    handlers = [logging.FileHandler(log_path, mode="w"), logging.StreamHandler(sys.stderr)]
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    if threads is not None:
        import torch

        torch.set_num_threads(max(1, int(threads)))
    logger = logging.getLogger("step")
    try:
        yield logger
    except UserError as err:
        logger.error("%s", err)
        raise SystemExit(f"Error: {err}") from None
    except Exception as err:
        if not _disk_full(err):
            logger.exception("step failed")
            raise
        message = (
            "the disk is full (no space left on device) while this job wrote its outputs; nothing partial "
            "was kept: free some space and run the workflow again (it resumes where it stopped)"
        )
        logger.error("%s", message)
        raise SystemExit(f"Error: {message}") from None
    finally:
        for h in handlers:
            h.flush()
