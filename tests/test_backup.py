"""`tinycrm db backup` (consistent while others write), `db check`, `db vacuum`."""

import errno
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinycrm.store import Store
from tinycrm.store.demo import fill

from .conftest import REPO
from .test_search_check import GOOD

WRITER = """
import sys, pathlib
from tinycrm.store import Store
from tinycrm.store.demo import fill
db, stop = sys.argv[1], pathlib.Path(sys.argv[2])
n = 0
with Store(db, user="writer") as store:
    while not stop.exists():
        # One transaction: a contact, its email, tags, search row, audit row
        # and the new-lead rule's follow-up (with its own event and audit row).
        store.contacts.add(f"W{n}", emails=[f"w{n}@ex.org"], tags=["bulk"])
        n += 1
print(n)
"""


def consistent(path) -> tuple[int, int]:
    """Every contact in a backup came with everything its transaction wrote."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        contacts = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        counts = [conn.execute(sql).fetchone()[0] for sql in (
            "SELECT count(*) FROM contact_emails",
            "SELECT count(*) FROM contact_search",
            "SELECT count(*) FROM followups WHERE rule = 'new-lead'",
            "SELECT count(*) FROM audit WHERE action = 'create' AND entity = 'contact'",
            "SELECT count(*) FROM audit WHERE action = 'create' AND entity = 'followup'",
            "SELECT count(*) FROM events WHERE kind = 'followup'",
        )]
        assert counts == [contacts] * len(counts), (contacts, counts)
        return contacts, conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()


def test_backup_is_a_private_self_contained_copy(cli, tmp_path):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    dest = tmp_path / "copy.db"
    result = cli.ok("db", "backup", str(dest))
    assert result.stdout == f"{dest}\n"
    assert result.stderr.startswith("backed up 1 contacts (")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert not os.path.exists(str(dest) + "-wal")
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    listed = cli.ok("--db", str(dest), "list", "-f", "json").stdout
    assert [c["name"] for c in json.loads(listed)] == ["Ada"]
    assert [f for f in os.listdir(tmp_path) if f.startswith(".")] == []  # no partial file left


def test_backup_never_overwrites(cli, tmp_path, db_path):
    cli.ok("add", "Ada")
    dest = tmp_path / "copy.db"
    dest.write_text("precious")
    refused = cli("db", "backup", str(dest))
    assert refused.exit_code == 4 and "already exists" in refused.stderr
    assert dest.read_text() == "precious"
    assert cli("db", "backup", str(db_path)).exit_code == 4
    assert cli("db", "backup", str(tmp_path / "no" / "such" / "x.db")).exit_code == 2


def no_hard_links(monkeypatch, made_meanwhile: Path | None = None):
    """os.link as on FAT or exFAT (a USB stick): EPERM. ``made_meanwhile``
    appears just as the backup is put in place (another program's file)."""
    def link(src, dst, *args, **kwargs):
        if made_meanwhile is not None:
            made_meanwhile.write_text("theirs")
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", link)


def test_a_backup_onto_a_file_system_without_hard_links(cli, tmp_path, monkeypatch):
    cli.ok("add", "Ada")
    dest = tmp_path / "stick" / "copy.db"
    dest.parent.mkdir()
    no_hard_links(monkeypatch)
    result = cli.ok("db", "backup", str(dest))
    assert result.stdout == f"{dest}\n"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    listed = cli.ok("--db", str(dest), "list", "-f", "json").stdout
    assert [c["name"] for c in json.loads(listed)] == ["Ada"]
    assert os.listdir(dest.parent) == ["copy.db"]  # no partial file left


def test_without_hard_links_a_file_made_meanwhile_is_not_overwritten(cli, tmp_path, monkeypatch):
    cli.ok("add", "Ada")
    dest = tmp_path / "copy.db"
    no_hard_links(monkeypatch, made_meanwhile=dest)
    refused = cli("db", "backup", str(dest))
    assert refused.exit_code == 4 and "already exists" in refused.stderr
    assert dest.read_text() == "theirs"
    assert [f for f in os.listdir(tmp_path) if f.startswith(".copy")] == []


def test_backup_into_a_folder_gets_a_dated_name(cli, tmp_path):
    cli.ok("add", "Ada")
    folder = tmp_path / "backups"
    folder.mkdir()
    out = cli.ok("db", "backup", str(folder)).stdout.strip()
    assert out == str(folder / "tinycrm-20261123-093000.db")


def test_backups_taken_while_another_process_writes_are_consistent(db_path, tmp_path):
    with Store(db_path, user="alice") as store:
        store.contacts.add("First", emails=["first@ex.org"])
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), str(stop)],
        env=dict(os.environ, PYTHONPATH=str(REPO)), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    seen = []
    try:
        with Store(db_path, user="alice") as store:
            deadline = time.time() + 20
            while store.contacts.count() < 20 and time.time() < deadline:
                time.sleep(0.05)
            from tinycrm.store.maintenance import backup

            for i in range(5):
                copy = backup(store, tmp_path / f"during-{i}.db")
                seen.append(consistent(copy.path)[0])
                time.sleep(0.15)
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    written = int(out)
    assert seen == sorted(seen) and seen[-1] > seen[0], seen  # the writer kept writing
    with Store(db_path, user="alice") as store:
        assert store.contacts.count() == written + 1
    assert consistent(db_path)[0] == written + 1


def test_db_check_passes_on_a_good_file(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    assert cli.ok("db", "check").stdout == GOOD
    assert cli.ok("db", "check", "--quick").stdout.startswith("integrity:    ok\n")


def test_db_check_finds_a_search_index_out_of_step(cli, db_path):
    cli.ok("add", "Ada")
    cli.ok("add", "Bob")
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER contact_search_ad")
    conn.execute("DELETE FROM contact_search WHERE contact_id = 2")
    conn.commit()
    conn.close()
    result = cli("db", "check")
    assert result.exit_code == 1
    assert "search index: PROBLEM" in result.stdout


def test_db_check_finds_a_damaged_file(cli, db_path, tmp_path):
    with Store(db_path, user="alice", apply_rules=False) as store:
        fill(store, 300)
    cli.ok("db", "backup", str(tmp_path / "good.db"))
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contacts_name'").fetchone()[0]
    conn.close()
    with open(db_path, "r+b") as handle:  # scribble over the name index's root page
        handle.seek((root - 1) * page_size + 8)
        handle.write(b"\xff" * 64)
    result = cli("db", "check")
    assert result.exit_code == 1
    assert "integrity:    PROBLEM" in result.stdout
    # One line a check, whatever SQLite's answer holds ("*** in database main ***", ...).
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        "integrity", "foreign keys", "search rows", "search index", "search words", "sort keys",
        "schema", "permissions"]
    assert "***" not in result.stdout
    # The file opens, so the line names the remedy, as it does for one that doesn't;
    # and the remedy works.
    assert result.stdout.splitlines()[0].endswith(
        "; put a backup in its place: tinycrm db restore BACKUP")
    cli.ok("db", "restore", str(tmp_path / "good.db"), "--yes")
    assert cli.ok("db", "check").stdout.startswith("integrity:    ok\n")



def test_sqlites_integrity_answer_is_put_on_one_line():
    """What integrity_check gives: rows that may hold several lines under a heading."""
    from tinycrm.store.maintenance import _problems

    answer = ["*** in database main ***\nOn tree page 4 cell 1: Offset 9 out of range\n"
              "On tree page 4 cell 2: Offset 9 out of range", "row 5 missing from index a",
              "row 6 missing from index b"]
    assert _problems(answer) == ("On tree page 4 cell 1: Offset 9 out of range; On tree page 4"
                                 " cell 2: Offset 9 out of range; row 5 missing from index a"
                                 " (and 1 more)")
    assert _problems(["ok"]) == "ok"


def test_db_vacuum(cli, db_path):
    cli.ok("add", "Ada")
    result = cli("db", "vacuum")
    assert result.exit_code == 0 and result.stderr == "vacuumed; the -wal is empty\n"


def test_a_backup_made_while_another_program_writes_is_recorded_not_busy(db_path, tmp_path):
    """The copy needs no write lock; its audit entry waits for the lock
    rather than give up (exit 5 'nothing was changed') with the file made."""
    import threading

    from tinycrm.store.maintenance import backup

    with Store(db_path, user="alice", busy_timeout=0.2) as store:
        store.contacts.add("Ada")
        other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        threading.Thread(target=lambda: (time.sleep(1.0), other.execute("COMMIT"))).start()
        made = backup(store, tmp_path / "copy.db")
        other.close()
        assert made.path.exists() and made.contacts == 1
        assert [a.action for a in store.audit.list(limit=1)] == ["backup"]


def test_an_empty_backup_path_is_a_usage_error_not_the_current_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("db", "backup", "")
    assert result.exit_code == 2 and "Invalid value for PATH: an empty path" in result.stderr
    assert list(tmp_path.glob("tinycrm-*.db")) == []


def test_backups_into_a_folder_in_the_same_second_get_names_of_their_own(cli, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    cli.ok("--no-rules", "add", "Ada")
    first = cli.ok("db", "backup", str(folder)).stdout.strip()
    second = cli.ok("db", "backup", str(folder)).stdout.strip()  # the frozen clock: one second
    assert first != second and second.endswith("-2.db")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]])


def test_restore_after_a_crash_replaces_everything_and_no_old_wal_is_replayed(cli, db_path,
                                                                               tmp_path):
    cli.ok("--no-rules", "add", "Ada", "-e", "ada@ex.org")
    backup = tmp_path / "bk.db"
    cli.ok("db", "backup", str(backup))
    # A writer dies with its changes only in the -wal.
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from tinycrm.store import Store\n"
        f"s = Store({str(db_path)!r}, user='x', apply_rules=False)\n"
        "s.conn.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "[s.contacts.add(f'P{i}', note='x' * 300) for i in range(300)]\n"
        "print('written', flush=True); time.sleep(60)\n")],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "written\n"
    writer.kill()
    writer.wait()
    assert os.path.getsize(str(db_path) + "-wal") > os.path.getsize(backup)
    refused = cli("db", "restore", str(backup), input="n\n")
    assert refused.exit_code == 1 and "nothing restored" in refused.stderr
    assert len(json.loads(cli.ok("list", "-f", "json").stdout)) == 301
    done = cli.ok("db", "restore", str(backup), "--yes")
    assert done.stderr == f"restored 1 contacts from {backup}\n"
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Ada"]
    assert cli.ok("db", "check").stdout.count("ok") == 8
    assert json.loads(cli.ok("audit", "-n", "1", "-f", "json").stdout)[0]["action"] == "restore"


def test_restore_refuses_what_is_no_tinycrm_backup(cli, tmp_path):
    cli.ok("--no-rules", "add", "Ada")
    other = tmp_path / "places.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE moz_places (id, url)")
    conn.commit()
    conn.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n" * 100)
    for source, message in ((other, "is not a tinycrm database"),
                            (text, "is not a tinycrm database"),
                            (tmp_path / "missing.db", "no backup file")):
        result = cli("db", "restore", str(source), "--yes")
        assert result.exit_code == (3 if source.name == "missing.db" else 1), result.stderr
        assert message in result.stderr, result.stderr
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Ada"]


def test_db_commands_refuse_a_database_that_isnt_there(cli, tmp_path):
    missing = tmp_path / "typo.db"
    for args in (("db", "check"), ("db", "backup", str(tmp_path / "b.db")), ("db", "vacuum"),
                 ("db", "reindex")):
        result = cli("--db", str(missing), *args)
        assert result.exit_code == 3 and f"no database at {missing}" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("typo", "b."))) == []


def test_db_check_reports_on_a_file_too_damaged_to_open(cli, db_path):
    cli.ok("--no-rules", "add", "Ada")
    cli.ok("db", "vacuum")
    with open(db_path, "r+b") as raw:   # the schema's page
        raw.seek(100)
        raw.write(b"\xde\xad" * 1000)
    result = cli("db", "check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("integrity:    PROBLEM") and lines[1].startswith("opening:")
    assert "damaged" in lines[1] and "db check" not in lines[1] and len(lines) == 2
    assert lines[1].endswith("; put a backup in its place: tinycrm db restore BACKUP")
    # Any other command says the file is damaged (not someone else's) and where to look.
    other = cli("list")
    assert other.exit_code == 1
    assert "is damaged (SQLite said: database disk image is malformed): see `tinycrm db check`" \
        in other.stderr and "not a tinycrm database" not in other.stderr



def test_a_database_too_damaged_to_open_is_restored_from_a_backup(cli, db_path, tmp_path):
    """The remedy `see tinycrm db check` leads to: the damaged file is kept
    aside, with its -wal, and the backup goes in at its path."""
    cli.ok("--no-rules", "add", "Ada")
    backup = tmp_path / "good.db"
    cli.ok("db", "backup", str(backup))
    cli.ok("--no-rules", "add", "Since the backup")
    with open(db_path, "r+b") as raw:   # the schema's page
        raw.seek(100)
        raw.write(b"\xde\xad" * 1000)
    assert "is damaged" in cli("list").stderr
    result = cli("db", "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.stderr
    kept = sorted(p.name for p in db_path.parent.iterdir() if ".damaged-" in p.name)
    assert kept and kept[0].startswith(db_path.name + ".damaged-20261123-093000Z")
    assert f"kept as {db_path.parent / kept[0]}" in result.stderr
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Ada"]
    assert "integrity:    ok" in cli.ok("db", "check").stdout


@pytest.mark.parametrize("table", ["contacts", "followups"])
def test_a_database_damaged_where_its_contacts_are_is_restored_from_a_backup(cli, db_path,
                                                                            tmp_path, table):
    """One that opens but whose contacts (or follow-ups) don't read is set aside
    too: the restore stopped reading its last id, or what calendars hold of
    its follow-ups ("restoring from good.db failed: ...malformed")."""
    cli.ok("--no-rules", "add", "Ada")
    backup = tmp_path / "good.db"
    cli.ok("db", "backup", str(backup))
    cli.ok("--no-rules", "add", "Since the backup")
    cli.ok("--no-rules", "follow-up", "add", "Since the backup", "--due", "tomorrow")
    cli.ok("db", "vacuum")
    conn = sqlite3.connect(db_path)
    size, root = conn.execute("SELECT (SELECT page_size FROM pragma_page_size), rootpage"
                              " FROM sqlite_master WHERE name = ?", [table]).fetchone()
    conn.close()
    with open(db_path, "r+b") as raw:  # the table's root page
        raw.seek((root - 1) * size)
        raw.write(b"\xff" * size)
    assert "damaged" in cli("list" if table == "contacts" else "follow-up").stderr
    result = cli("db", "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.stderr
    kept = [p.name for p in db_path.parent.iterdir() if ".damaged-" in p.name]
    assert kept and f"kept as {db_path.parent / kept[0]}" in result.stderr
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Ada"]
    assert "integrity:    ok" in cli.ok("db", "check").stdout


def test_a_backup_to_stdout_or_a_missing_folder_is_a_usage_error(cli, tmp_path):
    cli.ok("--no-rules", "add", "Ada")
    assert cli("db", "backup", "-").exit_code == 2
    for path in (f"{tmp_path}/newdir/", f"{tmp_path}/newdir/b.db"):
        result = cli("db", "backup", path)
        assert (result.exit_code, result.stderr) == (2, f"tinycrm: error: no folder {tmp_path}/newdir\n")
    assert not (tmp_path / "newdir").exists()


def test_upkeep_goes_on_whatever_the_config_file_says(cli, tmp_path, monkeypatch):
    cli.ok("--no-rules", "add", "Ada")
    broken = tmp_path / "config.toml"
    broken.write_text("[crm\ndate_order = 'sideways'\n")
    monkeypatch.setenv("TINYCRM_CONFIG", str(broken))
    assert cli("list").exit_code == 1                     # a command that needs it says so
    for args in (("db", "check"), ("db", "vacuum"), ("db", "migrate"), ("db", "reindex"),
                 ("db", "backup", str(tmp_path / "b.db")),
                 ("db", "restore", str(tmp_path / "b.db"), "--yes")):
        cli.ok(*args)
    assert cli.ok("config", "path").stdout == f"{broken}\n"


def _backup_with(tmp_path, name, *, page_size=4096, extra_sql=()):
    """A backup of a one-contact database, in a page size of its own, with SQL run on it."""
    made = tmp_path / f"{name}.src.db"
    with Store(made, user="alice", apply_rules=False) as store:
        store.contacts.add("Bea Backup")
    conn = sqlite3.connect(made, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA page_size = {page_size}")
    conn.execute("VACUUM")
    for sql in extra_sql:
        conn.execute(sql)
    conn.close()
    return made


def test_restore_takes_another_page_size_and_refuses_newer_or_itself(cli, db_path, tmp_path):
    cli.ok("--no-rules", "add", "Ada")
    big = _backup_with(tmp_path, "big", page_size=8192)
    cli.ok("db", "restore", str(big), "--yes")
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Bea Backup"]
    newer = _backup_with(tmp_path, "newer", extra_sql=[
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('tinycrm', 'm999_future', '2030-01-01')"])
    result = cli("db", "restore", str(newer), "--yes")
    assert result.exit_code == 1 and "newer tinycrm" in result.stderr
    link = tmp_path / "link.db"
    os.link(db_path, link)
    result = cli("db", "restore", str(link), "--yes")
    assert result.exit_code == 2 and "can't be restored from itself" in result.stderr


def test_restore_brings_an_older_backup_up_to_date(cli, tmp_path):
    from .test_migrations import ADA, older_database

    old = tmp_path / "old.db"
    older_database(old, "m048_deliveries_per_owner", ADA.replace("'Ada'", "'Old Timer'"))
    cli.ok("--no-rules", "add", "Ada")
    done = cli.ok("db", "restore", str(old), "--yes")
    assert "brought up to date: m048_deliveries_per_owner" in done.stderr
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Old Timer"]
    assert "schema:       ok  up to date" in cli("db", "check").stdout


def test_restore_waits_as_a_change_does_then_is_busy(cli, db_path, tmp_path):
    cli.ok("--no-rules", "add", "Ada")
    source = _backup_with(tmp_path, "src")
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        result = cli("--wait", "1", "db", "restore", str(source), "--yes")
        waited = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 5, result.stderr
    assert waited < 8
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Ada"]


def test_restore_onto_a_new_machine_makes_the_database(cli, db_path, tmp_path):
    source = _backup_with(tmp_path, "src")
    assert not db_path.exists()
    assert cli("db", "restore", str(tmp_path / "typo.db"), "--yes").exit_code == 3
    assert not db_path.exists()
    cli.ok("db", "restore", str(source), "--yes")
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Bea Backup"]


def test_a_restore_from_no_backup_makes_no_database(cli, db_path, tmp_path):
    not_one = tmp_path / "notes.txt"
    not_one.write_text("not a database\n" * 100)
    result = cli("db", "restore", str(not_one), "--yes")
    assert result.exit_code == 1 and "is not a tinycrm database" in result.stderr
    assert not db_path.exists()


def test_restore_waits_for_a_running_import_and_names_it(db_path, tmp_path):
    from tinycrm.store.busy import ImportNote

    from .conftest import run_tinycrm

    Store(db_path, user="alice").close()
    source = _backup_with(tmp_path, "src")
    with Store(db_path, user="bob") as importer:
        importer.conn.execute("BEGIN IMMEDIATE")
        note = ImportNote(db_path, user="bob", source="big.csv", started_at="2026-11-23T09:00:00Z")
        note.write()
        proc = subprocess.Popen([sys.executable, "-m", "tinycrm", "--db", str(db_path),
                                 "db", "restore", str(source), "--yes"], cwd=REPO,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(12)       # past the 10 s any other writer is given
        assert proc.poll() is None, "it waits for the import"
        importer.conn.execute("COMMIT")
        note.remove()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "waiting for an import of big.csv by bob" in err
    listed = run_tinycrm("list", "-f", "json", db=db_path)
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Bea Backup"]


def test_a_backup_clears_the_copies_that_killed_backups_left_and_no_others(cli, tmp_path):
    """A backup killed outright (SIGKILL, a cron timeout) leaves its hidden,
    whole copy of the database behind; the next backup there removes it."""
    cli.ok("add", "Ada")
    folder = tmp_path / "backups"
    folder.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # (has exited)
    dead = folder / f".tinycrm-20261201-030000.db.{gone}.partial"
    journal = folder / f"{dead.name}-journal"  # (a copy bigger than the page cache has one)
    alive = folder / f".copy.db.{os.getppid()}.partial"  # (a running process's)
    other = folder / f".notes.txt.{gone}.partial"  # (not a backup's name)
    for path in (dead, journal, alive, other):
        path.write_bytes(b"SQLite format 3\x00")
    made = Path(cli.ok("db", "backup", str(folder)).stdout.strip())
    assert sorted(p.name for p in folder.iterdir()) == sorted([made.name, alive.name, other.name])


def stopped_by_kill(kill, run) -> object:
    """The exit code of ``run()`` while a thread runs ``kill`` (which sends
    SIGTERM to this, the main thread), SIGTERM handled as the CLI has it."""
    import signal
    import threading

    from tinycrm.store.stopping import unwind_on

    before = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    unwind_on(signal.SIGTERM)
    killer = threading.Thread(target=kill, daemon=True)
    try:
        killer.start()
        with pytest.raises(SystemExit) as stopped:
            run()
            killer.join()  # (a kill after run() returned still lands in here)
    finally:
        signal.signal(signal.SIGTERM, before)
        killer.join()
    return stopped.value.code


def test_a_kill_while_a_backup_is_restored_waits_for_the_restore_to_be_audited(store, tmp_path):
    """SQLite copies a backup in with one step, which Python's signal handler
    runs only after: a `kill` that came meanwhile stopped the restore once it
    was done, before its audit entry, and exit 143 said nothing had changed.
    It now ends the command once the restore is audited."""
    import inspect
    import signal
    import threading

    from tinycrm.store import maintenance

    store.contacts.add("Ada")
    source = tmp_path / "big.db"  # (a copy that takes a while)
    with Store(source, user="alice", apply_rules=False) as filled:
        fill(filled, 5000)
    lines, first = inspect.getsourcelines(maintenance.restore)
    copying = first + next(i for i, line in enumerate(lines)
                           if "backup_conn.backup(store.conn" in line)
    main, returned = threading.main_thread().ident, threading.Event()

    def kill_once_copying() -> None:
        # The main thread lets go of Python within restore only in SQLite's
        # calls: seen on that line or after it, it is copying or has copied.
        while not returned.is_set():
            frame = sys._current_frames().get(main)
            while frame is not None and frame.f_code is not maintenance.restore.__code__:
                frame = frame.f_back
            if frame is not None and frame.f_lineno >= copying:
                break
        signal.pthread_kill(main, signal.SIGTERM)

    def restore() -> None:
        maintenance.restore(store, source)
        returned.set()

    assert stopped_by_kill(kill_once_copying, restore) == 128 + signal.SIGTERM
    assert store.contacts.count() == 5000
    restored = store.audit.list()[0]
    assert (restored.action, (restored.after or {}).get("from")) == ("restore", str(source))


def test_a_kill_while_a_backup_waits_to_record_itself_leaves_it_audited(store, db_path, tmp_path):
    """A backup in place waits for the write lock to record itself (an import
    running, another writer): a `kill` then ended it with exit 143, "nothing
    done", while the file was there with no audit entry. It now ends the
    command once the entry is in."""
    import signal
    import threading

    from tinycrm.store.maintenance import backup

    store.contacts.add("Ada")
    dest = tmp_path / "copy.db"
    writer = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    main = threading.main_thread().ident

    def kill_once_in_place() -> None:
        while not dest.exists():
            time.sleep(0.01)
        signal.pthread_kill(main, signal.SIGTERM)
        writer.execute("ROLLBACK")

    try:
        code = stopped_by_kill(kill_once_in_place, lambda: backup(store, dest))
    finally:
        writer.close()
    assert code == 128 + signal.SIGTERM
    entry = store.audit.list()[0]
    assert (entry.action, (entry.after or {}).get("path")) == ("backup", str(dest))


def test_ids_given_since_the_backup_are_not_given_again_after_a_restore(cli, tmp_path):
    """An app showing contact 3 (added after the backup) while the backup
    went in would have logged its note on whoever got id 3 next."""
    cli.ok("--no-rules", "add", "Ada")
    cli.ok("--no-rules", "add", "Bob")
    backup = Path(cli.ok("db", "backup", str(tmp_path / "b.db")).stdout.strip())
    cli.ok("--no-rules", "add", "Zed")  # contact 3, then gone with the restore
    cli.ok("db", "restore", str(backup), "--yes")
    assert cli.ok("--no-rules", "add", "Olga").stdout.strip() == "4"
    assert cli("show", "3").exit_code == 3


def test_every_kind_of_damage_sqlite_names_is_damage():
    """SQLite names some damage by an extended code (SQLITE_CORRUPT_INDEX is
    779): compared whole with SQLITE_CORRUPT, it read as a backup that failed."""
    from tinycrm.store.errors import is_corrupt

    for code, damaged in ((11, True), (267, True), (523, True), (779, True), (1, False),
                          (8, False), (26, False)):
        exc = sqlite3.DatabaseError("x")
        exc.sqlite_errorcode = code
        assert is_corrupt(exc) is damaged, code
