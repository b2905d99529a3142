"""`tinycrm db backup` leaves out the free space deleted data left."""

import json
import sqlite3

import pytest

from tinycrm.store import Busy, Store
from tinycrm.store.maintenance import backup

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
