"""The error documents raise for problems the user can fix (kept free of ReportLab imports)."""

from escape_desktop.errors import KnownError


class DocumentError(KnownError):
    """A document cannot be made; the message says what to do about it."""
