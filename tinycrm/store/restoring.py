"""What ``db restore`` reads of the database it replaces (erasures'
tombstones, the last ids given, what calendars hold), and how its copy
makes sure nothing was committed to it since: the backup API, which makes
the copy, can't run inside a transaction of the database it writes, so
the reading and the copy can't be one (see ``maintenance.restore``)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .busy import OTHER_WRITER
from .contacts import next_contact_id
from .errors import Busy, DamagedDatabase, is_corrupt
from .followups import next_followup_id
from .followups_gone import keep_before_restore
from .stopping import stop_if_asked

if TYPE_CHECKING:
    from .erasures import SetAside, Tombstone
    from .store import Store


@contextmanager
def _damaged_if_corrupt(store: Store) -> Iterator[None]:
    """What the restore reads of the database replaced (its last contact id,
    its follow-ups for calendars) may be on the pages that are damaged (the
    file opens, those tables don't read): that is a file to set aside, as
    one too damaged to open is, not a backup that failed."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if is_corrupt(exc):
            raise DamagedDatabase(f"{store.path} is damaged (SQLite said: {exc})") from None
        raise


@dataclass(frozen=True)
class Replaced:
    """What a restore carries over from the database it replaces (see
    ``maintenance.restore``), and ``version``: ``Commits.count()`` then, to tell a
    commit since."""

    floor: str
    last_contact: int
    last_followup: int
    erased: list[Tombstone]
    version: int


class Changed(Exception):
    """Another process committed to the database after the restore read it."""


class Commits:
    """A number that changes with every commit another connection makes to
    the database, and can be read while a restore's copy holds the lock
    (``store.conn`` can't be used then: SQLite leaves a backup's target to
    the backup until it is done). With WAL: ``PRAGMA data_version`` on a
    second connection, which only reads (WAL lets it while the copy holds the
    lock). Without: the file change counter (header bytes 24-27), which
    every commit adds one to: there the copy's lock (exclusive) would keep
    that connection out, but the copy writes nothing to the file before it
    commits. (``store.conn``'s own commits count too: the restore makes
    none but the copy's, its temporary table being no change to the file.)"""

    def __init__(self, store: Store) -> None:
        self.path = store.path
        mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
        self.conn = (sqlite3.connect(str(self.path), timeout=store.busy_timeout,
                                     isolation_level=None)
                     if mode.lower() == "wal" else None)

    def count(self) -> int:
        if self.conn is not None:
            return self.conn.execute("PRAGMA data_version").fetchone()[0]
        with open(self.path, "rb") as handle:
            return int.from_bytes(os.pread(handle.fileno(), 4, 24), "big")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def read_replaced(store: Store, commits: Commits, now: datetime,
                  replaced: SetAside | None) -> Replaced:
    """All of it in one write (BEGIN IMMEDIATE): a running import is waited
    for, and named, as any change waits for it, and nothing can be committed
    between what is read and the version taken."""
    from .erasures import tombstones

    with store.write(), _damaged_if_corrupt(store):
        # What calendars may hold of the follow-ups replaced, for
        # carry_over_restore: those the backup lacks leave them, and those it
        # brings back are updated there. (A TEMP table: the restore's writes
        # there are no commit to the database.)
        floor = keep_before_restore(store.conn, now)
        # Ids the database gave since the backup (contacts', follow-ups') are
        # not given again: an app still showing one (or a script that kept
        # it) would write to whoever got it next.
        last_contact = next_contact_id(store.conn) - 1
        last_followup = next_followup_id(store.conn) - 1
        # (GDPR: an erasure is made again when a backup comes back.)
        erased = tombstones(store.conn)
        version = commits.count()
    if replaced is not None:
        erased = [*replaced.erased, *erased]
        last_contact = max(last_contact, replaced.last_contact)
        last_followup = max(last_followup, replaced.last_followup)
    return Replaced(floor, last_contact, last_followup, erased, version)


def watching(commits: Commits, version: int, deadline: float):
    """The backup API's ``progress`` for a restore's copy: waits for another
    writer's lock until ``deadline`` (``Busy``), and once the copy has the
    lock (its first step done, nothing committed), raises ``Changed`` if
    the database was committed to since it was read at ``version``."""
    looked = False

    def progress(status: int, remaining: int, total: int) -> None:
        nonlocal looked
        if status in (5, 6):  # SQLITE_BUSY, _LOCKED: nothing copied yet
            # (CPython retries a locked database without end, and without a
            # look at Ctrl-C: this is where both are heard.)
            stop_if_asked()
            if time.monotonic() > deadline:
                raise Busy(OTHER_WRITER)
        elif not looked:
            # (SQLITE_OK: a tinycrm database is more than the one page of a
            # step, so this comes before the step that commits, SQLITE_DONE.)
            looked = True
            if commits.count() != version:
                raise Changed
    return progress
