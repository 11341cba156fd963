"""The error a broken resource file raises: a leaf, so content.py and screening.py share it
without importing each other."""

from __future__ import annotations


class ContentError(ValueError):
    """A resource definition is broken; the message names the file and the field."""
