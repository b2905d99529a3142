"""The ``Store`` facade: one open database, the acting user, and the clock.

Each aggregate (contacts, timeline, follow-ups, ...) lives in its own module
and is reached as an attribute, loaded on first use so a short CLI command
imports only what it needs.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .busy import OTHER_WRITER, RunningImport, is_locked, running_import
from .db import BUSY_TIMEOUT_MS, connect, file_identity, gone_from, migrate
from .errors import Busy
from .settings import StoreSettings
from .textutil import one_line
from .timeutil import system_now

if TYPE_CHECKING:
    from .audit import Audit
    from .contacts import Contacts
    from .followups import FollowUps
    from .search import Search
    from .timeline import Timeline


_GLANCE = 0.2  # seconds a waiting command tries the lock before it looks for an import
_SLICE = 1.0  # seconds of one wait for the lock inside a longer one


class Store:
    def __init__(
        self,
        path: str | Path,
        *,
        user: str,
        clock: Callable[[], datetime] = system_now,
        settings: StoreSettings | None = None,
        apply_rules: bool = True,
        busy_timeout: float = BUSY_TIMEOUT_MS / 1000,
        wait_for_imports: float = 0.0,
        on_wait: Callable[[RunningImport, bool], None] | None = None,
    ) -> None:
        """``busy_timeout``: seconds a write waits for another's lock (SQLite's
        busy timeout). When that runs out while an import holds the lock, the
        write waits on for it: this Store's writes wait up to
        ``wait_for_imports`` seconds in all (see ``busy``). Then they raise
        ``Busy``. A write that waits for an import calls ``on_wait`` once,
        as soon as it finds the import's note (within a second or so)."""
        self.path = Path(path)
        # Recorded as the author of every change: never an escape sequence.
        self.user = one_line(user) or "unknown"
        self.clock = clock
        self.settings = settings or StoreSettings()
        self.apply_rules = apply_rules
        self.busy_timeout = busy_timeout
        self.wait_for_imports = wait_for_imports
        self.on_wait = on_wait
        self._waited = 0.0  # seconds this Store's writes have waited for imports
        self._told = False  # (this write's wait has been told to on_wait)
        self._patient = False  # (see patient())
        self.conn: sqlite3.Connection = connect(self.path, busy_timeout_ms=int(busy_timeout * 1000))
        # The file opened, to tell later whether the path still names it (``gone``).
        self.opened_file = file_identity(self.path)
        try:
            self.migrated = migrate(self.conn, self.path)
        except BaseException:
            self.conn.close()
            raise
        self._savepoints = 0

    def now(self) -> datetime:
        return self.clock()

    def close(self) -> None:
        self.conn.close()

    def gone(self) -> str | None:
        """"was deleted" or "was replaced by another file" when the path no
        longer names the file this Store opened (writes would be lost); else None."""
        return gone_from(self.path, self.opened_file)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front (BEGIN IMMEDIATE) so that a
        concurrent writer waits on the busy timeout instead of failing midway.
        Nested calls become savepoints."""
        conn = self.conn
        if conn.in_transaction:
            self._savepoints += 1
            name = f"sp{self._savepoints}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield conn
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                raise
            else:
                conn.execute(f"RELEASE {name}")
            finally:
                self._savepoints -= 1
            return
        self._begin_immediate()
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def _begin_immediate(self) -> None:
        started = time.monotonic()
        self._told = False
        if self.on_wait is None or self.busy_timeout <= _GLANCE:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not is_locked(exc):
                    raise
                self._wait_for_lock(started)
            return
        # A write that is told what it waits for hears it at once, not after
        # SQLite's busy timeout: a glance first, then the import's note.
        if self._try_begin(_GLANCE):
            return
        holder = running_import(self.path)
        if holder is not None and self.wait_for_imports >= self.busy_timeout:
            self._wait_for_lock(started)
            return
        # Another writer, or an import waited for no longer than the busy
        # timeout (the app's writes): that, in slices (see _wait_for_lock),
        # telling as soon as an import is seen holding the lock.
        while (left := started + self.busy_timeout - time.monotonic()) > 0:
            if holder is not None:
                self._tell(holder)
            if self._try_begin(min(left, _SLICE)):
                return
            holder = running_import(self.path)
        self._wait_for_lock(started)

    def _tell(self, holder: RunningImport) -> None:
        """``on_wait``, once a wait."""
        if not self._told and self.on_wait is not None:
            self.on_wait(holder, self._patient)
            self._told = True

    def _wait_for_lock(self, started: float) -> None:
        """SQLite's busy timeout ran out: wait on while an import holds the
        lock, else raise ``Busy`` naming what held it. The waits of one Store
        (one CLI command) add up to ``wait_for_imports`` at most."""
        # (Waits go in slices of a second: SQLite waits in C, where Ctrl-C
        # and kill aren't handled until it returns.)
        try:
            holder = running_import(self.path)
            if self._patient:
                # Whoever holds it (a vacuum, an erase, an import): wait.
                while True:
                    if holder is not None:
                        self._tell(holder)
                    if self._try_begin(_SLICE):
                        return
                    holder = running_import(self.path)
            if holder is None and time.monotonic() - started >= self.busy_timeout - _GLANCE:
                # A whole busy timeout already, and no import to wait for. (An
                # import seen at the glance may just be committing: below.)
                raise Busy(OTHER_WRITER)
            while holder is not None:
                left = self.wait_for_imports - self._waited - (time.monotonic() - started)
                if left <= 0:
                    raise Busy(f"the database is busy: {holder.describe()} is still writing to"
                               " it; try again when it has finished")
                self._tell(holder)
                if self._try_begin(min(left, _SLICE)):
                    return
                holder = running_import(self.path)
            # The import is gone: its note goes just before its commit, so
            # give that, or whatever else holds the lock, one more busy timeout.
            if not self._try_begin(self.busy_timeout):
                raise Busy(OTHER_WRITER)
        finally:
            self._waited += time.monotonic() - started

    def _try_begin(self, seconds: float) -> bool:
        """BEGIN IMMEDIATE, waiting up to ``seconds`` for the lock; False if
        it was still held then."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            return True
        except sqlite3.OperationalError as exc:
            if is_locked(exc):
                return False
            raise
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")

    @contextmanager
    def patient(self) -> Iterator[None]:
        """Writes that wait for the lock as long as anyone holds it (an
        import, a vacuum, an erase), whatever ``wait_for_imports`` says:
        recording what has happened outside the database already (a reminder
        that went out) can't be given up."""
        before = self.wait_for_imports, self._patient
        self.wait_for_imports, self._patient = float("inf"), True
        try:
            yield
        finally:
            self.wait_for_imports, self._patient = before

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for several queries (no-op inside a write)."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")

    @cached_property
    def contacts(self) -> Contacts:
        from .contacts import Contacts

        return Contacts(self)

    @cached_property
    def timeline(self) -> Timeline:
        from .timeline import Timeline

        return Timeline(self)

    @cached_property
    def audit(self) -> Audit:
        from .audit import Audit

        return Audit(self)

    @cached_property
    def search(self) -> Search:
        from .search import Search

        return Search(self)

    @cached_property
    def followups(self) -> FollowUps:
        from .followups import FollowUps

        return FollowUps(self)

    def contacts_changed(self, contact_ids: list[int], now: datetime) -> list[int]:
        """Hook run inside the write transaction of every add, edit, tag and
        import: applies response-time rules unless they are switched off.
        Returns the follow-ups the rules made."""
        if self.apply_rules and contact_ids:
            from .rules import apply_rules

            return apply_rules(self, contact_ids, now)
        return []
