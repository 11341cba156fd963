"""Errors the data layer raises for problems with the environment, not bugs."""


class KnownError(Exception):
    """A problem the user can act on; its message is one plain sentence saying what to do."""


class DatabaseLocked(KnownError):
    pass


class DiskFull(KnownError):
    pass


class NotADatabase(KnownError):
    """The file is damaged, is not a database, or the passphrase is wrong."""


class NewerDatabase(KnownError):
    pass


class WrongPassphrase(KnownError):
    pass
