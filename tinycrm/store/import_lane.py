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

import re
from dataclasses import dataclass, field
from typing import Any

from .contact_values import MAX_TEXT, split_name
from .dupes import name_shows
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
    clean_texts,
    full_name,
)
from .textutil import (
    EMAIL_CHAR,
    LETTER,
    MAX_EMAIL_LOCAL,
    MAX_PHONE,
    NOT_PHONE,
    PHONE_KEY_DIGITS,
)

# The keys a plain row may have. (A nickname is the name only of a row that
# has no other, and such a row goes the row path: here it is a custom field.)
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
    # Rows known by their name alone (no address, number or profile): the
    # chunk is new people only if no contact has one of these names.
    known_by_name: list[str] = field(default_factory=list)

    def email_keys(self) -> list[str]:
        return [key for keys in self.columns["email_keys"] for key in keys]

    def phone_keys(self) -> list[str]:
        return [key for keys in self.columns["phone_keys"] for key in keys if key is not None]


_NAME_PARTS = frozenset(("first_name", "last_name"))


class RowChunk:
    """Some rows of a vCard or JSON file (what any reader's ``rows`` gives);
    CSV files come in ``formats.csvfile.CellChunk``s, which map their cells
    to columns themselves."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Row]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> list[Row]:
        return self._rows

    def columns(self) -> dict[str, list] | None:
        """The records as columns, or None if a row is an error or empty."""
        records: list[dict[str, Any]] = []
        for row in self._rows:
            if row.error is not None or not row.record:
                return None
            records.append(row.record)
        keys = set().union(*records)
        for part in _NAME_PARTS & keys:
            if not all(part in record for record in records):
                return None  # some objects give a name's parts and some don't
        return {key: [record.get(key) for record in records] for key in keys}


def plain_chunk(columns: dict[str, list], count: int, checker: RowChecker) -> PlainChunk | None:
    """``count`` rows given as their records' columns (a value or None per
    row), as a ``PlainChunk``; None when they need the row path."""
    if not columns.keys() <= LANE_KEYS:
        return None
    nothing = [None] * count

    def column(key: str) -> list:
        return columns.get(key) or nothing

    names = clean_texts(column("name"))
    firsts = clean_texts(column("first_name"))
    lasts = clean_texts(column("last_name"))
    # (A JSON chunk has these columns when every object has the key: see RowChunk.)
    split = not (checker.name_parts or "first_name" in columns or "last_name" in columns)
    for i, name in enumerate(names):
        if name:
            if split and firsts[i] is None and lasts[i] is None:
                firsts[i], lasts[i] = split_name(name)
        else:
            names[i] = full_name(firsts[i], lasts[i])
            if not names[i]:
                return None
    company, title = clean_texts(column("company")), clean_texts(column("title"))
    longest = max(max(map(len, filter(None, values)), default=0)
                  for values in (names, firsts, lasts, company, title))
    if longest > MAX_TEXT or not "".join(names).isprintable():
        return None  # too long, or a name of odd characters: the row path says what
    found: dict[str, list] = {
        "name": names, "first_name": firsts, "last_name": lasts, "company": company,
        "title": title,
    }
    try:
        found["fields"] = [clean_fields(v) if v else None for v in column("fields")]
    except BadValue:
        return None
    if "nickname" in columns:
        fields = found["fields"]
        for i, nickname in enumerate(clean_texts(columns["nickname"])):
            if nickname and not name_shows(names[i], nickname):
                fields[i] = {"nickname": nickname, **(fields[i] or {})}
    extra_tags = checker.extra_tags
    try:
        day_first = checker.day_first
        found["birthday"] = [clean_birthday(str(v), day_first=day_first) if v else None
                             for v in column("birthday")]
        found["emails"], found["email_keys"] = (
            _single_emails(column("emails")) or _each(column("emails"), clean_emails))
        found["phones"], found["phone_keys"] = (
            _single_phones(column("phones")) or _each(column("phones"), clean_phones))
        found["tags"] = [
            checker.clean_tags(values) if values or extra_tags else () for values in column("tags")
        ]
    except (BadValue, ValidationError):
        return None  # the row path rejects the row, naming its column
    chunk = PlainChunk(count, found, [clean_note(v) if v else None for v in column("note")])
    emails, phones = chunk.email_keys(), chunk.phone_keys()
    if len(set(emails)) != len(emails) or len(set(phones)) != len(phones):
        return None  # a duplicate inside the chunk: the row path merges it
    for name, email_keys, phone_keys in zip(names, found["email_keys"], found["phone_keys"]):
        # (A row with a profile may be someone typed in by hand: by name and company.)
        if not (email_keys or any(phone_keys)):
            chunk.known_by_name.append(name)
    if chunk.known_by_name:
        folded = {name.casefold() for name in chunk.known_by_name}
        if len(folded) != len(chunk.known_by_name) or sum(
                name.casefold() in folded for name in names) != len(folded):
            return None  # its name is another row's too: the row path matches them
    return chunk


def _each(column: list, clean) -> tuple[list, list]:
    """``clean`` (``clean_emails`` or ``clean_phones``) of each row's values."""
    values, keys = [], []
    for items in column:
        found, found_keys = clean(items) if items else ((), ())
        values.append(found)
        keys.append(found_keys)
    return values, keys


def _singles(column: list) -> list[str] | None:
    """The one value of each row that has one, stripped; None unless every
    row has one value or none."""
    if any(items is not None and len(items) != 1 for items in column):
        return None
    return [items[0].strip() for items in column if items is not None]


# ``textutil.clean_email``'s pattern, for many addresses at once, one a line.
# Each line is an atomic group: a domain with several dots matches in several
# ways, and without it a bad line would make the engine try them all, line
# after line (exponential). A line can only end at its own newline, so taking
# its first match changes nothing else.
_EMAIL_LINES = re.compile(f"(?:(?>{EMAIL_CHAR}+@{EMAIL_CHAR}+\\.{EMAIL_CHAR}+\\n))*")


def _single_emails(column: list) -> tuple[list, list] | None:
    """``_each(column, clean_emails)`` for a column of single addresses that
    are all valid, checked with one match over all of them; None otherwise."""
    values = _singles(column)
    if values is None or max(map(len, values), default=0) > MAX_EMAIL_LOCAL:
        return None  # (a long one may be too long: clean_email tells)
    lines = "\n".join(values) + "\n" if values else ""
    if (lines.count("\n") != len(values) or "mailto:" in lines.lower()
            or not _EMAIL_LINES.fullmatch(lines)):
        return None  # a line break inside a cell, or an address to look at alone
    keys = lines.lower().split("\n")
    emails, email_keys, at = [], [], 0
    for items in column:
        if items is None:
            emails.append(())
            email_keys.append(())
        else:
            emails.append([values[at]])
            email_keys.append([keys[at]])
            at += 1
    return emails, email_keys


_NOT_DIGIT_OR_LINE = re.compile(r"[^\d\n]")
# The same for ASCII text, as a table: ``str.translate`` deletes with it 30
# times faster than the pattern's ``sub``, which copies the text a piece at a time.
_ASCII_NOT_DIGIT_OR_LINE = {c: None for c in range(128) if not chr(c).isdigit() and c != 10}


def _single_phones(column: list) -> tuple[list, list] | None:
    """``_each(column, clean_phones)`` for a column of single numbers that
    are all valid, checked together; None otherwise."""
    values = _singles(column)
    if values is None:
        return None
    values = [" ".join(v.split()) for v in values]
    if max(map(len, values), default=0) > MAX_PHONE:
        return None
    lines = "\n".join(values)
    if "\n\n" in f"\n{lines}\n" or NOT_PHONE.search(lines) or LETTER.search(lines):
        return None  # an empty or bad number, or an extension: the row path's turn
    digits = (lines.translate(_ASCII_NOT_DIGIT_OR_LINE) if lines.isascii()
              else _NOT_DIGIT_OR_LINE.sub("", lines)).split("\n") if values else []
    if not all(digits):
        return None  # no digit: not a phone number
    if "\n00" in f"\n{lines}":
        digits = [d[2:] if v.startswith("00") else d for v, d in zip(values, digits)]
    phones = [[value] for value in values]
    phone_keys = [[number[-PHONE_KEY_DIGITS:] if len(number) >= 7 else None]
                  for number in digits]
    if len(values) == len(column):
        return phones, phone_keys
    found, keys = iter(phones), iter(phone_keys)  # rows with no number get ()
    return ([() if items is None else next(found) for items in column],
            [() if items is None else next(keys) for items in column])
