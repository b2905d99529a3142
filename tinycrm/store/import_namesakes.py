"""Rows known by their name alone (no uid, address, number or profile): which
contacts they may be. A name is no proof of a person, so such a row is the
contact of its name (and company) only when it would change nothing on it but
tags: the same row imported again. ``RowPath`` (``import_row_path``) asks."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
from typing import Any

from .contact_state import ContactState, combine
from .dupes import PHONE_GROUP_LIMIT
from .import_rows import Incoming
from .import_types import LOOKUP_KEYS
from .textutil import nocase_spellings

# Contacts by name, then company, both folded.
Namesakes = dict[str, dict[str, list[int]]]

# What the CRM did with a person since (a lead became a customer, got an
# owner) says nothing of who they are.
_NOT_IDENTITY = frozenset(("stage", "tier", "owner", "source", "cadence_days",
                           "last_contacted_at", "created_at"))


def name_candidates(conn, rows: list[Incoming]) -> Namesakes:
    """Contacts named as these rows are (case aside), by name and company."""
    found: Namesakes = {}
    names = list(dict.fromkeys(s for inc in rows for s in nocase_spellings(inc.name)))
    for start in range(0, len(names), LOOKUP_KEYS):
        part = names[start:start + LOOKUP_KEYS]
        for contact_id, name, company in conn.execute(
                "SELECT id, name, company FROM contacts WHERE name COLLATE NOCASE IN"
                f" ({','.join('?' * len(part))}) ORDER BY id", part):
            add(found, name, company, contact_id)
    return found


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
