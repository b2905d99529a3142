"""Merging two contacts into one, by the merge rule import uses too
(``contact_state.combine``): ``tinycrm merge``, and what ``dupes`` offers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from .contact_state import ContactState, combine
from .errors import ValidationError
from .models import Contact
from .timeutil import to_db

if TYPE_CHECKING:
    from .store import Store

_KEEP_OWN = ("contact_emails", "contact_phones", "contact_tags", "contact_search")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _referencing_columns(conn) -> list[tuple[str, str]]:
    """(table, column) pairs with a foreign key to contacts(id), read from the
    schema, so rows added by any feature follow a merge."""
    found = []
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        if table in _KEEP_OWN or table == "contacts":
            continue
        for row in conn.execute(f"PRAGMA foreign_key_list({_quote(table)})"):
            if row[2] == "contacts" and (row[4] in (None, "id")):
                found.append((table, row[3]))
    return found


class Merged(NamedTuple):
    """What a merge did (or, for a dry run, would do): KEEP afterwards, the
    fields that changed on it, how many rows of each table moved from OTHER
    to KEEP, and the open follow-ups cancelled as a second of one rule's."""

    contact: Contact
    changed: list[str]
    moved: dict[str, int]
    cancelled: list[int]


class _WouldMerge(Exception):
    def __init__(self, merged: Merged) -> None:
        super().__init__()
        self.merged = merged


def check_merge(keep_id: int, other_id: int) -> None:
    """What ``merge_contacts`` refuses before it reads anything (ValidationError)."""
    if keep_id == other_id:
        raise ValidationError("can't merge a contact into itself")


def merge_contacts(store: Store, keep_id: int, other_id: int, *,
                   now: datetime | None = None, dry_run: bool = False) -> Merged:
    """Merge contact ``other_id`` into ``keep_id``: KEEP's values win, empty
    fields are filled, emails/phones/tags/custom fields are unioned; the
    timeline, follow-ups and everything else that points at OTHER move to KEEP;
    OTHER is deleted. A ``dry_run`` does all of it and rolls it back, so that
    what it returns is what the merge would do, to the row."""
    check_merge(keep_id, other_id)
    try:
        with store.write():
            merged = _merge(store, keep_id, other_id, now or store.now())
            if dry_run:
                raise _WouldMerge(merged)
    except _WouldMerge as would:
        return would.merged
    return merged


def _merge(store: Store, keep_id: int, other_id: int, now: datetime) -> Merged:
    from .import_batches import write_state

    conn = store.conn
    keep = store.contacts.get(keep_id)
    other = store.contacts.get(other_id)
    state = ContactState.from_contact(keep)
    before = ContactState.from_contact(keep)
    changed = combine(state, ContactState.from_contact(other), stages=store.settings.stages)
    conn.execute("DELETE FROM contact_emails WHERE contact_id = ?", [other_id])
    if changed:
        write_state(conn, before, state, changed, to_db(now))
    if other.created_at < keep.created_at:
        # The person has been known since OTHER was made, and OTHER's
        # stage moves are KEEP's now: a conversion can't come before its lead.
        state.created_at = to_db(other.created_at)
        changed.append("created_at")
        conn.execute("UPDATE contacts SET created_at = ? WHERE id = ?",
                     [state.created_at, keep_id])
    if "stage" in changed:
        store.timeline.stage_changed(keep_id, before.stage, state.stage, now=now,
                                     merged_id=other_id)
    # OTHER's "imported from" entry is worked out from OTHER: it moves as a stored one.
    imported = store.timeline.keep_import_entry(other_id, keep_id)
    moved: dict[str, int] = {}
    for table, column in _referencing_columns(conn):
        count = conn.execute(
            f"UPDATE OR IGNORE {_quote(table)} SET {_quote(column)} = ?"
            f" WHERE {_quote(column)} = ?", [keep_id, other_id]).rowcount
        count += imported if table == "events" else 0
        if count:
            moved[table] = count
    # A keep-in-touch reminder OTHER had is KEEP's now: not one to send again.
    conn.execute("UPDATE OR IGNORE deliveries SET item = ? WHERE item = ?",
                 [f"cadence:{keep_id}", f"cadence:{other_id}"])
    # OTHER's history now concerns KEEP (and goes with KEEP's if it is erased).
    conn.execute("UPDATE audit SET contact_id = ? WHERE contact_id = ?", [keep_id, other_id])
    # One person, one open follow-up per rule (as the rules themselves
    # keep it): the one due first stays, the others are cancelled.
    cancelled = []
    for (ids,) in conn.execute(
            "SELECT group_concat(id) FROM (SELECT id, rule FROM followups WHERE contact_id = ?"
            " AND status = 'open' AND rule IS NOT NULL ORDER BY due_at, id)"
            " GROUP BY rule HAVING count(*) > 1", [keep_id]).fetchall():
        for extra in ids.split(",")[1:]:
            store.followups.cancel(int(extra), now=now)
            cancelled.append(int(extra))
    other_snapshot = ContactState.from_contact(other).snapshot()
    conn.execute("DELETE FROM contacts WHERE id = ?", [other_id])
    store.search.reindex([keep_id])
    if changed:
        diff_before, diff_after = before.diff(state, [k for k in changed if k != "created_at"])
        if "created_at" in changed:
            diff_before["created_at"], diff_after["created_at"] = before.created_at, state.created_at
        store.audit.record("update", "contact", keep_id, contact_id=keep_id,
                           before=diff_before, after=diff_after, now=now)
    store.audit.record(
        "merge", "contact", other_id, contact_id=keep_id,
        before={"merged": {"id": other_id, "uid": other.uid, **other_snapshot}},
        after={"into": keep_id, "changed": changed, "moved": moved}, now=now,
    )
    store.timeline.add(
        keep_id, "merge",
        f"merged contact {other_id} ({other.name}) into this one"
        + (f": {', '.join(changed)}" if changed else ""),
        data={"merged_id": other_id, "merged_uid": other.uid, "fields": changed,
              "moved": moved},
        now=now,
    )
    store.contacts_changed([keep_id], now)
    return Merged(store.contacts.get(keep_id), changed, moved, cancelled)
