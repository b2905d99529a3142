"""Contact data is displayed, never interpreted: these helpers turn stored
text into plain, single-line, control-free strings and ``Content`` that no
markup parser ever sees."""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, chop_cells, set_cell_size
from textual.content import Content

from ..store.textutil import strip_controls
from ..store.timeutil import show, to_local


def plain(value: object, *, keep_newlines: bool = False) -> str:
    """One line (or lines) of text with escape sequences and controls removed."""
    if value is None:
        return ""
    return strip_controls(str(value), keep_newlines=keep_newlines)


def literal(value: object, style: str = "") -> Content:
    """Content shown exactly as stored (markup characters included)."""
    content = Content(plain(value))
    return content.stylize(style) if style else content


def fit(text: str, width: int) -> str:
    """``text`` padded or cut to ``width`` cells, a cut ending in "…"."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        # Whole characters only: set_cell_size pads half a wide (CJK, emoji)
        # character with a space, which left a gap before the "…".
        # (One cell is the ellipsis alone: chop_cells can't cut to 0 cells.)
        kept = chop_cells(text, width - 1)[0] if width > 1 else ""
        return set_cell_size(kept + "…", width)
    return set_cell_size(text, width)


def when(dt: datetime | None) -> str:
    return show(dt)


def day(dt: datetime | None) -> str:
    return to_local(dt).strftime("%Y-%m-%d") if dt else ""
