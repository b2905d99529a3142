"""Fuzzy contact search: SQLite narrows the candidates with a trigram FTS5
index over pre-folded text, then rapidfuzz ranks the few that are left."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .contacts import ContactFilter
from .models import Contact
from .textutil import fold

if TYPE_CHECKING:
    from .store import Store

CANDIDATES = 2000


def haystack_for(name: str, emails: Sequence[str], company: str | None, tags: Sequence[str]) -> str:
    return fold(" ".join([name, *emails, company or "", *tags]))


IndexEntry = tuple[int, str, Sequence[str], "str | None", Sequence[str]]


def index_rows(conn, entries: Iterable[IndexEntry]) -> None:
    """Write search rows for (contact_id, name, emails, company, tags) entries.
    The one place that decides what search sees; bulk inserts call it too."""
    conn.executemany(
        "INSERT INTO contact_search (contact_id, name, haystack) VALUES (?, ?, ?)"
        " ON CONFLICT(contact_id) DO UPDATE SET name = excluded.name,"
        " haystack = excluded.haystack",
        [(cid, fold(name), haystack_for(name, emails, company, tags))
         for cid, name, emails, company, tags in entries],
    )


def _trigrams(token: str) -> list[str]:
    return [token[i:i + 3] for i in range(len(token) - 2)]


def _fts_phrase(gram: str) -> str:
    return '"' + gram.replace('"', '""') + '"'


class Search:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    def reindex(self, contact_ids: Sequence[int]) -> None:
        """Rebuild the search rows of these contacts (inside the caller's write)."""
        index_rows(self.conn, [
            (c.id, c.name, c.emails, c.company, c.tags)
            for c in self.store.contacts.get_many(list(contact_ids))
        ])

    def candidates(self, folded: str, filters: ContactFilter) -> list[tuple[int, str, str]]:
        grams = sorted({g for token in folded.split() for g in _trigrams(token)})
        where, params = filters.where("c")
        if grams:
            match = " OR ".join(_fts_phrase(g) for g in grams)
            sql = (
                "SELECT s.contact_id, s.name, s.haystack FROM contact_search_fts f"
                " JOIN contact_search s ON s.contact_id = f.rowid"
                " JOIN contacts c ON c.id = s.contact_id"
                f" WHERE contact_search_fts MATCH ? AND {where} ORDER BY f.rank LIMIT ?"
            )
            return self.conn.execute(sql, [match, *params, CANDIDATES]).fetchall()
        sql = (
            "SELECT s.contact_id, s.name, s.haystack FROM contact_search s"
            " JOIN contacts c ON c.id = s.contact_id"
            f" WHERE s.haystack LIKE ? ESCAPE '\\' AND {where} LIMIT ?"
        )
        pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return self.conn.execute(sql, [pattern, *params, CANDIDATES]).fetchall()

    def search(
        self, query: str, *, limit: int = 20, filters: ContactFilter = ContactFilter()
    ) -> list[tuple[Contact, float]]:
        from rapidfuzz import fuzz, process

        folded = fold(query)
        if not folded:
            return []
        rows = self.candidates(folded, filters)
        if not rows:
            return []
        choices = {row[0]: row[2] for row in rows}
        names = {row[0]: row[1] for row in rows}
        scored: dict[int, float] = {}
        for _, score, cid in process.extract(
            folded, choices, scorer=fuzz.WRatio, limit=limit * 3
        ):
            scored[cid] = max(score, fuzz.WRatio(folded, names[cid]))
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]
        contacts = self.store.contacts.get_many([cid for cid, _ in ranked])
        scores = dict(ranked)
        return [(c, scores[c.id]) for c in contacts]
