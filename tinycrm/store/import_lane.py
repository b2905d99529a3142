"""The import's fast lane: a chunk of plain rows checked a column at a time.

Most chunks of a large import are new people described by the same few
keys: a name, an address, a number, a company, a label or two. The row path
(``RowChecker.prepare``, then matching row by row) builds an object per row
and reads it back attribute by attribute, which is most of an import's
Python time. For a plain chunk the lane runs the same checks, with the same
functions, and hands ``ContactRows`` columns instead.

``plain_chunk`` returns None for a chunk it can't take exactly as the row
path would: a row to reject, a key only the row path reads (stage, owner,
uid, ...), a name that must come from a nickname or an address, or an
address or number twice in the chunk. The importer then checks the chunk's
addresses and numbers against the database and takes the lane only if none
is there. Everything else goes the row path, which gives the messages.
``tests/test_import_lane.py`` imports the same files both ways and compares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .contacts import split_name
from .errors import ValidationError
from .formats import Row
from .import_rows import (
    BadValue,
    RowChecker,
    clean_birthday,
    clean_emails,
    clean_fields,
    clean_note,
    clean_phones,
    clean_text,
    full_name,
)

# The keys a plain row may have. (A nickname only counts when a row has no
# other name, and such a row goes the row path anyway.)
LANE_KEYS = frozenset((
    "name", "first_name", "last_name", "emails", "phones", "company", "title", "tags",
    "birthday", "note", "fields", "nickname",
))


@dataclass(slots=True)
class PlainChunk:
    """A chunk's new contacts as columns of ``bulk.ATTRIBUTES`` (those the
    rows set; the importer adds the rest), with their notes."""

    count: int
    columns: dict[str, list]
    notes: list[str | None]

    def email_keys(self) -> list[str]:
        return [key for keys in self.columns["email_keys"] for key in keys]

    def phone_keys(self) -> list[str]:
        return [key for keys in self.columns["phone_keys"] for key in keys if key is not None]


def plain_chunk(rows: Sequence[Row], checker: RowChecker) -> PlainChunk | None:
    """The rows as a ``PlainChunk``, or None when they need the row path."""
    records: list[dict[str, Any]] = []
    for row in rows:
        if row.error is not None or not row.record:
            return None
        records.append(row.record)
    if not records or not all(map(LANE_KEYS.issuperset, records)):
        return None

    def column(key: str) -> list:
        return [record.get(key) for record in records]

    names = list(map(clean_text, column("name")))
    firsts = list(map(clean_text, column("first_name")))
    lasts = list(map(clean_text, column("last_name")))
    for i, name in enumerate(names):
        if name:
            if firsts[i] is None and lasts[i] is None:
                firsts[i], lasts[i] = split_name(name)
        else:
            names[i] = full_name(firsts[i], lasts[i])
            if not names[i]:
                return None
    columns: dict[str, list] = {
        "name": names, "first_name": firsts, "last_name": lasts,
        "company": list(map(clean_text, column("company"))),
        "title": list(map(clean_text, column("title"))),
        "birthday": [clean_birthday(str(v)) if v else None for v in column("birthday")],
        "fields": [clean_fields(v) if v else None for v in column("fields")],
    }
    extra_tags = checker.extra_tags
    try:
        for key, clean in (("emails", clean_emails), ("phones", clean_phones)):
            values, keys = [], []
            for items in column(key):
                found, found_keys = clean(items) if items else ((), ())
                values.append(found)
                keys.append(found_keys)
            columns[key], columns[key[:-1] + "_keys"] = values, keys
        columns["tags"] = [
            checker.clean_tags(values) if values or extra_tags else () for values in column("tags")
        ]
    except (BadValue, ValidationError):
        return None  # the row path rejects the row, naming its column
    chunk = PlainChunk(len(records), columns,
                       [clean_note(v) if v else None for v in column("note")])
    emails, phones = chunk.email_keys(), chunk.phone_keys()
    if len(set(emails)) != len(emails) or len(set(phones)) != len(phones):
        return None  # a duplicate inside the chunk: the row path merges it
    return chunk
