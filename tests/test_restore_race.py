"""`db restore` reads what it carries over from the database it replaces (the
erasures' tombstones, the last ids given, what calendars hold), then copies
the backup in with SQLite's backup API, which can't run inside a transaction
of the database it writes. A write another process commits in between was
overwritten: an erase made then lost with its tombstone (the person came
back), an id given then given again. Each test opens that window with a hook
at the copy (``held_off``, entered just before it) and writes from another
process or connection there, to a real database."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager

import pytest

from tinycrm.store import Store, maintenance

from .conftest import run_tinycrm


@pytest.fixture
def between_read_and_copy(monkeypatch):
    """``window(write)``: ``write()`` runs once, when the restore has read the
    database it replaces and is about to copy the backup in. Returns the list
    of the copy's attempts (one ``True`` each)."""
    real, attempts = maintenance.held_off, []

    def window(write) -> list[bool]:
        @contextmanager
        def hooked():
            if not attempts:
                write()
            attempts.append(True)
            with real():
                yield

        monkeypatch.setattr(maintenance, "held_off", hooked)
        return attempts

    return window


def added(cli, name: str) -> int:
    return int(cli.ok("--no-rules", "add", name).stdout)


def test_an_erase_another_process_commits_before_the_copy_is_made_again(
        cli, db_path, tmp_path, between_read_and_copy):
    added(cli, "Ada Early")
    zeb = added(cli, "Zebulon Quixotic")
    backup = tmp_path / "before.db"
    cli.ok("db", "backup", str(backup))

    def erase() -> None:
        done = run_tinycrm("privacy", "erase", str(zeb), "--yes", db=db_path)
        assert done.returncode == 0, done.stderr

    attempts = between_read_and_copy(erase)
    restored = cli.ok("db", "restore", str(backup), "--yes")
    assert restored.stderr == (f"restored 1 contacts from {backup}\n"
                               "re-applied 1 erasure made since the backup\n")
    assert cli("show", str(zeb)).exit_code == 3
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Ada Early"]
    # The tombstone is in the restored database, for the next restore.
    audit = json.loads(cli.ok("audit", "-n", "2", "-f", "json").stdout)
    assert [(a["action"], a["entity_id"]) for a in audit] == [("restore", None), ("erase", zeb)]
    # The copy that would have overwritten it was given up, and made again
    # (once: the restore's own reads are no change to start over for).
    assert len(attempts) == 2


def test_a_contact_another_connection_adds_before_the_copy_keeps_its_id(
        cli, db_path, tmp_path, between_read_and_copy):
    added(cli, "Ada Early")
    backup = tmp_path / "before.db"
    cli.ok("db", "backup", str(backup))
    added(cli, "Bo Since")

    late = []

    def add() -> None:
        with Store(db_path, user="bob", apply_rules=False) as other:
            late.append(other.contacts.add("Cy Meanwhile").id)

    attempts = between_read_and_copy(add)
    cli.ok("db", "restore", str(backup), "--yes")
    assert late == [3]
    assert added(cli, "Di After") == 4
    assert len(attempts) == 2


def test_a_writer_the_copy_waits_for_is_read_again_after_it(
        cli, db_path, tmp_path, between_read_and_copy):
    """The copy meets the other writer's lock (SQLITE_BUSY), waits, and once
    the write is committed starts over from what the database now holds."""
    added(cli, "Ada Early")
    backup = tmp_path / "before.db"
    cli.ok("db", "backup", str(backup))
    holding, late = threading.Event(), []

    def hold_then_add() -> None:
        with Store(db_path, user="bob", apply_rules=False) as other, other.write():
            holding.set()
            time.sleep(0.3)  # (the copy tries the lock meanwhile; not a timed assertion)
            late.append(other.contacts.add("Cy Meanwhile").id)

    writer = threading.Thread(target=hold_then_add)

    def start_writer() -> None:
        writer.start()
        holding.wait()

    attempts = between_read_and_copy(start_writer)
    try:
        cli.ok("db", "restore", str(backup), "--yes")
    finally:
        writer.join()
    assert late == [2]
    assert added(cli, "Di After") == 3
    assert len(attempts) == 2


def test_without_wal_a_commit_before_the_copy_is_seen_too(store, db_path, tmp_path,
                                                          between_read_and_copy):
    """Where WAL can't be had, the copy locks everyone out, the connection
    that looks for a commit too: the file's change counter tells instead."""
    import sqlite3

    assert store.conn.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
    store.contacts.add("Ada Early")
    backup = tmp_path / "before.db"
    maintenance.backup(store, backup)
    store.contacts.add("Bo Since")

    def give_ids() -> None:
        # (Another program's connection: a Store would put the file in WAL.
        # Ids 3 to 5 given, as three adds give them.)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("UPDATE contact_id_mark SET last = 5 WHERE id = 1")
        other.close()

    attempts = between_read_and_copy(give_ids)
    maintenance.restore(store, backup)
    assert store.conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert store.contacts.add("Di After").id == 6
    assert len(attempts) == 2
