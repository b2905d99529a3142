"""Who holds the write lock, for the writers that wait for it.

An import is one transaction (killing it leaves the database as it was), so
it holds the database's write lock from start to end: about a minute for a
million rows. Other writers (the app, cron's ``remind``, another import)
wait on SQLite's busy timeout and would then fail with a bare "database is
locked". While it holds the lock, an import leaves a note beside the
database (``<db>-import``, owner-only) saying what it is. A writer that
times out reads it: the CLI keeps waiting while that import runs (``Store``'s
``wait_for_imports``), and whoever gives up says what they waited for.

Only the lock holder writes the note, so there is one at a time; a note whose
process is gone (a killed import) is ignored.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunningImport:
    pid: int
    user: str
    source: str
    started_at: str  # UTC, stored form

    def describe(self) -> str:
        return f"an import of {self.source} by {self.user} (process {self.pid})"


def note_path(db: Path) -> Path:
    return db.with_name(db.name + "-import")


class ImportNote:
    """The note of one import: ``write()`` once it holds the lock, ``remove()``
    once its transaction has ended (committed or not)."""

    def __init__(self, db: Path, *, user: str, source: str, started_at: str) -> None:
        self.path = note_path(Path(db))
        self.mine = RunningImport(os.getpid(), user, source, started_at)
        self.written = False

    def write(self) -> None:
        data = json.dumps(self.mine.__dict__, ensure_ascii=False).encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        except OSError:
            return  # a read-only folder: the import runs all the same, unannounced
        self.written = True

    def remove(self) -> None:
        # The next lock holder may have written its own note already: leave that.
        if self.written and read_note(self.path) == self.mine:
            try:
                self.path.unlink()
            except OSError:
                pass
        self.written = False


def read_note(path: Path) -> RunningImport | None:
    try:
        data = json.loads(path.read_bytes())
        return RunningImport(int(data["pid"]), str(data["user"]), str(data["source"]),
                             str(data["started_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running_import(db: Path) -> RunningImport | None:
    """The import that holds ``db``'s write lock, if one does (as far as its
    note says, and its process still runs)."""
    found = read_note(note_path(Path(db)))
    return found if found is not None and _alive(found.pid) else None


def _alive(pid: int) -> bool:
    if os.name == "nt":
        return True  # signal 0 means Ctrl-C there; the note goes when the import ends
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return False
    return True


def is_locked(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY: another connection held the lock past the busy timeout."""
    code = getattr(exc, "sqlite_errorcode", None)
    return (code & 0xFF) == sqlite3.SQLITE_BUSY if code is not None else "locked" in str(exc)
