"""Many rows in a few statements: ``INSERT ... VALUES (?, ?), (?, ?), ...``
with up to ``ROWS`` rows a statement, every value a bound parameter.

Binding is C code in Python's sqlite3 module (it holds the GIL, briefly), and
the insert is then one ``sqlite3_step`` a statement, during which the module
lets go of the GIL: a writer thread runs it while the main thread reads and
checks the next rows.
``executemany`` takes the GIL back for every row, so it can't overlap with
anything. (Before this, the rows went to SQLite as one JSON text that
``json_each`` unpacked, which cost a JSON parse per value: at 100k contacts
the contacts table took 0.96 s that way and takes 0.67 s this way.)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

ROWS = 1024  # rows a statement, at most


class ValueRows:
    """Rows to insert, given as columns. A column that holds one value in
    every row is bound once (most of an import's rows share their stage,
    tier, owner, source and times) instead of once a row."""

    __slots__ = ("_head", "_tail", "_shared", "_width", "_values", "_count")

    def __init__(self, table: str, names: Sequence[str], columns: Sequence[Sequence],
                 count: int, *, order_by: str | None = None, tail: str = "") -> None:
        """``count`` rows of ``table``'s columns ``names`` (trusted SQL, never
        input), one sequence of values per name, inserted in the order of
        the column named ``order_by``, if given. ``tail`` follows the
        statement (an ``ON CONFLICT`` clause)."""
        alike = [count > 1 and column.count(column[0]) == count for column in columns]
        if alike:
            alike[0] = alike[0] and not all(alike)  # VALUES needs a value a row
        shared_names, shared, varying_names, varying = [], [], [], []
        for name, column, same in zip(names, columns, alike, strict=True):
            if same:
                shared_names.append(name)
                shared.append(column[0])
            else:
                varying_names.append(name)
                varying.append(column)
        self._count, self._width, self._shared, self._tail = count, len(varying), shared, tail
        self._values = list(chain.from_iterable(zip(*varying))) if varying else []
        into = f"INSERT INTO {table} ({', '.join([*shared_names, *varying_names])}) "
        order = (f"ORDER BY column{varying_names.index(order_by) + 1} "
                 if order_by in varying_names else "")
        if shared or order:
            picks = ["?"] * len(shared) + [f"column{i + 1}" for i in range(len(varying))]
            # WHERE true: without it SQLite would read an ON CONFLICT as a join's ON.
            self._head = into + f"SELECT {', '.join(picks)} FROM (VALUES {{}}) WHERE true {order}"
        else:
            self._head = into + "VALUES {} "

    def __len__(self) -> int:
        return self._count

    def run(self, conn) -> None:
        """Insert the rows, on ``conn`` (whose transaction the caller holds)."""
        if not self._count:
            return
        width, shared, values = self._width, self._shared, self._values
        most = max(1, min(ROWS, (_max_parameters(conn) - len(shared)) // width))
        start = 0
        while start < self._count:
            # A power of two rows at a time: the few statements that makes
            # are prepared once and come back from the connection's cache
            # (each is large; one for every chunk's own size would fill it).
            n = 1 << (min(most, self._count - start).bit_length() - 1)
            sql = _statement(self._head, self._tail, width, n)
            conn.execute(sql, [*shared, *values[start * width:(start + n) * width]])
            start += n


@lru_cache(maxsize=64)
def _statement(head: str, tail: str, width: int, rows: int) -> str:
    row = "(" + ", ".join("?" * width) + ")"
    return head.format(", ".join([row] * rows)) + tail


def _max_parameters(conn) -> int:
    try:
        return conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):
        return 999  # SQLite's own default before 3.32
