"""The search index against what it is made from: what ``db check`` finds out
of step, and ``db reindex``, which rebuilds it.

Each part of the index (see search.py) is compared with its own source, so a
problem names the part that is wrong:

- the search rows (``contact_search``) with the contacts, worked out again
  in Python as every writer works them out (``SearchRows``);
- the FTS5 index with the search rows (FTS5's own integrity check);
- the vocabulary (``contact_search_terms``) with the search rows' words.

A crash in an old version, an edit by hand in SQL or a bug can leave any of
them behind: search then misses contacts, finds them by words they no longer
have, or suggests words nobody has.

The contacts' sort keys (sortkeys.py) are kept here too, as the same kind of
thing: worked out from the names and companies by every writer of tinycrm's,
and not by the sqlite3 shell or sqlite-utils. A contact added or renamed with
those sorts out of place and isn't found by its name: ``db check`` names it,
and ``db reindex`` works its keys out again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING

from .errors import is_read_only
from .search import IndexEntry, SearchRows, index_rows
from .sortkeys import fill_keys
from .textutil import as_text
from .valuerows import ValueRows

if TYPE_CHECKING:
    from .store import Store

REMEDY = "rebuild the search index: tinycrm db reindex"
KEYS_REMEDY = "work them out again: tinycrm db reindex"
CHUNK = 5000  # contacts read and worked out at a time
_SHOWN = 3    # contact ids a problem names, at most

_FIRST_ID, _LAST_ID = -(1 << 63), (1 << 63) - 1


@dataclass(frozen=True)
class RowDrift:
    """Contacts whose search row is missing or out of date (``stale``: its
    words are not those of the contact's name, emails, company and tags),
    and search rows of no contact. ``stale`` is not looked for by ``quick``."""

    missing: list[int]
    stale: list[int]
    orphans: list[int]

    def __bool__(self) -> bool:
        return bool(self.missing or self.stale or self.orphans)

    def describe(self) -> str:
        parts = [f"{_counted_as(ids, one, many)} ({_ids(ids)})" for ids, one, many in (
            (self.missing, "contact has no search row", "contacts have no search row"),
            (self.stale, "contact's search row is out of date",
             "contacts' search rows are out of date"),
            (self.orphans, "search row belongs to no contact", "search rows belong to no contact"),
        ) if ids]
        return "; ".join(parts)


def row_drift(conn: sqlite3.Connection, *, quick: bool = False) -> RowDrift:
    """The search rows against the contacts. ``quick`` looks for missing and
    orphaned rows only, in SQL, without working out anyone's words."""
    orphans = [r[0] for r in conn.execute(
        "SELECT contact_id FROM contact_search"
        " WHERE contact_id NOT IN (SELECT id FROM contacts) ORDER BY contact_id")]
    if quick:
        missing = [r[0] for r in conn.execute(
            "SELECT id FROM contacts c WHERE NOT EXISTS"
            " (SELECT 1 FROM contact_search s WHERE s.contact_id = c.id) ORDER BY id")]
        return RowDrift(missing, [], orphans)
    missing, stale = [], []
    for chunk in _out_of_step(conn):
        for entry, kept in chunk:
            (stale if kept else missing).append(entry[0])
    return RowDrift(missing, stale, orphans)


def fts_problem(conn: sqlite3.Connection) -> str | None:
    """What is wrong with the FTS5 index, and its remedy; None when it
    matches the search rows. An insert: the caller holds a write transaction
    (nothing is written)."""
    try:
        # The rank 1 form also compares the index with the external content
        # table; the plain form checks only the index's own structure and
        # misses every kind of drift. A difference is "database disk image
        # is malformed".
        conn.execute(
            "INSERT INTO contact_search_fts(contact_search_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        if is_read_only(exc):
            raise  # not the index's fault
        if "vtable constructor failed" in str(exc):
            # Its own records (the structure) are gone: a rebuild can't open it either.
            return (f"the full-text index can't be opened (SQLite says: {exc});"
                    " put a backup in its place: tinycrm db restore BACKUP")
        return f"the full-text index doesn't match the search rows (SQLite says: {exc}); {REMEDY}"
    return None


def word_drift(conn: sqlite3.Connection) -> list[str]:
    """The vocabulary's words whose count of contacts is not the number of
    search rows that have them (words missing from it, or left in it, too)."""
    wrong, gone = _vocabulary_drift(conn)
    return sorted([*wrong, *gone])


def words_problem(wrong: list[str]) -> str:
    return _counted_as(wrong, "word of the vocabulary has the wrong count of contacts",
                       "words of the vocabulary have the wrong count of contacts")


def keys_problem(ids: list[int], *, quick: bool = False) -> str:
    """What ``sortkeys.key_drift`` found (``quick``: keys missing only), and the remedy."""
    if quick:
        said = _counted_as(ids, "contact has no sort keys", "contacts have no sort keys")
    else:
        said = _counted_as(ids, "contact's sort keys are out of date",
                           "contacts' sort keys are out of date")
    return (f"{said} ({_ids(ids)}): out of place in the list and not found by name;"
            f" {KEYS_REMEDY}")


@dataclass(frozen=True)
class Reindexed:
    contacts: int
    added: int      # search rows written for contacts that had none
    rewritten: int  # out of date ones
    removed: int    # rows of no contact
    words: int      # vocabulary words whose count was put right
    seconds: float
    keys: int = 0   # contacts whose sort keys were worked out again


def reindex(store: Store, *, now: datetime | None = None) -> Reindexed:
    """Rebuild the search index from the contacts, in one write (waited for
    as any change is): rows missing or out of date are written again, rows
    of no contact removed, the FTS5 index rebuilt and the vocabulary counted
    again; and the contacts' sort keys that differ from their names' and
    companies' are worked out again. Nothing else changes; the rebuild is
    audited."""
    now = now or store.now()
    started = time.perf_counter()
    with store.write() as conn:
        # The triggers unindex a changed row with FTS5's 'delete', which
        # needs an index that agrees with the rows (else it fails as
        # "malformed"): rebuilt from the rows first, it does.
        conn.execute("INSERT INTO contact_search_fts(contact_search_fts) VALUES ('rebuild')")
        added = rewritten = 0
        for chunk in _out_of_step(conn):
            index_rows(conn, [entry for entry, _ in chunk])
            rewritten += sum(1 for _, kept in chunk if kept)
            added += sum(1 for _, kept in chunk if not kept)
        removed = conn.execute(
            "DELETE FROM contact_search WHERE contact_id NOT IN (SELECT id FROM contacts)").rowcount
        words = _recount_words(conn)
        keys = fill_keys(conn)
        contacts = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        store.audit.record("reindex", "database", None, now=now, after={
            "contacts": contacts, "added": added, "rewritten": rewritten, "removed": removed,
            "words": words, "keys": keys})
    return Reindexed(contacts, added, rewritten, removed, words, time.perf_counter() - started,
                     keys)


def _recount_words(conn: sqlite3.Connection) -> int:
    """Put the vocabulary's wrong counts right; returns how many words it took.
    (Only those are written: rewriting every word would cost as much again.)"""
    wrong, gone = _vocabulary_drift(conn)
    conn.execute("DELETE FROM contact_search_terms WHERE term IN (SELECT value FROM json_each(?))",
                 [json.dumps(gone)])
    ValueRows("contact_search_terms", ("term", "contacts"), (list(wrong), list(wrong.values())),
              len(wrong), tail="ON CONFLICT (term) DO UPDATE SET contacts = excluded.contacts",
              ).run(conn)
    return len(wrong) + len(gone)


def _vocabulary_drift(conn: sqlite3.Connection) -> tuple[dict[str, int], list[str]]:
    """The words whose count in the vocabulary is wrong or missing, with
    their right count, and the words it holds that no search row has."""
    counts = _counted(conn)
    kept = dict(conn.execute("SELECT term, contacts FROM contact_search_terms"))
    wrong = {term: n for term, n in counts.items() if kept.get(term) != n}
    return wrong, [term for term in kept if term not in counts]


def _counted(conn: sqlite3.Connection) -> Counter[str]:
    """Each word of the search rows with how many rows have it: what the
    vocabulary holds when it is right (as the triggers and ``SearchRows`` count)."""
    counts: Counter[str] = Counter()
    cursor = conn.execute("SELECT haystack FROM contact_search")
    while rows := cursor.fetchmany(CHUNK):
        counts.update(chain.from_iterable(map(set, map(str.split, map(itemgetter(0), rows)))))
    return counts


def _out_of_step(
    conn: sqlite3.Connection,
) -> Iterator[list[tuple[IndexEntry, tuple[str, str] | None]]]:
    """For each chunk of contacts, those whose search row is missing (None)
    or differs from theirs worked out now (the row they have), as index entries."""
    for low, high in id_ranges(conn):
        entries = index_entries(conn, low, high)
        made = {row[0]: row for row in SearchRows(entries).rows}
        kept = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT contact_id, name, haystack FROM contact_search"
            " WHERE contact_id BETWEEN ? AND ?", [low, high])}
        found = [(entry, kept.get(entry[0])) for entry in entries
                 if not _same(kept.get(entry[0]), made[entry[0]])]
        if found:
            yield found


def _same(kept: tuple[str, str] | None, made: tuple[int, str, str]) -> bool:
    """The row holds the contact's words. Search reads a row's words, not
    their order, so a row with the same words in another order is in step."""
    if kept is None:
        return False
    (name, haystack), (_, made_name, made_haystack) = kept, made
    return name == made_name and (
        haystack == made_haystack or sorted(haystack.split()) == sorted(made_haystack.split()))


def id_ranges(conn: sqlite3.Connection) -> Iterator[tuple[int, int]]:
    """(first, last) contact id of each ``CHUNK`` contacts, in order."""
    start = _FIRST_ID
    while True:
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM contacts WHERE id >= ? ORDER BY id LIMIT ?", [start, CHUNK])]
        if not ids:
            return
        yield ids[0], ids[-1]
        if len(ids) < CHUNK or ids[-1] == _LAST_ID:
            return
        start = ids[-1] + 1


def index_entries(conn: sqlite3.Connection, low: int, high: int) -> list[IndexEntry]:
    """(id, name, emails, company, tags) of the contacts from ``low`` to
    ``high``, in the order ``Contacts.get_many`` gives them (emails by
    position, tags by name): the entries ``Search.reindex`` makes of them,
    without reading the rest of each contact."""
    emails = _grouped(conn, "SELECT contact_id, email FROM contact_emails"
                      " WHERE contact_id BETWEEN ? AND ? ORDER BY contact_id, position", low, high)
    tags = _grouped(conn, "SELECT contact_id, tag FROM contact_tags"
                    " WHERE contact_id BETWEEN ? AND ? ORDER BY contact_id, tag", low, high)
    return [(cid, as_text(name), emails.get(cid, ()), as_text(company), tags.get(cid, ()))
            for cid, name, company in conn.execute(
                "SELECT id, name, company FROM contacts WHERE id BETWEEN ? AND ? ORDER BY id",
                [low, high])]


def _grouped(conn: sqlite3.Connection, sql: str, low: int, high: int) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for cid, value in conn.execute(sql, [low, high]):
        grouped.setdefault(cid, []).append(value if type(value) is str else as_text(value))
    return grouped


def _counted_as(items: list, one: str, many: str) -> str:
    return f"{len(items)} {one if len(items) == 1 else many}"


def _ids(ids: list[int]) -> str:
    shown = ", ".join(map(str, ids[:_SHOWN]))
    return f"{'id' if len(ids) == 1 else 'ids'} {shown}" + (
        f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")
