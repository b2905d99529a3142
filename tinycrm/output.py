"""One way to print rows, in every format: ``table`` for people, ``csv``,
``json`` and ``ndjson`` for scripts. Cells are stripped of control characters
on the terminal and neutralised against spreadsheet formulas in CSV."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from itertools import islice
from typing import IO, Any

from .store.errors import cut
from .store.textutil import (
    bytes_shown,
    escape_json,
    neutralise_cell,
    strip_controls,
    strip_terminal_codes,
)


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    ndjson = "ndjson"


MAX_CELL = 40
LIST_SEPARATOR = "; "


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def showable(text: str, out: IO[str]) -> str:
    """``text`` with a "?" for each letter ``out``'s encoding can't show (a
    Latin-1 or ASCII terminal): what is for people to read, a table, loses a
    letter rather than the whole listing. Never for CSV, JSON or vCard, where
    a lost letter would be lost data."""
    return _shower(out)(text)


def _shower(out: IO[str]) -> Callable[[str], str]:
    """``showable`` for ``out``, its encoding looked at once (for many lines)."""
    encoding = getattr(out, "encoding", None)
    if not encoding or encoding.lower().replace("-", "").startswith("utf"):
        return str
    return lambda text: text.encode(encoding, "replace").decode(encoding)


def _cut_mark(out: IO[str]) -> str:
    """How a cut cell ends on ``out``: "…", or "..." where its encoding has no
    "…" (ASCII, Latin-1), whose "?" read as the cut name's lost last letter."""
    try:
        "…".encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "..."
    return "…"


def _cells(text: str) -> int:
    """The columns ``text`` takes on a terminal (``cells``): a wide letter
    (山, ア, 한) takes two, a mark none; counting letters misaligned a table of
    Japanese names."""
    if text.isascii():
        return len(text)
    from .cells import cells

    return cells(text)


def _fitted(text: str, width: int, mark: str = "…") -> str:
    """``text`` padded or cut to ``width`` columns, a cut ending in ``mark``
    (``cells.fit``; ASCII the short way, so that a table of it never imports rich)."""
    if text.isascii():
        if len(text) <= width:
            return text.ljust(width)
        return text[: width - len(mark)] + mark if width > len(mark) else mark[:width]
    from .cells import fit

    return fit(text, width, mark)


def write_rows(
    rows: Iterable[dict[str, Any]],
    fmt: OutputFormat | str,
    columns: Sequence[str] | None = None,
    *,
    headers: dict[str, str] | None = None,
    out: IO[str] | None = None,
    fields: Sequence[str] = (),
) -> int:
    """Print ``rows`` in ``fmt``; ``columns`` picks and orders table/CSV columns
    (JSON always carries every key), else the rows' own keys, or ``fields``
    when there are no rows (a CSV has its header all the same). Streams: rows
    are never all held at once, except the first screenful that sizes the
    table. Returns the row count."""
    out = out or sys.stdout
    fmt = OutputFormat(fmt)
    rows = iter(rows)
    count = 0
    if fmt is OutputFormat.json:
        out.write("[")
        for count, row in enumerate(rows, 1):
            text = escape_json(json.dumps(row, ensure_ascii=False))
            out.write(("\n" if count == 1 else ",\n") + text)
        out.write("\n]\n" if count else "]\n")
        return count
    if fmt is OutputFormat.ndjson:
        for count, row in enumerate(rows, 1):
            out.write(escape_json(json.dumps(row, ensure_ascii=False)) + "\n")
        return count
    head = list(islice(rows, 1000))
    if columns is None:
        columns = list(head[0]) if head else list(fields)
    if fmt is OutputFormat.csv:
        from .store.formats.csvfile import csv_writer

        writer = csv_writer(out)
        writer.writerow(columns)
        for count, row in enumerate(_chain(head, rows), 1):
            # (No escape sequence in a cell either: a file name, say, that
            # would drive the terminal the CSV is shown on.)
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
        return count
    if not head:
        return 0
    labels = [(headers or {}).get(c, c) for c in columns]
    widths = [len(label) for label in labels]
    for row in head:
        for i, column in enumerate(columns):
            widths[i] = min(MAX_CELL, max(widths[i], _cells(strip_controls(cell_text(row.get(column))))))
    bold = (out.isatty() if hasattr(out, "isatty") else False) and not (
        os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb")
    header = "  ".join(label.upper().ljust(w) for label, w in zip(labels, widths)).rstrip()
    show, mark = _shower(out), _cut_mark(out)
    header = show(header)
    out.write(("\x1b[1m" + header + "\x1b[0m" if bold else header) + "\n")
    for count, row in enumerate(_chain(head, rows), 1):
        cells = [
            _fitted(strip_controls(cell_text(row.get(c))), w, mark)
            for c, w in zip(columns, widths)
        ]
        out.write(show("  ".join(cells).rstrip() + "\n"))
    return count


def write_small_table(rows: Sequence[Sequence[str]], labels: Sequence[str], out: IO[str], *,
                      width: int = 80, indent: str = "  ") -> None:
    """A few rows of text (the candidates of an ambiguous REF) as a table
    under ``labels``, each line ``indent``ed and at most ``width`` columns:
    the widest column gives way first, cut cells end in "…". Contact text is
    shown stripped of control characters, never read as markup."""
    rows = [[strip_controls(cell) for cell in row] + [""] * (len(labels) - len(row))
            for row in rows]
    widths = [max([len(label), *(_cells(row[i]) for row in rows)])
              for i, label in enumerate(labels)]
    room = width - len(indent) - 2 * (len(labels) - 1)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=widths.__getitem__)
        if widths[widest] <= len(labels[widest]):
            break  # (as narrow as its label: the line is as short as it gets)
        widths[widest] -= 1
    show, mark = _shower(out), _cut_mark(out)
    for row in [[label.upper() for label in labels], *rows]:
        line = "  ".join(_fitted(cell, w, mark) for cell, w in zip(row, widths))
        out.write(show(indent + line.rstrip() + "\n"))


def _csv_cell(value: Any) -> str:
    """A number as it is (-100.0 is a figure, not a formula: a spreadsheet
    and awk take it as one); text guarded against running as a formula."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return neutralise_cell(strip_terminal_codes(cell_text(value)))


def write_record(record: dict[str, Any], fmt: OutputFormat | str, *, out: IO[str] | None = None) -> None:
    """One object: ``key: value`` lines for people, a single row otherwise."""
    out = out or sys.stdout
    fmt = OutputFormat(fmt)
    if fmt is OutputFormat.table:
        show = _shower(out)
        # A custom field's line is labelled `fields.NAME`, which may be the
        # longest label: the values line up after it too (up to a cell's width).
        labels = [strip_controls(f"{k}.{sub}") if isinstance(v, dict) else k
                  for k, v in record.items() for sub in (v if isinstance(v, dict) else [None])]
        width = min(MAX_CELL, max(map(_cells, labels), default=0))
        for key, value in record.items():
            if isinstance(value, dict):
                for sub, subvalue in value.items():
                    label = strip_controls(f"{key}.{sub}")
                    line = f"{_fitted(label, max(width, _cells(label)))}  {strip_controls(cell_text(subvalue))}\n"
                    out.write(show(line))
                continue
            out.write(show(f"{key.ljust(width)}  {strip_controls(cell_text(value))}\n"))
        return
    if fmt is OutputFormat.json:
        out.write(escape_json(json.dumps(record, ensure_ascii=False, indent=2)) + "\n")
        return
    write_rows([record], fmt, out=out)


def _chain(head: list, rest: Iterable) -> Iterable:
    yield from head
    yield from rest


def confirm(question: str) -> bool:
    """Ask on stderr and read the answer from stdin; no answer (end of input,
    no stdin at all: `<&-`) is no. (Click's confirm reads with ``input(" ")``,
    which writes that space to stdout: a byte that is no data.)"""
    if sys.stdin is None:
        return False
    # (It may quote a path: its bytes shown as the messages show them.)
    question = strip_controls(bytes_shown(question), keep_newlines=True)
    while True:
        sys.stderr.write(f"{question} [y/N]: ")
        sys.stderr.flush()
        try:
            line = sys.stdin.readline()
        except (OSError, ValueError, UnicodeDecodeError):
            line = ""
        answer = line.strip().lower()
        if answer in ("y", "yes"):
            return True
        if not line or answer in ("", "n", "no"):
            if not line:
                sys.stderr.write("\n")  # (the prompt's line ends even when input does)
            return False
        sys.stderr.write("Error: answer y or n\n")


def say(message: str) -> None:
    """A message for the person at the terminal: stderr, never stdout. A
    path's bytes that are not UTF-8 are shown ``\\xe9``, as the audit log and
    an import's batch hold them."""
    sys.stderr.write(strip_controls(cut(bytes_shown(message)), keep_newlines=True) + "\n")
