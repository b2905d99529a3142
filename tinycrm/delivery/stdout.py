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
    try:
        if encoding and hasattr(out, "buffer"):
            # A stdout that can't show a letter (LANG=C, an ASCII pipe) gets
            # a "?" for it, not an error that would hold back every item.
            _write_all(out, text.encode(encoding, "replace"))
        else:
            out.write(text)
            out.flush()
    except (BrokenPipeError, OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise StdoutFailed(f"can't write to stdout: {reason}") from None


def _write_all(out: IO[str], data: bytes) -> None:
    """Write every byte, or raise. Unbuffered (``PYTHONUNBUFFERED=1``, as in
    Docker and systemd), a text stream's write ignores a short write, such as
    a pipe whose reader went away mid-way: the items would be recorded as
    delivered though half of them never were."""
    out.flush()
    view = memoryview(data)
    while view:
        written = out.buffer.write(view)
        if not written:
            raise OSError(0, "the output took no more")
        view = view[written:]
    out.buffer.flush()
