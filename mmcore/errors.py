"""User errors: mistakes the user fixes (a config value, a missing dataset), reported as one sentence.

Step scripts print these without a traceback; anything else is a bug and keeps its traceback.
"""

__all__ = ["UserError", "DivergenceError"]


class UserError(Exception):
    """Base of every error whose message is a complete, one-sentence instruction to the user."""


class DivergenceError(UserError, FloatingPointError):
    """A run diverged (non-finite logits, an exploded loss): one sentence naming the run, where it
    happened when known, what was seen and the likely fix."""

    def __init__(self, name: str, what: str, fix: str, where: str | None = None):
        self.name, self.what, self.fix, self.where = name, what, fix, where
        at = f" at {where}" if where else ""
        super().__init__(f"{name} diverged{at}: {what}; {fix}")

    def at(self, where: str) -> "DivergenceError":
        """The same error, placed (e.g. at the epoch whose evaluation found it)."""
        return DivergenceError(self.name, self.what, self.fix, where)
