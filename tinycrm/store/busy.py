"""Who holds the write lock, for the writers that wait for it.

An import is one transaction (killing it leaves the database as it was), so
it holds the database's write lock from start to end: about a minute for a
million rows. Other writers (the app, cron's ``remind``, another import)
wait on SQLite's busy timeout and would then fail with a bare "database is
locked". While it holds the lock, an import (or the undo of one, which
takes as long) leaves a note beside the database (``<db>-import``,
owner-only) saying what it is. A writer that
times out reads it: the CLI keeps waiting while that import runs (``Store``'s
``wait_for_imports``), the app says on screen what a save waits for (``on_wait``),
and whoever gives up says what they waited for.

Only the lock holder writes and removes the note (it is put in place whole,
by rename, and taken away before the commit), so there is one at a time. The
import also holds an advisory lock on the note's file: a note whose file
nobody locks was left by an import that was killed, and is ignored.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no note is written or read; writers time out as before
    fcntl = None  # type: ignore[assignment]

# What a writer is told when something other than an import kept the lock.
OTHER_WRITER = "the database is busy: another program kept its write lock too long; try again"


@dataclass(frozen=True)
class RunningImport:
    pid: int
    user: str
    source: str
    started_at: str  # UTC, stored form
    action: str = "import"  # or "undo": of the import batch ``source`` names

    def describe(self) -> str:
        if self.action == "undo":
            return f"the undo of {self.source} by {self.user} (process {self.pid})"
        return f"an import of {self.source} by {self.user} (process {self.pid})"


def note_path(db: Path) -> Path:
    db = Path(db).resolve()
    return db.with_name(db.name + "-import")


class ImportNote:
    """The note of one import (or undo): ``write()`` once it holds the write
    lock, ``remove()`` before it lets go of it (commit or rollback), or both
    around the work with ``held()``."""

    def __init__(self, db: Path, *, user: str, source: str, started_at: str,
                 action: str = "import") -> None:
        self.path = note_path(db)
        self.mine = RunningImport(os.getpid(), user, source, started_at, action)
        self._fd: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        self.write()
        try:
            yield
        finally:
            self.remove()  # while we still hold the lock: no one else can have written one

    def write(self) -> None:
        if fcntl is None:
            return  # without the lock, a killed import's note would look alive
        # (Made before the file is: text that can't be written leaves no file behind.)
        text = json.dumps(asdict(self.mine), ensure_ascii=False).encode("utf-8", "backslashreplace")
        part = self.path.with_name(self.path.name + f".{os.getpid()}")
        try:
            fd = os.open(part, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError:
            return  # a read-only folder: the import runs all the same, unannounced
        try:
            os.write(fd, text)
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.replace(part, self.path)
        except OSError:
            os.close(fd)
            _unlink(part)
            return
        self._fd = fd

    def remove(self) -> None:
        if self._fd is None:
            return
        _unlink(self.path)
        os.close(self._fd)  # and with it the advisory lock
        self._fd = None


def running_import(db: Path) -> RunningImport | None:
    """The import that holds ``db``'s write lock, if one does (as far as its
    note says, and its process still holds the note)."""
    if fcntl is None:
        return None
    try:
        fd = os.open(note_path(db), os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # held: its import is running
        else:
            return None  # nobody holds it: left by an import that was killed
        data = json.loads(os.read(fd, 65536))
        return RunningImport(int(data["pid"]), str(data["user"]), str(data["source"]),
                             str(data["started_at"]), str(data.get("action", "import")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    finally:
        os.close(fd)


def is_locked(exc: sqlite3.Error) -> bool:
    """SQLITE_BUSY: another connection held the lock past the busy timeout."""
    code = getattr(exc, "sqlite_errorcode", None)
    return (code & 0xFF) == sqlite3.SQLITE_BUSY if code is not None else "locked" in str(exc)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
