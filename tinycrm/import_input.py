"""Where `tinycrm import` reads from: a file, or stdin. What may be slow to
arrive (stdin, a FIFO, ``<(producer)``) is read whole into a temporary file
first, so that a slow producer never holds the database's write lock while
the import reads its rows inside its transaction."""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path
from typing import IO

import typer


def open_input(file: str | None) -> tuple[IO[bytes], str]:
    """The input as bytes: a file, or stdin. Stdin, a FIFO or ``<(...)`` is
    spooled to a temporary file first, so that a slow producer never holds
    the database's write lock (the import reads its rows inside its
    transaction)."""
    from .store.errors import NotFound, ValidationError

    if file is None or file == "-":
        stdin = sys.stdin
        if stdin is None:  # cron or a service with fd 0 closed (`<&-`)
            raise typer.BadParameter("there is no stdin to read: give a FILE, or pipe"
                                     " contacts in", param_hint="FILE")
        if file is None and stdin.isatty():
            raise typer.BadParameter("give a FILE, or pipe contacts in (or use - for stdin)",
                                     param_hint="FILE")
        stream = getattr(stdin, "buffer", None)
        if stream is None:  # a text stream (tests)
            data = stdin.read()
            stream = io.BytesIO(data.encode("utf-8") if isinstance(data, str) else data)
            return _spooled(stream, "stdin"), "stdin"
        if _endless(stream) and not stdin.isatty():  # `< /dev/zero`: its start says enough
            return stream, "stdin"
        return _spooled(stream, "stdin"), "stdin"
    from .store.textutil import path_text

    path, name = Path(file), path_text(file)  # (name: as the batch and messages give it)
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise NotFound(f"no such file: {file}") from None
    except IsADirectoryError:
        raise ValidationError(f"{file} is a folder, not a file") from None
    except PermissionError:
        raise ValidationError(f"can't read {file}: permission denied") from None
    except OSError as exc:
        raise ValidationError(f"can't read {file}: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(handle.fileno()).st_mode
    except OSError:
        return handle, name
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return handle, name  # a file, or a device (/dev/zero: its start says enough)
    # A FIFO, `<(producer)`, /dev/stdin from a pipe: read it all before the import starts.
    with handle:
        return _spooled(handle, name), name


def _endless(stream: IO[bytes]) -> bool:
    """Whether ``stream`` is a character device (/dev/zero, /dev/urandom),
    which is never spooled: it might not end."""
    try:
        return stat.S_ISCHR(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False


def _spooled(stream: IO[bytes], name: str) -> IO[bytes]:
    """All of ``stream`` in a temporary file, from its start."""
    import tempfile

    from .store.import_types import ImportFailed

    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    while True:
        try:
            block = stream.read(1024 * 1024)
        except OSError as exc:  # stdin open for writing only, say
            spool.close()
            raise ImportFailed(f"can't read {name}: {exc.strerror or exc}") from None
        if not block:
            break
        try:
            spool.write(block)
        except OSError as exc:  # the temporary folder is full or unwritable
            spool.close()
            raise ImportFailed(f"can't keep the input in a temporary file: {exc.strerror or exc}"
                               " (set TMPDIR to a folder with room)") from None
    spool.seek(0)
    return spool
