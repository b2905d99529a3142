"""The keys names and companies sort by, kept in their own columns.

A contact list sorts as an address book does: Émile beside Emil, Łukasz
among the L's, "ada" beside "Ada". SQLite's NOCASE folds ASCII letters only
(Émile came after Zoe), and a collation of our own would make the file
unreadable to the sqlite3 CLI and sqlite-utils, which don't have it. So the
key is worked out in Python (``sort_key``, search's folding: case folded,
accents dropped, ł ø æ ß đ þ œ ı as l o ae ss d th oe i) and stored beside
the text, in ``contacts.name_key`` and ``contacts.company_key`` (migration
m054), by every writer of a name or company: ``key_values`` gives the
columns to write with them. The list orders by the key, then the text as it
is, then the id: a total order, the same on every read. (A change to
``fold`` changes the keys: a new migration then runs ``fill_keys``.) The
sqlite3 shell and sqlite-utils don't write the keys: ``db check`` finds the
contacts they added or renamed (``key_drift``), and ``db reindex`` fills them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .textutil import fold

# The text columns that have a key, and the column that holds it.
KEYED = {"name": "name_key", "company": "company_key"}
# Rows worked out at a time by ``fill_keys``.
_CHUNK = 5000


def sort_key(text: Any) -> str | None:
    """What ``text`` sorts by: ``fold``'s form (lower case, accents removed,
    spaces single), which search compares by too. None for no text. A value
    an edit in SQL left as bytes (or a number) sorts as its text."""
    if text is None:
        return None
    if type(text) is not str:
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return fold(text)


def key_values(values: Mapping[str, Any]) -> dict[str, str | None]:
    """The key columns to write with ``values`` (column: new value): one for
    each keyed column among them."""
    return {key: sort_key(values[column]) for column, key in KEYED.items() if column in values}


def sort_keys(texts: Iterable[str | None]) -> list[str | None]:
    """``sort_key`` of each of many texts (an import's names)."""
    return [None if t is None else fold(t) for t in texts]


def fill_keys(conn) -> int:
    """Work out every contact's keys again, a chunk at a time, and write
    those that differ; returns how many contacts that was."""
    changed = 0
    for wrong in _out_of_step(conn):
        conn.executemany("UPDATE contacts SET name_key = ?, company_key = ? WHERE id = ?", wrong)
        changed += len(wrong)
    return changed


def key_drift(conn, *, quick: bool = False) -> list[int]:
    """The contacts whose stored keys are not their name's and company's (a
    contact added or renamed with the sqlite3 shell or sqlite-utils, which
    don't write them). ``quick`` looks in SQL for missing keys only, without
    working anyone's out."""
    if quick:
        return [r[0] for r in conn.execute(
            "SELECT id FROM contacts WHERE (name_key IS NULL) <> (name IS NULL)"
            " OR (company_key IS NULL) <> (company IS NULL) ORDER BY id")]
    return [contact_id for wrong in _out_of_step(conn) for *_, contact_id in wrong]


def _out_of_step(conn) -> Iterator[list[tuple[str | None, str | None, int]]]:
    """For each chunk of contacts, those whose stored keys differ from theirs
    worked out now: (name key, company key, id), the keys as they should be.
    (Each chunk is read whole before it is yielded: the caller may write it.)"""
    last = -(1 << 63)
    while True:
        rows = conn.execute(
            "SELECT id, name, company, name_key, company_key FROM contacts"
            " WHERE id > ? ORDER BY id LIMIT ?", [last, _CHUNK]).fetchall()
        if not rows:
            return
        wrong = []
        for contact_id, name, company, *stored in rows:
            keys = [sort_key(name), sort_key(company)]
            if keys != stored:
                wrong.append((*keys, contact_id))
        if wrong:
            yield wrong
        last = rows[-1][0]
