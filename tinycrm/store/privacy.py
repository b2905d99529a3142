"""A person's rights over their data: see all of it, and have it erased.

``export`` gathers everything stored about one contact (a data subject
access request). ``erase`` removes the contact with its timeline, follow-ups,
reminder log, import history and audit history, leaves a tombstone in the
audit log (id, time, who erased; no personal data), then rewrites the file so
that the erased values can't be found in it any more: FTS5 segments are
merged, the database is vacuumed, and the WAL is checkpointed and truncated.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .audit import merged_into
from .db import email_key_sql
from .errors import Busy, NotFound
from .followups_gone import settle as settle_gone
from .maintenance import compact
from .redaction import REDACTED, is_number, mentions, redact
from .textutil import as_text, normalize_email, number_ident, phone_key
from .timeutil import from_db, json_times, to_json

if TYPE_CHECKING:
    from .models import Contact
    from .store import Store


def export(store: Store, contact_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything about one contact, as plain JSON-ready data. The request
    itself is audited (without personal data)."""
    now = now or store.now()
    data = gather(store, contact_id, now=now)
    with store.write():
        _audit_export(store, contact_id, now)
    return data


def export_to(store: Store, contact_id: int, path: str | Path, *, now: datetime | None = None) -> None:
    """Write ``export``'s data as JSON to ``path`` (see ``atomic_output``: a
    0600 file renamed into place). The audit entry is recorded once the data
    is written and before the file is put in place, so a path that can't be
    written (a ``ValidationError``) leaves the database unchanged."""
    from .exporter import atomic_output

    now = now or store.now()
    data = gather(store, contact_id, now=now)
    # Written before the write lock is taken: a FIFO's reader may take its
    # time, and a full disk fails here, before anything is recorded.
    with atomic_output(path, database=store.path) as out:
        out.write(dumps(data) + "\n")
        out.flush()
        with store.write():
            _audit_export(store, contact_id, now)
    # Only the rename into place (in the same folder) comes after the commit:
    # if that rare step fails, the log over-reports an export, never hides one.


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _audit_export(store: Store, contact_id: int, now: datetime) -> None:
    store.audit.record("privacy-export", "contact", contact_id, contact_id=contact_id, now=now)


def gather(store: Store, contact_id: int, *, now: datetime) -> dict[str, Any]:
    """``export``'s data, read in one snapshot, without auditing the request."""
    conn = store.conn
    with store.read():
        contact = _contact_or_last_state(store, contact_id)
        events = [e.to_dict() for e in store.timeline.list(contact_id)]
        followups = [
            {
                "id": r[0], "due_at": to_json(from_db(r[1])), "note": as_text(r[2]), "owner": r[3],
                "status": r[4], "every": r[5], "rule": r[6], "created_at": to_json(from_db(r[7])),
                "updated_at": to_json(from_db(r[8])), "done_at": to_json(from_db(r[9])),
            }
            for r in conn.execute(
                "SELECT id, due_at, note, owner, status, every, rule, created_at, updated_at, done_at"
                " FROM followups WHERE contact_id = ? ORDER BY id", [contact_id],
            )
        ]
        deliveries = [
            {"id": r[0], "item": r[1], "followup_id": r[2], "due_at": to_json(from_db(r[3])),
             "channel": r[4], "recipient": r[5], "delivered_at": to_json(from_db(r[6])),
             "owner": r[7]}
            for r in conn.execute(
                "SELECT id, item, followup_id, due_at, channel, recipient, delivered_at, owner"
                " FROM deliveries WHERE contact_id = ? ORDER BY id", [contact_id],
            )
        ]
        # Deleted records of the same person: what ``erase`` would take with them.
        merged, earlier_ids = _records_of(conn, contact_id, _person(contact_id, contact))
        created, created_params = _created_by_imports(merged + earlier_ids)
        imports = [
            {"batch_id": r[0], "action": r[1],
             "before": json_times(json.loads(r[2])) if r[2] else None,
             "source": r[3], "format": r[4], "started_at": to_json(from_db(r[5])),
             "contact_id": r[6]}
            for r in conn.execute(
                "SELECT b.id, 'created', NULL, b.source, b.format, b.started_at, c.id"
                " FROM contacts c JOIN import_batches b ON b.id = c.import_batch WHERE c.id = ?"
                " UNION ALL"
                " SELECT i.batch_id, i.action, i.before, b.source, b.format, b.started_at,"
                " i.contact_id FROM import_items i JOIN import_batches b ON b.id = i.batch_id"
                " WHERE i.contact_id = ?"
                " UNION ALL"  # (its own row named the import that created the contact)
                " SELECT b.id, 'created', NULL, b.source, b.format, b.started_at, x.record"
                f" FROM ({created}) x JOIN import_batches b ON b.id = x.batch WHERE x.record != ?"
                " UNION ALL"  # (one that only added a note kept no record: its entry says so)
                " SELECT b.id, e.action, NULL, b.source, b.format, b.started_at, e.contact_id"
                f" FROM ({_NOTED}) e JOIN import_batches b ON b.id = e.batch"
                " ORDER BY 1, 7", [contact_id, contact_id, *created_params, contact_id, contact_id],
            )
        ]
        audit = [a.to_dict() for a in store.audit.list(contact_id)]
        quoted_by_others = _mentions(store, contact_id, contact, merged + earlier_ids)
        earlier = [{"contact_id": other,
                    "audit": [a.to_dict() for a in reversed(store.audit.list(other))]}
                   for other in earlier_ids]
    return {
        "exported_at": to_json(now),
        "exported_by": store.user,
        "contact": json_times(contact) if isinstance(contact, dict) else contact.to_dict(),
        "timeline": events,
        "followups": followups,
        "deliveries": deliveries,
        "imports": imports,
        "audit": list(reversed(audit)),
        "earlier_records": earlier,
        "mentions": quoted_by_others,
    }


def _mentions(store: Store, contact_id: int, contact, ids: list[int]) -> list[dict[str, Any]]:
    """Other people's records that quote the person's emails, phones or uids
    whole, found as ``erase`` finds what it redacts (``redaction``): the rows
    ``erase`` deletes as theirs are left out. Their name is not looked for in
    others' records, as ``erase`` doesn't replace it there."""
    values = _identifying(store.conn, contact_id,
                          *_history_values(store.conn, ids, _person(contact_id, contact)))
    marks = ", ".join("?" * len(ids))
    theirs = ("contact_id = ?", [contact_id])
    return mentions(store.conn, values, {
        "audit": (f"coalesce(contact_id IN ({marks}), 0)"
                  f" OR (entity = 'contact' AND entity_id IN ({marks}))", ids + ids),
        "import_items": (f"contact_id IN ({marks})", ids),
        "events": theirs, "followups": theirs, "contact_tags": theirs,
        "contacts": ("id = ?", [contact_id]),
    })


@dataclass(frozen=True)
class Erasure:
    contact_id: int
    name: str
    removed: dict[str, int]
    redacted: int
    # Why the file couldn't be vacuumed and its WAL emptied, when it couldn't
    # (the person is erased all the same).
    unwiped: str | None = None

    @property
    def wiped(self) -> bool:
        """No trace of them is left in the file."""
        return self.unwiped is None


def _count(conn, sql: str, params) -> int:
    return conn.execute(sql, params).fetchone()[0]


def erase(store: Store, contact_id: int, *, now: datetime | None = None) -> Erasure:
    now = now or store.now()
    with secure_delete(store.conn):
        with store.write():
            erased = erase_records(store, contact_id, now)
            finish_erasing(store.conn)
            # The other records that were the person (ids only): a restore of
            # a backup made before, where they may be contacts of their own
            # still, erases them too.
            others = [other for other in erased.records if other != contact_id]
            store.audit.record("erase", "contact", contact_id, contact_id=contact_id,
                               after={"records": others} if others else None, now=now)
    # Erased all the same whatever happens now (committed): the caller says
    # why the file still holds them, and to vacuum later.
    return Erasure(contact_id, erased.name, erased.removed, erased.redacted, wipe(store))


@dataclass(frozen=True)
class Erased:
    """What ``erase_records`` took: the records that were the person (their
    contact, those merged into it, deleted ones that were them too)."""

    name: str
    records: list[int]
    removed: dict[str, int]
    redacted: int


@contextmanager
def secure_delete(conn) -> Iterator[None]:
    """Freed pages are zeroed as rows are deleted, then the setting is as it was."""
    secure = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        # (By name: "= 2" reads as a true boolean, ON, not as FAST.)
        conn.execute(f"PRAGMA secure_delete = {('OFF', 'ON', 'FAST')[secure]}")


def erase_records(store: Store, contact_id: int, now: datetime) -> Erased:
    """Inside the caller's write: the person and everything of them goes,
    their values are redacted wherever others' records copied them. No
    tombstone (the caller records it), and the search index is left for
    ``finish_erasing``. ``NotFound`` when nothing of ``contact_id`` is left."""
    conn = store.conn
    contact = _person(contact_id, _contact_or_last_state(store, contact_id))
    params = [contact_id]
    # Contacts merged into this one were this person too, and so were
    # deleted ones that had their address: their history goes.
    merged, earlier = _records_of(conn, contact_id, contact)
    ids = merged + earlier
    # Values that identify the person wherever they were copied:
    # emails and phones are unique to them; the name only counts in
    # rows that belong to this contact (another "Sam Lee" keeps theirs).
    # With the addresses and numbers they had before (an edit's "before").
    values = _identifying(conn, contact_id, *_history_values(conn, ids, contact))
    marks = ", ".join("?" * len(ids))
    _erase_import_sources(conn, ids, _history_names(conn, ids, contact), values)
    removed = {
        "timeline events": store.timeline.count(contact_id),
        "follow-ups": _count(conn, "SELECT count(*) FROM followups WHERE contact_id = ?", params),
        "deliveries": _count(conn, "SELECT count(*) FROM deliveries WHERE contact_id = ?", params),
        "import records": _count(
            conn, f"SELECT count(*) FROM import_items WHERE contact_id IN ({marks})", ids)
        + _count(conn, "SELECT count(import_batch) FROM contacts WHERE id = ?", params),
    }
    removed["audit entries"] = conn.execute(
        f"DELETE FROM audit WHERE contact_id IN ({marks})"
        f" OR (entity = 'contact' AND entity_id IN ({marks}))", ids + ids).rowcount
    conn.execute(f"DELETE FROM import_items WHERE contact_id IN ({marks})", ids)
    # Cascades: emails, phones, tags, events, follow-ups, deliveries, search row.
    conn.execute("DELETE FROM contacts WHERE id = ?", params)
    # Their follow-ups leave calendars, with nothing of them kept for
    # that (followups_gone: a UID, an owner, a due time).
    settle_gone(conn, now)
    redacted = redact(store, values)
    return Erased(contact.name, ids, removed, redacted)


def finish_erasing(conn) -> None:
    """Once the erasures of a write are done: FTS5's segments are merged, so
    the deleted trigrams are really gone."""
    conn.execute("INSERT INTO contact_search_fts(contact_search_fts) VALUES ('optimize')")


def wipe(store: Store) -> str | None:
    """Vacuum the file and empty its WAL after an erasure (committed); why
    that couldn't be done (the person is erased all the same), or None."""
    others = "another process is reading or writing it"
    try:
        return None if compact(store) else others
    except Busy:
        return others
    except sqlite3.Error as exc:  # (the disk full: VACUUM needs room for a copy)
        return f"SQLite says: {exc}"


def _contact_or_last_state(store: Store, contact_id: int) -> Contact | dict[str, Any]:
    try:
        return store.contacts.get(contact_id)
    except NotFound:
        state = last_state(store.conn, contact_id)
        if state is None:
            raise
        return {"id": contact_id, "deleted": True, **state}


def last_state(conn, contact_id: int) -> dict[str, Any] | None:
    """A deleted contact as its audit entries last showed it (None when the
    log has nothing of it, or only an erasure's tombstone)."""
    if conn.execute("SELECT 1 FROM contacts WHERE id = ?", [contact_id]).fetchone():
        return None
    into = merged_into(conn, contact_id)
    if into is not None:
        # Its values and history went to the contact it was merged into: that
        # one is the person now, to export or erase.
        raise NotFound(f"contact {contact_id} was merged into contact {into};"
                       f" export or erase that one")
    state: dict[str, Any] = {}
    found = False
    for action, before, after in conn.execute(
            "SELECT action, before, after FROM audit WHERE entity = 'contact' AND entity_id = ?"
            " AND action NOT IN ('erase', 'privacy-export') ORDER BY id", [contact_id]):
        found = True
        state.update(json.loads((before if action == "delete" else after) or "{}") or {})
    return state if found else None


@dataclass(frozen=True)
class _Former:
    """A deleted contact's values, as ``erase`` reads a contact's."""

    id: int
    state: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.state.get("name") or f"contact {self.id}")

    @property
    def emails(self) -> list[str]:
        return [e for e in self.state.get("emails") or () if isinstance(e, str)]

    @property
    def phones(self) -> list[str]:
        return [p for p in self.state.get("phones") or () if isinstance(p, str)]

    @property
    def uid(self) -> str | None:
        return self.state.get("uid")


def _person(contact_id: int, contact: Contact | dict[str, Any]) -> Contact | _Former:
    """A contact, or a deleted one as the audit log keeps it, read alike."""
    return _Former(contact_id, contact) if isinstance(contact, dict) else contact


def _records_of(conn, contact_id: int, person) -> tuple[list[int], list[int]]:
    """The ids of this contact and those merged into it, and of deleted
    contacts that were the person too (by an address they have or had, as
    their history shows, or their uid)."""
    merged = [contact_id, *_merged_into(conn, contact_id)]
    theirs = _identifying(conn, contact_id, *_history_values(conn, merged, person))
    return merged, _earlier_records(conn, theirs, merged)


def _merged_into(conn, contact_id: int) -> list[int]:
    """Ids of the contacts merged into this one, and into those, and so on."""
    found: list[int] = []
    todo = [contact_id]
    while todo:
        keep = todo.pop()
        for (other,) in conn.execute(
            "SELECT entity_id FROM audit WHERE action = 'merge' AND entity = 'contact'"
            " AND contact_id = ? AND entity_id IS NOT NULL", [keep],
        ):
            if other not in found and other != contact_id:
                found.append(other)
                todo.append(other)
    return found


def _identifying(conn, contact_id: int, emails: Iterable[str], phones: Iterable[str],
                 uids: Iterable[str | None]) -> list[str]:
    """The person's values to look for in other rows, as whole values: their
    emails (as written and lower-cased), their uids of 8 characters or more
    (a card's ``UID:1`` would be found in every note and count, and another
    card's ``1`` is someone else), and their numbers of 7 digits or more that
    no other contact has (a switchboard's is the colleague's too; "12" would
    be found in every date)."""
    values = {*emails, *(e.lower() for e in emails),
              *(u for u in uids if u and len(u.strip()) >= 8)} - {None, ""}
    # (A deleted contact's address may be a live contact's now.)
    values -= {email for email in values if "@" in email and conn.execute(
        "SELECT 1 FROM contact_emails WHERE email_key = ? AND contact_id != ?",
        [normalize_email(email), contact_id]).fetchone()}
    for phone in dict.fromkeys(phones):
        key = phone_key(phone)
        if key is None:
            continue
        others = conn.execute("SELECT phone FROM contact_phones WHERE phone_key = ?"
                              " AND contact_id != ?", [key, contact_id]).fetchall()
        if all(number_ident(other) != number_ident(phone) for (other,) in others):
            values.add(phone)
    return sorted(values, key=len, reverse=True)


def _earlier_records(conn, values: list[str], ids: list[int]) -> list[int]:
    """Deleted contacts that were this person: they had one of the person's
    addresses, or their uid, when they were deleted. (Not a number: a
    switchboard's is a colleague's too. Nor one merged into someone else,
    whose history is that one's.)"""
    keys = sorted({v.lower() for v in values if "@" in v})
    uids = [v for v in values if "@" not in v and not is_number(v)]
    if not keys and not uids:
        return []
    # An address as it is keyed (normalize_email): SQLite's lower() folds
    # ASCII letters alone, so ÖZIL@ was not özil@. (Only a value with
    # another letter is lowered in Python: most are ASCII.)
    theirs = ("lower(value) IN (SELECT value FROM json_each(:keys)) OR"
              " (length(CAST(value AS BLOB)) <> length(value)"
              "  AND tinycrm_email_key(value) IN (SELECT value FROM json_each(:keys)))")
    with email_key_sql(conn):
        found = [r[0] for r in conn.execute(
            "SELECT DISTINCT a.entity_id FROM audit a WHERE a.entity = 'contact'"
            " AND a.entity_id IS NOT NULL AND a.entity_id NOT IN (SELECT id FROM contacts)"
            # Not correlated: the merges are read once, not once for each entry of
            # a deleted contact (an undone import of thousands leaves thousands).
            " AND a.entity_id NOT IN (SELECT m.entity_id FROM audit m WHERE m.entity = 'contact'"
            "  AND m.action = 'merge' AND m.entity_id IS NOT NULL)"
            " AND (EXISTS (SELECT 1 FROM json_each(coalesce(json_extract(a.before, '$.emails'),"
            f"   '[]')) WHERE {theirs})"
            "  OR EXISTS (SELECT 1 FROM json_each(coalesce(json_extract(a.after, '$.emails'),"
            f"   '[]')) WHERE {theirs})"
            "  OR json_extract(a.before, '$.uid') IN (SELECT value FROM json_each(:uids))"
            "  OR json_extract(a.after, '$.uid') IN (SELECT value FROM json_each(:uids)))",
            {"keys": json.dumps(keys), "uids": json.dumps(uids)})]
    # Had them when it was deleted: not a contact the address moved on from
    # (a front desk's info@ that is the erased person's now).
    earlier = []
    for other in found:
        state = last_state(conn, other) if other not in ids else None
        if state and ({str(e).lower() for e in state.get("emails") or ()} & set(keys)
                      or state.get("uid") in uids):
            earlier.append(other)
    return earlier


def _history_values(conn, ids: list[int], contact) -> tuple[list[str], list[str], list[str]]:
    """The person's emails, phones and uids now and as their audit entries
    showed them before (an address they changed, a duplicate's merged into
    them: a card's UID too)."""
    emails, phones, uids = list(contact.emails), list(contact.phones), [contact.uid]
    for values in _past_states(conn, ids):
        emails += [e for e in values.get("emails") or () if isinstance(e, str)]
        phones += [p for p in values.get("phones") or () if isinstance(p, str)]
        uids += [values["uid"]] if isinstance(values.get("uid"), str) else []
    return emails, phones, uids


def _history_names(conn, ids: list[int], contact) -> list[str]:
    """The person's name now and those their audit entries showed before (a
    name changed since, a duplicate's merged into them): an import's file
    name holds the one it was imported by."""
    names = [contact.name]
    for values in _past_states(conn, ids):
        name = values.get("name")
        if isinstance(name, str) and name.strip() and name not in names:
            names.append(name)
    return names


def _past_states(conn, ids: list[int]) -> Iterator[dict[str, Any]]:
    """The values the audit entries of contacts ``ids`` show, before and after
    each change. (A record an import created holds its values in its merge's
    "merged" alone.)"""
    marks = ", ".join("?" * len(ids))
    for before, after in conn.execute(
            f"SELECT before, after FROM audit WHERE entity = 'contact' AND entity_id IN ({marks})",
            ids):
        for text in (before, after):
            state = json.loads(text) if text else None
            if isinstance(state, dict):
                yield state
                if isinstance(state.get("merged"), dict):
                    yield state["merged"]


def _created_by_imports(ids: list[int]) -> tuple[str, list[int]]:
    """SQL (and its parameters) of (record, batch): the imports that created
    these records of one person, from the audit entries that created them. A
    record merged into them or deleted before has no row left to name its
    import. (By contact_id first, which a merge moved to the contact kept:
    the index finds the entries without reading the whole log.)"""
    marks = ", ".join("?" * len(ids))
    return (f"SELECT entity_id AS record, json_extract(after, '$.import_batch') AS batch"
            f" FROM audit WHERE contact_id IN ({marks}) AND entity = 'contact'"
            f" AND action = 'create' AND entity_id IN ({marks}) AND batch IS NOT NULL",
            ids + ids)


# The imports that merged only a note into a contact: no import_items row
# says so (nothing to restore), only the "…: note" entry on its timeline.
_NOTED = (
    "SELECT DISTINCT json_extract(data, '$.batch') AS batch,"
    " json_extract(data, '$.action') AS action, contact_id FROM events"
    " WHERE contact_id = ? AND kind = 'import' AND data IS NOT NULL"
    " AND json_extract(data, '$.fields') = '[\"note\"]'"
    " AND json_extract(data, '$.action') IN ('merged', 'updated')"
    " AND NOT EXISTS (SELECT 1 FROM import_items i WHERE i.contact_id = events.contact_id"
    "  AND i.batch_id = json_extract(events.data, '$.batch'))"
    " AND NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = events.contact_id"
    "  AND c.import_batch = json_extract(events.data, '$.batch'))")


def _erase_import_sources(conn, ids: list[int], names: list[str], values: list[str]) -> None:
    """An import's file name may be the person's (``Quentin Vandersloot.vcf``,
    ``xan@example.net.csv``): a batch that brought no one else, or whose
    name holds one of their names (now or before) or values, keeps no
    name. So does an undone batch whose name holds theirs: undoing removed whom it created
    without a record of them, so nothing else tells that it brought them."""
    marks = ", ".join("?" * len(ids))
    created, created_params = _created_by_imports(ids)
    batches = [r[0] for r in conn.execute(
        f"SELECT batch_id FROM import_items WHERE contact_id IN ({marks}) UNION"
        f" SELECT import_batch FROM contacts WHERE id IN ({marks}) AND import_batch IS NOT NULL"
        f" UNION SELECT batch FROM ({created})"
        # (Any import their timeline names: one that only added a note kept no record.)
        f" UNION SELECT json_extract(data, '$.batch') FROM events WHERE contact_id IN ({marks})"
        "  AND data IS NOT NULL AND json_extract(data, '$.batch') IS NOT NULL",
        ids + ids + created_params + ids)]
    # Their name as words of its own ("Tom" is not in "customers.csv").
    wanted = re.compile("|".join(
        [rf"(?<![^\W\d_]){re.escape(name.casefold())}(?![^\W\d_])"
         for name in names if name.strip()]
        + [re.escape(v.casefold()) for v in values if v]) or "(?!)")
    batches += [batch for batch, source in conn.execute(
        "SELECT id, source FROM import_batches WHERE undone_at IS NOT NULL")
        if batch not in batches and source and wanted.search(source.casefold())]
    for batch in batches:
        source = conn.execute("SELECT source FROM import_batches WHERE id = ?", [batch]).fetchone()
        if source is None or source[0] in (None, REDACTED):
            continue
        # (One that only added a note to someone else kept no record of them
        # either: the entry on their timeline says it brought them.)
        others = conn.execute(
            f"SELECT 1 FROM import_items WHERE batch_id = ? AND contact_id NOT IN ({marks})"
            f" UNION ALL SELECT 1 FROM contacts WHERE import_batch = ? AND id NOT IN ({marks})"
            " UNION ALL SELECT 1 FROM events WHERE kind = 'import'"
            f" AND json_extract(data, '$.batch') = ? AND contact_id NOT IN ({marks})"
            " LIMIT 1", [batch, *ids, batch, *ids, batch, *ids]).fetchone()
        if others and not wanted.search(source[0].casefold()):
            continue
        conn.execute("UPDATE import_batches SET source = ? WHERE id = ?", [REDACTED, batch])
        _erase_import_entries_source(conn, batch, source[0])
        conn.execute("UPDATE audit SET after = json_set(after, '$.source', ?) WHERE"
                     " entity = 'import' AND entity_id = ? AND json_extract(after, '$.source')"
                     " IS NOT NULL", [REDACTED, batch])


def _erase_import_entries_source(conn, batch: int, source: str) -> None:
    """The entries an import stored on others' timelines quote its file name
    ("merged from FILE (batch N): company", and "imported from FILE (batch
    N)" that a merge kept): it goes from where the text names it, and only
    there. A short name ("ed") may be part of the entry's other words
    ("merged", a custom field's name)."""
    quoted_as = f" from {source} (batch {batch})"
    for event_id, text in conn.execute(
            "SELECT id, text FROM events WHERE kind = 'import' AND data IS NOT NULL"
            " AND json_extract(data, '$.batch') = ? AND json_extract(data, '$.source') = ?",
            [batch, source]).fetchall():
        # (The first place: the action before it is one word, with no " from ".)
        at = text.find(quoted_as) if isinstance(text, str) else -1
        if at >= 0:
            text = f"{text[:at]} from {REDACTED} (batch {batch}){text[at + len(quoted_as):]}"
        elif isinstance(text, str):  # (a text not as the import wrote it: wherever it stands alone)
            text = re.sub(rf"(?<!\w){re.escape(source)}(?!\w)", REDACTED, text)
        conn.execute("UPDATE events SET text = ?, data = json_set(data, '$.source', ?)"
                     " WHERE id = ?", [text, REDACTED, event_id])
