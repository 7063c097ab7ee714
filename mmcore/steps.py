"""What every step script does first: log to the rule's log file, and use the rule's thread count."""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Iterator

from .errors import UserError

__all__ = ["step"]


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
    except Exception:
        logger.exception("step failed")
        raise
    finally:
        for h in handlers:
            h.flush()
