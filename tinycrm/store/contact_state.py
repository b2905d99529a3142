"""A contact as plain, changeable values (``ContactState``), and the merge
rule that import and ``tinycrm merge`` share (``combine``): the kept
contact's values win; empty fields are filled from the other; emails,
phones, tags and custom fields are unioned; a lifecycle stage only moves
forward. ``overwrite`` (import's ``--on-duplicate update``) lets incoming
values replace existing ones, but never empties a field and never drops an
email, phone or tag."""

from __future__ import annotations

import json
import re
from bisect import insort
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .models import Contact
from .textutil import as_text, fold, normalize_email, number_ident
from .timeutil import to_db

# Scalars a merge fills when empty (and ``overwrite`` replaces).
SCALAR_FILL = ("first_name", "last_name", "company", "title", "birthday", "source",
               "cadence_days")
# Scalars only ``overwrite`` changes, and only with a value the input named.
SCALAR_SET = ("stage", "tier", "owner")
@dataclass(slots=True)
class ContactState:
    """A contact as plain, changeable values: what merging works on."""

    id: int | None
    name: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    stage: str | None = None
    tier: str | None = None
    owner: str | None = None
    source: str | None = None
    birthday: str | None = None
    cadence_days: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    emails: list[str] = field(default_factory=list)
    email_keys: set[str] = field(default_factory=set)
    phones: list[str] = field(default_factory=list)
    # textutil.number_ident of each number, worked out when a merge first needs them
    phone_idents: set[str] | None = None
    tags: list[str] = field(default_factory=list)
    # ``tags`` as a set, made when a merge first needs it (a file of thousands
    # of rows of one person, each with a tag of its own, made it once a row)
    tag_set: set[str] | None = None
    last_contacted_at: str | None = None
    uid: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    version: int = 1
    note: str | None = None
    named: bool = True

    @classmethod
    def from_contact(cls, c: Contact) -> ContactState:
        return cls(
            id=c.id, name=c.name, first_name=c.first_name, last_name=c.last_name,
            company=c.company, title=c.title, stage=c.stage, tier=c.tier, owner=c.owner,
            source=c.source, birthday=c.birthday, cadence_days=c.cadence_days,
            fields=dict(c.fields), emails=list(c.emails),
            email_keys={normalize_email(e) for e in c.emails}, phones=list(c.phones),
            tags=list(c.tags),
            last_contacted_at=to_db(c.last_contacted_at) if c.last_contacted_at else None,
            uid=c.uid, created_at=to_db(c.created_at) if c.created_at else None,
            version=c.version,
        )

    @classmethod
    def from_snapshot(cls, contact_id: int, data: dict[str, Any]) -> ContactState:
        emails, phones = list(data.get("emails") or []), list(data.get("phones") or [])
        return cls(
            id=contact_id, name=data["name"],
            **{k: data.get(k) for k in ("first_name", "last_name", "company", "title", "stage",
                                        "tier", "owner", "source", "birthday", "cadence_days",
                                        "last_contacted_at")},
            fields=dict(data.get("fields") or {}), emails=emails,
            email_keys={normalize_email(e) for e in emails}, phones=phones,
            tags=list(data.get("tags") or []),
        )

    @property
    def phone_keys(self) -> None:
        """(``bulk.ContactRows`` reads it: None, so it works the keys out.)"""
        return None

    def restored(self, saved: dict[str, Any]) -> ContactState:
        """A copy of this state with the ``saved`` values put back."""
        copy = ContactState(
            id=self.id, name=self.name, fields=dict(self.fields), emails=list(self.emails),
            email_keys=set(self.email_keys), phones=list(self.phones),
            tags=list(self.tags),
            **{k: getattr(self, k) for k in (
                "first_name", "last_name", "company", "title", "stage", "tier", "owner",
                "source", "birthday", "cadence_days", "last_contacted_at", "uid",
                "created_at", "updated_at", "version")},
        )
        for key, value in saved.items():
            setattr(copy, key, value)
        if self.phone_idents is not None and "phones" not in saved:
            copy.phone_idents = set(self.phone_idents)
        return copy

    def snapshot(self) -> dict[str, Any]:
        """Everything a merge can change (what undo puts back)."""
        return {
            "name": self.name, "first_name": self.first_name, "last_name": self.last_name,
            "company": self.company, "title": self.title, "stage": self.stage,
            "tier": self.tier, "owner": self.owner, "source": self.source,
            "birthday": self.birthday, "cadence_days": self.cadence_days,
            "last_contacted_at": self.last_contacted_at, "fields": dict(self.fields),
            "emails": list(self.emails), "phones": list(self.phones),
            "tags": sorted(self.tags), "version": self.version,
        }

    def diff(self, other: ContactState, keys: Sequence[str]) -> tuple[dict, dict]:
        mine, theirs = self.snapshot(), other.snapshot()
        return {k: mine[k] for k in keys}, {k: theirs[k] for k in keys}


_STATE_SQL = (
    "SELECT id, uid, name, first_name, last_name, company, title, stage, tier, owner, source,"
    " birthday, fields, cadence_days, created_at, updated_at, last_contacted_at, version"
    " FROM contacts WHERE id IN ({})"
)


def load_states(conn, ids: Sequence[int], *, chunk: int = 900) -> dict[int, ContactState]:
    """Contacts as ``ContactState``s straight from SQL (stored text, no datetimes)."""
    states: dict[int, ContactState] = {}
    for start in range(0, len(ids), chunk):
        part = list(ids[start:start + chunk])
        marks = ",".join("?" * len(part))
        for r in conn.execute(_STATE_SQL.format(marks), part):
            states[r[0]] = ContactState(
                id=r[0], uid=r[1], name=as_text(r[2]), first_name=as_text(r[3]),
                last_name=as_text(r[4]), company=as_text(r[5]), title=as_text(r[6]),
                stage=r[7], tier=r[8], owner=r[9], source=r[10], birthday=r[11],
                fields=json.loads(r[12]) if r[12] != "{}" else {}, cadence_days=r[13],
                created_at=r[14], updated_at=r[15], last_contacted_at=r[16], version=r[17],
            )
        for cid, email, key in conn.execute(
            f"SELECT contact_id, email, email_key FROM contact_emails WHERE contact_id IN ({marks})"
            " ORDER BY contact_id, position", part,
        ):
            state = states[cid]
            state.emails.append(as_text(email))
            state.email_keys.add(key)
        for cid, phone in conn.execute(
            f"SELECT contact_id, phone FROM contact_phones WHERE contact_id IN ({marks})"
            " ORDER BY contact_id, position", part,
        ):
            state = states[cid]
            state.phones.append(as_text(phone))
        for cid, tag in conn.execute(
            f"SELECT contact_id, tag FROM contact_tags WHERE contact_id IN ({marks})"
            " ORDER BY contact_id, tag", part,
        ):
            states[cid].tags.append(as_text(tag))
    return states


_NAME_PARTS = ("first_name", "last_name")


_WORD = re.compile(r"[^\W_]+")


def _shows(name: str | None, part: str) -> bool:
    """Whether ``part`` has words, and each is a word of ``name`` (folded,
    apart at anything not a letter or digit: "Lovelace, Ada" has lovelace and
    ada, "Seán O’Brien" has o and brien; "." is no part of any name)."""
    words = set(_WORD.findall(fold(name)))
    parts = _WORD.findall(fold(part))
    return bool(parts) and all(p in words for p in parts)


def combine(state: ContactState, incoming: Any, *, overwrite: bool = False,
            saved: dict[str, Any] | None = None, stages: Sequence[str] = ()) -> list[str]:
    """Merge ``incoming`` (an import row or another ``ContactState``) into
    ``state``; returns the names of what changed. ``saved`` collects the value
    each changed field had first (see ``ContactState.restored``). ``stages``
    is the lifecycle in order: without ``overwrite`` a stage only moves
    forward along it (a lead that a file calls a customer becomes one; a
    customer stays one whatever an old file says)."""
    changed: list[str] = []

    def save(key: str) -> None:
        changed.append(key)
        if saved is not None and key not in saved:
            value = getattr(state, key)
            saved[key] = value.copy() if isinstance(value, (list, dict, set)) else value

    # First and last names split from a full name the merge doesn't take
    # are guesses, not values: they fill nothing.
    guessed = getattr(incoming, "split_names", False) and not overwrite

    def fill(key: str) -> None:
        value = getattr(incoming, key)
        if value is None or value == "" or (guessed and key in _NAME_PARTS):
            return
        current = getattr(state, key)
        if not (current is None or current == "" or (overwrite and current != value)):
            return
        if key in _NAME_PARTS and not overwrite and not _shows(state.name, value):
            return  # a part the contact's name doesn't have ("Stripe" is no Patrick)
        save(key)
        setattr(state, key, value)

    for key in SCALAR_FILL:
        if overwrite or key not in _NAME_PARTS:
            fill(key)
    if not overwrite and _later_stage(state.stage, getattr(incoming, "stage", None), stages):
        save("stage")
        state.stage = incoming.stage
    if overwrite:
        for key in SCALAR_SET:
            value = getattr(incoming, key)
            if value and getattr(state, key) != value:
                save(key)
                setattr(state, key, value)
        if incoming.named and incoming.name and incoming.name != state.name:
            save("name")
            state.name = incoming.name
    elif (incoming.name and incoming.name != state.name and _stands_in(state)
          and getattr(incoming, "named", True) and not _stands_in(incoming)):
        save("name")  # a name no one typed: the contact's own address or number
        state.name = incoming.name
    if not overwrite:  # (against the name the contact ends up with)
        for key in _NAME_PARTS:
            fill(key)
    seen = getattr(incoming, "last_contacted_at", None)
    if seen and (state.last_contacted_at is None or seen > state.last_contacted_at):
        save("last_contacted_at")
        state.last_contacted_at = seen
    keys = incoming.email_keys if isinstance(incoming.email_keys, list) else [
        normalize_email(e) for e in incoming.emails]
    for email, key in zip(incoming.emails, keys):
        if key not in state.email_keys:
            if "emails" not in changed:
                save("emails")
            state.email_keys.add(key)
            state.emails.append(as_text(email))
    for phone in incoming.phones:
        if len(state.phones) < 16 and phone in state.phones:
            continue  # (most merges: the number as the contact has it)
        if state.phone_idents is None:
            state.phone_idents = {number_ident(kept) for kept in state.phones}
        ident = number_ident(phone)
        if ident in state.phone_idents:
            continue
        if "phones" not in changed:
            save("phones")
        state.phone_idents.add(ident)
        state.phones.append(as_text(phone))
    if incoming.tags:
        have = state.tag_set
        if have is None or len(have) != len(state.tags):
            state.tags.sort()
            have = state.tag_set = set(state.tags)
        new = [t for t in incoming.tags if t not in have]
        if new:
            save("tags")
            have.update(new)
            for tag in sorted(new):
                insort(state.tags, tag)  # (kept sorted, as read and as written)
    if incoming.fields:
        for key, value in incoming.fields.items():
            current = state.fields.get(key)
            if current is None or current == "" or (overwrite and current != value):
                if "fields" not in changed:
                    save("fields")
                state.fields[key] = value
    return changed


def _stands_in(contact: Any) -> bool:
    """Whether a contact's name is one of its own addresses or numbers (as an
    import names a row that has no name): a stand-in, not a name."""
    name = contact.name.casefold()
    return any(name == e.casefold() for e in contact.emails) or contact.name in contact.phones


def _later_stage(current: str | None, incoming: str | None, stages: Sequence[str]) -> bool:
    """``incoming`` comes after ``current`` in the lifecycle ``stages``."""
    if not incoming or incoming == current or incoming not in stages or current not in stages:
        return False  # (a stage no longer configured was still chosen by someone: it stays)
    return stages.index(incoming) > stages.index(current)
