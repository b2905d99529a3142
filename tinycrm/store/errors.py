"""One error hierarchy for everything the store refuses.

The CLI catches ``TinyCRMError`` once and exits with ``exit_code``; the TUI shows
the message as a notification. Exit codes are documented in the README.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_BUSY = 5


class TinyCRMError(Exception):
    exit_code = EXIT_ERROR

    @property
    def message(self) -> str:
        return str(self)


class ValidationError(TinyCRMError):
    """A value given by the user is malformed (an email, a date, a stage...)."""

    exit_code = EXIT_USAGE


class NotFound(TinyCRMError):
    exit_code = EXIT_NOT_FOUND


class Conflict(TinyCRMError):
    """The change would break a rule: an email in use, a stale edit, a duplicate."""

    exit_code = EXIT_CONFLICT


class Ambiguous(Conflict):
    def __init__(self, message: str, candidates: list[str]):
        super().__init__(message)
        self.candidates = candidates


class DatabaseError(TinyCRMError):
    """The database file can't be used: not SQLite, from the future, unreadable."""


class Busy(TinyCRMError):
    """Another program held the database's write lock for longer than we
    waited (a large import, usually): nothing was changed; try again."""

    exit_code = EXIT_BUSY
