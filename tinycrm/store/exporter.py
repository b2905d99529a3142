"""Exporting contacts (CSV, JSON, NDJSON, vCard) and open follow-ups (ICS).

Contacts are read a chunk at a time in id order inside one read snapshot and
written as they come, so a large export holds little in memory and sees one
consistent state of the database. A file is written beside its target and
renamed into place at the end (owner-only permissions: it holds personal
data), so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .contacts import ContactFilter
from .errors import ValidationError

if TYPE_CHECKING:
    from .store import Store

EXPORT_FORMATS = ("csv", "json", "ndjson", "vcard", "ics")


def export(
    store: Store,
    out: IO[str],
    fmt: str,
    *,
    filters: ContactFilter = ContactFilter(),
    now: datetime | None = None,
) -> int:
    """Write contacts matching ``filters`` (or, for ``ics``, the open
    follow-ups of ``filters.owner``) to ``out``; returns how many."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "ics":
        from .formats.ics import write_ics

        with store.read():
            return write_ics(store, out, owner=filters.owner, now=now or store.now())
    with store.read():
        records = (c.to_dict() for c in store.contacts.iter_all(filters))
        if fmt == "csv":
            from .formats.csvfile import write_contacts

            return write_contacts(records, out)
        if fmt == "vcard":
            from .formats.vcard import write_vcards

            return write_vcards(records, out)
        from .formats.jsonfile import write_json, write_ndjson

        return (write_json if fmt == "json" else write_ndjson)(records, out)


@contextmanager
def atomic_output(path: str | Path) -> Iterator[IO[str]]:
    """A text file (UTF-8, newlines as written, mode 0600) that appears at
    ``path`` only once everything was written."""
    target = Path(path)
    if target.is_dir():
        raise ValidationError(f"{target} is a folder")
    if not target.parent.exists():
        raise ValidationError(f"no folder {target.parent} to write {target.name} in")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
