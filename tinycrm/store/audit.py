"""The audit log: who changed what, when, with the changed fields before and after."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .models import AuditEntry
from .timeutil import from_db, to_db

if TYPE_CHECKING:
    from .store import Store


def merged_into(conn, contact_id: int) -> int | None:
    """The contact that ``contact_id`` was last merged into, if it was."""
    row = conn.execute(
        "SELECT contact_id FROM audit WHERE entity = 'contact' AND action = 'merge'"
        " AND entity_id = ? ORDER BY id DESC LIMIT 1", [contact_id]).fetchone()
    return row[0] if row else None


class Audit:
    def __init__(self, store: Store) -> None:
        self.store = store

    def history_of(self, contact_id: int) -> str | None:
        """For an id that is no contact now: why ``list`` has nothing of it
        (None when it has something: a deleted or erased contact's history)."""
        conn = self.store.conn
        if conn.execute("SELECT 1 FROM audit WHERE contact_id = ? LIMIT 1", [contact_id]).fetchone():
            return None
        into = merged_into(conn, contact_id)
        if into is not None:
            return (f"contact {contact_id} was merged into contact {into}, with its"
                    f" history: see `tinycrm audit {into}`")
        return f"no contact {contact_id}, and the audit log has nothing of one"

    def record(
        self,
        action: str,
        entity: str,
        entity_id: int | None,
        *,
        contact_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> int:
        """Add an entry (inside the caller's write); returns its id."""
        return self.store.conn.execute(
            "INSERT INTO audit (at, actor, action, entity, entity_id, contact_id, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                to_db(now or self.store.now()),
                self.store.user,
                action,
                entity,
                entity_id,
                contact_id,
                None if before is None else json.dumps(before, ensure_ascii=False, default=str),
                None if after is None else json.dumps(after, ensure_ascii=False, default=str),
            ],
        ).lastrowid

    def list(
        self,
        contact_id: int | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Newest first; ``since`` is the first moment and ``until`` the end
        (not included), as ``reports.parse_bound`` gives them."""
        if since is not None and until is not None and since >= until:
            raise ValidationError("--since must come before --until")
        where, params = [], []
        if contact_id is not None:
            where.append("contact_id = ?")
            params.append(contact_id)
        if since is not None:
            where.append("at >= ?")
            params.append(to_db(since))
        if until is not None:
            where.append("at < ?")
            params.append(to_db(until))
        sql = "SELECT id, at, actor, action, entity, entity_id, contact_id, before, after FROM audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY at DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            AuditEntry(
                id=r[0], at=from_db(r[1]), actor=r[2], action=r[3], entity=r[4],
                entity_id=r[5], contact_id=r[6],
                before=json.loads(r[7]) if r[7] else None,
                after=json.loads(r[8]) if r[8] else None,
            )
            for r in self.store.conn.execute(sql, params)
        ]
