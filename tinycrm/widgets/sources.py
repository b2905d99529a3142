"""Row sources for ``VirtualTable``: the contact list read from SQLite a
block at a time, never all at once. They read through ``store.browse``
(no SQL here) on the UI thread; each block is a few milliseconds.
``PagedList`` holds rows a screen's workers read a page at a time.

A read that fails (a damaged file, an I/O error) happens while a line is being
painted, where an exception would end the app: its rows come back as None (the
table draws a placeholder), nothing is kept, so the next paint tries again, and
``on_error`` hears of it once rather than once for every line painted."""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..store.browse import Browse, Row
from ..store.contact_filter import ContactFilter

T = TypeVar("T")

BLOCK = 64
KEEP_BLOCKS = 48


class _Blocks:
    """An LRU of row blocks, and reads that never raise."""

    def __init__(self, on_error: Callable[[str], object]) -> None:
        self._blocks: OrderedDict[int, list] = OrderedDict()
        self.on_error = on_error
        self.failing = False  # the last read failed: said already

    def _read(self, read: Callable[[], list[T]]) -> list[T] | None:
        """``read()``, or None when the database fails it."""
        try:
            rows = read()
        except sqlite3.Error as exc:
            if not self.failing:
                self.on_error(f"database error: {exc}")
            self.failing = True
            return None
        self.failing = False
        return rows

    def cached(self, block: int) -> list | None:
        rows = self._blocks.get(block)
        if rows is not None:
            self._blocks.move_to_end(block)
        return rows

    def keep(self, block: int, rows: list) -> list:
        self._blocks[block] = rows
        while len(self._blocks) > KEEP_BLOCKS:
            self._blocks.popitem(last=False)
        return rows


class ContactWindow(_Blocks):
    """Contacts in an indexed order, read with LIMIT/OFFSET from the nearer end.

    ``count`` arrives later from a worker; until then the length is what the
    first block holds, which is enough for the first paint."""

    def __init__(self, browse: Browse, filters: ContactFilter, order: str, descending: bool,
                 *, on_error: Callable[[str], object]) -> None:
        super().__init__(on_error)
        self.browse = browse
        self.filters = filters
        self.order = order
        self.descending = descending
        self.count: int | None = None
        self.hint: int | None = None  # a length to show until count comes; never used to read

    def __len__(self) -> int:
        if self.count is not None:
            return self.count
        if self.hint is not None:
            return self.hint
        return len(self._block(0))

    def get(self, index: int) -> Row | None:
        block, offset = divmod(index, BLOCK)
        rows = self._block(block)
        return rows[offset] if offset < len(rows) else None

    def _block(self, block: int) -> list[Row]:
        rows = self.cached(block)
        if rows is not None:
            return rows
        start = block * BLOCK
        if self.count is not None and start > self.count // 2:
            end = min(start + BLOCK, self.count)
            rows = self._read(lambda: self.browse.page(
                self.filters, self.order, descending=not self.descending,
                limit=max(0, end - start), offset=self.count - end,
            )[::-1])
        else:
            rows = self._read(lambda: self.browse.page(
                self.filters, self.order, descending=self.descending, limit=BLOCK, offset=start,
            ))
        return [] if rows is None else self.keep(block, rows)


class IdList(_Blocks):
    """Contacts in a fixed order of ids (a sort without an index, search
    results); rows are read by id for the blocks on screen."""

    def __init__(self, browse: Browse, ids: Sequence[int], rows: dict[int, Row] | None = None,
                 *, on_error: Callable[[str], object]) -> None:
        super().__init__(on_error)
        self.browse = browse
        self.ids = ids
        self._known = rows or {}

    def __len__(self) -> int:
        return len(self.ids)

    def get(self, index: int) -> Row | None:
        block, offset = divmod(index, BLOCK)
        rows = self.cached(block)
        if rows is None:
            ids = list(self.ids[block * BLOCK:(block + 1) * BLOCK])
            if all(i in self._known for i in ids):
                found = {i: self._known[i] for i in ids}
            else:
                read = self._read(lambda: self.browse.rows(ids))
                if read is None:
                    return None
                found = {r.id: r for r in read}
            rows = self.keep(block, [found.get(i) for i in ids])
        return rows[offset] if offset < len(rows) else None


class PagedList:
    """The first rows of a longer list, read a page at a time by a worker (a
    contact's timeline). Its length is the whole list's, so the scrollbar and
    End see all of it; a row not read yet is None (drawn "…") until the page
    holding it is added with ``extend``."""

    def __init__(self, rows: Sequence = (), total: int = 0) -> None:
        self.rows = list(rows)
        self.total = max(total, len(self.rows))

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: int):
        return self.rows[index]

    @property
    def read(self) -> int:
        """How many rows are read (the first ones)."""
        return len(self.rows)

    def get(self, index: int):
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def extend(self, page: Sequence, *, last: bool = False) -> None:
        """The next rows; ``last``: there are no more (fewer came than asked)."""
        self.rows.extend(page)
        self.total = len(self.rows) if last else max(self.total, len(self.rows))
