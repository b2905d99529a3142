"""Duplicates: finding probable pairs, and merging two contacts into one.

The merge rule, shared with import (``combine``): the kept contact's values
win; empty fields are filled from the other; emails, phones, tags and custom
fields are unioned. ``overwrite`` (import's ``--on-duplicate update``) lets
incoming values replace existing ones, but never empties a field and never
drops an email, phone or tag.

Probable pairs (``find_duplicates``), scored 0–100:

- the same email once ``+tags`` (and dots, at Gmail) are ignored: 100;
- the same phone (last nine digits): 95;
- names that read alike (rapidfuzz token-sort ratio) within one company,
  the company compared without case, accents or a legal suffix (Inc, Ltd...).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .models import Contact
from .profiles import profiles_in_use
from .textutil import fold, names_a_person, normalize_email, phone_key
from .timeutil import to_db

if TYPE_CHECKING:
    from .store import Store

# Scalars a merge fills when empty (and ``overwrite`` replaces).
SCALAR_FILL = ("first_name", "last_name", "company", "title", "birthday", "source",
               "cadence_days")
# Scalars only ``overwrite`` changes, and only with a value the input named.
SCALAR_SET = ("stage", "tier", "owner")
EMAIL_SCORE = 100.0
PHONE_SCORE = 95.0
PHONE_OTHER_NAME_SCORE = 60.0  # the same number, names that disagree: below the default cut
PROFILE_SCORE = 100.0  # a LinkedIn profile is one member's
PHONE_GROUP_LIMIT = 25  # a shared switchboard number is not a duplicate signal
_SUFFIXES = {"inc", "ltd", "llc", "gmbh", "ag", "sa", "sas", "co", "corp", "corporation",
             "company", "limited", "plc", "bv", "oy", "ab", "srl", "spa", "pty", "the"}


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
    phone_keys: set[str] = field(default_factory=set)
    tags: list[str] = field(default_factory=list)
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
            phone_keys={phone_key(p) or p for p in c.phones}, tags=list(c.tags),
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
            phone_keys={phone_key(p) or p for p in phones}, tags=list(data.get("tags") or []),
        )

    def restored(self, saved: dict[str, Any]) -> ContactState:
        """A copy of this state with the ``saved`` values put back."""
        copy = ContactState(
            id=self.id, name=self.name, fields=dict(self.fields), emails=list(self.emails),
            email_keys=set(self.email_keys), phones=list(self.phones),
            phone_keys=set(self.phone_keys), tags=list(self.tags),
            **{k: getattr(self, k) for k in (
                "first_name", "last_name", "company", "title", "stage", "tier", "owner",
                "source", "birthday", "cadence_days", "last_contacted_at", "uid",
                "created_at", "updated_at", "version")},
        )
        for key, value in saved.items():
            setattr(copy, key, value)
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
                id=r[0], uid=r[1], name=r[2], first_name=r[3], last_name=r[4], company=r[5],
                title=r[6], stage=r[7], tier=r[8], owner=r[9], source=r[10], birthday=r[11],
                fields=json.loads(r[12]) if r[12] != "{}" else {}, cadence_days=r[13],
                created_at=r[14], updated_at=r[15], last_contacted_at=r[16], version=r[17],
            )
        for cid, email, key in conn.execute(
            f"SELECT contact_id, email, email_key FROM contact_emails WHERE contact_id IN ({marks})"
            " ORDER BY contact_id, position", part,
        ):
            state = states[cid]
            state.emails.append(email)
            state.email_keys.add(key)
        for cid, phone, key in conn.execute(
            f"SELECT contact_id, phone, phone_key FROM contact_phones WHERE contact_id IN ({marks})"
            " ORDER BY contact_id, position", part,
        ):
            state = states[cid]
            state.phones.append(phone)
            state.phone_keys.add(key or phone)
        for cid, tag in conn.execute(
            f"SELECT contact_id, tag FROM contact_tags WHERE contact_id IN ({marks})"
            " ORDER BY contact_id, tag", part,
        ):
            states[cid].tags.append(tag)
    return states


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
    for key in SCALAR_FILL:
        value = getattr(incoming, key)
        if value is None or value == "" or (guessed and key in ("first_name", "last_name")):
            continue
        current = getattr(state, key)
        if current is None or current == "" or (overwrite and current != value):
            save(key)
            setattr(state, key, value)
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
            state.emails.append(email)
    phone_keys = incoming.phone_keys if isinstance(incoming.phone_keys, list) else [
        phone_key(p) for p in incoming.phones]
    for phone, key in zip(incoming.phones, phone_keys):
        ident = key or phone
        if ident not in state.phone_keys:
            if "phones" not in changed:
                save("phones")
            state.phone_keys.add(ident)
            state.phones.append(phone)
    if incoming.tags:
        have = set(state.tags)
        new = [t for t in incoming.tags if t not in have]
        if new:
            save("tags")
            state.tags = sorted(have.union(new))
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


# -- merging two contacts -----------------------------------------------------------

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


def _later_stage(current: str | None, incoming: str | None, stages: Sequence[str]) -> bool:
    """``incoming`` comes after ``current`` in the lifecycle ``stages``."""
    if not incoming or incoming == current or incoming not in stages or current not in stages:
        return False  # (a stage no longer configured was still chosen by someone: it stays)
    return stages.index(incoming) > stages.index(current)


def merge_contacts(store: Store, keep_id: int, other_id: int, *,
                   now: datetime | None = None) -> tuple[Contact, list[str]]:
    """Merge contact ``other_id`` into ``keep_id``: KEEP's values win, empty
    fields are filled, emails/phones/tags/custom fields are unioned; the
    timeline, follow-ups and everything else that points at OTHER move to KEEP;
    OTHER is deleted. Returns KEEP as it is now and what changed on it."""
    from .import_batches import write_state

    now = now or store.now()
    if keep_id == other_id:
        raise ValidationError("can't merge a contact into itself")
    conn = store.conn
    with store.write():
        keep = store.contacts.get(keep_id)
        other = store.contacts.get(other_id)
        state = ContactState.from_contact(keep)
        before = ContactState.from_contact(keep)
        changed = combine(state, ContactState.from_contact(other), stages=store.settings.stages)
        conn.execute("DELETE FROM contact_emails WHERE contact_id = ?", [other_id])
        if changed:
            write_state(conn, before, state, changed, to_db(now))
        if "stage" in changed:
            store.timeline.add(keep_id, "stage", f"{before.stage} → {state.stage}",
                               data={"from": before.stage, "to": state.stage,
                                     "merged_id": other_id}, now=now)
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
        # OTHER's history now concerns KEEP (and goes with KEEP's if it is erased).
        conn.execute("UPDATE audit SET contact_id = ? WHERE contact_id = ?", [keep_id, other_id])
        other_snapshot = ContactState.from_contact(other).snapshot()
        conn.execute("DELETE FROM contacts WHERE id = ?", [other_id])
        store.search.reindex([keep_id])
        if changed:
            diff_before, diff_after = before.diff(state, changed)
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
        result = store.contacts.get(keep_id)
    return result, changed


# -- finding probable pairs ---------------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    score: float
    keep_id: int
    keep_name: str
    other_id: int
    other_name: str
    reasons: tuple[str, ...]
    keep_email: str | None = None
    other_email: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 1), "keep": self.keep_id, "keep_name": self.keep_name,
            "keep_email": self.keep_email, "other": self.other_id,
            "other_name": self.other_name, "other_email": self.other_email,
            "reason": "; ".join(self.reasons),
        }


_NAME_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=4096)
def name_words(name: str) -> tuple[str, ...]:
    """A name's words, folded (an import compares the same names again and again)."""
    return tuple(_NAME_WORD.findall(fold(name)))


def name_shows(name: str, part: str) -> bool:
    """Whether every word of ``part`` (a nickname, a prefix) is a word of ``name``."""
    words = name_words(name)
    return all(w in words for w in name_words(part))


def names_agree(a: str, b: str) -> bool:
    """Whether two names may be the same person's: each word of the one with
    fewer words starts a word of the other, without regard to case or accents
    ("Ada L" and "A. Lovelace" agree with "Ada Lovelace"; "Ann Two" does not
    with "Tom One")."""
    words_a, words_b = name_words(a), name_words(b)
    if len(words_a) > len(words_b):
        words_a, words_b = words_b, words_a
    return all(any(w.startswith(part) for w in words_b) for part in words_a)


def email_canon(key: str | None) -> str | None:
    """``John.Doe+crm@GMail.com`` and ``johndoe@gmail.com`` are one mailbox."""
    if not key or "@" not in key:
        return key
    local, domain = key.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def company_key(company: str | None) -> str | None:
    words = re.sub(r"[^\w\s]", " ", fold(company)).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return " ".join(words) or None


def _pairs_by_key(conn, sql: str) -> Iterator[list[int]]:
    for (group,) in conn.execute(sql):
        ids = sorted({int(i) for i in group.split(",")})
        if 1 < len(ids) <= PHONE_GROUP_LIMIT:
            yield ids


def _names_of(conn, ids: set[int]) -> dict[int, str]:
    return dict(conn.execute(
        "SELECT id, name FROM contacts WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(ids))]))


def _same_profiles(conn) -> Iterator[list[int]]:
    """Contacts whose custom fields hold the same profile URL (``profiles``):
    one person twice (an import of LinkedIn's connections made before
    imports matched by profile)."""
    holders: dict[str, list[int]] = {}
    for key, contact_id in profiles_in_use(conn):
        holders.setdefault(key, []).append(contact_id)
    return (ids for ids in holders.values() if len(ids) > 1)


def find_duplicates(store: Store, *, threshold: float = 85.0,
                    limit: int | None = None) -> list[DuplicatePair]:
    """Probable duplicate pairs scoring at least ``threshold``, best first."""
    from rapidfuzz import fuzz, process

    conn = store.conn
    conn.create_function("tinycrm_email_canon", 1, email_canon, deterministic=True)
    conn.create_function("tinycrm_company_key", 1, company_key, deterministic=True)
    found: dict[tuple[int, int], tuple[float, list[str]]] = {}

    def add(a: int, b: int, score: float, reason: str) -> None:
        if score < threshold:
            return
        key = (min(a, b), max(a, b))
        best, reasons = found.get(key, (0.0, []))
        if reason not in reasons:
            reasons.append(reason)
        found[key] = (max(best, score), reasons)

    with store.read():
        for ids in _pairs_by_key(conn,
                "SELECT group_concat(contact_id) FROM (SELECT DISTINCT tinycrm_email_canon(email_key)"
                " AS k, contact_id FROM contact_emails) GROUP BY k HAVING count(*) > 1"):
            for other in ids[1:]:
                add(ids[0], other, EMAIL_SCORE, "same email")
        phone_groups: list[list[int]] = []
        for ids in _pairs_by_key(conn,
                "SELECT group_concat(contact_id) FROM (SELECT DISTINCT phone_key AS k, contact_id"
                " FROM contact_phones WHERE phone_key IS NOT NULL) GROUP BY k HAVING count(*) > 1"):
            phone_groups.append(ids)
        names = _names_of(conn, {i for ids in phone_groups for i in ids})
        for ids in phone_groups:
            first = names.get(ids[0], "")
            for other in ids[1:]:
                # As import has it: colleagues share a switchboard, a
                # household a landline; a number alone is weak evidence.
                name = names.get(other, "")
                if (not names_a_person(first) or not names_a_person(name)
                        or names_agree(first, name)):
                    add(ids[0], other, PHONE_SCORE, "same phone")
                else:
                    add(ids[0], other, PHONE_OTHER_NAME_SCORE, "same phone, different names")
        for ids in _same_profiles(conn):
            for other in ids[1:]:
                add(ids[0], other, PROFILE_SCORE, "same LinkedIn profile")
        group: list[tuple[int, str]] = []
        current = None
        rows = conn.execute(
            "SELECT k, id, name FROM (SELECT tinycrm_company_key(company) AS k, id, name"
            " FROM contacts WHERE company IS NOT NULL AND company != '') WHERE k IS NOT NULL"
            " ORDER BY k, id")
        for company, contact_id, name in [*rows, (None, 0, "")]:
            if company != current:
                _similar_names(group, current, threshold, add, fuzz, process)
                group, current = [], company
            group.append((contact_id, " ".join(name_words(name))))
        ranked = sorted(found.items(), key=lambda item: (-item[1][0], item[0]))
        if limit is not None:
            ranked = ranked[:limit]
        people = {c.id: c for c in store.contacts.get_many(
            sorted({i for (a, b), _ in ranked for i in (a, b)}))}
    pairs = []
    for (a, b), (score, reasons) in ranked:
        if a in people and b in people:
            pairs.append(DuplicatePair(
                score=score, keep_id=a, keep_name=people[a].name, other_id=b,
                other_name=people[b].name, reasons=tuple(reasons),
                keep_email=people[a].email, other_email=people[b].email,
            ))
    return pairs


def _similar_names(group, company, threshold, add, fuzz, process) -> None:
    """Pairs of the names (folded words) at one company that read alike. A
    name is compared with those that share the first letter of one of its
    words: the words' order doesn't matter to the score ("Smith John" is
    "John Smith"), nor may it to which names meet."""
    if len(group) < 2:
        return
    blocks: dict[str, list[tuple[int, str]]] = {}
    for contact_id, name in group:
        for letter in dict.fromkeys(word[:1] for word in name.split()) or ("",):
            blocks.setdefault(letter, []).append((contact_id, name))
    seen: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        names = [n for _, n in members]
        for i, (contact_id, name) in enumerate(members[:-1]):
            for _, score, j in process.extract(
                name, names[i + 1:], scorer=fuzz.token_sort_ratio, score_cutoff=threshold,
                limit=None,
            ):
                other_id = members[i + 1 + j][0]
                if (contact_id, other_id) not in seen:
                    seen.add((contact_id, other_id))
                    add(contact_id, other_id, float(score), f"similar name at {company}")
