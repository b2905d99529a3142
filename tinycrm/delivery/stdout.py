"""The stdout channel: one line per item, and nothing at all when nothing is
due (cron mails any output)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from typing import IO

from ..store.models import QueueItem
from .text import line


class StdoutFailed(Exception):
    pass


def write(items: Sequence[QueueItem], now: datetime, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    if not items:
        return
    text = "".join(line(item, now) + "\n" for item in items)
    encoding = getattr(out, "encoding", None)
    if encoding:
        # A stdout that can't show a letter (LANG=C, an ASCII pipe) gets a
        # "?" for it, not an error that would hold back every item each run.
        text = text.encode(encoding, "replace").decode(encoding)
    try:
        out.write(text)
        out.flush()
    except (BrokenPipeError, OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise StdoutFailed(f"can't write to stdout: {reason}") from None
