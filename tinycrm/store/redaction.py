"""Finding a person's values where other records copied them, and
replacing them (``redact``), for ``privacy.erase``.

A value is found whole: an address in any case (not ``li@`` inside
``eli@``), a uid, and a number however it was written (``020 555 12 34`` for
``+31 20 555 1234``), but not another country's number with the same
digits, the end of someone else's international number, or a real date its
digits spell. Rows are picked in Python (``_may_hold``), registered as an SQL
function: SQLite's ``lower()`` folds ASCII only, and a number's digits may be
spaced any way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any

from .db import sql_functions
from .sortkeys import key_values
from .textutil import as_text, phone_digits

if TYPE_CHECKING:
    from .store import Store

REDACTED = "[erased]"

_PHONE = re.compile(r"[\d\s()+./-]+")


def is_number(value: str) -> bool:
    """Whether one of a person's values is a phone number (of 7 digits or more)."""
    return bool(_PHONE.fullmatch(value)) and len(phone_digits(value)) >= 7


def _whole(values: list[str]) -> re.Pattern[str]:
    """Any of ``values`` standing alone: not part of a longer address, number
    or word (li@acme.example is not in eli@acme.example, +1 202 555 0112 not
    in +1 202 555 01123). The longest first."""
    return re.compile("|".join(
        rf"(?<![\w.%+-])(?i:{re.escape(v)})(?![\w%+-]|\.\w)" if "@" in v
        else _spellings(v) if _PHONE.fullmatch(v)
        else rf"(?<![\w-]){re.escape(v)}(?![\w-])" for v in values))


_SEP = r"[ ().\-/]{0,3}"  # what may stand between a number's digits


def _spellings(phone: str) -> str:
    """A pattern for the ways ``phone`` may be written elsewhere: its last
    nine digits (``number_ident``) with any separators between them, after
    the digits it has before those (its country code, an area code's first
    digits: ``+1 202``, ``(202)``), a trunk 0 (``020``, ``+31 (0)20``), or
    nothing. Not part of a longer number. A number with no country code may
    be written with anyone's."""
    digits = phone_digits(phone)
    if len(digits) < 7:
        return rf"(?<![\d+]){re.escape(phone)}(?!\d)"
    tail, head = digits[-9:], digits[:-9].lstrip("0")
    trunk = rf"(?:\(?0\)?{_SEP})?"
    if head:
        heads = "|".join(_SEP.join(head[-k:]) for k in range(len(head), 0, -1))
        prefix = rf"(?:(?:(?:\+|00){_SEP})?\(?(?:{heads}){_SEP})?"
    else:
        prefix = rf"(?:(?:\+|00)\d{{1,3}}{_SEP})?"
    return rf"(?<![\d+]){prefix}{trunk}{_SEP.join(tail)}(?!\d)"


_NOT_DIGITS = re.compile(r"\D+")
_ASCII_NOT_DIGITS = {c: None for c in range(128) if not chr(c).isdigit()}


def _may_hold(values: list[str]) -> Callable[[str | None], bool]:
    """A quick test of whether a text may hold one of ``values`` (``_whole``
    then decides): an address or uid in any case, a number's last seven
    digits among the text's digits, however they are spaced ("12 34")."""
    texts = sorted({v.lower() for v in values if not is_number(v)})
    numbers = sorted({phone_digits(v)[-7:] for v in values if is_number(v)})

    def may_hold(text: Any) -> bool:
        if not text:
            return False
        if not isinstance(text, str):  # (a BLOB or a number a hand edit left)
            text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        if texts:
            lowered = text.lower()
            if any(v in lowered for v in texts):
                return True
        if numbers:
            digits = (text.translate(_ASCII_NOT_DIGITS) if text.isascii()
                      else _NOT_DIGITS.sub("", text))
            return any(n in digits for n in numbers)
        return False

    return may_hold


def _redacted(whole: re.Pattern[str], text: str, values: Collection[str] = ()) -> str:
    """``text`` with each of the person's values that stands alone replaced;
    a number that is the end of an international one (555 0112 in
    +1 202 555 0112, someone else's) is left, and so is a date that a
    number's digits spell (25.03.2025 for 25 03 20 25)."""
    def replace(match: re.Match[str]) -> str:
        if _INTERNATIONAL_HEAD.search(text, max(0, match.start() - 24), match.start()):
            return match.group()
        if _a_date(match.group()) and match.group() not in values:
            return match.group()
        return REDACTED

    return whole.sub(replace, text)


# A date as digits and one separator: 25.03.2025, 2025-03-25, 3/25/25.
_DATE_LIKE = re.compile(r"(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})")


def _a_date(text: str) -> bool:
    """Whether ``text`` is a real date written with digits (2025-03-25,
    25.03.2025 or 3/25/25: a day that month has, either way round), not a
    number spelled alike (555-12-34, 2079/46/0958, 31.02.2025)."""
    from datetime import date

    match = _DATE_LIKE.fullmatch(text)
    if not match:
        return False
    first, _, second, last = match.groups()
    if len(first) == 4:
        if len(last) > 2:
            return False
        tries = [(int(first), int(second), int(last))]
    elif len(first) <= 2 and len(last) in (2, 4):
        year = int(last) + (2000 if len(last) == 2 else 0)  # (2000: a leap year, as 29.02.24)
        tries = [(year, int(second), int(first)), (year, int(first), int(second))]
    else:
        return False
    for year, month, day in tries:
        try:
            date(year, month, day)
            return True
        except ValueError:
            continue
    return False


# The start of an international number, right before a match: "+1 202 ".
_INTERNATIONAL_HEAD = re.compile(r"\+\d[\d ().-]*[ .-]\Z")


# The records whose text may quote another person's values, by key, and the
# columns that may.
_QUOTING = (
    ("audit", "id", ["before", "after"]),
    ("import_items", "batch_id || ':' || contact_id", ["before"]),
    ("events", "id", ["text", "data"]),
    ("followups", "id", ["note"]),
    # (first_name and last_name too: set apart from the name, or split
    # from one that held a number, they quote it as the name did.)
    ("contacts", "id", ["name", "first_name", "last_name", "company", "title", "source",
                        "fields"]),
)


def _rows_holding(conn, may_hold, skip: dict[str, tuple[str, list]]):
    """(table, key, columns, rows) of the rows whose text may hold the
    values; ``skip`` leaves out a table's rows (SQL and its parameters)."""
    for table, key, columns in _QUOTING:
        not_theirs, params = skip.get(table, ("", []))
        # (Ctrl-C is held off a statement at a time: it stops the erase
        # between them, not as a "user-defined function" error.)
        with sql_functions(conn, tinycrm_may_hold=may_hold):
            rows = conn.execute(
                f"SELECT {key}, {', '.join(columns)} FROM {table}"
                f" WHERE ({' OR '.join(f'tinycrm_may_hold({c})' for c in columns)})"
                + (f" AND NOT ({not_theirs})" if not_theirs else ""), params,
            ).fetchall()
        yield table, key, columns, rows


def mentions(conn, values: list[str], skip: dict[str, tuple[str, list]]) -> list[dict[str, Any]]:
    """Where other records quote the values whole, as ``redact`` finds them
    (and would replace them): each record's table, key, column and text.
    ``skip`` leaves out the person's own rows (SQL per table, with its
    parameters; ``contact_tags`` too)."""
    if not values:
        return []
    may_hold, whole, stored = _may_hold(values), _whole(values), set(values)
    found = []
    for table, _, columns, rows in _rows_holding(conn, may_hold, skip):
        for row in rows:
            for column, value in zip(columns, row[1:]):
                text = as_text(value) if isinstance(value, (str, bytes)) else None
                if not text or _redacted(whole, text, stored) == text:
                    continue
                for field, quoting in _quoting_parts(table, column, text, whole, stored):
                    found.append({"record": table, "id": row[0], "field": field, "text": quoting})
    not_theirs, params = skip.get("contact_tags", ("", []))
    with sql_functions(conn, tinycrm_may_hold=may_hold):
        tagged = conn.execute(
            "SELECT contact_id, tag FROM contact_tags WHERE tinycrm_may_hold(tag)"
            + (f" AND NOT ({not_theirs})" if not_theirs else ""), params).fetchall()
    for contact_id, tag in tagged:
        if _redacted(whole, as_text(tag), stored) != as_text(tag):
            found.append({"record": "contact_tags", "id": contact_id, "field": "tag",
                          "text": as_text(tag)})
    return found


# The columns that hold a JSON document (a whole contact, in an audit entry's
# "after"), of which a mention is the text inside that quotes the person.
_JSON_COLUMNS = {("audit", "before"), ("audit", "after"), ("events", "data"),
                 ("import_items", "before"), ("contacts", "fields")}


def _quoting_parts(table: str, column: str, text: str, whole, stored) -> Iterator[tuple[str, str]]:
    """(field, text) of each part of a column that quotes the person: the
    column, or in a JSON document each key or string that does, by its path
    (``after.note``, ``fields.referrer``), not the rest of another person's
    record."""
    if (table, column) not in _JSON_COLUMNS:
        yield column, text
        return
    try:
        document = json.loads(text)
    except ValueError:
        yield column, text
        return
    parts = [(path, part) for path, part in _strings(document, column)
             if _redacted(whole, part, stored) != part]
    # (Found in the document's text alone, across its quoting: what was found.)
    yield from parts or [(column, " … ".join(m.group() for m in whole.finditer(text)))]


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every key, string and number in a JSON document, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, str(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", key
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def redact(store: Store, values: list[str]) -> int:
    """Replace this person's emails and phones where other rows copied them
    (another contact's note, name, company, custom field or tag, an audit
    diff, an import's before-image); a contact changed so is indexed for
    search again."""
    if not values:
        return 0
    conn = store.conn
    may_hold = _may_hold(values)
    whole = _whole(values)
    stored = set(values)  # (a number as they wrote it is theirs, however like a date)
    changed = 0
    contacts: list[int] = []
    for table, key, columns, rows in _rows_holding(conn, may_hold, {}):
        for row in rows:
            # (A BLOB a hand edit left is read as text, and written back as text if redacted.)
            new = [_redacted(whole, text.decode("utf-8", "replace") if isinstance(text, bytes)
                             else text, stored) if isinstance(text, (str, bytes)) else text
                   for text in row[1:]]
            new = [old if isinstance(old, bytes) and value == old.decode("utf-8", "replace")
                   else value for old, value in zip(row[1:], new)]
            if new == list(row[1:]):
                continue  # only inside other values
            sets = ", ".join(f"{c} = ?" for c in columns)
            if table == "contacts":
                # (A form holding the old text must not save it back: a new
                # version. A name redacted sorts by what it says now.)
                keys = key_values(dict(zip(columns, new)))
                sets += "".join(f", {c} = ?" for c in keys) + ", version = version + 1"
                new += keys.values()
                contacts.append(row[0])
            conn.execute(f"UPDATE {table} SET {sets} WHERE {key} = ?", [*new, row[0]])
            changed += 1
    # A tag is part of its row's key: it is replaced, not updated (the
    # redacted tag may be one the contact has already).
    with sql_functions(conn, tinycrm_may_hold=may_hold):
        tagged = conn.execute(
            "SELECT contact_id, tag FROM contact_tags WHERE tinycrm_may_hold(tag)").fetchall()
    for contact_id, tag in tagged:
        # (A tag an edit in SQL left as bytes is read, and written back, as text.)
        new_tag = _redacted(whole, as_text(tag), stored)
        if new_tag == as_text(tag):
            continue
        conn.execute("DELETE FROM contact_tags WHERE contact_id = ? AND tag = ?", [contact_id, tag])
        conn.execute("INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                     [contact_id, new_tag])
        if contact_id not in contacts:
            conn.execute("UPDATE contacts SET version = version + 1 WHERE id = ?", [contact_id])
            contacts.append(contact_id)
        changed += 1
    if contacts:
        store.search.reindex(contacts)
    return changed
