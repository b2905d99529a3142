"""Row sources for ``VirtualTable``: the contact list read from SQLite a
block at a time, never all at once. They read through ``store.browse``
(no SQL here) on the UI thread; each block is a few milliseconds."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from ..store.browse import Browse, Row
from ..store.contacts import ContactFilter

BLOCK = 64
KEEP_BLOCKS = 48


class _Blocks:
    """An LRU of row blocks."""

    def __init__(self) -> None:
        self._blocks: OrderedDict[int, list] = OrderedDict()

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

    def __init__(self, browse: Browse, filters: ContactFilter, order: str, descending: bool) -> None:
        super().__init__()
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
            rows = self.browse.page(
                self.filters, self.order, descending=not self.descending,
                limit=max(0, end - start), offset=self.count - end,
            )
            rows.reverse()
        else:
            rows = self.browse.page(
                self.filters, self.order, descending=self.descending, limit=BLOCK, offset=start,
            )
        return self.keep(block, rows)


class IdList(_Blocks):
    """Contacts in a fixed order of ids (a sort without an index, search
    results); rows are read by id for the blocks on screen."""

    def __init__(self, browse: Browse, ids: Sequence[int], rows: dict[int, Row] | None = None) -> None:
        super().__init__()
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
                found = {r.id: r for r in self.browse.rows(ids)}
            rows = self.keep(block, [found.get(i) for i in ids])
        return rows[offset] if offset < len(rows) else None
