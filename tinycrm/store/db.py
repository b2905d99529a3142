"""Opening the database: file permissions, connection settings, migrations.

The store talks to SQLite through one plain ``sqlite3`` connection in
autocommit mode and opens its own transactions (``BEGIN IMMEDIATE``), so that
the TUI, cron and an import can share a file without "database is locked"
surprises (a writer that still times out is told what holds the lock:
``busy``). sqlite-utils is loaded only when the schema needs migrating.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from .errors import DamagedDatabase, DatabaseError, is_corrupt

BUSY_TIMEOUT_MS = 10_000
# The -wal grows to hold the largest transaction (a million-row import: 1.6
# GB) and keeps that size until every connection closes, which on a team's
# server, with someone's app always open, is never. SQLite cuts it back to
# this at the first write after a checkpoint.
WAL_SIZE_LIMIT = 64 * 1024 * 1024
MIGRATION_SET = "tinycrm"


def secure_path(path: Path) -> None:
    """Create the folder (0700) if needed; keep existing files owner-only."""
    make_folder(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = Path(str(path) + suffix)
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077 and _is_mine(candidate):
            # Only others' bits go: a file its owner made read-only
            # (chmod 444) stays read-only, rather than writable again.
            candidate.chmod(mode & 0o700)


def make_folder(path: Path) -> None:
    """Create the database's folder (0700) if needed."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    if not folder.exists():
        # Every folder made here is 0700, not only the last (``mkdir(parents=True)``
        # gives the others the umask's mode): a folder others could write
        # to on the way lets them swap the database's folder for their own.
        missing = [folder, *(p for p in folder.parents if not p.exists())]
        for each in reversed(missing):
            each.mkdir(mode=0o700, exist_ok=True)


def _is_mine(path: Path) -> bool:
    # A shared team file owned by someone else is theirs to chmod, not ours.
    try:
        return path.stat().st_uid == os.getuid()
    except (AttributeError, OSError):
        return False


def connect(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """A connection with WAL, foreign keys and a busy timeout, on a 0600 file."""
    path = Path(path)
    try:
        if path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
        make_folder(path)  # (the file's mode is seen to once it is known to be ours)
    except OSError as exc:
        # Under a regular file (NotADirectoryError), in a folder we can't read...
        raise DatabaseError(f"can't open {path}: {exc.strerror or exc}") from None
    # The umask makes SQLite create the file and its -wal/-shm as 0600.
    old_umask = os.umask(0o077)
    try:
        try:
            conn = sqlite3.connect(
                str(path), timeout=busy_timeout_ms / 1000, isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise DatabaseError(f"can't open {path}: {exc}") from None
        try:
            foreign = other_programs_tables(conn)
        except sqlite3.OperationalError as exc:
            conn.close()
            from .busy import is_locked

            if is_locked(exc):
                raise  # another program's write: the caller waits or says so (exit 5)
            # (Not the file's content: a read-only folder for its -shm, say.)
            raise DatabaseError(f"can't open {path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _unreadable(path, exc) from None
        if foreign:
            conn.close()
            raise DatabaseError(
                f"{path} is another program's SQLite database (tables {', '.join(foreign)}),"
                " not tinycrm's: check --db or TINYCRM_DB. It was left untouched.")
        try:
            # (Before WAL and the mode are set: a newer tinycrm's file is left as it is.)
            _refuse_a_newer_schema(conn, path)
        except DatabaseError:
            conn.close()
            raise
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA recursive_triggers = ON")
            conn.execute(f"PRAGMA journal_size_limit = {int(WAL_SIZE_LIMIT)}")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _unreadable(path, exc) from None
    finally:
        os.umask(old_umask)
    if mode.lower() != "wal":
        # WAL can't be set on some file systems; we still work, just with less concurrency.
        pass
    try:
        secure_path(path)
    except OSError as exc:
        conn.close()
        raise DatabaseError(f"can't open {path}: {exc.strerror or exc}") from None
    return conn


CHECK_HINT = "see `tinycrm db check`"


def _unreadable(path: Path, exc: sqlite3.DatabaseError) -> DatabaseError:
    """Why a file can't be opened: not a database at all, or one whose
    schema is damaged (SQLITE_CORRUPT), which ``db check`` looks into."""
    if is_corrupt(exc):
        return DamagedDatabase(f"{path} is damaged (SQLite said: {exc}): {CHECK_HINT}")
    return DatabaseError(f"{path} is not a tinycrm database (SQLite said: {exc})")


@contextmanager
def sql_functions(conn: sqlite3.Connection, **functions: Callable[[object], object]
                  ) -> Iterator[None]:
    """Python functions of one argument that the block's SQL calls by name.

    Ctrl-C or ``kill`` lands in whatever Python code runs, and while SQLite
    scans a table that is one of these: sqlite3 turns what it raises into
    "user-defined function raised exception" and keeps nothing of it, so the
    command would end as a database error, exit 1, rather than stopped (130,
    143). They are held off until the block is done, then stop it as they
    would have."""
    from .stopping import held_off

    for name, function in functions.items():
        conn.create_function(name, 1, function, deterministic=True)
    with held_off():
        yield


def email_key_sql(conn: sqlite3.Connection):
    """``tinycrm_email_key(value)`` for the block's SQL: an address as it is
    keyed (``normalize_email``), which SQLite's lower() is not for letters
    beyond ASCII (to it ÖZIL@ is not özil@). NULL for what is no text."""
    from .textutil import normalize_email

    return sql_functions(conn, tinycrm_email_key=lambda v: normalize_email(v)
                         if isinstance(v, str) else None)


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file ``path`` names now; None if it names none."""
    try:
        found = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return found.st_dev, found.st_ino


def gone_from(path: Path, opened: tuple[int, int] | None) -> str | None:
    """What became of the file opened at ``path`` (``opened``, its
    ``file_identity`` then) if the path no longer names it: "was deleted" or
    "was replaced by another file"; None while it still does. SQLite goes on
    writing to a file that was deleted or replaced under an open connection,
    and what it writes there is lost when the connection closes."""
    if opened is None:
        return None
    try:
        now = file_identity(path)
    except OSError:
        return None  # (a folder that can't be read now: not known to be gone)
    if now == opened:
        return None
    return "was deleted" if now is None else "was replaced by another file"


def other_programs_tables(conn: sqlite3.Connection) -> list[str]:
    """A few of the tables of a file that holds tables but none of tinycrm's
    migrations (Firefox's places.sqlite, llm's logs.db); [] for a new file or
    one of ours. Read before anything is written: a mistyped --db must not
    get our schema, WAL and mode."""
    names = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
        " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    if not names:
        return []
    if "_sqlite_migrations" in names and conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = ? LIMIT 1",
            [MIGRATION_SET]).fetchone():
        return []
    return names[:3] + (["..."] if len(names) > 3 else [])


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if not exists:
        return []
    return [
        row[0]
        for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
            [MIGRATION_SET],
        )
    ]


def known_migrations() -> list[str]:
    from .migrations import migrations

    return [m.name for m in migrations._migrations]


def pending_migrations(conn: sqlite3.Connection) -> list[str]:
    applied = set(applied_migrations(conn))
    return [name for name in known_migrations() if name not in applied]


def check_not_from_future(conn: sqlite3.Connection, path: Path) -> None:
    _refuse_steps(path, [name for name in applied_migrations(conn)
                         if name not in set(known_migrations())])


def _refuse_a_newer_schema(conn: sqlite3.Connection, path: Path) -> None:
    """``check_not_from_future`` by the steps migrations.py declares in its
    source (without importing sqlite-utils), for ``connect``."""
    declared = _declared_steps()
    if declared:
        _refuse_steps(path, [name for name in applied_migrations(conn) if name not in declared])


def _refuse_steps(path: Path, unknown: list[str]) -> None:
    if unknown:
        raise DatabaseError(
            f"{path} was written by a newer tinycrm (schema steps {', '.join(unknown)} "
            "are unknown to this version). Upgrade tinycrm; the file was left untouched."
        )


_DECLARED_STEP = re.compile(r"^@migrations\(\)\ndef (m\d+_\w+)\(", re.M)


def _up_to_date(conn: sqlite3.Connection) -> bool:
    """True when the file has applied exactly the steps that migrations.py
    declares, read from its source: opening an up-to-date database then
    doesn't import sqlite-utils (a tenth of a second on every command).
    Anything else goes through the full check."""
    declared = _declared_steps()
    return bool(declared) and set(applied_migrations(conn)) == declared


@cache
def _declared_steps() -> frozenset[str]:
    """The migration steps migrations.py declares, read from its source once
    (empty if it can't be read): opening a database asks twice."""
    try:
        return frozenset(
            # (UTF-8 whatever the locale: the source holds non-ASCII text,
            # and under LC_ALL=C every command would fail here.)
            _DECLARED_STEP.findall(
                Path(__file__).with_name("migrations.py").read_text(encoding="utf-8")))
    except OSError:
        return frozenset()


def migrate(conn: sqlite3.Connection, path: Path) -> list[str]:
    """Apply pending migrations; returns their names. Refuses a newer schema."""
    if _up_to_date(conn):
        return []
    check_not_from_future(conn, path)
    pending = pending_migrations(conn)
    if not pending:
        return []
    from sqlite_utils import Database

    from .migrations import migrations

    # One write transaction around every step (sqlite-utils nests each step in
    # a savepoint), so two processes opening a new file never both migrate it.
    conn.execute("BEGIN IMMEDIATE")
    try:
        pending = pending_migrations(conn)
        if pending:
            migrations.apply(Database(conn, execute_plugins=False))
        conn.execute("COMMIT")
    except BaseException as exc:
        conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
            # (A lock stays the busy error; this is the file's content.)
            raise DatabaseError(
                f"upgrading {path} failed ({exc}); it was left as it was: see `tinycrm db check`"
            ) from None
        raise
    return pending
