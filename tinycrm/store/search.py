"""Fuzzy contact search over name, emails, company and tags.

The index (written only by ``index_rows``):

- ``contact_search``: per contact, the folded words of its name, and its
  "haystack": the folded words of its name, emails, company and tags.
- ``contact_search_fts``: an FTS5 index of the haystack's words, with
  ``detail=none`` (which contacts have a word, nothing more), so it is cheap
  to write and small.
- ``contact_search_terms``: every word in use, with how many contacts have
  it (the vocabulary). Triggers drop the words no contact has any more.

A query is folded and split into words. Each word is looked up in the
vocabulary exactly, as a prefix, and within one or two typos (rapidfuzz's OSA
distance, which counts a swap of two letters as one typo), giving a few
vocabulary words with a similarity each. FTS5 then finds the contacts that
have, for every query word, one of its vocabulary words (relaxed to all words
but one, then to any word, when that finds too few). Each candidate scores the
mean over query words of its best similarity; ties go to contacts whose name
matched, then to the shorter name, then to the older contact.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import chain, combinations
from typing import TYPE_CHECKING

from .contact_filter import ContactFilter
from .models import Contact
from .textutil import fold
from .valuerows import ValueRows

if TYPE_CHECKING:
    from .store import Store

CANDIDATES = 1000      # contacts fetched from FTS5 per query, at most
RELAXED = 200          # and per relaxed query (all words but one, any word)
PREFIX_TERMS = 100     # vocabulary words a prefix may expand to
MAX_WORDS = 8          # query words beyond this are ignored

EXACT = 1.0
PREFIX_TYPO = 0.75     # times the typo similarity, for the word being typed with a typo

_WORD = re.compile(r"[^\W_]+")
_JOINERS = re.compile(r"(?<=[^\W_])['’\-.](?=[^\W_])")
_TOP = "\U0010ffff"


search_fold = fold  # the form search compares (textutil.fold, which matching shares)


def words(text: str) -> list[str]:
    """The words search compares: runs of letters and digits of folded text."""
    return _WORD.findall(text)


# ASCII that is not a letter or digit, as spaces: for ASCII text, ``words``
# is then a plain split (str methods in C instead of a regular expression).
_ASCII_GAPS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})


def folded_words(text: str) -> list[str]:
    """``words(search_fold(text))``, the short way for ASCII text."""
    if text.isascii():
        return text.lower().translate(_ASCII_GAPS).split()
    return _WORD.findall(search_fold(text))


def haystack_for(name: str, emails: Sequence[str], company: str | None, tags: Sequence[str]) -> str:
    """A contact's words for search, folded, one space apart. Words joined by
    an apostrophe, hyphen or dot in a name or company (O'Brien, Jean-Luc) are
    also indexed joined up (obrien, jeanluc)."""
    haystack = " ".join(folded_words(" ".join([name, *emails, company or "", *tags])))
    return haystack + _joined_words(name, company)


def _joined_words(name: str, company: str | None) -> str:
    """The joined-up forms ``haystack_for`` adds, with a space before them (or "")."""
    head = name if company is None else name + " " + company
    if "'" in head or "-" in head or "." in head or "\u2019" in head:
        joined = [
            "".join(words(part)) for part in search_fold(head).split() if _JOINERS.search(part)
        ]
        if joined:
            return " " + " ".join(joined)
    return ""


# _ASCII_GAPS with newlines kept: they separate the texts of ``_folded_lines``.
_ASCII_GAPS_BY_LINE = {**_ASCII_GAPS, ord("\n"): "\n"}


def _folded_lines(texts: list[str]) -> list[str]:
    """``" ".join(folded_words(text))`` of each of ``texts``, which are ASCII
    with no newline, worked out for all of them at once (one ``lower`` and one
    ``translate`` of their lines)."""
    lines = "\n".join(texts).lower().translate(_ASCII_GAPS_BY_LINE)
    return [" ".join(line.split()) for line in lines.split("\n")]


def _plain(text: str) -> bool:
    return text.isascii() and "\n" not in text


def _folded_each(texts: list[str]) -> list[str]:
    """``" ".join(folded_words(text))`` of each text: the plain ones all at
    once (``_folded_lines``), the others one by one."""
    folded = [""] * len(texts)
    plain: list[int] = []
    for i, text in enumerate(texts):
        if _plain(text):
            plain.append(i)
        else:
            folded[i] = " ".join(folded_words(text))
    for i, line in zip(plain, _folded_lines([texts[i] for i in plain])):
        folded[i] = line
    return folded


IndexEntry = tuple[int, str, Sequence[str], "str | None", Sequence[str]]


class SearchRows:
    """The search rows of some contacts, worked out in Python and ready for
    ``write_search_rows``: ``ValueRows``, so the write is a few statements that
    run without the GIL (the importer overlaps them with reading the next rows)."""

    __slots__ = ("ids", "rows", "terms")

    def __init__(self, entries: Iterable[IndexEntry]) -> None:
        entries = list(entries)
        # Most contacts' text is plain ASCII, folded for the whole chunk at
        # once; the rest (an accent, a newline) is folded one text at a time:
        # a name with an accent leaves its addresses, company and tags to the
        # short way. (A haystack is the name's words and then the others',
        # whichever way each was folded: no word crosses the space between.)
        names = [name for _, name, _, _, _ in entries]
        others = [" ".join([*emails, company or "", *tags])
                  for _, _, emails, company, tags in entries]
        own_words = _folded_each(names)
        other_words = _folded_each(others)
        rows = {}
        for (cid, name, _, company, _), own, other in zip(entries, own_words, other_words):
            haystack = f"{own} {other}" if own and other else own or other
            rows[cid] = (cid, own, haystack + _joined_words(name, company))
        counts = Counter(chain.from_iterable(map(set, map(str.split, (h for _, _, h in rows.values())))))
        self.ids = list(rows)
        self.rows = list(rows.values())
        self.terms = counts


def write_search_rows(conn, found: SearchRows, *, fresh: bool = False) -> None:
    """Write ``found``, replacing the rows these contacts had (the delete
    trigger unindexes them); ``fresh`` contacts are new and have none."""
    if not found.ids:
        return
    if not fresh:
        conn.execute(
            "DELETE FROM contact_search WHERE contact_id IN (SELECT value FROM json_each(?))",
            [json.dumps(found.ids)],
        )
    ids, names, haystacks = zip(*found.rows)
    count = len(ids)
    ValueRows("contact_search", ("contact_id", "name", "haystack"), (ids, names, haystacks),
              count).run(conn)
    # The FTS index takes the haystacks from contact_search, not as parameters
    # again: binding holds the GIL, and the importer's main thread needs it.
    low, high = min(ids), max(ids)
    if high - low + 1 == count:  # (ids are unique) every id from low to high
        conn.execute("INSERT INTO contact_search_fts (rowid, haystack) SELECT contact_id, haystack"
                     " FROM contact_search WHERE contact_id BETWEEN ? AND ?", [low, high])
    else:
        ValueRows("contact_search_fts", ("rowid", "haystack"), (ids, haystacks), count).run(conn)
    terms = found.terms  # none, when no contact here has a letter or digit
    ValueRows("contact_search_terms", ("term", "contacts"), (list(terms), list(terms.values())),
              len(terms),
              tail="ON CONFLICT (term) DO UPDATE SET contacts = contacts + excluded.contacts",
              ).run(conn)


def index_rows(conn, entries: Iterable[IndexEntry]) -> None:
    """Write search rows for (contact_id, name, emails, company, tags) entries.
    The one place that decides what search sees; bulk inserts use its two
    halves (``SearchRows``, ``write_search_rows``). Replaces any rows these
    contacts had and counts each word once per contact in the vocabulary."""
    write_search_rows(conn, SearchRows(entries))


def prefix_similarity(word: str, term: str, *, last: bool) -> float:
    """``word`` is the start of ``term``. The word being typed (``last``) is
    most likely unfinished (0.85-0.95); a finished word that starts a longer
    one is less likely meant that way (0.6-0.85), so "jon smith" prefers John
    (a typo) to Jonathan."""
    cover = len(word) / len(term)
    return 0.85 + 0.1 * cover if last else 0.6 + 0.25 * cover


def typo_similarity(word: str, term: str) -> float:
    """0.2-0.95 from rapidfuzz: the better of the Indel ratio (a dropped or
    doubled letter costs little) and the OSA similarity (so does a swap). A
    typo in a short word weighs more: "ing" is closer to "ingrid" typed out
    than to "inc" mistyped."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import OSA

    best = max(fuzz.ratio(word, term) / 100, OSA.normalized_similarity(word, term))
    return 0.2 + 0.75 * best


def _fts_term(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


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

    # -- query words to vocabulary words ------------------------------------------

    def expand(self, word: str, *, last: bool) -> dict[str, float]:
        """Vocabulary words close to one query word, with their similarity.
        ``last`` marks the word being typed, which is more likely a prefix."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        n = len(word)
        found: dict[str, float] = {}
        for (term,) in self.conn.execute(
            "SELECT term FROM contact_search_terms WHERE term >= ? AND term < ?"
            " ORDER BY contacts DESC, term LIMIT ?",
            [word, word + _TOP, PREFIX_TERMS],
        ):
            found[term] = EXACT if term == word else prefix_similarity(word, term, last=last)
        if n < 3:
            return found
        most = 1 if n <= 5 else 2
        longest = 1_000 if last and n >= 4 else n + most
        # Words starting with the query word's first or second letter, or whose
        # second letter is one of those: a typo anywhere, the first letter
        # dropped, doubled, swapped or mistyped.
        terms: set[str] = set()
        for letter in dict.fromkeys(word[:2]):
            for column in ("term", "substr(term, 2)"):
                terms.update(r[0] for r in self.conn.execute(
                    f"SELECT term FROM contact_search_terms WHERE {column} >= ? AND {column} < ?"
                    " AND length(term) BETWEEN ? AND ?",
                    [letter, letter + _TOP, n - most, longest],
                ))
        near = list(terms)
        for term, _, _ in process.extract(word, near, scorer=OSA.distance, score_cutoff=most, limit=None):
            similarity = typo_similarity(word, term)
            if similarity > found.get(term, 0.0):
                found[term] = similarity
        if last and n >= 4:
            # The word being typed, with a typo: "jenif" for jennifer. Its
            # start may be a letter shorter or longer than the word.
            longer = [t for t in near if len(t) > n + 1]
            for size in (n - 1, n, n + 1):
                heads = [t[:size] for t in longer]
                for head, _, i in process.extract(word, heads, scorer=OSA.distance, score_cutoff=1, limit=None):
                    similarity = PREFIX_TYPO * typo_similarity(word, head)
                    if similarity > found.get(longer[i], 0.0):
                        found[longer[i]] = similarity
        return found

    # -- candidates ----------------------------------------------------------------

    def _match(
        self, groups: Sequence[dict[str, float]], filters: ContactFilter, cap: int
    ) -> list[tuple]:
        match = " AND ".join(
            "(" + " OR ".join(_fts_term(t) for t in group) + ")" for group in groups
        )
        # CROSS JOIN keeps FTS5 as the outer loop: otherwise SQLite may walk a
        # filter's index (every vip contact) and probe FTS5 for each.
        sql = (
            "SELECT s.contact_id, s.name, s.haystack FROM contact_search_fts f"
            " CROSS JOIN contact_search s ON s.contact_id = f.rowid"
        )
        params: list = [match]
        where, where_params = replace(filters, tag=None).where("c")
        if where != "1" or filters.tags:
            sql += " CROSS JOIN contacts c ON c.id = f.rowid"
        sql += " WHERE contact_search_fts MATCH ?"
        if where != "1":
            sql += f" AND {where}"
            params += where_params
        for tag in filters.tags:
            # A probe per candidate, not the list of everyone with the tag.
            sql += " AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?)"
            params.append(tag)
        return self.conn.execute(sql + " LIMIT ?", [*params, cap]).fetchall()

    def candidates(
        self, expansions: Sequence[dict[str, float]], filters: ContactFilter, limit: int
    ) -> list[tuple[int, str, str]]:
        """Contacts matching every query word; failing enough of those, every
        word but one; failing that, any word. The relaxed matches only fill
        up the page, so fewer of them are fetched."""
        groups = [e for e in expansions if e]
        if not groups:
            return []
        found = {row[0]: row for row in self._match(groups, filters, CANDIDATES)}
        if len(found) < limit and len(groups) > 1:
            cap = max(RELAXED, 4 * limit)
            relaxed = combinations(groups, len(groups) - 1) if len(groups) <= 4 else ()
            for subset in [*relaxed, [dict.fromkeys(t for g in groups for t in g)]]:
                for row in self._match(subset, filters, cap):
                    found.setdefault(row[0], row)
                if len(found) >= limit:
                    break
        return list(found.values())

    # -- ranking -------------------------------------------------------------------

    def search(
        self, query: str, *, limit: int = 20, filters: ContactFilter = ContactFilter()
    ) -> list[tuple[Contact, float]]:
        """The best ``limit`` contacts for ``query`` with a score out of 100,
        best first. Any text is a valid query; one without letters or digits
        finds nothing."""
        qwords = list(dict.fromkeys(words(search_fold(query))))[:MAX_WORDS]
        if not qwords or limit < 1:
            return []
        # No read transaction around these few queries: the TUI calls this
        # from a worker thread on the shared connection. A contact deleted
        # meanwhile is simply skipped by get_many.
        expansions = [self.expand(w, last=(i == len(qwords) - 1)) for i, w in enumerate(qwords)]
        rows = self.candidates(expansions, filters, limit)
        ranked = rank(rows, expansions, limit)
        contacts = self.store.contacts.get_many([cid for cid, _ in ranked])
        scores = dict(ranked)
        return [(c, scores[c.id]) for c in contacts]


def rank(
    rows: Sequence[tuple[int, str, str]], expansions: Sequence[dict[str, float]], limit: int
) -> list[tuple[int, float]]:
    """(contact_id, score out of 100) of the best ``limit`` of (contact_id,
    name words, haystack words) rows, best first. A row scores, for each query
    word, the similarity of its closest word, averaged over the query words."""
    if not rows:
        return []
    n = len(expansions)
    meanings: dict[str, list[tuple[int, float]]] = {}
    for i, found in enumerate(expansions):
        for term, similarity in found.items():
            meanings.setdefault(term, []).append((i, similarity))

    def score(text: str) -> float:
        best = [0.0] * n
        for word in text.split():
            for i, similarity in meanings.get(word, ()):
                if similarity > best[i]:
                    best[i] = similarity
        return sum(best)

    scored = sorted(((score(haystack), cid, name) for cid, name, haystack in rows),
                    key=lambda item: (-item[0], item[1]))
    # Among the leaders, a match on the name beats one on the email, company
    # or tags, then a shorter (closer) name wins, then the older contact.
    cut = scored[min(len(scored), limit) - 1][0]
    leaders = [item for item in scored if item[0] >= cut]
    leaders.sort(key=lambda item: (-item[0], -score(item[2]), len(item[2]), item[1]))
    return [(cid, round(100 * total / n, 1)) for total, cid, _ in leaders[:limit]]
