"""Whom a privacy request names: ``privacy export REF`` and ``privacy erase
REF`` take a contact's id, email or name, and also what a person asking
may give that is no contact's now: the id of a contact deleted since, or an
address they had (changed since, or of a contact deleted since). The audit
log keeps every address a contact had, in its entries' before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .audit import merged_into
from .db import email_key_sql
from .errors import Ambiguous, NotFound, quoted
from .privacy import last_state
from .textutil import normalize_email

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class Subject:
    id: int
    name: str
    # How REF led to them when it names no one now (an address they had),
    # to tell the user before anything is exported or erased.
    via: str | None = None


def resolve(store: Store, ref: str) -> Subject:
    """The person REF names: a contact (``contacts.resolve``); else the
    contact that last had REF as an address (its present one changed, or
    merged into another); else one deleted since, by its id or by an
    address it had, whose history the audit log still holds."""
    try:
        contact = store.contacts.resolve(ref)
        return Subject(contact.id, contact.name)
    except NotFound:
        conn, ref = store.conn, ref.strip()
        if ref.isascii() and ref.isdigit():
            found = int(ref)
        elif "@" in ref:
            former = _former_holder(store, ref)
            if former is not None:
                return former
            found = None
        else:
            raise
        state = last_state(conn, found) if found is not None else None
        if state is None:
            raise
        return Subject(found, str(state.get("name") or f"contact {found}"))


def _former_holder(store: Store, address: str) -> Subject | None:
    """Who had ``address`` last, by the audit entries that show it (none
    has it now). A live contact is told apart from another live one that
    had it too (the address moved between people: which one asks?); a
    deleted one is the person only when no live contact had it since."""
    conn = store.conn
    holders = _holders(store, address)
    if not holders:
        return None
    live = [h for h in holders
            if conn.execute("SELECT 1 FROM contacts WHERE id = ?", [h]).fetchone()]
    if not live or holders[0] != live[0]:
        # The last to have it was deleted since: their history is the person's.
        state = last_state(conn, holders[0])
        if state is None:
            return None
        name = str(state.get("name") or f"contact {holders[0]}")
        return Subject(holders[0], name, f"{address.strip()} is no one's address now: contact"
                       f" {holders[0]} ({name}), deleted since, had it")
    if len(live) > 1:
        contacts = store.contacts.get_many(live[:20])
        raise Ambiguous(
            f"{quoted(address)} is no one's address now; {len(live)} contacts had it before:"
            " use an id",
            [f"{c.id}\t{c.name}\t{c.email or ''}\t{c.company or ''}" for c in contacts])
    contact = store.contacts.get(live[0])
    return Subject(contact.id, contact.name,
                   f"{address.strip()} is no one's address now: contact {contact.id}"
                   f" ({contact.name}) had it before")


def _holders(store: Store, address: str) -> list[int]:
    """The contacts whose audit entries show them with ``address`` (in any
    case), the last to have it first; one merged into another counts as the
    contact it went into, whose history it is."""
    conn, key = store.conn, normalize_email(address)
    # (Compared as the contact's address is keyed: SQLite's lower() folds ASCII only.)
    with email_key_sql(conn):
        rows = conn.execute(
            "SELECT a.entity_id FROM audit a WHERE a.entity = 'contact'"
            " AND a.entity_id IS NOT NULL AND a.action NOT IN ('erase', 'privacy-export')"
            " AND EXISTS (SELECT 1 FROM json_each(coalesce(json_extract(a.before, '$.emails'),"
            "  '[]')) WHERE tinycrm_email_key(value) = :key UNION ALL"
            "  SELECT 1 FROM json_each(coalesce(json_extract(a.after, '$.emails'), '[]'))"
            "  WHERE tinycrm_email_key(value) = :key)"
            " GROUP BY a.entity_id ORDER BY max(a.id) DESC", {"key": key}).fetchall()
    holders: list[int] = []
    for (holder,) in rows:
        seen = {holder}
        while (into := merged_into(conn, holder)) is not None and into not in seen:
            seen.add(into)
            holder = into
        if holder not in holders:
            holders.append(holder)
    return holders
