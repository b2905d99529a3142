"""Writers that find the database locked by a long import: the import's note
beside the database, waiting for it, and a clear Busy error (exit code 5)
instead of a bare "database is locked"."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest

from tinycrm import context
from tinycrm.store import Busy, Store, db
from tinycrm.store.busy import ImportNote, RunningImport, note_path, running_import
from tinycrm.store.import_types import ImportOptions
from tinycrm.store.import_undo import undo_batch
from tinycrm.store.importer import import_contacts

from .conftest import REPO, run_tinycrm


@pytest.fixture
def holder(db_path):
    """Another connection that holds the write lock as an import does, note and
    all, until ``release()``."""

    class Holder:
        def __init__(self) -> None:
            self.store = Store(db_path, user="bob")
            self.note = ImportNote(db_path, user="bob", source="big.csv",
                                   started_at="2026-11-23T09:00:00Z")
            self.hold()

        def hold(self) -> None:
            self.store.conn.execute("BEGIN IMMEDIATE")
            self.note.write()

        def release(self) -> None:
            if self.store.conn.in_transaction:
                self.store.conn.execute("COMMIT")
            self.note.remove()

    held = Holder()
    yield held
    held.release()
    held.store.close()


def test_an_import_leaves_an_owner_only_note_while_it_holds_the_lock(store, db_path):
    seen: list[RunningImport | None] = []
    mode: list[int] = []

    def during(reject) -> None:
        seen.append(running_import(db_path))
        mode.append(stat.S_IMODE(os.stat(note_path(db_path)).st_mode))

    import_contacts(store, io.BytesIO(b"name,email\nAda,ada@ex.org\nBad,not-an-address\n"),
                    name="people.csv", on_reject=during)
    assert seen == [RunningImport(os.getpid(), "alice", "people.csv", seen[0].started_at)]
    assert mode == [0o600]
    assert not note_path(db_path).exists(), "gone once the import has committed"
    assert running_import(db_path) is None


def test_a_failed_import_takes_its_note_away_too(store, db_path):
    seen: list[RunningImport | None] = []
    with pytest.raises(Exception, match="nothing imported"):
        import_contacts(store, io.BytesIO(b"name,email\nBad,not-an-address\nAda,ada@ex.org\n"),
                        name="people.csv", options=ImportOptions(strict=True),
                        on_reject=lambda reject: seen.append(running_import(db_path)))
    assert [s.source for s in seen] == ["people.csv"]
    assert not note_path(db_path).exists() and running_import(db_path) is None


def test_undoing_an_import_leaves_a_note_too(store, db_path, monkeypatch):
    summary = import_contacts(store, io.BytesIO(b"name,email\nAda,ada@ex.org\n"), name="people.csv")
    seen: list[RunningImport | None] = []
    record = store.audit.record

    def recording(action, *args, **kwargs):
        if action == "undo":  # the undo's last step, inside its write
            seen.append(running_import(db_path))
        return record(action, *args, **kwargs)

    monkeypatch.setattr(store.audit, "record", recording)
    undo_batch(store, summary.batch_id)
    assert [(s.action, s.source, s.user) for s in seen] == [
        ("undo", f"import batch {summary.batch_id}", "alice")]
    assert seen[0].describe() == (
        f"the undo of import batch {summary.batch_id} by alice (process {os.getpid()})")
    assert not note_path(db_path).exists() and running_import(db_path) is None


def test_a_note_left_by_a_killed_import_is_ignored(db_path):
    """The note's advisory lock goes with its process, however it ends."""
    db_path.parent.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from tinycrm.store.busy import ImportNote;"
         " ImportNote(sys.argv[1], user='bob', source='big.csv',"
         " started_at='2026-11-23T09:00:00Z').write(); print('ready', flush=True); time.sleep(60)",
         str(db_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"
        assert running_import(db_path) == RunningImport(child.pid, "bob", "big.csv",
                                                        "2026-11-23T09:00:00Z")
    finally:
        child.kill()
        child.wait()
    assert note_path(db_path).exists(), "a killed import can't take its note away"
    assert running_import(db_path) is None


def test_a_note_is_only_the_import_that_wrote_it(db_path):
    db_path.parent.mkdir()
    note = ImportNote(db_path, user="bob", source="a.csv", started_at="2026-11-23T09:00:00Z")
    note.write()
    assert running_import(db_path) == note.mine
    assert stat.S_IMODE(os.stat(note_path(db_path)).st_mode) == 0o600
    note.remove()
    assert running_import(db_path) is None and list(db_path.parent.iterdir()) == []


def test_without_time_to_wait_a_write_is_told_which_import_holds_the_lock(holder, db_path):
    with Store(db_path, user="alice", busy_timeout=0.1) as store:
        started = time.monotonic()
        with pytest.raises(Busy, match=r"an import of big\.csv by bob \(process \d+\) is still"
                                         r" writing to it; try again when it has finished") as failed:
            store.contacts.add("Ada Lovelace")
        assert time.monotonic() - started < 5
        assert failed.value.exit_code == 5
        holder.release()
        assert store.contacts.add("Ada Lovelace").name == "Ada Lovelace"


# (SQLite's busy timeout, the wait for imports, when the import lets go, who's told)
@pytest.mark.parametrize("busy, wait, lets_go, told_of", [
    (0.1, 20, 0.6, [("big.csv", "bob")]),  # waits for the import, says so once
    # a wait for imports shorter than the busy timeout (the app's): still that, told too
    (3, 0.1, 1.0, [("big.csv", "bob")]),
])
def test_a_write_waits_for_the_import_and_then_goes_ahead(holder, db_path, busy, wait, lets_go,
                                                         told_of):
    told: list[RunningImport] = []
    with Store(db_path, user="alice", busy_timeout=busy, wait_for_imports=wait,
               on_wait=lambda holder, patient: told.append(holder)) as store:
        release = threading.Timer(lets_go, holder.release)
        release.start()
        try:
            started = time.monotonic()
            ada = store.contacts.add("Ada Lovelace")
            waited = time.monotonic() - started
        finally:
            release.cancel()
        assert store.contacts.get(ada.id).name == "Ada Lovelace"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == busy * 1000, "restored"
    assert [(t.source, t.user) for t in told] == told_of
    assert waited < 10


def test_every_write_that_waits_for_an_import_is_told(holder, db_path):
    """The app's Store outlives many saves: each that waits says so, not the first only."""
    told: list[tuple[str, bool]] = []

    def waiting(holder_seen: RunningImport, patient: bool) -> None:
        told.append((holder_seen.source, patient))
        threading.Timer(0.1, holder.release).start()  # the import ends once the wait is told

    with Store(db_path, user="alice", busy_timeout=3, on_wait=waiting) as store:
        store.contacts.add("Ada Lovelace")
        holder.hold()
        store.contacts.add("Grace Hopper")
        assert store.contacts.count() == 2
    assert told == [("big.csv", False), ("big.csv", False)]


def test_the_waits_of_one_command_add_up(holder, db_path):
    told: list[RunningImport] = []
    with Store(db_path, user="alice", busy_timeout=0.1, wait_for_imports=0.6,
               on_wait=lambda holder, patient: told.append(holder)) as store:
        with pytest.raises(Busy, match="big.csv"):
            store.contacts.add("Ada Lovelace")
        started = time.monotonic()
        with pytest.raises(Busy, match="big.csv"):
            store.contacts.add("Grace Hopper")
        assert time.monotonic() - started < 0.5, "its time was used up by the first"
    assert len(told) == 1


def test_a_wait_ends_when_its_time_is_up(holder, db_path):
    with Store(db_path, user="alice", busy_timeout=0.1, wait_for_imports=0.8) as store:
        started = time.monotonic()
        with pytest.raises(Busy, match="big.csv"):
            store.contacts.add("Ada Lovelace")
        assert 0.7 < time.monotonic() - started < 3


def test_a_lock_held_by_something_else_is_busy_without_a_name(db_path):
    with Store(db_path, user="bob") as other, Store(db_path, user="alice", busy_timeout=0.1,
                                                    wait_for_imports=30) as store:
        other.conn.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(Busy, match="another program kept its write lock too long"):
            store.contacts.add("Ada Lovelace")
        assert time.monotonic() - started < 5, "no import to wait for"
        other.conn.execute("ROLLBACK")


def test_the_cli_names_the_import_and_exits_5_when_its_wait_is_up(holder, db_path):
    started = time.monotonic()
    done = run_tinycrm("add", "Ada Lovelace", db=db_path, env={**os.environ, "TINYCRM_WAIT": "1"})
    assert done.returncode == 5, done.stderr
    said = done.stderr.splitlines()
    assert said[0].startswith("tinycrm: waiting for an import of big.csv by bob"), said
    assert said[-1].startswith("tinycrm: error: the database is busy: an import of big.csv"
                               " by bob"), said
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 9, "waited --wait, not SQLite's 10 s"


@pytest.mark.parametrize("busy_ms", [200, None])
def test_the_cli_says_what_it_waits_for(holder, cli, monkeypatch, busy_ms):
    """The CLI says once what it is waiting for, then goes ahead when the
    import is done. It says so at once, not after SQLite's own busy timeout
    (10 s, None here): a second import, or cron's remind, tells straight away."""
    if busy_ms is not None:
        monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", busy_ms)
    release = threading.Timer(1.0, holder.release)
    release.start()
    started = time.monotonic()
    try:
        result = cli("--wait", "30", "add", "Ada Lovelace")
    finally:
        release.cancel()
    assert result.exit_code == 0, result.output
    assert result.stderr.count("waiting for an import of big.csv by bob") == 1
    assert "at most 30 s in all; --wait changes that" in result.stderr
    assert time.monotonic() - started < 5, "went ahead once the import was done"


async def test_the_app_shows_what_holds_the_lock(holder, db_path, clock):
    from tinycrm.app import TinyCRMApp

    with Store(db_path, user="alice", clock=clock, busy_timeout=0.2) as store:
        app = TinyCRMApp(store, poll_interval=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            app.run_db(app.screen, lambda s: s.contacts.add("Ada Lovelace"))
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert any(severity == "error" and "an import of big.csv by bob" in message
                       for severity, message in app.messages), app.messages
        assert store.contacts.list() == []


def test_the_cli_waits_for_imports_and_the_app_does_not(db_path):
    cli_env, app_env = context.Env(db_option=str(db_path), wait=600), context.Env(db_option=str(db_path))
    try:
        cli_store, app_store = cli_env.store(), app_env.store(wait_for_imports=False)
        assert (cli_store.busy_timeout, cli_store.wait_for_imports) == (10, 600)
        assert cli_store.on_wait is not None
        assert (app_store.busy_timeout, app_store.wait_for_imports, app_store.on_wait) == (10, 0, None)
    finally:
        cli_env.close()
        app_env.close()


def test_remind_stops_with_exit_5_instead_of_failing_one_channel(store, holder, cli, clock):
    holder.release()
    ada = store.contacts.add("Ada Lovelace")
    store.followups.add(ada.id, clock.now - timedelta(hours=1), note="Send the contract")
    holder.hold()
    result = cli("--wait", "0", "remind")
    assert result.exit_code == 5, result.output
    assert "an import of big.csv by bob" in result.stderr
    holder.release()
    assert "Send the contract" in cli.ok("remind").stdout


def test_vacuum_waits_for_the_lock_like_any_change(store, holder, cli):
    result = cli("--wait", "0", "db", "vacuum")
    assert result.exit_code == 5 and "an import of big.csv by bob" in result.stderr
    holder.release()
    assert cli.ok("db", "vacuum").exit_code == 0


def test_reindex_waits_for_the_lock_like_any_change(store, holder, cli):
    result = cli("--wait", "0", "db", "reindex")
    assert result.exit_code == 5 and "an import of big.csv by bob" in result.stderr
    holder.release()
    assert cli.ok("db", "reindex").stderr.startswith("reindexed 0 contacts in ")


def test_reminders_that_went_out_are_recorded_however_long_an_import_holds_the_lock(
        holder, db_path):
    from tinycrm.delivery.remind import RemindOptions, remind
    from tinycrm.store.reminders import Reminders

    holder.release()
    with Store(db_path, user="alice") as setup:
        ada = setup.contacts.add("Ada Lovelace")
        setup.followups.add(ada.id, setup.now() - timedelta(hours=1), note="Call back")

    class Stdout(io.StringIO):
        def write(self, text: str) -> int:
            # An import starts while the lines go out, and outlasts --wait.
            holder.hold()
            threading.Timer(1.0, holder.release).start()
            return super().write(text)

    out = Stdout()
    with Store(db_path, user="alice", busy_timeout=0.1, wait_for_imports=0.2) as store:
        result = remind(store, RemindOptions(channels=("stdout",)), out=out)
        assert "Call back" in out.getvalue() and result.delivered == 1 and not result.errors
        assert [(d.item, d.state) for d in Reminders(store).deliveries()] == [
            ("followup:2", "sent")]


def test_remind_with_nothing_due_does_not_wait_for_an_import(holder, db_path):
    from tinycrm.delivery.remind import RemindOptions, remind

    with Store(db_path, user="alice", busy_timeout=0.1, wait_for_imports=5) as store:
        started = time.monotonic()
        for channels in (("stdout",), ("command",)):
            result = remind(store, RemindOptions(channels=channels, command="cat"),
                            out=io.StringIO())
            assert result.delivered == 0 and not result.errors
        assert time.monotonic() - started < 1, "no lock needed to find nothing due"


def test_a_write_that_finds_another_writer_gives_up_after_one_busy_timeout(db_path):
    with Store(db_path, user="bob") as other:
        other.conn.execute("BEGIN IMMEDIATE")  # a vacuum, an erase: no import's note
        try:
            with Store(db_path, user="alice", busy_timeout=1.0, wait_for_imports=30) as store:
                started = time.monotonic()
                with pytest.raises(Busy, match="another"):
                    store.contacts.add("Ada Lovelace")
                waited = time.monotonic() - started
        finally:
            other.conn.execute("ROLLBACK")
    assert 0.9 < waited < 1.8, "one busy timeout (it was two)"


def test_a_patient_write_says_at_once_what_it_waits_for_and_why(holder, db_path):
    told: list[tuple[str, bool, float]] = []
    started = time.monotonic()
    with Store(db_path, user="alice", busy_timeout=0.5, wait_for_imports=1,
               on_wait=lambda h, patient: told.append((h.source, patient,
                                                      time.monotonic() - started))) as store:
        release = threading.Timer(2.5, holder.release)
        release.start()
        try:
            with store.patient():
                store.contacts.add("Ada Lovelace")  # longer than wait_for_imports: patient
        finally:
            release.cancel()
        assert store.contacts.count() == 1
    [(source, patient, at)] = told
    assert (source, patient) == ("big.csv", True) and at < 1.5


def test_the_cli_says_a_patient_wait_has_no_bound():
    from tinycrm.store.busy import RunningImport

    env = context.Env.__new__(context.Env)
    env.wait = 2
    holder = RunningImport(user="carol", source="fake.csv", pid=1, started_at="2026-11-23T09:00:00Z")
    out = io.StringIO()
    real = sys.stderr
    sys.stderr = out
    try:
        env._say_waiting(holder, True)
        env._say_waiting(holder, False)
    finally:
        sys.stderr = real
    patient, bounded = out.getvalue().splitlines()
    assert "at most" not in patient and "however long it takes" in patient
    assert "at most 2 s in all" in bounded


@pytest.mark.parametrize("signum", [2, 15])  # SIGINT (Ctrl-C), SIGTERM
def test_a_command_waiting_for_an_import_stops_when_told(holder, db_path, signum):
    import signal

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinycrm", "--db", str(db_path), "--wait", "120", "add", "Waiter"],
        stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, text=True,
        # (as from a terminal: Ctrl-C not ignored, whatever the test runner does)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = proc.stderr.readline()
        assert "waiting for an import of big.csv by bob" in line
        time.sleep(0.5)
        told = time.monotonic()
        proc.send_signal(signum)
        proc.wait(timeout=20)
        stopped = time.monotonic() - told
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 128 + signum
    assert stopped < 5, "not after SQLite's minute-long wait"


def test_a_quick_check_reads_beside_an_import_and_a_usage_error_for_an_empty_user(
        holder, db_path, cli):
    result = cli("--wait", "1", "db", "check", "--quick")
    assert result.exit_code == 0, result.stderr
    assert "search rows:  ok  every contact has one" in result.stdout
    empty = cli("--user", " ", "list")
    assert empty.exit_code == 2 and "Invalid value for --user / TINYCRM_USER: an empty name" in empty.stderr


def test_a_command_waiting_for_another_writer_stops_when_told(db_path):
    import signal

    with Store(db_path, user="bob") as other:
        other.conn.execute("BEGIN IMMEDIATE")  # no import's note: a vacuum, say
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tinycrm", "--db", str(db_path), "add", "Waiter"],
                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                env={**os.environ, "PYTHONPATH": str(REPO)})
            time.sleep(2.5)  # started, and waiting for the lock
            told = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
            stopped = time.monotonic() - told
        finally:
            other.conn.execute("ROLLBACK")
    assert proc.returncode == 143
    assert stopped < 2.5, "not at the end of SQLite's 10 s busy timeout"
