"""User errors: mistakes the user fixes (a config value, a missing dataset), reported as one sentence.

Step scripts print these without a traceback; anything else is a bug and keeps its traceback.
"""

__all__ = ["UserError"]


class UserError(Exception):
    """Base of every error whose message is a complete, one-sentence instruction to the user."""
