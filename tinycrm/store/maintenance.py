"""Upkeep of the database file: consistent, compact backups while others write, an
integrity check, and compaction (VACUUM plus an emptied WAL)."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import stat
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .busy import OTHER_WRITER, is_locked
from .db import CHECK_HINT, pending_migrations
from .errors import (
    Busy,
    Conflict,
    DatabaseError,
    NotFound,
    ValidationError,
    is_read_only,
    read_only_message,
)
from .followups_gone import carry_over_restore
from .restoring import Changed, Commits, read_replaced, watching
from .search_upkeep import (
    REMEDY,
    fts_problem,
    keys_problem,
    row_drift,
    word_drift,
    words_problem,
)
from .sortkeys import key_drift
from .stopping import held_off
from .textutil import path_text
from .timeutil import system_now, to_local

if TYPE_CHECKING:
    from .erasures import SetAside
    from .store import Store


@dataclass(frozen=True)
class Backup:
    path: Path
    bytes: int
    seconds: float
    contacts: int
    # False when the database is read-only: the copy is made all the same (a
    # read-only database is one to keep a copy of), but nothing can record it.
    audited: bool = True


def backup(store: Store, dest: str | Path, *, now: datetime | None = None) -> Backup:
    """Copy the database to ``dest`` with ``VACUUM INTO``, under one read
    transaction: a consistent snapshot even while other processes write (WAL
    lets them carry on), and compact: the free pages a big import undone or
    an erase left are not copied (the backup API copied the file page for
    page, free ones too). The copy is a single self-contained file (no
    -wal), owner-only (0600), written under a temporary name and linked into
    place, so ``dest`` is never half-written and an existing file is never
    overwritten. A folder gets a dated name."""
    now = now or store.now()
    dest = Path(dest).expanduser()
    if dest.is_dir():
        # A dated name; a second backup in the same second gets -2, -3, ...
        named = dest / f"tinycrm-{to_local(now):%Y%m%d-%H%M%S}.db"
        n = 1
        while named.exists():
            n += 1
            named = dest / f"tinycrm-{to_local(now):%Y%m%d-%H%M%S}-{n}.db"
        dest = named
    if dest.exists():
        raise Conflict(f"{dest} already exists; choose another name")
    if dest.resolve() == store.path.resolve():
        raise ValidationError("a backup can't overwrite the database itself")
    if not dest.parent.is_dir():
        raise ValidationError(f"no folder {dest.parent}")
    tmp = dest.parent / f".{dest.name}.{os.getpid()}.partial"
    _clear_dead_partials(dest.parent)
    started = time.perf_counter()
    old_umask = os.umask(0o077)
    held = ExitStack()
    with held:
        try:
            tmp.unlink(missing_ok=True)  # (VACUUM INTO writes only a new or empty file)
            # (An absolute name: one beginning "file:" is never read as a URI.
            # SQLite doesn't sync the copy: that is done below. Its bytes, as
            # text: a folder named in Latin-1 has no UTF-8 to bind.)
            store.conn.execute("VACUUM INTO CAST(? AS TEXT)", [os.fsencode(os.path.abspath(tmp))])
            target = sqlite3.connect(str(tmp), isolation_level=None)
            try:
                target.execute("PRAGMA journal_mode = DELETE")  # (as it is: said for certain)
                contacts = target.execute("SELECT count(*) FROM contacts").fetchone()[0]
                status = target.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                target.close()
            if status != "ok":
                raise DatabaseError(f"the backup failed its check: {status}")
            os.chmod(tmp, 0o600)
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
            # From here the backup is there: Ctrl-C and kill wait for its
            # audit entry (stopped before it, exit 143 said nothing was done).
            held.enter_context(held_off())
            _put_in_place(tmp, dest)
        except sqlite3.Error as exc:
            if is_locked(exc):
                # (Where WAL can't be had, a writer committing keeps readers
                # out: waited for the busy timeout, as a change waits.)
                raise Busy(OTHER_WRITER) from None
            raise DatabaseError(f"backup to {dest} failed: {exc}") from None
        except OSError as exc:
            raise DatabaseError(f"can't write {dest}: {exc.strerror or exc}") from None
        finally:
            os.umask(old_umask)
            tmp.unlink(missing_ok=True)
            # (A copy bigger than the page cache is written with a journal: a
            # failed one, a full disk say, leaves it behind.)
            tmp.with_name(tmp.name + "-journal").unlink(missing_ok=True)
        seconds = time.perf_counter() - started
        # The copy is made and in place: its entry waits for the lock however
        # long another writer holds it (giving up, exit 5, would say nothing was
        # done while the file is there).
        try:
            with store.patient(), store.write():
                store.audit.record("backup", "database", None, after={"path": path_text(dest)},
                                   now=now)
        except sqlite3.OperationalError as exc:
            if not is_read_only(exc):
                raise
            return Backup(dest, dest.stat().st_size, seconds, contacts, audited=False)
        return Backup(dest, dest.stat().st_size, seconds, contacts)


# A backup's copy while it is made (``.NAME.db.PID.partial``, and its
# ``-journal``): only names of that form are ever deleted, and only when PID
# has gone.
_PARTIAL = re.compile(r"\..+\.db\.(\d+)\.partial(?:-journal)?")


def _clear_dead_partials(folder: Path) -> None:
    """Delete the half-made copies that backups killed outright (SIGKILL,
    a cron job's timeout) left in ``folder``: whole copies of the database,
    hidden, that nothing else would ever remove. A copy whose process still
    runs is being made, and stays."""
    try:
        names = [entry.name for entry in os.scandir(folder)
                 if entry.name.endswith((".partial", ".partial-journal"))]
    except OSError:
        return
    for name in names:
        match = _PARTIAL.fullmatch(name)
        pid = int(match.group(1)) if match else None
        if pid is not None and not _running(pid):
            (folder / name).unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # (another user's process: not ours to judge)
    return True


# What os.link raises where the file system has no hard links (FAT and exFAT,
# as on most USB sticks; some network shares).
_NO_HARD_LINKS = frozenset((errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS))


def _put_in_place(tmp: Path, dest: Path) -> None:
    """Give the finished copy its name, never over a file made meanwhile:
    a hard link does both in one step. Without hard links the name is
    reserved first (an empty file, made only if there is none), then the
    copy is renamed onto its reservation."""
    taken = Conflict(f"{dest} already exists; choose another name")
    try:
        os.link(tmp, dest)
        return
    except FileExistsError:
        raise taken from None
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    try:
        os.close(os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise taken from None
    try:
        os.replace(tmp, dest)
    except OSError:
        dest.unlink(missing_ok=True)  # (the empty reservation: ours)
        raise


@dataclass(frozen=True)
class Restored:
    source: Path
    contacts: int
    migrated: list[str]
    # Erasures the replaced database had recorded and the backup lacked,
    # made again in it; why the file couldn't be vacuumed after, if it couldn't.
    erasures: int = 0
    unwiped: str | None = None


def restore(store: Store, source: str | Path, *, now: datetime | None = None,
            replaced: SetAside | None = None) -> Restored:
    """Replace the database's content with a backup's. The backup is checked
    first (a tinycrm database, not from a newer tinycrm, whole), then copied
    in with SQLite's backup API through this connection, as one write: the
    app or cron see the old content or the new, never a mix, and a -wal a
    crash left behind can't be replayed over it (as it would be over a file
    copied into place). Another writer is waited for as any change waits
    for one (``Busy`` after that). An older backup is then brought up to date,
    and whoever the replaced database had erased is erased in it again (see
    store/erasures.py; ``replaced``: those of a file set aside as damaged,
    which this one replaces, with the ids it gave), then the file is vacuumed."""
    import tempfile

    from .db import migrate
    from .erasures import reapply
    from .privacy import wipe

    now = now or store.now()
    source = Path(source).expanduser()
    if not source.is_file():
        raise NotFound(f"no backup file {source}")
    if os.path.samefile(source, store.path):  # (a hard or symbolic link to it, too)
        raise ValidationError("a database can't be restored from itself")
    # Ctrl-C or kill that comes once the backup is going in waits until it is
    # brought up to date and audited, then ends the command: SQLite commits
    # it in one step, which Python can't stop in, so a restore stopped then
    # was done all the same, unaudited, while exit 143 said that nothing had
    # changed. (One given up, below, ends it at once: nothing done.)
    held = ExitStack()
    with held, tempfile.TemporaryDirectory(prefix="tinycrm-restore-") as folder:
        backup_conn, commits = _checked_backup(source), None
        try:
            contacts = backup_conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
            page_size = store.conn.execute("PRAGMA page_size").fetchone()[0]
            if backup_conn.execute("PRAGMA page_size").fetchone()[0] != page_size:
                # SQLite copies into a WAL database page for page: a private
                # copy of the backup, in the database's page size, goes in.
                backup_conn = _with_page_size(backup_conn, Path(folder) / "copy.db", page_size)
            # The copy can't be made inside a transaction of the database it
            # replaces (the backup API refuses one), so what is read of it
            # first may be overwritten by a write another process commits
            # before the copy takes the lock: an erase (the person back, with
            # no tombstone), an id given (given again). Such a commit is
            # looked for once the copy holds the lock, before it commits
            # anything: the copy is then given up (rolled back) and all of it
            # read and tried again. Looking only when the copy meets the lock
            # held (SQLITE_BUSY) would miss a write made and committed in
            # between; looking after the copy would be too late to undo it.
            commits = Commits(store)
            deadline = None
            while True:
                read = read_replaced(store, commits, now, replaced)
                if deadline is None:
                    deadline = time.monotonic() + store.busy_timeout
                elif time.monotonic() > deadline:
                    # (Another process kept writing all that time.)
                    raise Busy(OTHER_WRITER)
                progress = watching(commits, read.version, deadline)
                with ExitStack() as attempt:
                    attempt.enter_context(held_off())
                    try:
                        # One page a step: the first takes the lock and
                        # leaves the rest to copy, so ``progress`` looks
                        # before anything is committed (or, without WAL,
                        # written to the file).
                        backup_conn.backup(store.conn, pages=1, progress=progress)
                    except Changed:
                        # (Leaving ``attempt``: Ctrl-C or kill that came
                        # meanwhile ends the command now, nothing done.)
                        continue
                    held.enter_context(attempt.pop_all())
                break
        except sqlite3.DatabaseError as exc:
            if is_read_only(exc):  # the database, not the backup
                raise DatabaseError(read_only_message(store.path)) from None
            raise DatabaseError(f"restoring from {source} failed: {exc}") from None
        finally:
            backup_conn.close()
            if commits is not None:
                commits.close()
        migrated = migrate(store.conn, store.path)
        with store.patient(), store.write():
            store.conn.execute("UPDATE contact_id_mark SET last = max(last, ?) WHERE id = 1",
                               [read.last_contact])
            store.conn.execute("UPDATE followup_id_mark SET last = max(last, ?) WHERE id = 1",
                               [read.last_followup])
            carry_over_restore(store.conn, now, read.floor)
            reapplied = reapply(store, read.erased, now)
            if reapplied:
                contacts = store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
            store.audit.record("restore", "database", None,
                               after={"from": path_text(source), "contacts": contacts,
                                      **({"erasures": reapplied} if reapplied else {})},
                               now=now)
        # What the backup held of them leaves the file and its WAL, as an
        # erasure's values do.
        unwiped = wipe(store) if reapplied else None
    return Restored(source, contacts, migrated, reapplied, unwiped)


def check_backup(source: Path) -> None:
    """Raise unless ``source`` is a whole tinycrm database this tinycrm can read."""
    _checked_backup(source).close()


def _checked_backup(source: Path) -> sqlite3.Connection:
    """A read-only connection to ``source``, once it is known to be a whole
    tinycrm database that this tinycrm can read."""
    from .db import check_not_from_future, other_programs_tables

    try:
        conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"can't open {source}: {exc}") from None
    try:
        if other_programs_tables(conn) or not conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'contacts'").fetchone():
            raise DatabaseError(f"{source} is not a tinycrm database")
        check_not_from_future(conn, source)
        status = conn.execute("PRAGMA quick_check").fetchone()[0]
        if status != "ok":
            raise DatabaseError(f"{source} failed its check ({status}): nothing was restored")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{source} is not a tinycrm database ({exc})") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _with_page_size(conn: sqlite3.Connection, copy: Path, page_size: int) -> sqlite3.Connection:
    """``conn``'s database copied to ``copy`` and rebuilt with ``page_size``."""
    target = sqlite3.connect(str(copy), isolation_level=None)
    try:
        conn.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")
        target.execute(f"PRAGMA page_size = {int(page_size)}")
        target.execute("VACUUM")
    except BaseException:
        target.close()
        raise
    finally:
        conn.close()
    return target


# What a damaged file needs, whether it opens or not: `db reindex` rebuilds
# only the search index, and SQLite can't mend the pages themselves.
RESTORE_REMEDY = "put a backup in its place: tinycrm db restore BACKUP"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class CheckResult:
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def check(store: Store, *, quick: bool = False) -> CheckResult:
    """SQLite's integrity check, foreign keys, the search index against the
    contacts (its rows, its FTS5 index and its vocabulary: see search_upkeep),
    the contacts' sort keys against their names and companies, the schema version, and owner-only file permissions. A damaged file gives
    failed checks, not an exception. ``quick`` reads only, and less."""
    conn = store.conn
    checks: list[Check] = []

    def run(name: str, probe) -> None:
        try:
            ok, detail = probe()
        except sqlite3.DatabaseError as exc:
            ok, detail = False, f"SQLite says: {exc}"
        if name == "integrity" and not ok:
            detail = f"{detail}; {RESTORE_REMEDY}"
        checks.append(Check(name, ok, detail))

    def integrity():
        pragma = "quick_check" if quick else "integrity_check"
        problems = [r[0] for r in conn.execute(f"PRAGMA {pragma}(20)")]
        return problems == ["ok"], _problems(problems)

    def foreign_keys():
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        return not orphans, "ok" if not orphans else f"{len(orphans)} rows point at missing rows"

    def search_rows():
        with store.read():
            drift = row_drift(conn, quick=quick)
        if drift:
            return False, f"{drift.describe()}; {REMEDY}"
        return True, ("every contact has one (the full check compares their words, the"
                      " full-text index and the vocabulary)" if quick else "ok")

    def search_index():
        # FTS5 checks its index only as a write (it writes nothing), which
        # waits for an import: the quick check leaves it out.
        try:
            with store.write():
                problem = fts_problem(conn)
        except sqlite3.OperationalError as exc:
            if not is_read_only(exc):
                raise
            return True, "not checked: the file is read-only (FTS5 checks itself as a write)"
        return problem is None, problem or "ok"

    def search_words():
        with store.read():
            wrong = word_drift(conn)
        if wrong:
            return False, f"{words_problem(wrong)}; {REMEDY}"
        return True, "ok"

    def sort_keys():
        with store.read():
            wrong = key_drift(conn, quick=quick)
        if wrong:
            return False, keys_problem(wrong, quick=quick)
        return True, ("every contact has them (the full check compares them with the names)"
                      if quick else "ok")

    def schema():
        pending = pending_migrations(conn)
        return not pending, "up to date" if not pending else "pending: " + ", ".join(pending)

    def permissions():
        loose = []
        for suffix in ("", "-wal", "-shm"):
            path = Path(str(store.path) + suffix)
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
            except FileNotFoundError:
                continue
            if mode & 0o077:
                loose.append(f"{path.name} is {mode:04o}")
        return not loose, "owner-only" if not loose else "; ".join(loose)

    probes = [("integrity", integrity), ("foreign keys", foreign_keys),
              ("search rows", search_rows), ("search index", search_index),
              ("search words", search_words), ("sort keys", sort_keys), ("schema", schema),
              ("permissions", permissions)]
    for name, probe in probes:
        if not (quick and probe in (search_index, search_words)):
            run(name, probe)
    return CheckResult(tuple(checks))


def set_aside(path: Path, *, now: datetime | None = None) -> Path:
    """Rename a database file (and the -wal and -shm beside it, which belong
    to it and must never be read with another) to ``NAME.damaged-STAMP``;
    returns the new name."""
    stamp = (now or system_now()).astimezone(UTC).strftime("%Y%m%d-%H%M%SZ")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm", ""):  # (the main file last: its name is the sign)
        part = Path(str(path) + suffix)
        if part.exists():
            os.replace(part, Path(str(kept) + suffix))
    return kept


def check_unopened(path: Path, reason: str, *, remedy: str = "") -> CheckResult:
    """What can be checked of a file that can't be opened as the database (a
    damaged one): SQLite's integrity check, reading only, and why it can't."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
            integrity = Check("integrity", problems == ["ok"], _problems(problems))
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        integrity = Check("integrity", False, f"SQLite says: {exc}")
    # (The reason points to `db check`, which is what is running.)
    reason = reason.removesuffix(f": {CHECK_HINT}")
    return CheckResult((integrity, Check("opening", False, reason + remedy)))


def _problems(problems: list[str]) -> str:
    """SQLite's first problems, on one line ("On tree page 2 cell 15: ...";
    a row of its answer may hold several, a line each, under a "*** in
    database main ***" heading)."""
    lines = [" ".join(line.split()) for problem in problems for line in problem.splitlines()
             if line.strip() and not line.startswith("*** in database")]
    more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
    return "; ".join(lines[:3]) + more


def compact(store: Store) -> bool:
    """VACUUM and truncate the WAL, so that deleted data leaves the file.
    False when another process kept the WAL from being emptied (a reader
    still uses old pages): run ``tinycrm db vacuum`` again when it's done.
    ``Busy`` when another writer kept the lock (waited for as any change is)."""
    conn = store.conn
    with store.write():
        pass  # VACUUM can't run in a transaction: this waits for a running import
    first = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    try:
        conn.execute("VACUUM")
    except sqlite3.OperationalError as exc:
        if is_locked(exc):
            raise Busy(OTHER_WRITER) from None
        raise
    last = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return first[0] == 0 and last[0] == 0
