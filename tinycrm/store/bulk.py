"""Fast inserts of many contacts at once (import, demo): ``executemany`` in
chunks, with ids assigned up front so emails, phones, tags and the search
index can be written without a round trip per contact.

The caller validates records and holds the write transaction.

Two things keep a million-row insert from slowing down as the tables grow:

- uids come from ``UidSequence``: time-ordered (UUIDv7 layout) and
  increasing within a run, so the unique uid index grows at its right edge
  instead of being written at random;
- ``DeferredIndexes`` drops a table's non-unique indexes for the length of a
  large load and builds them again (sorted, in one pass) before commit, all
  inside the caller's transaction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from operator import attrgetter
from typing import Any

from .contacts import next_contact_id
from .search import SearchRows, write_search_rows
from .sortkeys import sort_keys
from .textutil import normalize_email, phone_key
from .timeutil import from_db
from .valuerows import ValueRows


@dataclass
class NewContact:
    """A validated contact ready to insert. Times are stored (UTC text) form."""

    name: str
    owner: str
    created_at: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    stage: str = "lead"
    tier: str = "standard"
    source: str | None = None
    birthday: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    cadence_days: int | None = None
    last_contacted_at: str | None = None
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    tags: Sequence[str] = ()
    uid: str | None = None
    updated_at: str | None = None
    # Match keys parallel to emails and phones, when the caller has them already.
    email_keys: list[str] | None = None
    phone_keys: list[str | None] | None = None


class UidSequence:
    """Contact uids in the UUIDv7 layout (48-bit milliseconds, version 7,
    random bits), counting up from a random start so that a run of them sorts
    in creation order. 32 lower-case hex digits, like ``uuid4().hex``."""

    def __init__(self, now: datetime | None = None) -> None:
        millis = int((now.timestamp() if now else 0) * 1000) & ((1 << 48) - 1)
        rand = int.from_bytes(os.urandom(10), "big")
        self._prefix = f"{millis:012x}7{rand & 0xFFF:03x}"
        # The variant bits (10) lead; the counter starts low enough never to reach them.
        self._counter = (0x8 << 60) | ((rand >> 12) & ((1 << 59) - 1))

    def __call__(self) -> str:
        self._counter += 1
        return f"{self._prefix}{self._counter:016x}"

    def fill(self, given: Sequence[str | None]) -> list[str]:
        """``given``, each None replaced by the next uid."""
        if any(given):
            return [u or self() for u in given]
        start, prefix = self._counter + 1, self._prefix
        self._counter += len(given)
        return [f"{prefix}{n:016x}" for n in range(start, self._counter + 1)]


_CONTACT_COLUMNS = (
    "id", "uid", "name", "first_name", "last_name", "company", "title", "stage", "tier", "owner",
    "source", "birthday", "fields", "cadence_days", "created_at", "updated_at",
    "last_contacted_at", "import_batch", "name_key", "company_key")
_LISTED = ("contact_id", "position", "email", "email_key")
_LISTED_PHONES = ("contact_id", "position", "phone", "phone_key")
_NONE = ((), (), (), ())  # the columns of no rows


class ContactRows:
    """New contacts (ids ``first`` and up, in order) as the rows of every
    table they go in. ``parts()`` works them out in Python a table at a time
    and gives each as a write that is SQL alone (see ``valuerows``): the
    importer hands each to its writer thread as soon as it is ready.

    The contacts come as objects with ``NewContact``'s attributes, or (the
    import's fast lane) as those attributes' columns: ``of_columns``.
    ``import_batch`` is the import that creates them, if one does."""

    __slots__ = ("first", "last", "_contacts", "_columns", "_updated_at", "_uids", "_batch")

    def __init__(self, contacts: Sequence[Any], *, first: int, updated_at: str,
                 uids: UidSequence, import_batch: int | None = None) -> None:
        self.first, self.last = first, first + len(contacts) - 1
        self._contacts, self._updated_at, self._uids = contacts, updated_at, uids
        self._columns: dict[str, Sequence] | None = None
        self._batch = import_batch

    @classmethod
    def of_columns(cls, columns: dict[str, Sequence], count: int, *, first: int,
                   updated_at: str, uids: UidSequence,
                   import_batch: int | None = None) -> ContactRows:
        """``count`` contacts given as a column per attribute of ``ATTRIBUTES``."""
        self = cls((), first=first, updated_at=updated_at, uids=uids, import_batch=import_batch)
        self.last = first + count - 1
        self._columns = columns
        return self

    def columns(self) -> dict[str, Sequence]:
        if self._columns is None:
            self._columns = dict(zip(ATTRIBUTES, zip(*map(_attributes, self._contacts))))
        return self._columns

    def parts(self) -> Iterator[Callable[[Any], None]]:
        count = self.last - self.first + 1
        if count <= 0:
            return
        c, ids = self.columns(), range(self.first, self.last + 1)
        uids, updated_at = self._uids, self._updated_at
        yield ValueRows("contacts", _CONTACT_COLUMNS, [
            ids, uids.fill(c["uid"]), c["name"], c["first_name"],
            c["last_name"], c["company"], c["title"], c["stage"], c["tier"], c["owner"],
            c["source"], c["birthday"],
            [json.dumps(f, ensure_ascii=False) if f else "{}" for f in c["fields"]],
            c["cadence_days"], c["created_at"], [u or updated_at for u in c["updated_at"]],
            c["last_contacted_at"], [self._batch] * count,
            sort_keys(c["name"]), sort_keys(c["company"]),  # (the list's order: see sortkeys)
        ], count).run
        # In key order: the unique email index and the phone index are then
        # written page by page instead of at random (it matters once they
        # outgrow the cache). SQLite sorts them, without the GIL.
        emails = _numbered(ids, c["emails"], c["email_keys"], normalize_email)
        yield ValueRows("contact_emails", _LISTED, list(zip(*emails)) or _NONE, len(emails),
                        order_by="email_key").run
        phones = _numbered(ids, c["phones"], c["phone_keys"], phone_key)
        yield ValueRows("contact_phones", _LISTED_PHONES, list(zip(*phones)) or _NONE,
                        len(phones), order_by="phone_key").run
        tags = [(cid, t) for cid, ts in zip(ids, c["tags"]) if ts for t in ts]
        yield ValueRows("contact_tags", ("contact_id", "tag"), list(zip(*tags)) or _NONE[:2],
                        len(tags)).run
        search = SearchRows(zip(ids, c["name"], c["emails"], c["company"], c["tags"]))
        yield partial(_write_fresh_search_rows, found=search)


# What ContactRows reads of each contact.
ATTRIBUTES = (
    "uid", "name", "first_name", "last_name", "company", "title", "stage", "tier", "owner",
    "source", "birthday", "fields", "cadence_days", "created_at", "updated_at",
    "last_contacted_at", "emails", "email_keys", "phones", "phone_keys", "tags")
_attributes = attrgetter(*ATTRIBUTES)


def _numbered(ids: Iterable[int], values: Iterable[Sequence[str]], keys: Iterable[Any],
              make_key: Callable[[str], str | None]) -> list[tuple]:
    """(contact id, position, value, key) of emails or phones. ``keys`` are
    the callers' own, where they are a list."""
    rows = []
    for cid, items, item_keys in zip(ids, values, keys):
        if not items:
            continue
        if type(item_keys) is not list:
            item_keys = map(make_key, items)
        if len(items) == 1:
            rows.append((cid, 0, items[0], next(iter(item_keys))))
        else:
            rows += [(cid, i, v, k) for i, (v, k) in enumerate(zip(items, item_keys))]
    return rows


def _write_fresh_search_rows(conn, *, found: SearchRows) -> None:
    write_search_rows(conn, found, fresh=True)


def write_contact_rows(conn, rows: ContactRows) -> None:
    for write in rows.parts():
        write(conn)


def insert_contacts(
    conn, contacts: Iterable[NewContact], *, updated_at: str, first_id: int | None = None,
    uids: UidSequence | None = None,
) -> list[int]:
    """Insert ``contacts`` and return their ids, in order: ``first_id`` and up
    (default: after the largest id in use). Any object with ``NewContact``'s
    attributes will do (the importer passes its validated rows)."""
    batch = list(contacts)
    if not batch:
        return []
    first = first_id if first_id is not None else next_contact_id(conn)
    rows = ContactRows(batch, first=first, updated_at=updated_at,
                       uids=uids or UidSequence(from_db(updated_at)))
    write_contact_rows(conn, rows)
    return list(range(rows.first, rows.last + 1))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class DeferredIndexes:
    """Drop the non-unique indexes of ``tables`` now; ``restore()`` builds them
    again from their original SQL. Both run inside the caller's transaction,
    so a failure or a kill in between leaves the schema as it was.

    Unique indexes stay (they enforce constraints and answer the lookups that
    matching needs), as do indexes on any table not named."""

    def __init__(self, conn, tables: Sequence[str]) -> None:
        self.conn = conn
        self.tables = tuple(tables)
        self.saved: list[tuple[str, str]] = []
        self.all_dropped = False

    def drop(self, *, only: Sequence[str] | None = None) -> None:
        """Drop the indexes (``only`` these, if given) not dropped yet."""
        marks = ", ".join("?" * len(self.tables))
        rows = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks})", self.tables,
        ).fetchall()
        for name, sql in rows:
            if sql.lstrip().upper().startswith("CREATE UNIQUE") or (only and name not in only):
                continue
            self.conn.execute(f"DROP INDEX {_quote(name)}")
            self.saved.append((name, sql))
        self.all_dropped = self.all_dropped or not only

    def restore(self) -> None:
        for _, sql in self.saved:
            self.conn.execute(sql)
        self.saved = []
