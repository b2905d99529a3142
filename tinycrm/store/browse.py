"""Reads the TUI needs: windows of the contact list, light rows for the lines
on screen, ordered ids for sorts that have no index, and change detection.

The contacts screen never loads every contact. Sorted by name (indexed) it
reads blocks with LIMIT/OFFSET, from whichever end is nearer; sorted by
anything else it reads the ordered ids once (a few bytes each) and then the
rows it shows by id. ``data_version`` tells when another connection (the CLI,
cron, an import) has committed, so the screen can reload.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .contact_filter import ContactFilter
from .errors import ValidationError
from .models import Contact
from .textutil import as_text, fold
from .timeutil import from_db

if TYPE_CHECKING:
    from .store import Store

ORDERS = ("name", "company", "stage", "last_contacted")
# Orders an index serves directly: read by LIMIT/OFFSET without sorting.
INDEXED_ORDERS = ("name",)
# The name order, as the index contacts_name holds it (the id is its rowid).
_BY_NAME = ("c.name_key", "c.name", "c.id")
_CHUNK = 500

_ROW_COLUMNS = (
    "c.id, c.name, c.company, c.stage, c.tier, c.owner, c.last_contacted_at,"
    " (SELECT e.email FROM contact_emails e WHERE e.contact_id = c.id ORDER BY e.position LIMIT 1),"
    " (SELECT group_concat(t.tag, ', ') FROM contact_tags t WHERE t.contact_id = c.id)"
)


@dataclass(frozen=True)
class Row:
    """What one line of the contact list shows."""

    id: int
    name: str
    company: str | None
    stage: str
    tier: str
    owner: str
    last_contacted_at: datetime | None
    email: str | None
    tags: str

    @classmethod
    def from_contact(cls, c: Contact) -> Row:
        return cls(
            id=c.id, name=c.name, company=c.company, stage=c.stage, tier=c.tier,
            owner=c.owner, last_contacted_at=c.last_contacted_at, email=c.email,
            tags=", ".join(c.tags),
        )


def _row(r: Sequence[Any]) -> Row:
    return Row(
        id=r[0], name=as_text(r[1]), company=as_text(r[2]), stage=r[3], tier=r[4], owner=r[5],
        last_contacted_at=from_db(r[6]), email=as_text(r[7]), tags=as_text(r[8]) or "",
    )


@dataclass(frozen=True)
class Similar:
    """An existing contact that a new one looks like, and why."""

    contact: Contact
    reason: str


class Browse:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # -- ordering --------------------------------------------------------------

    def _order_sql(self, order: str, descending: bool) -> tuple[str, list[Any]]:
        """ORDER BY terms; ``descending`` is the exact reverse of the natural order."""
        params: list[Any] = []
        # By the stored keys (see sortkeys), then the text as it is, then the
        # id: a total order, so that blocks read apart meet without a gap.
        if order == "name":
            terms = [*_BY_NAME]
        elif order == "company":
            terms = ["c.company IS NULL", "c.company_key", "c.name_key", "c.company", "c.name",
                     "c.id"]
        elif order == "stage":
            by_stage, params = stage_order(self.store.settings.stages)
            terms = [*by_stage, *_BY_NAME]
        elif order == "last_contacted":
            # Most recent first; never contacted last.
            terms = ["c.last_contacted_at IS NULL", "c.last_contacted_at DESC", "c.id"]
        else:
            raise ValidationError(f"can't sort by {order!r}: use one of {', '.join(ORDERS)}")
        if descending:
            terms = [_flip(t) for t in terms]
        return ", ".join(terms), params

    # -- windows ---------------------------------------------------------------

    def count(self, filters: ContactFilter = ContactFilter()) -> int:
        where, params = filters.where()
        return self.conn.execute(f"SELECT count(*) FROM contacts c WHERE {where}", params).fetchone()[0]

    def position(self, order: str, contact_id: int, *, descending: bool = False) -> int | None:
        """Where a contact stands in the whole list in an indexed order (its
        row number), or None when it is gone. A range count on the name index."""
        if order != "name":
            raise ValidationError(f"no position by {order!r}")
        row = self.conn.execute(
            "SELECT name_key, name, id FROM contacts WHERE id = ?", [contact_id]).fetchone()
        if row is None:
            return None
        before = ">" if descending else "<"
        key, name, _ = row
        # A key the sqlite3 shell left NULL sorts first (last, reversed), and
        # a row value holding NULL compares as nothing: the keyless are
        # counted apart, each count still a range of the index.
        count = "SELECT count(*) FROM contacts c WHERE "
        if key is None:
            place = self.conn.execute(f"{count}c.name_key IS NULL AND (c.name, c.id) {before} (?, ?)",
                                      [name, contact_id]).fetchone()[0]
        else:
            place = self.conn.execute(f"{count}({', '.join(_BY_NAME)}) {before} (?, ?, ?)",
                                      row).fetchone()[0]
        if descending == (key is None):  # the other kind all come before it
            other = "IS NOT NULL" if key is None else "IS NULL"
            place += self.conn.execute(f"{count}c.name_key {other}").fetchone()[0]
        return place

    def page(
        self, filters: ContactFilter, order: str, *, descending: bool = False,
        limit: int, offset: int,
    ) -> list[Row]:
        """Rows ``offset`` .. ``offset + limit`` of the filtered list in this order.
        Cheap for INDEXED_ORDERS near either end (call with ``descending``
        flipped and reverse the result to read the far end)."""
        where, params = filters.where()
        order_sql, order_params = self._order_sql(order, descending)
        rows = self.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM contacts c WHERE {where} ORDER BY {order_sql}"
            " LIMIT ? OFFSET ?",
            [*params, *order_params, limit, offset],
        ).fetchall()
        return [_row(r) for r in rows]

    def ids(self, filters: ContactFilter, order: str, *, descending: bool = False) -> array:
        """Every matching id in order, as a compact array (8 bytes each)."""
        where, params = filters.where()
        order_sql, order_params = self._order_sql(order, descending)
        out = array("q")
        cursor = self.conn.execute(
            f"SELECT c.id FROM contacts c WHERE {where} ORDER BY {order_sql}", [*params, *order_params]
        )
        while batch := cursor.fetchmany(5000):
            out.extend(r[0] for r in batch)
        return out

    def order_ids(self, ids: Sequence[int], order: str, *, descending: bool = False) -> list[int]:
        """These ids (search results, say) sorted by ``order``."""
        if not ids:
            return []
        order_sql, order_params = self._order_sql(order, descending)
        return [
            r[0] for r in self.conn.execute(
                "SELECT c.id FROM contacts c WHERE c.id IN (SELECT value FROM json_each(?))"
                f" ORDER BY {order_sql}",
                [json.dumps(list(ids)), *order_params],
            )
        ]

    def rows(self, ids: Sequence[int]) -> list[Row]:
        """Rows for these ids, in the order given; missing ids are skipped."""
        found: dict[int, Row] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start:start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT {_ROW_COLUMNS} FROM contacts c WHERE c.id IN ({marks})", chunk
            ):
                found[r[0]] = _row(r)
        return [found[i] for i in ids if i in found]

    # -- filters and change detection -----------------------------------------

    def tags(self, limit: int = 200) -> list[tuple[str, int]]:
        """The most used tags, with how many contacts have each."""
        return [
            (r[0], r[1]) for r in self.conn.execute(
                "SELECT tag, count(*) FROM contact_tags GROUP BY tag ORDER BY count(*) DESC, tag"
                " LIMIT ?", [limit],
            )
        ]

    def owners(self, limit: int = 200) -> list[str]:
        return [
            r[0] for r in self.conn.execute(
                # Each owner by one step of the index, not the index read whole.
                "WITH RECURSIVE o(v) AS (SELECT min(owner) FROM contacts UNION ALL"
                " SELECT (SELECT min(owner) FROM contacts WHERE owner > o.v) FROM o"
                " WHERE o.v IS NOT NULL) SELECT v FROM o WHERE v IS NOT NULL LIMIT ?", [limit]
            )
        ]

    def data_version(self) -> int:
        """Changes when another connection commits (SQLite's PRAGMA data_version)."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    # -- duplicates ------------------------------------------------------------

    def similar(
        self, name: str, emails: Sequence[str] = (), *, exclude: int | None = None, limit: int = 3
    ) -> list[Similar]:
        """Existing contacts a new one looks like: the same email, or a close name."""
        from rapidfuzz import fuzz

        out: list[Similar] = []
        seen: set[int] = {exclude} if exclude is not None else set()
        for email in emails:
            owner = self.store.contacts.email_owner(email)
            if owner is not None and owner not in seen:
                seen.add(owner)
                out.append(Similar(self.store.contacts.get(owner), f"same email {email.strip()}"))
        folded = fold(name)
        if len(folded) >= 3:
            for contact, _ in self.store.search.search(name, limit=10):
                if contact.id in seen:
                    continue
                if fuzz.ratio(folded, fold(contact.name)) >= 85:
                    seen.add(contact.id)
                    out.append(Similar(contact, "a similar name"))
        return out[:limit]


def stage_order(stages: Sequence[str]) -> tuple[list[str], list[Any]]:
    """ORDER BY terms (and their parameters) for the stages in the config's
    order, lead to lost, not the alphabet's; a stage since taken out of the
    config after them, by its name (the list, `tinycrm list --sort stage`)."""
    if not stages:
        return ["c.stage"], []
    params: list[Any] = []
    for i, stage in enumerate(stages):
        params += [stage, i]
    rank = "CASE c.stage " + " ".join("WHEN ? THEN ?" for _ in stages) + " ELSE ? END"
    return [rank, "c.stage"], [*params, len(stages)]


def _flip(term: str) -> str:
    if term.endswith(" DESC"):
        return term[: -len(" DESC")]
    return term + " DESC"
