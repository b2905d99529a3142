"""Contact data is displayed, never interpreted: these helpers turn stored
text into plain, single-line, control-free strings and ``Content`` that no
markup parser ever sees."""

from __future__ import annotations

import re
from datetime import datetime

from textual.content import Content

from ..cells import fit  # noqa: F401  (the tables' and dialogs' import)
from ..store.textutil import strip_controls
from ..store.timeutil import show, to_local
from ..store.when import is_all_day


def plain(value: object, *, keep_newlines: bool = False) -> str:
    """One line (or lines) of text with escape sequences and controls removed."""
    if value is None:
        return ""
    return strip_controls(str(value), keep_newlines=keep_newlines)


# What Textual 8's parser makes of an escape sequence in a bracketed paste:
# its ESC comes as a "^" key, and the rest as the keys it is made of ("^[31m").
_PASTED_CSI = re.compile(r"\^\[[0-?]*[ -/]*[A-Za-z~]")


def without_escapes(text: str) -> str:
    """A text field's value without what a paste brought of terminal escape
    sequences (colour codes copied with a name): the sequences, whole or as
    Textual's parser left them ("^[31m"), and control characters. Brackets
    typed alone ("[x]", "a[b]") stay."""
    return _PASTED_CSI.sub("", plain(text)) if "^[" in text or not text.isprintable() else text


def literal(value: object, style: str = "") -> Content:
    """Content shown exactly as stored (markup characters included)."""
    content = Content(plain(value))
    return content.stylize(style) if style else content


def when(dt: datetime | None) -> str:
    return show(dt)


def due_shown(dt: datetime) -> str:
    """A due time as a day alone where it is due all day (``tomorrow``,
    a date typed alone), else with its time."""
    return day(dt) if is_all_day(dt) else when(dt)


def day(dt: datetime | None) -> str:
    return to_local(dt).strftime("%Y-%m-%d") if dt else ""
