"""Many rows in one statement: the rows go to SQLite as one JSON array of
arrays and ``INSERT ... SELECT`` unpacks them with ``json_each``.

Slower per row than ``executemany`` inside SQLite, but the whole insert is
one ``sqlite3_step``, during which Python's sqlite3 module lets go of the
GIL: a writer thread can run it while the main thread reads and checks the
next rows. ``executemany`` takes the GIL back for every row and so can't
overlap with anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence


def dumps(rows: Iterable[Sequence]) -> str:
    return json.dumps(rows if isinstance(rows, list) else list(rows), ensure_ascii=False)


def select(*positions: int | str) -> str:
    """``SELECT`` of the given array positions of each row of ``json_each(?)``;
    a string stands for itself (a constant or another ``?``)."""
    parts = [p if isinstance(p, str) else f"json_extract(value, '$[{p}]')" for p in positions]
    return f"SELECT {', '.join(parts)} FROM json_each(?)"


class Counting:
    """A column that counts up from ``start``, one per row: written as the row's
    position in the array (``json_each``'s key) instead of a value in the JSON."""

    __slots__ = ("start",)

    def __init__(self, start: int) -> None:
        self.start = start


class Columns:
    """Rows to insert, with the columns that hold one value in every row
    bound once as parameters instead of repeated in the JSON (most of an
    import's rows share their stage, tier, owner, source and times, and each
    value SQLite takes out of the JSON costs it a parse)."""

    __slots__ = ("select", "params")

    def __init__(self, rows: Sequence[Sequence], width: int) -> None:
        self._pack(list(zip(*rows)) if rows else [()] * width, len(rows))

    @classmethod
    def of(cls, columns: Sequence[Sequence | Counting], count: int) -> Columns:
        """The same from ``count`` rows' columns (each a sequence or ``Counting``)."""
        self = cls.__new__(cls)
        self._pack(columns, count)
        return self

    def _pack(self, columns: Sequence[Sequence | Counting], count: int) -> None:
        parts: list[str] = []
        params: list = []
        varying = []
        for column in columns:
            if type(column) is Counting:
                parts.append("? + key")
                params.append(column.start)
                continue
            first = column[0] if count else None
            if column.count(first) == count:
                parts.append("?")
                params.append(first)
            else:
                parts.append(f"json_extract(value, '$[{len(varying)}]')")
                varying.append(column)
        self.select = f"SELECT {', '.join(parts)} FROM json_each(?)"
        self.params = [*params, dumps(list(zip(*varying))) if varying else dumps([[]] * count)]
