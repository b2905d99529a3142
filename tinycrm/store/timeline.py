"""Each contact's timeline: what happened, when, and who did it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .models import Event
from .timeutil import from_db, to_db

if TYPE_CHECKING:
    from .store import Store

# Kinds a person logs; a call, email or meeting counts as contact made.
LOGGED_KINDS = ("note", "call", "email", "meeting", "survey")
INTERACTION_KINDS = ("call", "email", "meeting")

_COLUMNS = "id, contact_id, kind, text, at, author, score, data, created_at"


def _event(row) -> Event:
    return Event(
        id=row[0], contact_id=row[1], kind=row[2], text=row[3], at=from_db(row[4]),
        author=row[5], score=row[6], data=json.loads(row[7]) if row[7] else None,
        created_at=from_db(row[8]),
    )


class Timeline:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        contact_id: int,
        kind: str,
        text: str = "",
        *,
        at: datetime | None = None,
        score: int | None = None,
        data: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> int:
        """Record an event (the caller holds the write transaction)."""
        now = now or self.store.now()
        cur = self.store.conn.execute(
            f"INSERT INTO events ({_COLUMNS.replace('id, ', '', 1)})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                contact_id, kind, text, to_db(at or now), self.store.user, score,
                None if data is None else json.dumps(data, ensure_ascii=False, default=str),
                to_db(now),
            ],
        )
        return cur.lastrowid

    def list(self, contact_id: int, *, limit: int | None = None, offset: int = 0) -> list[Event]:
        sql = f"SELECT {_COLUMNS} FROM events WHERE contact_id = ? ORDER BY at DESC, id DESC"
        params: list[Any] = [contact_id]
        if limit:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_event(r) for r in self.store.conn.execute(sql, params)]
