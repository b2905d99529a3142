"""A team on one database: handing a contact over to someone else."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .errors import ValidationError
from .followups_gone import settle as settle_gone
from .models import Contact
from .textutil import strip_controls
from .timeutil import to_db

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class Assignment:
    contact: Contact
    previous_owner: str
    moved_followups: tuple[int, ...] = ()


def clean_user(user: str) -> str:
    value = " ".join(strip_controls(user).split())
    if not value:
        raise ValidationError("a user name can't be empty")
    return value


def assign(store: Store, contact_id: int, user: str, *, expected_version: int | None = None,
           now: datetime | None = None) -> Assignment:
    """Make ``user`` the contact's owner; the open follow-ups the previous
    owner had on this contact move with it. One transaction, audited."""
    now = now or store.now()
    user = clean_user(user)
    with store.write() as conn:
        before = store.contacts.get(contact_id)
        # (The edit moves them: any change of owner does, the app's form too.)
        moving = [] if before.owner == user else [r[0] for r in conn.execute(
            "SELECT id FROM followups WHERE contact_id = ? AND status = 'open' AND +owner = ?"
            " ORDER BY id", [contact_id, before.owner])]
        after = store.contacts.edit(contact_id, {"owner": user},
                                    expected_version=expected_version, now=now)
    return Assignment(after, before.owner, tuple(moving))


def hand_over_followups(store: Store, contact_id: int, previous: str, user: str,
                        now: datetime, *, only: Collection[int] | None = None) -> list[int]:
    """The open follow-ups ``previous`` had on the contact (or those of
    ``only``) become ``user``'s, each audited: a contact's new owner takes
    over what was due of it. Those someone else owns stay theirs."""
    conn = store.conn
    chosen = "" if only is None else (
        " AND id IN (SELECT value FROM json_each(?))")
    moved = sorted(r[0] for r in conn.execute(
        # (+owner: by the contact's follow-ups, not every one the owner has)
        "UPDATE followups SET owner = ?, updated_at = ? WHERE contact_id = ?"
        f" AND status = 'open' AND +owner = ?{chosen} RETURNING id",
        [user, to_db(now), contact_id, previous,
         *([] if only is None else [json.dumps(sorted(only))])],
    ))
    conn.executemany(
        "INSERT INTO audit (at, actor, action, entity, entity_id, contact_id, before, after)"
        " VALUES (?, ?, 'update', 'followup', ?, ?, ?, ?)",
        [(to_db(now), store.user, fid, contact_id, json.dumps({"owner": previous}),
          json.dumps({"owner": user})) for fid in moved],
    )
    if moved:  # (each left the previous owner's calendar: followups_gone)
        settle_gone(conn, now)
    return moved
