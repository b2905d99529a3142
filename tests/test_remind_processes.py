"""`tinycrm remind` as cron runs it: real processes, several at once, a bare
`env -i` environment, and a start-up path that stays light."""

from __future__ import annotations

import json
import os
import pwd
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tinycrm.store import Store
from tinycrm.store.reminders import Reminders

from .conftest import FROZEN, REPO
from .followup_helpers import days, utc


def fill(db: Path, n: int, owner: str = "alice") -> None:
    with Store(db, user=owner, apply_rules=False, clock=lambda: FROZEN) as store:
        for i in range(n):
            c = store.contacts.add(f"Person {i:03}", emails=[f"p{i}@ex.org"])
            store.followups.add(c.id, utc(2020, 1, 1) + days(i), note=f"task {i}")


def remind_process(db: Path, *args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tinycrm", "--db", str(db), "remind", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env if env is not None else dict(os.environ), cwd=REPO,
    )


def test_concurrent_runs_deliver_each_item_once(db_path, tmp_path):
    fill(db_path, 30)
    outdir = tmp_path / "out"
    outdir.mkdir()
    # Four command runs (the command is slow, so the runs overlap) and three
    # stdout runs, all started at once.
    slow = f"cat > '{outdir}'/$$.json; sleep 0.5"
    procs = [remind_process(db_path, "--exec", slow) for _ in range(4)]
    procs += [remind_process(db_path) for _ in range(3)]
    results = [(p.wait(timeout=60), *p.communicate()) for p in procs]
    for code, _, err in results:
        assert code == 0, err
        assert err == ""
    by_command = [item["item"] for f in outdir.iterdir() for item in json.loads(f.read_text())]
    assert sorted(by_command) == sorted(f"followup:{i}" for i in range(1, 31))
    printed = [line for _, out, _ in results for line in out.splitlines()]
    assert len(printed) == 30 and len(set(printed)) == 30
    with Store(db_path, user="alice") as store:
        log = Reminders(store).deliveries()
        assert len(log) == 60 and {d.state for d in log} == {"sent"}


def test_a_cron_environment(tmp_path):
    home = tmp_path / "home"
    # With `env -i` nothing is set but HOME and PATH: the database and config
    # are found in their default places under HOME, the user is the login name.
    db = home / ".local" / "share" / "tinycrm" / "tinycrm.db"
    login = pwd.getpwuid(os.getuid()).pw_name
    fill(db, 3, owner=login)
    config = home / ".config" / "tinycrm" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[smtp]\nhost = "127.0.0.1"\nport = 9\nusername = "me"\nfrom = "me@ex.org"\nto = "me@ex.org"\n')
    exe = Path(sys.executable).with_name("tinycrm")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "tinycrm"]
    cron = {"HOME": str(home), "PATH": "/usr/bin:/bin"}

    def run(*args, extra=None):
        return subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in {**cron, **(extra or {})}.items()),
                               *command, *args],
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                              cwd=tmp_path)

    assert run("config", "path").stdout.strip() == str(config)
    first = run("remind")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert [line.split("  ")[-1] for line in first.stdout.splitlines()] == [
        "[follow-up 1]", "[follow-up 2]", "[follow-up 3]"]
    again = run("remind")
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    # No keyring backend (as on a server): email fails in one line, stdout is unaffected.
    no_keyring = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    email = run("remind", "--via", "email", extra=no_keyring)
    assert email.returncode == 1
    assert email.stdout == ""
    assert email.stderr.startswith("tinycrm: error: email: can't read the smtp password from the keyring")
    assert email.stderr.count("\n") == 1
    with Store(db, user=login) as store:
        assert [d.channel for d in Reminders(store).deliveries()] == ["stdout"] * 3


def modules_loaded(db: Path, *args: str) -> set[str]:
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['tinycrm', '--db', {str(db)!r}, *{list(args)!r}]\n"
        "try:\n    runpy.run_module('tinycrm', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('@@' + ' '.join(sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                            timeout=60)
    line = [ln for ln in result.stderr.splitlines() if ln.startswith("@@")][0]
    return {m.split(".")[0] for m in line[2:].split()}


def test_remind_to_stdout_loads_no_heavy_library(db_path):
    fill(db_path, 1)
    loaded = modules_loaded(db_path, "remind")
    assert "tinycrm" in loaded
    assert not loaded & {"textual", "keyring", "smtplib", "icalendar", "rapidfuzz", "ssl"}, loaded
    # An up-to-date database is opened without loading sqlite-utils (store/db.py).
    assert "sqlite_utils" not in loaded


def _wait_for(path: Path, seconds: float = 20) -> None:
    import time

    end = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < end, f"{path.name} never came"
        time.sleep(0.05)


def _states(db: Path) -> list[str]:
    with Store(db, user="alice") as store:
        return sorted(d.state for d in Reminders(store).deliveries())


def test_killed_while_recording_what_went_out_it_records_it_first(db_path, tmp_path):
    from tinycrm.store.busy import ImportNote

    fill(db_path, 3)
    sent, log = tmp_path / "sent", tmp_path / "log"
    # The command delivers, then takes a moment, during which an import takes the lock.
    proc = remind_process(db_path, "--exec", f"cat >> '{log}'; touch '{sent}'; sleep 1")
    _wait_for(sent)
    with Store(db_path, user="bob") as importer:
        importer.conn.execute("BEGIN IMMEDIATE")
        note = ImportNote(db_path, user="bob", source="big.csv", started_at="2026-11-23T09:00:00Z")
        note.write()
        import time

        time.sleep(2)  # remind is waiting to record now
        proc.terminate()
        time.sleep(0.5)
        assert proc.poll() is None, "it waits to record what went out"
        importer.conn.execute("COMMIT")
        note.remove()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert _states(db_path) == ["sent"] * 3
    # Much later: nothing goes out twice.
    again = remind_process(db_path, "--exec", f"cat >> '{log}'",
                           env={**os.environ, "TINYCRM_NOW": "2026-11-23T10:30:00Z"})
    assert again.wait(timeout=60) == 0
    assert len(json.loads("[" + log.read_text().replace("][", "],[") + "]")) == 1


def test_killed_while_its_command_runs_it_gives_the_items_back(db_path, tmp_path):
    fill(db_path, 3)
    started = tmp_path / "started"
    proc = remind_process(db_path, "--exec", f"cat > /dev/null; touch '{started}'; sleep 30")
    _wait_for(started)
    proc.terminate()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert _states(db_path) == [], "no claim left to hold them for 15 minutes"
    again = remind_process(db_path)
    out, _ = again.communicate(timeout=60)
    assert again.returncode == 0 and len(out.splitlines()) == 3


def test_stopped_while_the_smtp_server_has_yet_to_answer_it_stops_at_once(db_path, tmp_path):
    from .followup_helpers import SMTPServer, free_port

    fill(db_path, 2)
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                      'from = "crm@ex.org"\nto = "alice@ex.org"\ntimeout = 30\n')
    smtp = SMTPServer(port, data_delay=20).start()
    try:
        proc = remind_process(db_path, "--via", "email",
                              env={**os.environ, "TINYCRM_CONFIG": str(config)})
        assert smtp.data_started.wait(30)
        proc.terminate()
        _, err = proc.communicate(timeout=10)   # not the 20 s the server takes
    finally:
        smtp.stop()
    assert proc.returncode == 143, err
    assert "can't send" not in err
    assert _states(db_path) == [], "its claims are given back"


def _exited(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie its parent has yet to reap, or gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stopped_once_its_command_succeeded_it_records_the_items(db_path, tmp_path, signum, code):
    fill(db_path, 3)
    log, done = tmp_path / "log", tmp_path / "done"
    # The command delivers and exits 0, with tinycrm frozen (so it can't yet
    # see that it has): the stop comes after the delivery, before its record.
    proc = remind_process(db_path, "--exec", f"cat >> '{log}'; kill -STOP $PPID;"
                          f" echo $$ > '{done}.tmp'; mv '{done}.tmp' '{done}'")
    _wait_for(done)
    command = int(done.read_text())
    import time

    while not _exited(command):
        time.sleep(0.02)
    proc.send_signal(signum)
    proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert _states(db_path) == ["sent"] * 3
    again = remind_process(db_path, "--exec", f"cat >> '{log}'",
                           env={**os.environ, "TINYCRM_NOW": "2026-11-23T10:30:00Z"})
    assert again.wait(timeout=60) == 0
    batches = json.loads("[" + log.read_text().replace("][", "],[") + "]")
    assert [len(b) for b in batches] == [3], "delivered once"


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stopped_once_the_smtp_server_took_the_message_it_records_it(db_path, tmp_path,
                                                                      signum, code):
    from .followup_helpers import SMTPServer, free_port

    fill(db_path, 2)
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                      'from = "crm@ex.org"\nto = "alice@ex.org"\ntimeout = 30\n')
    env = {**os.environ, "TINYCRM_CONFIG": str(config)}
    # The server accepts the message, then is slow to answer QUIT.
    smtp = SMTPServer(port, quit_delay=20).start()
    try:
        proc = remind_process(db_path, "--via", "email", env=env)
        assert smtp.quit_started.wait(30)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=10)   # not the 20 s the server takes
        smtp.quit_delay = 0
        assert proc.returncode == code, err
        assert "Traceback" not in err
        assert _states(db_path) == ["sent"] * 2, "what the server took is recorded"
        again = remind_process(db_path, "--via", "email", env=env)
        _, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
    finally:
        smtp.stop()
    assert len(smtp.messages) == 1, "sent once"


def readme_crontab_lines() -> list[str]:
    """The commands of the README's crontab lines, tinycrm run as `python -m tinycrm`."""
    import re
    import shlex

    lines = re.findall(r"^\*/\d+ \* \* \* \*\s+(.+)$", (REPO / "README.md").read_text(), re.M)
    here = f"{shlex.quote(sys.executable)} -m tinycrm"
    return [line.replace("/home/me/.local/bin/tinycrm", here) for line in lines]


def test_the_readmes_crontab_lines_remind_despite_a_mistake_in_the_rules(db_path, tmp_path):
    """`rules run` stops at a [[rules]] mistake (exit 1, its message mailed by
    cron), but `remind` doesn't: the crontab must still run it, or one typo
    in a rule would stop every reminder."""
    from .followup_helpers import SMTPServer, free_port

    fill(db_path, 1)
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                      'from = "crm@ex.org"\nto = "alice@ex.org"\n\n'
                      '[[rules]]\nname = "typo"\nwhen = "tagd"\ntag = "vip"\ndue = "1d"\n')
    env = {**os.environ, "TINYCRM_DB": str(db_path), "TINYCRM_CONFIG": str(config),
           "TINYCRM_USER": "alice", "TINYCRM_NOW": FROZEN.isoformat()}
    lines = readme_crontab_lines()
    assert len(lines) == 2 and any("--via email" in line for line in lines)
    smtp = SMTPServer(port).start()
    try:
        for line in lines:
            done = subprocess.run(["/bin/sh", "-c", line], capture_output=True, text=True,
                                  env=env, cwd=REPO, timeout=60)
            assert "[[rules]] #1 (typo)" in done.stderr
            if "--via email" in line:
                assert len(smtp.messages) == 1
            else:
                assert done.stdout.endswith("task 0  [follow-up 1]\n"), done.stderr
    finally:
        smtp.stop()
