"""`tinycrm db backup` leaves out the free space deleted data left."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tinycrm.store import Busy, Store
from tinycrm.store.maintenance import backup

from .conftest import REPO
from .test_search_check import GOOD


def pages(path) -> tuple[int, int]:
    """(page_count, freelist_count) of a database file, its -wal counted in."""
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("PRAGMA page_count").fetchone()[0],
                conn.execute("PRAGMA freelist_count").fetchone()[0])
    finally:
        conn.close()


def everything(path) -> dict[str, list[tuple]]:
    """Every row of every table (the search index's own tables among them)."""
    conn = sqlite3.connect(path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE"
            " 'CREATE VIRTUAL%' ORDER BY name")]
        return {name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                for name in names}
    finally:
        conn.close()


def test_a_backup_leaves_out_the_space_an_undone_import_freed(cli, db_path, tmp_path):
    """The backup API copied the file page for page, free pages with the
    rest: a big import undone left a backup as big as the import had made
    the database, holding almost nothing."""
    cli.ok("--no-rules", "add", "Ada", "-e", "ada@ex.org", "-t", "vip")
    rows = tmp_path / "many.csv"
    rows.write_text("name,email,company,notes\n" + "".join(
        f"Person {i},p{i}@ex.org,Firm {i % 50},{'a note ' * 20}\n" for i in range(3000)))
    cli.ok("import", str(rows))
    cli.ok("imports", "undo", "1", "--yes")
    database_pages, database_free = pages(db_path)
    assert database_free > database_pages // 2  # (the undone import's pages, free)
    held = everything(db_path)
    dest = tmp_path / "copy.db"
    cli.ok("db", "backup", str(dest))
    backup_pages, backup_free = pages(dest)
    assert backup_free == 0
    assert backup_pages < (database_pages - database_free) * 2
    assert everything(dest) == held  # (the backup's own audit entry came after it)
    assert cli.ok("--db", str(dest), "db", "check").stdout == GOOD
    cli.ok("--no-rules", "add", "Bob")
    cli.ok("db", "restore", str(dest), "--yes")
    listed = cli.ok("list", "-f", "json").stdout
    assert [c["name"] for c in json.loads(listed)] == ["Ada"]


def test_a_backup_a_writer_keeps_from_reading_is_busy_not_failed(db_path, tmp_path):
    """Where WAL can't be had (some file systems) a writer committing locks
    readers out: VACUUM INTO waits the busy timeout, then that is exit 5's
    "busy, try again" (nothing was made), not a backup that failed, exit 1.
    (The backup API it replaced waited for the lock.)"""
    with Store(db_path, user="alice", busy_timeout=0.2) as store:
        store.contacts.add("Ada")
        # (Alone on the file, the store can leave WAL, as where WAL can't be had.)
        assert store.conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(Busy):
                backup(store, tmp_path / "copy.db")
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert [p.name for p in tmp_path.iterdir()] == ["crm"]  # (no copy, no partial)
        assert backup(store, tmp_path / "copy.db").contacts == 1  # (once the lock is let go)


FILLS_UP = """
import resource, signal, sys
from tinycrm.store import Store
from tinycrm.store.errors import DatabaseError
from tinycrm.store.maintenance import backup
with Store(sys.argv[1], user="alice") as store:
    # (The disk fills up while the copy is written: no byte past 64 KiB.)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, resource.RLIM_INFINITY))
    try:
        backup(store, sys.argv[2])
    except DatabaseError as exc:
        print(exc)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX's")
def test_a_backup_the_disk_has_no_room_for_leaves_nothing_behind(cli, db_path, tmp_path):
    """A copy bigger than SQLite's page cache (2 MB) is written with a
    journal beside it (-journal): one that failed midway left that hidden
    file in the backup folder, and no backup ever deleted it (only .partial
    names are a backup's)."""
    rows = tmp_path / "many.csv"
    rows.write_text("name,email,notes\n" + "".join(
        f"Person {i},p{i}@ex.org,{'a note ' * 20}\n" for i in range(3000)))
    cli.ok("--no-rules", "import", str(rows))
    folder = tmp_path / "backups"
    folder.mkdir()
    failed = subprocess.run(
        [sys.executable, "-c", FILLS_UP, str(db_path), str(folder / "copy.db")],
        env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=60)
    assert failed.stdout.startswith(f"backup to {folder / 'copy.db'} failed: "), failed
    assert list(folder.iterdir()) == []
