"""Erasures outlive a restore: a backup made before a person was erased still
holds them, and `db restore` of it erases them again (GDPR asks that an
erasure be re-applied when a backup is restored).

The database about to be replaced keeps a tombstone of each erasure in its
audit log: the contact id, when, who, and the ids of the other records that
were the person (no personal data). Ids are the same in a database and its
backups, and are never given again (``contact_id_mark``), so the tombstones
the backup lacks name whom to erase in it. They go into the restored
database too, so that restoring an even older backup erases them again.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import NotFound
from .privacy import erase_records, finish_erasing, secure_delete

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class Tombstone:
    at: str
    actor: str
    contact_id: int
    after: str | None

    @property
    def records(self) -> list[int]:
        """The person's records: their contact, then those erased with it."""
        after = json.loads(self.after) if self.after else None
        others = after.get("records") if isinstance(after, dict) else None
        return [self.contact_id, *(r for r in others or () if isinstance(r, int))]


_TOMBSTONES = ("SELECT at, actor, entity_id, after FROM audit"
               " WHERE action = 'erase' AND entity = 'contact' AND entity_id IS NOT NULL")


def tombstones(conn) -> list[Tombstone]:
    """The erasures a database has recorded, oldest first."""
    return [Tombstone(*row) for row in conn.execute(_TOMBSTONES + " ORDER BY id")]


@dataclass(frozen=True)
class SetAside:
    """What a restore into a new file keeps of the database set aside as
    damaged, as far as it still reads: its erasures, made again in the
    backup, and the last ids it gave (contacts', follow-ups'), not given
    again (the new file's marks would start from the backup's)."""

    erased: list[Tombstone] = field(default_factory=list)
    last_contact: int = 0
    last_followup: int = 0


_LAST_IDS = {
    "last_contact": ("SELECT last FROM contact_id_mark", "SELECT max(id) FROM contacts",
                     "SELECT max(entity_id) FROM audit WHERE entity = 'contact'",
                     "SELECT max(contact_id) FROM audit"),
    "last_followup": ("SELECT last FROM followup_id_mark", "SELECT max(id) FROM followups",
                      "SELECT max(entity_id) FROM audit WHERE entity = 'followup'"),
}


def set_aside_record(path: Path) -> SetAside:
    """``SetAside`` of a database file set aside as damaged (read only: the
    file is kept as it is). Each table that doesn't read adds nothing."""
    # (Without a -wal of its own, as immutable: reading it then makes none
    # beside it, nor a -shm. With one, what that holds is read too.)
    wal = Path(f"{path}-wal")
    mode = "mode=ro" if wal.exists() and wal.stat().st_size else "immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
    except sqlite3.Error:
        return SetAside()
    try:
        try:
            erased = tombstones(conn)
        except sqlite3.Error:
            erased = []  # (the damage reaches the audit log too: nothing more to be had)
        last = {name: max((_one(conn, sql) for sql in queries), default=0)
                for name, queries in _LAST_IDS.items()}
        # (A tombstone's ids were given, whatever else reads.)
        last["last_contact"] = max([last["last_contact"], *(r for t in erased for r in t.records)])
        return SetAside(erased, **last)
    finally:
        conn.close()


def _one(conn, sql: str) -> int:
    try:
        value = conn.execute(sql).fetchone()
    except sqlite3.Error:
        return 0
    return value[0] if value and isinstance(value[0], int) else 0


def reapply(store: Store, erased: list[Tombstone], now: datetime) -> int:
    """Inside the restore's write, once the backup is in: erase again whom
    ``erased`` (the replaced database's tombstones) names and the backup has
    no tombstone of, and record those tombstones as they were. Returns how
    many erasures were re-applied. The caller vacuums the file after."""
    conn = store.conn
    have = {t.contact_id for t in tombstones(conn)}
    missing = [t for t in erased if t.contact_id not in have]
    if not missing:
        return 0
    with secure_delete(conn):
        for tombstone in missing:
            for record in tombstone.records:
                try:
                    erase_records(store, record, now)
                except NotFound:
                    # Nothing of it in the backup: made after it, or taken
                    # with a record erased before it (one merged into it).
                    continue
            conn.execute(
                "INSERT INTO audit (at, actor, action, entity, entity_id, contact_id, before,"
                " after) VALUES (?, ?, 'erase', 'contact', ?, ?, NULL, ?)",
                [tombstone.at, tombstone.actor, tombstone.contact_id, tombstone.contact_id,
                 tombstone.after])
        finish_erasing(conn)
    return len(missing)
