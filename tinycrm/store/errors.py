"""One error hierarchy for everything the store refuses.

The CLI catches ``TinyCRMError`` once and exits with ``exit_code``; the TUI shows
the message as a notification. Exit codes are documented in the README.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

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


class MergedAway(NotFound):
    """An id no contact has now because it was merged into another."""

    def __init__(self, contact_id: int | str, into: int) -> None:
        super().__init__(f"contact {contact_id} was merged into contact {into}")
        self.into = into


class Conflict(TinyCRMError):
    """The change would break a rule: an email in use, a stale edit, a duplicate."""

    exit_code = EXIT_CONFLICT


class Ambiguous(Conflict):
    def __init__(self, message: str, candidates: list[str]):
        super().__init__(message)
        self.candidates = candidates


class DatabaseError(TinyCRMError):
    """The database file can't be used: not SQLite, from the future, unreadable."""


class DamagedDatabase(DatabaseError):
    """tinycrm's own file, damaged where SQLite reads it first (its schema):
    it can't be opened, and a backup is what puts it right."""


class FileGone(DatabaseError):
    """The database file was deleted or replaced while it was open: a write
    would go to the old file and be lost, so none is made."""


class Busy(TinyCRMError):
    """Another program held the database's write lock for longer than we
    waited (a large import, usually): nothing was changed; try again."""

    exit_code = EXIT_BUSY


SHOWN = 60  # characters of a value that a message quotes


def quoted(value: object) -> str:
    """``repr(value)`` for a message, a long text cut to its start: a cell or
    a line of a file can be megabytes, and the message would be as long."""
    if isinstance(value, str) and len(value) > SHOWN:
        return f"{value[:SHOWN]!r}... ({len(value):,} characters)"
    return repr(value)


def listed(names: list[str], *, most: int = 8) -> str:
    """Names for a message, the first ``most``, each cut like ``quoted``'s."""
    shown = [n if len(n) <= SHOWN else n[:SHOWN] + "..." for n in names[:most]]
    return ", ".join(shown) + (f", ... ({len(names):,} in all)" if len(names) > most else "")


LONGEST_MESSAGE = 1000


def cut(message: str) -> str:
    """A message kept to ``LONGEST_MESSAGE`` characters: whatever built it,
    a value from a file can't make it megabytes long."""
    if len(message) <= LONGEST_MESSAGE:
        return message
    return f"{message[:LONGEST_MESSAGE]}... ({len(message):,} characters)"


def is_read_only(exc: BaseException) -> bool:
    """SQLITE_READONLY: the file, its -wal or -shm, or its folder can't be written."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_READONLY


def is_corrupt(exc: BaseException) -> bool:
    """SQLITE_CORRUPT, or one of its extended codes (a damaged index, a
    damaged -wal...): the file is damaged, not the statement wrong."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_CORRUPT


def read_only_message(path: Path | str) -> str:
    # (SQLite's own words, "attempt to write a readonly database", name
    # neither the file nor the remedy.)
    return (f"can't write to {path}: it is read-only (check the permissions of the file,"
            " its -wal and -shm, and its folder)")
