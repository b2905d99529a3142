"""The ``Store`` facade: one open database, the acting user, and the clock.

Each aggregate (contacts, timeline, follow-ups, ...) lives in its own module
and is reached as an attribute, loaded on first use so a short CLI command
imports only what it needs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .db import connect, migrate
from .settings import StoreSettings
from .timeutil import system_now

if TYPE_CHECKING:
    from .audit import Audit
    from .contacts import Contacts
    from .followups import FollowUps
    from .search import Search
    from .timeline import Timeline


class Store:
    def __init__(
        self,
        path: str | Path,
        *,
        user: str,
        clock: Callable[[], datetime] = system_now,
        settings: StoreSettings | None = None,
        apply_rules: bool = True,
    ) -> None:
        self.path = Path(path)
        self.user = user
        self.clock = clock
        self.settings = settings or StoreSettings()
        self.apply_rules = apply_rules
        self.conn: sqlite3.Connection = connect(self.path)
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
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

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

    def contacts_changed(self, contact_ids: list[int], now: datetime) -> None:
        """Hook run inside the write transaction of every add, edit, tag and
        import: applies response-time rules unless they are switched off."""
        if self.apply_rules and contact_ids:
            from .rules import apply_rules

            apply_rules(self, contact_ids, now)
