"""Errors services raise for input a user can correct."""

from escape_desktop.errors import KnownError


class ValidationError(KnownError):
    """Bad input: ``field`` names the field at fault, the message says what to do."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class NotFound(KnownError):
    pass
