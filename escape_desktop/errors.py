"""The base of every error the user can act on; a leaf module every layer may import."""

from __future__ import annotations


class KnownError(Exception):
    """A problem the user can act on; its message is one plain sentence saying what to do."""
