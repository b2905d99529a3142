"""Fast inserts of many contacts at once (import, demo): ``executemany`` in
chunks, with ids assigned up front so emails, phones, tags and the search
index can be written without a round trip per contact.

The caller validates records and holds the write transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .search import index_rows
from .textutil import normalize_email, phone_key


@dataclass
class NewContact:
    """A validated contact ready to insert. Times are stored (UTC text) form."""

    name: str
    owner: str
    created_at: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    stage: str = "lead"
    tier: str = "standard"
    source: str | None = None
    birthday: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    cadence_days: int | None = None
    last_contacted_at: str | None = None
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    tags: Sequence[str] = ()
    uid: str | None = None


def next_contact_id(conn) -> int:
    return (conn.execute("SELECT max(id) FROM contacts").fetchone()[0] or 0) + 1


def insert_contacts(conn, contacts: Iterable[NewContact], *, updated_at: str) -> list[int]:
    """Insert ``contacts`` and return their ids, in order."""
    batch = list(contacts)
    if not batch:
        return []
    first = next_contact_id(conn)
    ids = list(range(first, first + len(batch)))
    conn.executemany(
        "INSERT INTO contacts (id, uid, name, first_name, last_name, company, title, stage, tier,"
        " owner, source, birthday, fields, cadence_days, created_at, updated_at, last_contacted_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (cid, c.uid or uuid.uuid4().hex, c.name, c.first_name, c.last_name, c.company,
             c.title, c.stage, c.tier, c.owner, c.source, c.birthday,
             json.dumps(c.fields, ensure_ascii=False) if c.fields else "{}", c.cadence_days,
             c.created_at, updated_at, c.last_contacted_at)
            for cid, c in zip(ids, batch)
        ],
    )
    conn.executemany(
        "INSERT INTO contact_emails (contact_id, position, email, email_key) VALUES (?, ?, ?, ?)",
        [(cid, i, e, normalize_email(e)) for cid, c in zip(ids, batch) for i, e in enumerate(c.emails)],
    )
    conn.executemany(
        "INSERT INTO contact_phones (contact_id, position, phone, phone_key) VALUES (?, ?, ?, ?)",
        [(cid, i, p, phone_key(p)) for cid, c in zip(ids, batch) for i, p in enumerate(c.phones)],
    )
    conn.executemany(
        "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)",
        [(cid, t) for cid, c in zip(ids, batch) for t in c.tags],
    )
    index_rows(conn, ((cid, c.name, c.emails, c.company, c.tags) for cid, c in zip(ids, batch)))
    return ids
