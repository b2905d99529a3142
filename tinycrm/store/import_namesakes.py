"""Rows known by their name alone (no uid, address, number or profile): which
contacts they may be. A name is no proof of a person, so such a row is the
contact of its name (and company) only when it would change nothing on it but
tags: the same row imported again. ``RowPath`` (``import_row_path``) asks."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from .contact_state import ContactState, combine
from .dupes import PHONE_GROUP_LIMIT
from .import_rows import Incoming
from .profiles import profile_key
from .sortkeys import sort_key
from .textutil import as_text, nocase_spellings

# Contacts by name, then company, both folded.
Namesakes = dict[str, dict[str, list[int]]]

# What the CRM did with a person since (a lead became a customer, got an
# owner) says nothing of who they are.
_NOT_IDENTITY = frozenset(("stage", "tier", "owner", "source", "cadence_days",
                           "last_contacted_at", "created_at"))


def name_candidates(conn, rows: list[Incoming]) -> Namesakes:
    """Contacts named as these rows are (case aside), by name and company."""
    found: Namesakes = {}
    for contact_id, name, company in contacts_named(conn, (inc.name for inc in rows)):
        add(found, name, company, contact_id)
    return found


def contacts_named(conn, names: Iterable[str]) -> list[tuple[int, str, str | None]]:
    """(id, name, company) of the contacts with any of ``names`` (case aside),
    by id. The names go in a temporary table joined once: a large import
    has put the name index off, and then each statement of a few hundred
    names would read every contact again."""
    spellings = list(dict.fromkeys(s for name in names for s in nocase_spellings(name)))
    if not spellings:
        return []
    # By the name's sort key first: the name index holds the keys (see
    # sortkeys), and names alike but for case have the same one.
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_name_keys"
                 " (key TEXT, name TEXT COLLATE NOCASE, PRIMARY KEY (key, name)) WITHOUT ROWID")
    conn.executemany("INSERT OR IGNORE INTO temp.import_name_keys VALUES (?, ?)",
                     [(sort_key(s), s) for s in spellings])
    # With the name index: each name looked up in it (CROSS JOIN keeps the
    # names outside); without: the contacts read once, each looked up in the names.
    indexed = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'contacts_name'").fetchone()
    join = ("temp.import_name_keys t CROSS JOIN contacts c" if indexed
            else "contacts c CROSS JOIN temp.import_name_keys t")
    try:
        return sorted((cid, as_text(name), as_text(company)) for cid, name, company in conn.execute(
            f"SELECT c.id, c.name, c.company FROM {join}"
            " ON c.name_key = t.key AND CAST(c.name AS TEXT) = t.name COLLATE NOCASE"))
    finally:
        conn.execute("DELETE FROM temp.import_name_keys")


def add(found: Namesakes, name: str, company: str | None, contact_id: int) -> None:
    found.setdefault(name.casefold(), {}).setdefault((company or "").casefold(), []).append(
        contact_id)


def namesakes(found: Namesakes, inc: Incoming) -> list[int]:
    """The contacts a row known by its name alone may be: those of its name
    and company when it has one (a contact without it would gain it: someone
    new), else all of its name (a row of a name alone brings nothing)."""
    by_company = found.get(inc.name.casefold())
    if not by_company:
        return []
    if inc.company:
        return by_company.get(inc.company.casefold(), [])[:PHONE_GROUP_LIMIT + 1]
    # (More than the limit is as good as all: too_many() then looks no further.)
    return list(islice((c for ids in by_company.values() for c in ids), PHONE_GROUP_LIMIT + 1))


def too_many(candidates: Sequence[int]) -> bool:
    """A name as many contacts have as a switchboard has holders (a "Guest")
    says nothing of who a row is; comparing it with each of them would make
    an import of such rows quadratic."""
    return len(candidates) > PHONE_GROUP_LIMIT


def brings_nothing(inc: Incoming, state: ContactState, stages: Sequence[str]) -> bool:
    """Whether the row would change nothing on the contact but its tags,
    judged as an update would take it: a value the contact has otherwise
    (another company) is a change, as much as one it lacks. (Its note is
    the caller's to compare.)"""
    taken = state.restored({})
    changed = {key for key in combine(taken, inc, overwrite=True, stages=stages)
               if not _same_text(getattr(state, key), getattr(taken, key))}
    if inc.split_names:
        changed -= {"first_name", "last_name"}  # guessed from the name, not given
    return changed - _NOT_IDENTITY <= {"tags"}


def _same_text(a: Any, b: Any) -> bool:
    """Values that differ in case alone (BOB SMITH, Bob Smith)."""
    return isinstance(a, str) and isinstance(b, str) and a.casefold() == b.casefold()


def without_profiles(inc: Incoming) -> Incoming:
    """The row as it would be without its profile URLs (compared with a
    contact that has none) and the bookkeeping it keeps as fields."""
    bare = copy.copy(inc)
    bare.fields = {k: v for k, v in inc.fields.items()
                   if profile_key(v) is None and k not in inc.kept_fields}
    return bare
