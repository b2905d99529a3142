"""Contact data is displayed, never interpreted: these helpers turn stored
text into plain, single-line, control-free strings and ``Content`` that no
markup parser ever sees."""

from __future__ import annotations

from datetime import datetime

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


def when(dt: datetime | None) -> str:
    return show(dt)


def day(dt: datetime | None) -> str:
    return to_local(dt).strftime("%Y-%m-%d") if dt else ""


def relative(dt: datetime | None, now: datetime) -> str:
    """``overdue 3d``, ``today 14:00``, ``tomorrow``, ``in 5d`` (local days)."""
    if dt is None:
        return ""
    local, today = to_local(dt), to_local(now)
    days = (local.date() - today.date()).days
    if days < 0:
        return f"overdue {-days}d"
    if days == 0:
        return "overdue " + local.strftime("%H:%M") if dt <= now else "today " + local.strftime("%H:%M")
    if days == 1:
        return "tomorrow " + local.strftime("%H:%M")
    if days < 7:
        return local.strftime("%a %d %b")
    return f"in {days}d"
