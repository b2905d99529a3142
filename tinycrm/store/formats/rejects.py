"""Reading back the rejects file of a vCard or JSON import.

``import --rejects FILE`` writes CSV: ``reject_line``, ``reject_reason``, then
the row as it was. A CSV file's row is its cells, and the file imports again
as it is; a vCard or JSON file's row is a whole card or object, in one
``vcard`` or ``json`` column. Fixed there, that file imports again too: each
cell is read as the format it came from, under the line of its CSV row.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from . import FormatError, Row
from .csvlayout import REJECT_COLUMNS, norm_header
from .source import Source

if TYPE_CHECKING:
    from .csvfile import CSVReader

_KINDS = ("vcard", "json")


def embedded_format(header: Sequence[str]) -> str | None:
    """``vcard`` or ``json`` for the header of such a rejects file, else None."""
    names = [norm_header(h) for h in header]
    expected = [" ".join(c.split("_")) for c in REJECT_COLUMNS]
    if len(names) == 3 and names[:2] == expected and names[2] in _KINDS:
        return names[2]
    return None


class EmbeddedReader:
    """The cards or objects of a rejects file, read from their cells."""

    def __init__(self, csv: CSVReader, kind: str) -> None:
        self.csv = csv
        self.format = self.layout = kind
        self.description = f"rejected {'vCard' if kind == 'vcard' else 'JSON'} rows"
        self._inner = self._reader(io.StringIO(""))

    def _reader(self, text: io.StringIO):
        source = Source(name=self.csv.source.name, format=self.format, encoding="utf-8",
                        text=text, head=text.getvalue()[:4096].lstrip())
        if self.format == "vcard":
            from .vcard import VCardReader

            return VCardReader(source)
        from .jsonfile import JSONReader

        return JSONReader(source, whole_file=False)  # one object of a file, not a file

    def rows(self) -> Iterator[Row]:
        for chunk in self.csv.chunks(1000):
            for line, cells in zip(chunk.starts, chunk.cells):
                text = cells[2] if len(cells) > 2 else ""
                if text.strip():
                    yield from self._cell(line, text)

    def _cell(self, line: int, text: str) -> Iterator[Row]:
        try:
            for row in self._reader(io.StringIO(text)).rows():
                yield Row(line, row.record, row.raw, row.error)
        except FormatError as exc:
            reason = exc.message.split(": ", 1)[-1].split(": ", 1)[-1]  # past "name:line"
            yield Row(line, None, text, f"{self.format}: {reason}")

    def field_name(self, row: Row, key: str, value: Any) -> str:
        return self._inner.field_name(row, key, value)

    def written(self, row: Row, key: str, value: Any) -> str | None:
        written = getattr(self._inner, "written", None)
        return written(row, key, value) if written else None

    def reject_header(self) -> list[str]:
        return [self.format]

    def reject_cells(self, row: Row) -> list[str]:
        return [row.raw]
