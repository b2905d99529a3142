"""CSV in and out.

Reading: the delimiter (comma, semicolon, tab) is detected from the first
lines; a preamble before the header (LinkedIn's ``Notes:``) is skipped;
quoted fields may hold newlines, and lines may end in CRLF. Each row keeps
the line number it starts on, for the rejects list.

Writing: tinycrm's own contact CSV, the one ``list --format csv`` and
``export --format csv`` print. One row per contact, the columns of
``list --format json``; emails, phones and tags joined with ``; `` (a ``;`` or
``\\`` inside a tag escaped with ``\\``); custom fields as a JSON object. A cell
a spreadsheet would run as a formula is prefixed with ``'``; tinycrm's import
removes it again, so export → import is lossless.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from operator import itemgetter
from typing import IO, Any

from ..errors import listed
from ..textutil import json_text, neutralise_cell, restore_cell
from . import FormatError, Row
from .csvlayout import (
    BOOKKEEPING,
    LAYOUT_NAMES,
    REJECT_NAMES,
    build_mapper,
    join_tags,
    norm_header,
)
from .csvmapper import Mapper
from .rejects import embedded_format
from .source import HEAD_BYTES, Source

CONTACT_COLUMNS = (
    "id", "uid", "name", "first_name", "last_name", "emails", "phones", "company", "title",
    "stage", "tier", "owner", "tags", "fields", "source", "birthday", "cadence_days", "note",
    "created_at", "updated_at", "last_contacted_at", "version",
)
DELIMITERS = (",", ";", "\t", "|")
MAX_CELL = 16 * 1024 * 1024  # a long Notes cell is data, not an error
# Outlook's export has 90 columns, HubSpot's a few hundred. Each costs the
# mapping a few hundred bytes: a header of millions of commas took gigabytes.
MAX_COLUMNS = 10_000
_PREAMBLE_RECORDS = 12  # looked at first; a longer preamble must be followed by a known header
_SAMPLE_RECORDS = 40  # records that choose the delimiter
_EXCEL_SEP = re.compile(r"\ufeff?sep=([^\r\n])\r?\n", re.IGNORECASE)


# -- writing ---------------------------------------------------------------------


def cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "tags":
        return neutralise_cell(join_tags(value))
    if isinstance(value, (list, tuple)):
        return neutralise_cell("; ".join(str(v) for v in value))
    if isinstance(value, dict):
        return neutralise_cell(json_text(value)) if value else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return neutralise_cell(str(value))


class _LineFeeds:
    """A text file whose CSV rows end in ``\n`` although their writer thinks
    ``\r\n``: Python's csv module quotes only the line ends it writes itself,
    and a cell with a bare ``\r`` left unquoted would split its row."""

    __slots__ = ("_out",)

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, row: str) -> int:
        return self._out.write(row[:-2] + "\n")  # each call is one row, ending in \r\n


def csv_writer(out: IO[str]):
    """A ``csv.writer`` for what tinycrm prints and exports: comma-separated,
    ``\n`` line ends, any cell with a ``\r`` or ``\n`` in it quoted."""
    return csv.writer(_LineFeeds(out), lineterminator="\r\n")


def write_contacts(records: Iterable[dict[str, Any]], out: IO[str], *,
                   extra: Sequence[str] = ()) -> int:
    """Write contact records (``Contact.to_dict()`` shape) as tinycrm's CSV;
    ``extra`` columns (a search score, say) come first. Streams; returns the count."""
    columns = [*extra, *CONTACT_COLUMNS]
    writer = csv_writer(out)
    writer.writerow(columns)
    count = 0
    for count, record in enumerate(records, 1):
        writer.writerow([cell(c, record.get(c)) for c in columns])
    return count


RECENT_LINES = 256


def _recorded(lines: Iterable[str], record) -> Iterator[str]:
    for line in lines:
        record(line)
        yield line


def write_rejects_header(out: IO[str], header: Sequence[str]):
    writer = csv_writer(out)
    # The header is the file's own, and it opens in a spreadsheet like the rows.
    writer.writerow(["reject_line", "reject_reason", *map(neutralise_cell, header)])
    return writer


# -- reading ---------------------------------------------------------------------


def _undecodable(source, exc: UnicodeDecodeError, line_num: int) -> str:
    """The message for a byte ``source``'s encoding can't read, met after
    ``line_num`` lines. The text stream decodes a block ahead of the line
    asked for; the bad byte is in the block, so many lines on from that line."""
    ahead = exc.object[:exc.start].count(b"\n") if isinstance(exc.object, bytes) else 0
    return (f"{source.name}:{line_num + 1 + ahead}: can't be decoded as {source.encoding}"
            f" ({exc.reason}); try another --encoding")


def _complete_lines(head: str) -> str:
    cut = max(head.rfind("\n"), head.rfind("\r"))
    return head[: cut + 1] if cut > 0 else head


def _records(sample: str, delimiter: str, limit: int = _SAMPLE_RECORDS) -> list[list[str]]:
    rows = []
    try:
        for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass
    return rows


def _filled(row: Sequence[str]) -> int:
    return sum(1 for c in row if c.strip())


def _wide(row: Sequence[str]) -> bool:
    return _filled(row) >= 2 or _filled(row) == 1 and len(row) > 1


def _header_index(rows: list[list[str]]) -> int:
    """Records before the header: a preamble of one-cell lines (LinkedIn's
    ``Notes:``) and blank lines, when a wider record follows."""
    for index, row in enumerate(rows[:_PREAMBLE_RECORDS]):
        if _wide(row):
            return index
    return next((i for i, row in enumerate(rows) if _filled(row)), 0)


def _no_header(row: Sequence[str]) -> bool:
    """One cell that is no header (``Notes:``): the header may be further down.
    (One that is, ``Email``, heads a one-column file.)"""
    return not _wide(row) and not build_mapper(row).identity


def _after_long_preamble(sample: str, delimiter: str) -> tuple[int, list[list[str]]] | None:
    """(records before the header, the header and the records after it) when
    the first wider record in ``sample`` comes after more one-cell lines than
    ``_header_index`` looks at (a LinkedIn ``Notes:`` block grown longer, a
    long comment), and names a name, email or phone column; else None. A
    one-column file with a stray delimiter in a row far down ("Hopper, Grace")
    has no such header there. Only ``sample`` (the file's first 64 KiB) is read."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        for index, row in enumerate(reader):
            if _wide(row):
                if not build_mapper(row).identity:
                    return None
                return index, [row, *islice(reader, _SAMPLE_RECORDS)]
    except csv.Error:
        pass
    return None


def detect_dialect(head: str) -> tuple[str, int]:
    """(delimiter, records before the header) for the start of a file. Excel
    may say which delimiter on a first line of its own (``sep=;``)."""
    sample = _complete_lines(head)
    told = _EXCEL_SEP.match(sample)
    if told:
        delimiter, rest = told.group(1), sample[told.end():]
        rows = _records(rest, delimiter)
        skip = _header_index(rows)
        if rows and _no_header(rows[skip]):
            skip = (_after_long_preamble(rest, delimiter) or (skip,))[0]
        return delimiter, 1 + skip
    best, best_score, best_skip = ",", -1.0, 0
    for delimiter in DELIMITERS:
        rows = _records(sample, delimiter)
        if not rows:
            continue
        skip = _header_index(rows)
        first = next((i for i, row in enumerate(rows) if _filled(row)), 0)
        if (skip > first and build_mapper(rows[first]).identity
                and not build_mapper(rows[skip]).identity):
            skip = first  # a file that starts with its header has no preamble
        header, after = rows[skip], rows[skip + 1:]
        if _no_header(header):
            found = _after_long_preamble(sample, delimiter)
            if found:
                skip, (header, *after) = found
        width = len(header)
        body = [r for r in after if _filled(r)]
        # A row as wide as the header, or wider by empty cells (a trailing comma).
        consistent = sum(
            1 for r in body if len(r) == width or len(r) > width and not _filled(r[width:])
        ) / len(body) if body else 1.0
        # One column: the delimiter that the rows don't hold ("Hopper, Grace").
        score = width * consistent if width > 1 else 0.5 * consistent
        # A header of known columns first: a quote that never closes swallows
        # the rows after it, which would make one column of the header. A
        # vCard or JSON import's rejects file is as known: its cells' lines
        # split at a semicolon may look like one ('EMAIL;TYPE=work:...').
        known = width > 1 and (build_mapper(header).identity
                               or embedded_format(header) is not None)
        # And of two known headers, one with rows under it: a file of one row
        # ("Name,Email" over "Ada;Phone;Email;x,ada@ex.org") read by the
        # semicolon made a preamble of its header and a header of its row.
        score += 100 * known + 50 * (known and bool(body))
        # At a tie, the reading that skips fewer lines: "Smith, John;j@x.org"
        # under "Name;Email" is two cells by either delimiter, but a comma
        # would make a header of it and a preamble of the real one.
        if (score, -skip) > (best_score, -best_skip):
            best, best_score, best_skip = delimiter, score, skip
    return best, best_skip


def _bad_quoting(name: str | None, exc: csv.Error, start: int, line: int) -> str:
    """What the csv reader's complaint means, and where ("name:line: " first
    when ``name`` is given)."""
    where = f"{name}:{start if 'end of data' in str(exc) else line}: " if name else ""
    if "end of data" in str(exc):
        return where + "a quoted cell that starts in this row is never closed (a \" is missing)"
    if "expected after" in str(exc):
        return where + ("a quoted cell goes on after its closing \"; quote the whole cell and"
                        " double each \" inside it")
    return where + str(exc)


class CellChunk:
    """Some rows of a CSV file as cells, each with the line it starts on."""

    __slots__ = ("_reader", "cells", "starts")

    def __init__(self, reader: CSVReader, cells: list[list[str]], starts: list[int]) -> None:
        self._reader, self.cells, self.starts = reader, cells, starts

    def __len__(self) -> int:
        return len(self.cells)

    def rows(self) -> list[Row]:
        """Row by row, as the reader's ``rows`` gives them."""
        make = self._reader.row
        return [row for row in map(make, self.starts, self.cells) if row is not None]

    def columns(self) -> dict[str, list] | None:
        """All the rows' records as columns (``Mapper.columns``), or None."""
        return self._reader.mapper.columns(self.cells)


class CSVReader:
    format = "csv"

    def __init__(self, source: Source, *, overrides: dict[str, str] | None = None) -> None:
        self.source = source
        if csv.field_size_limit() < MAX_CELL:
            csv.field_size_limit(MAX_CELL)
        self.delimiter, self.skip = detect_dialect(source.head)
        # strict: a quote that never closes is an error, not the rest of the
        # file swallowed into one cell.
        # The last lines read, for a row the reader can't split: its rejects
        # row is its text as it was (cut at each delimiter), to fix.
        self._recent: deque[str] = deque(maxlen=RECENT_LINES)
        self._reader = csv.reader(_recorded(source.text, self._recent.append),
                                  delimiter=self.delimiter, strict=True)
        self._last_line = 0
        # Rows the reader couldn't split: line -> (why, the row's text in cells)
        self._broken: dict[int, tuple[str, list[str]]] = {}
        try:
            for _ in range(self.skip):
                next(self._reader)
            header = next(self._reader)
        except StopIteration:
            raise FormatError(f"{source.name}: the file is empty") from None
        except csv.Error as exc:
            raise FormatError(_bad_quoting(source.name, exc, 1, self._reader.line_num)) from None
        except UnicodeDecodeError as exc:
            # Only the first 64 KiB were decoded to choose the encoding: a longer
            # header (or preamble) reads on past them.
            raise FormatError(_undecodable(source, exc, self._reader.line_num)) from None
        self.header_line = self._reader.line_num
        if len(header) > MAX_COLUMNS:
            raise FormatError(f"{source.name}:{self.header_line}: {len(header):,} columns in the"
                              f" header; a contacts file has at most {MAX_COLUMNS:,}")
        self._last_line = self.header_line
        if {norm_header(h) for h in header[:2]} == REJECT_NAMES:
            # A rejects file, fixed: its header was written neutralised too.
            header = [restore_cell(h) if h.startswith("'") else h for h in header]
        self.header = header
        self.mapper: Mapper = build_mapper(header, overrides=overrides)
        self.layout = self.mapper.layout
        # (A rejects file's own columns say nothing of the row's person either.)
        bookkeeping = BOOKKEEPING.get(self.layout, frozenset()) | REJECT_NAMES
        self._bookkeeping = {i for i, h in enumerate(header) if norm_header(h) in bookkeeping}
        # A vCard or JSON import's rejects file: ``formats.rejects`` reads its cells.
        self.embedded = embedded_format(header)
        if not self.mapper.identity and not self.embedded:
            shown = listed([h for h in header if h.strip()])
            # A one-cell line may open a preamble longer than the start that is looked at.
            further = (f", nor is any line in its first {HEAD_BYTES // 1024} KiB a header with"
                       " one (a preamble before the header must end within them)"
                       if len(header) == 1 else "")
            raise FormatError(
                f"{source.name}: not a contacts file: line {self.header_line} has no name,"
                f" email or phone column (columns: {shown or 'none'}){further};"
                " use --map 'Header=name'"
            )

    @property
    def description(self) -> str:
        return LAYOUT_NAMES.get(self.layout, self.layout)

    @property
    def name_parts(self) -> bool:
        """Whether the file gives a name's parts itself, so that an empty one
        stays empty (a contact named after its company): tinycrm's own export
        does. Other tools leave them empty beside a full name they have
        (Thunderbird's Display Name, Google's old Name), which is split."""
        return self.layout == "tinycrm"

    def rows(self) -> Iterator[Row]:
        for chunk in self.chunks(1000):
            yield from chunk.rows()

    def chunks(self, size: int) -> Iterator[CellChunk]:
        """The file's rows, ``size`` at a time, as cells with their first line:
        the importer maps a chunk a column at a time (``Mapper.columns``) or
        row by row (``CellChunk.rows``)."""
        reader, name = self._reader, self.source.name
        last = self._last_line
        cells_list: list[list[str]] = []
        starts: list[int] = []
        try:
            while True:
                try:
                    for cells in reader:
                        start, last = last + 1, reader.line_num
                        if not cells:
                            continue
                        cells_list.append(cells)
                        starts.append(start)
                        if len(cells_list) >= size:
                            yield self._chunk(cells_list, starts)
                            cells_list, starts = [], []
                    break
                except csv.Error as exc:
                    if "expected after" not in str(exc):
                        raise FormatError(_bad_quoting(name, exc, last + 1, reader.line_num)) from None
                    # A row of its own: rejected (the reader goes on with the next line).
                    start, last = last + 1, reader.line_num
                    self._broken[start] = (_bad_quoting(None, exc, start, last),
                                           self._text_of(last - start + 1))
                    cells_list.append([])
                    starts.append(start)
        except UnicodeDecodeError as exc:
            raise FormatError(_undecodable(self.source, exc, reader.line_num)) from None
        if cells_list:
            yield self._chunk(cells_list, starts)

    def _chunk(self, cells_list: list[list[str]], starts: list[int]) -> CellChunk:
        """The rows as a chunk, once checked: no NUL (a file that goes on in
        binary after a first part that looked like CSV, which is all that
        ``open_source`` looks at, would make contacts of noise: the whole
        import stops), and without the header again (``cat a.csv b.csv``;
        b's header may start with a BOM)."""
        if "\x00" in "".join(chain.from_iterable(cells_list)):
            line = next(start for start, cells in zip(starts, cells_list)
                        if any("\x00" in c for c in cells))
            raise FormatError(f"{self.source.name}:{line}: not a contacts file from this line on"
                              " (it holds binary data); nothing was imported")
        header = [h.lower() for h in self.header]  # (a header again, in any case)
        firsts = "\x00".join(map(itemgetter(0), filter(None, cells_list)))  # ([]: a broken row)
        if f"\x00{header[0]}\x00" in f"\x00{firsts.lower()}\x00".replace("\x00\ufeff", "\x00"):
            keep = [i for i, cells in enumerate(cells_list)
                    if not cells or [c.lower() for c in cells[1:]] != header[1:]
                    or cells[0].lstrip("\ufeff").lower() != header[0]]
            cells_list = [cells_list[i] for i in keep]
            starts = [starts[i] for i in keep]
        return CellChunk(self, cells_list, starts)

    def _text_of(self, count: int) -> list[str]:
        """The last ``count`` lines read, cut at each delimiter (none if they
        are no longer kept)."""
        if count > len(self._recent):
            return []
        text = "".join(list(self._recent)[-count:])
        return text.removesuffix("\n").removesuffix("\r").split(self.delimiter)

    def row(self, start: int, cells: list[str]) -> Row | None:
        """One row of cells as a record; None for a row with nothing in it."""
        if not cells and start in self._broken:
            why, text = self._broken.pop(start)
            return Row(start, None, text, why)
        record, error = self.mapper(cells)
        if error is None and (not record or self._bookkeeping) and not any(
                c.strip() for i, c in enumerate(cells) if i not in self._bookkeeping):
            return None
        width = len(self.header)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            error = f"{len(cells)} cells but the header has {width}"
        return Row(start, record, cells, error)

    def field_name(self, row: Row, key: str, value: Any) -> str:
        return self.mapper.column_of(row.raw, key, value)

    def reject_header(self) -> list[str]:
        return list(self.header)

    def reject_cells(self, row: Row) -> list[str]:
        return list(row.raw)
