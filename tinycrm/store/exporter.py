"""Exporting contacts (CSV, JSON, NDJSON, vCard) and follow-ups (ICS: the open
ones, and those closed lately as cancelled events).

Contacts are read a chunk at a time in id order inside one read snapshot and
written as they come, so a large export holds little in memory and sees one
consistent state of the database. A file is written beside its target and
renamed into place at the end (owner-only permissions: it holds personal
data), so a failed export never leaves half a file behind; a pipe or a device
is written to as it is (see ``atomic_output``).

Contact text is data, never terminal code: the JSON written (the JSON and
NDJSON files, the CSV's ``fields`` cell, vCard's ``X-TINYCRM-FIELDS``) has
its C1 controls, DEL, bidi overrides and line/paragraph separators as
``\\uXXXX`` escapes, which ``json.dumps(ensure_ascii=False)`` would leave
raw (a JSON reader gets the same strings back), and the CSV's and vCard's
other text has no control characters at all (the store keeps none there).
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import IO, TYPE_CHECKING

from .contact_filter import ContactFilter
from .errors import ValidationError
from .textutil import escape_json, strip_controls

if TYPE_CHECKING:
    from .models import Contact
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
    """Write contacts matching ``filters`` (or, for ``ics``, the follow-ups
    of ``filters.owner``: open ones, and those closed or gone lately as
    cancelled events) to ``out``; returns how many."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}: use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "ics":
        from .formats.ics import write_ics

        with store.read():
            return write_ics(store, out, owner=filters.owner, now=now or store.now())
    with store.read():
        records = with_notes(store, store.contacts.iter_all(filters))
        if fmt == "csv":
            from .formats.csvfile import write_contacts

            return write_contacts(map(_plain_text, records), out)
        if fmt == "vcard":
            from .formats.vcardwriter import write_vcards

            return write_vcards(map(_plain_text, records), out)
        from .formats.jsonfile import write_json, write_ndjson

        return (write_json if fmt == "json" else write_ndjson)(records, _SafeJSON(out))


def with_notes(store: Store, contacts: Iterable[Contact], chunk: int = 1000) -> Iterator[dict]:
    """Contacts as records (``Contact.to_dict()``) with their notes as
    ``note`` (``Timeline.notes_of``), read a chunk at a time: an export (and
    `list`) gives back what an import of Google's Notes or a vCard's NOTE
    brought, and reads it in again unchanged."""
    batch: list[Contact] = []
    for contact in chain(contacts, [None]):
        if contact is not None:
            batch.append(contact)
            if len(batch) < chunk:
                continue
        notes = store.timeline.notes_of([c.id for c in batch])
        for c in batch:
            yield {**c.to_dict(), "note": notes.get(c.id)}
        batch = []


class _SafeJSON:
    """A text sink for JSON writers that escapes what ``escape_json`` does."""

    __slots__ = ("_out",)

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(escape_json(text))


def _plain_text(record: dict) -> dict:
    """``record`` with no control characters in its text (but ``fields``,
    whose values may hold line breaks: CSV and vCard write them as JSON)."""
    out = {}
    for key, value in record.items():
        if key == "note" and value:
            value = strip_controls(value, keep_newlines=True)  # paragraphs stay apart
        elif isinstance(value, str):
            value = _plain(value)
        elif isinstance(value, list):
            value = [_plain(v) if isinstance(v, str) else v for v in value]
        out[key] = value
    return out


def _plain(text: str) -> str:
    return text if text.isprintable() else strip_controls(text)


@contextmanager
def atomic_output(path: str | Path, *, database: str | Path | None = None) -> Iterator[IO[str]]:
    """A text file (UTF-8, newlines as written) at ``path``, which must not
    be the ``database`` file (or its journal): ``-o crm.db`` for ``crm.csv``
    would put an export in the place of everything.

    A regular file (new, or an existing one, or the file a symlink points to,
    which is what gets replaced: the link stays) is written beside its target
    with mode 0600 and renamed into place only once everything was written.
    A FIFO or a character device (``/dev/stdout``, a terminal) is written to
    directly: renaming over it would replace the device node or pipe itself.
    Any OSError becomes a one-line ``ValidationError`` naming ``path``.
    """
    shown = str(path)
    target = Path(path)
    try:
        mode = _existing_mode(target)
        if mode is not None and stat.S_ISDIR(mode):
            raise ValidationError(f"{shown} is a folder")
        if shown.endswith(("/", os.sep)):
            # (Path drops the slash: notes.txt/ would replace notes.txt.)
            raise ValidationError(f"can't write {shown}: "
                                  + ("not a folder" if mode is not None else "no such folder"))
        if database is not None and mode is not None and _is_database(target, Path(database)):
            raise ValidationError(f"{shown} is a file of the database itself; write to another file")
        if mode is not None and not stat.S_ISREG(mode):
            if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
                raise ValidationError(f"can't write {shown}: not a file, a pipe or a character device")
            # O_WRONLY without O_CREAT: if the node went away meanwhile, fail
            # rather than make a regular file where it was.
            fd = os.open(target, os.O_WRONLY | os.O_NOCTTY)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                yield handle
            return
        # Replace the file itself, never the link to it (realpath follows a
        # chain of links, and a dangling one to the file it would create).
        real = Path(os.path.realpath(target)) if target.is_symlink() else target
        if not real.parent.exists():
            raise ValidationError(f"no folder {real.parent} to write {real.name} in")
        # mkstemp: mode 0600, a fresh name, and O_EXCL so a planted link isn't followed.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".part", dir=real.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, real)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except BrokenPipeError:
        raise  # the reader of a pipe stopped reading: the CLI treats it like `| head`
    except OSError as exc:
        raise ValidationError(f"can't write {shown}: {_reason(exc)}") from None


def _is_database(target: Path, database: Path) -> bool:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            if os.path.samefile(target, f"{database}{suffix}"):
                return True
        except OSError:
            continue  # no such file
    return False


def _existing_mode(target: Path) -> int | None:
    """``st_mode`` of what ``target`` names (through links), None if nothing."""
    try:
        return os.stat(target).st_mode
    except FileNotFoundError:
        return None


def _reason(exc: OSError) -> str:
    return exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
