"""Import batches: the list of imports (undoing one is ``import_undo``).
``write_state`` writes a merged contact back, for the importer, undo and
``tinycrm merge``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from .contact_state import ContactState
from .errors import NotFound
from .sortkeys import key_values
from .textutil import phone_key
from .timeutil import from_db

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class ImportBatch:
    id: int
    started_at: datetime
    finished_at: datetime | None
    actor: str
    source: str
    format: str
    created: int
    merged: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    undone_at: datetime | None
    options: dict[str, Any] | None = None

    FIELDS: ClassVar[tuple[str, ...]] = (
        "id", "started_at", "finished_at", "actor", "source", "format", "created", "merged",
        "updated", "unchanged", "skipped", "rejected", "undone_at", "options")

    def to_dict(self) -> dict[str, Any]:
        from .timeutil import to_json

        return {
            "id": self.id, "started_at": to_json(self.started_at),
            "finished_at": to_json(self.finished_at), "actor": self.actor,
            "source": self.source, "format": self.format, "created": self.created,
            "merged": self.merged, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped, "rejected": self.rejected,
            "undone_at": to_json(self.undone_at), "options": self.options,
        }


# Columns a merge may write (and the keys of some: sortkeys.KEYED); names come
# from this list, never from input.
STATE_COLUMNS = ("name", "first_name", "last_name", "company", "title", "stage", "tier",
                  "owner", "source", "birthday", "cadence_days", "last_contacted_at")


def write_state(conn, before: ContactState, state: ContactState, changed: Sequence[str],
                stamp: str, *, bump: bool = True) -> None:
    """Write the fields of ``state`` named in ``changed`` over the contact."""
    from .textutil import normalize_email as key_of

    contact_id = state.id
    scalars = [c for c in STATE_COLUMNS if c in changed]
    values = [getattr(state, c) for c in scalars]
    keys = key_values(dict(zip(scalars, values)))  # (the list's order: see sortkeys)
    scalars += keys
    values += keys.values()
    if "fields" in changed:
        scalars.append("fields")
        values.append(json.dumps(state.fields, ensure_ascii=False))
    assignments = "".join(f"{column} = ?, " for column in scalars)
    conn.execute(
        f"UPDATE contacts SET {assignments}updated_at = ?"
        f"{', version = version + 1' if bump else ''} WHERE id = ?",
        [*values, stamp, contact_id],
    )
    if "emails" in changed:
        conn.execute("DELETE FROM contact_emails WHERE contact_id = ?", [contact_id])
        conn.executemany(
            "INSERT INTO contact_emails (contact_id, position, email, email_key) VALUES (?, ?, ?, ?)",
            [(contact_id, i, e, key_of(e)) for i, e in enumerate(state.emails)])
    if "phones" in changed:
        conn.execute("DELETE FROM contact_phones WHERE contact_id = ?", [contact_id])
        conn.executemany(
            "INSERT INTO contact_phones (contact_id, position, phone, phone_key) VALUES (?, ?, ?, ?)",
            [(contact_id, i, p, phone_key(p)) for i, p in enumerate(state.phones)])
    if "tags" in changed:
        conn.execute("DELETE FROM contact_tags WHERE contact_id = ?", [contact_id])
        conn.executemany("INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                         [(contact_id, t) for t in sorted(set(state.tags))])


# -- batches -----------------------------------------------------------------------

_BATCH_COLUMNS = ("id, started_at, finished_at, actor, source, format, created, merged, updated,"
                  " unchanged, skipped, rejected, undone_at, options")


def _batch(row) -> ImportBatch:
    return ImportBatch(
        id=row[0], started_at=from_db(row[1]), finished_at=from_db(row[2]), actor=row[3],
        source=row[4], format=row[5], created=row[6], merged=row[7], updated=row[8],
        unchanged=row[9], skipped=row[10], rejected=row[11], undone_at=from_db(row[12]),
        options=json.loads(row[13]) if row[13] else None,
    )


def list_batches(store: Store, *, limit: int | None = None) -> list[ImportBatch]:
    sql = f"SELECT {_BATCH_COLUMNS} FROM import_batches ORDER BY id DESC"
    params: list[Any] = []
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return [_batch(r) for r in store.conn.execute(sql, params)]


def get_batch(store: Store, batch_id: int) -> ImportBatch:
    row = store.conn.execute(
        f"SELECT {_BATCH_COLUMNS} FROM import_batches WHERE id = ?", [batch_id]).fetchone()
    if row is None:
        raise NotFound(f"no import batch {batch_id} (see `tinycrm imports list`)")
    return _batch(row)
