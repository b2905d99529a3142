"""Paths the user names that are not plain new files: `--output` through a
symlink, into a FIFO or a device, or where nothing can be written; `--db`
under a regular file; and the values refused as usage errors (exit 2) before
anything is written (an unknown secret, a demo too big to build)."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinycrm.store import Store, ValidationError

from .conftest import CLI, run_tinycrm


def one_error_line(result, *starts: str) -> str:
    """The whole of stderr: one line beginning `tinycrm: error: ` and one of ``starts``."""
    err = result.stderr
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("tinycrm: error: "), err
    message = err.removeprefix("tinycrm: error: ").rstrip("\n")
    assert message.startswith(starts), message
    return message


def privacy_exports(db: Path) -> int:
    with Store(db, user="alice") as store:
        return sum(a.action == "privacy-export" for a in store.audit.list(1))


@pytest.fixture
def ada(cli):
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org")
    return cli


@pytest.fixture
def folder(tmp_path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


def read_fifo(fd: int) -> bytes:
    """What the writer left in the pipe (it has closed its end by now)."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


# -- export --output ------------------------------------------------------------------


def test_export_through_a_symlink_replaces_the_file_it_points_to(ada, folder):
    real = folder / "real.csv"
    real.write_text("old\n")
    (folder / "link.csv").symlink_to("real.csv")
    result = ada("export", "--output", str(folder / "link.csv"))
    assert result.exit_code == 0, result.stderr
    assert os.readlink(folder / "link.csv") == "real.csv"  # the link is still a link
    assert real.read_text().splitlines()[1].split(",")[2] == "Ada Lovelace"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == ["link.csv", "real.csv"]


def test_export_through_a_dangling_symlink_creates_its_target(ada, folder):
    (folder / "link.json").symlink_to("new.json")
    ada.ok("export", "-f", "json", "--output", str(folder / "link.json"))
    assert (folder / "link.json").is_symlink()
    assert json.loads((folder / "new.json").read_text())[0]["name"] == "Ada Lovelace"


def test_export_into_a_fifo_writes_into_it(ada, folder):
    fifo = folder / "pipe.csv"
    os.mkfifo(fifo)
    # A reader that is already there: the writer's open doesn't wait for one.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = ada("export", "--output", str(fifo))
        got = read_fifo(reader)
    finally:
        os.close(reader)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert b"Ada Lovelace" in got
    assert [p.name for p in folder.iterdir()] == ["pipe.csv"]


def test_export_into_a_fifo_behind_a_symlink_in_a_real_process(db_path, folder):
    run_tinycrm("add", "Ada Lovelace", db=db_path).check_returncode()
    fifo = folder / "pipe.ndjson"
    os.mkfifo(fifo)
    (folder / "link").symlink_to(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = run_tinycrm("export", "-f", "ndjson", "-o", str(folder / "link"), db=db_path)
        got = read_fifo(reader)
    finally:
        os.close(reader)
    assert result.returncode == 0, result.stderr
    assert json.loads(got)["name"] == "Ada Lovelace"
    assert (folder / "link").is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_export_to_the_processs_own_stdout(db_path):
    """/proc/self/fd/1 is a pipe here, like /dev/stdout: written to, not renamed over."""
    if not Path("/proc/self/fd/1").exists():
        pytest.skip("no /proc")
    run_tinycrm("add", "Ada Lovelace", db=db_path).check_returncode()
    result = run_tinycrm("export", "-f", "ndjson", "--output", "/proc/self/fd/1", db=db_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "Ada Lovelace"
    assert result.stderr == "exported 1 contact to /proc/self/fd/1\n"


def test_export_into_a_character_device_writes_into_it(ada, folder):
    node = folder / "null"
    try:  # /dev/null's numbers, made in a temporary folder: /dev itself is never touched
        os.mknod(node, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("can't make a device node here")
    ada.ok("export", "--output", str(node))
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert [p.name for p in folder.iterdir()] == ["null"]


@pytest.mark.parametrize(("where", "reason"), [
    ("file/x.csv", "Not a directory"),
    ("file/deeper/x.csv", "Not a directory"),
    ("loop", "Too many levels of symbolic links"),
    ("socket", "not a file, a pipe or a character device"),
    ("/proc/x.csv", "No such file or directory"),
])
def test_export_to_a_path_that_cant_be_written(ada, folder, where, reason):
    (folder / "file").write_text("keep\n")
    (folder / "loop").symlink_to("loop")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "socket"))
    if where.startswith("/proc") and not Path("/proc/self").exists():
        pytest.skip("no /proc")
    target = where if where.startswith("/") else str(folder / where)
    before = sorted(p.name for p in folder.iterdir())
    try:
        result = ada("export", "--output", target)
    finally:
        sock.close()
    assert result.exit_code == 2
    assert one_error_line(result, f"can't write {target}: ") == f"can't write {target}: {reason}"
    assert sorted(p.name for p in folder.iterdir()) == before
    assert (folder / "file").read_text() == "keep\n"
    assert os.readlink(folder / "loop") == "loop"
    assert stat.S_ISSOCK(os.lstat(folder / "socket").st_mode)


@pytest.mark.parametrize(("where", "reason"), [
    ("file/", "not a folder"),
    ("backups/", "no such folder"),
])
@pytest.mark.parametrize("command", [("export",), ("privacy", "export", "1")])
def test_export_to_a_path_ending_in_a_slash_is_a_folder_or_nothing(ada, folder, where, reason,
                                                                    command):
    """The slash says a folder: ``notes.txt/`` replaced notes.txt, and
    ``backups/`` made a file of that name."""
    (folder / "file").write_text("keep\n")
    target = str(folder) + "/" + where
    result = ada(*command, "--output", target)
    assert result.exit_code == 2
    assert one_error_line(result, "can't write") == f"can't write {target}: {reason}"
    assert sorted(p.name for p in folder.iterdir()) == ["file"]
    assert (folder / "file").read_text() == "keep\n"


@pytest.mark.parametrize("command", [
    ("export", "--output", "{db}"),
    ("export", "-f", "ics", "--output", "{db}"),
    ("privacy", "export", "1", "--output", "{db}"),
    ("import", "--rejects", "{db}", "{bad}"),
])
def test_an_output_that_is_the_database_itself_is_refused(ada, db_path, folder, command):
    """``-o crm.db`` for ``crm.csv`` put an export in the place of every contact."""
    bad = folder / "bad.csv"
    bad.write_text("name,email\nBo,not-an-address\n")
    before = db_path.read_bytes()
    result = ada(*(part.format(db=db_path, bad=bad) for part in command))
    assert result.exit_code == 2
    assert one_error_line(result, str(db_path)).endswith(
        "is a file of the database itself; write to another file")
    assert db_path.read_bytes() == before
    assert json.loads(ada.ok("list", "-f", "json").stdout)[0]["name"] == "Ada Lovelace"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("args", [
    ("export",),
    ("list", "-f", "csv"),
    ("import", "--dry-run", "{csv}"),
    ("import", "--rejects", "-", "{csv}"),
])
def test_a_full_disk_under_stdout_is_one_line_not_a_traceback(db_path, folder, args):
    """Output that can't be written (ENOSPC), early or in the buffer at exit."""
    people = folder / "people.csv"
    people.write_text("name,email\nAda,ada@ex.org\nBo,not-an-address\n")
    run_tinycrm("add", "Grace Hopper", db=db_path)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "tinycrm", "--db", str(db_path),
             *(a.format(csv=people) for a in args)],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert result.stderr.endswith(
        "tinycrm: error: can't write the output: No space left on device\n"), result.stderr
    names = json.loads(run_tinycrm("list", "-f", "json", db=db_path).stdout)
    assert [c["name"] for c in names] == ["Grace Hopper"], "nothing imported"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_rejects_to_a_full_device_names_it(db_path, folder):
    people = folder / "people.csv"
    people.write_text("name,email\nAda,ada@ex.org\nBo,not-an-address\n")
    result = run_tinycrm("import", "--rejects", "/dev/full", str(people), db=db_path)
    assert result.returncode == 2
    assert one_error_line(result, "can't write") == "can't write /dev/full: No space left on device"


def test_export_to_a_path_under_a_file_in_a_real_process(db_path, folder):
    (folder / "file").write_text("keep\n")
    target = str(folder / "file" / "x.csv")
    result = run_tinycrm("export", "--output", target, db=db_path)
    assert result.returncode == 2
    assert one_error_line(result, "can't write") == f"can't write {target}: Not a directory"


# -- privacy export --output -------------------------------------------------------------


def test_a_failed_privacy_export_leaves_the_audit_log_alone(ada, db_path, folder):
    (folder / "file").write_text("keep\n")
    for _ in range(2):
        failed = ada("privacy", "export", "1", "--output", str(folder / "file" / "x.json"))
        assert failed.exit_code == 2
        one_error_line(failed, f"can't write {folder / 'file' / 'x.json'}: Not a directory")
    assert privacy_exports(db_path) == 0
    (folder / "link.json").symlink_to("ada.json")
    ada.ok("privacy", "export", "1", "--output", str(folder / "link.json"))
    assert privacy_exports(db_path) == 1
    assert json.loads((folder / "ada.json").read_text())["contact"]["name"] == "Ada Lovelace"
    assert stat.S_IMODE((folder / "ada.json").stat().st_mode) == 0o600
    assert (folder / "link.json").is_symlink()


def test_privacy_export_that_fails_while_writing_rolls_its_entry_back(store, folder, monkeypatch):
    from tinycrm.store import privacy

    contact = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])

    def disk_full(data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    before = store.audit.list(contact.id)
    monkeypatch.setattr(privacy, "dumps", disk_full)
    with pytest.raises(ValidationError, match="No space left on device"):
        privacy.export_to(store, contact.id, folder / "ada.json")
    assert store.audit.list(contact.id) == before
    assert list(folder.iterdir()) == []


def test_privacy_export_to_a_bad_path_in_a_real_process(db_path, folder):
    run_tinycrm("add", "Ada Lovelace", db=db_path).check_returncode()
    result = run_tinycrm("privacy", "export", "1", "-o", "/proc/x.json", db=db_path)
    assert result.returncode == 2
    one_error_line(result, "can't write /proc/x.json: ")
    assert privacy_exports(db_path) == 0


# -- --db ---------------------------------------------------------------------------------


@pytest.mark.parametrize("under", ["x.db", "sub/x.db"])
def test_db_under_a_regular_file(tmp_path, under):
    (tmp_path / "file").write_text("keep\n")
    db = tmp_path / "file" / under
    result = CLI(db)("list")
    assert result.exit_code == 1
    one_error_line(result, f"can't open {db}: Not a directory")
    assert (tmp_path / "file").read_text() == "keep\n"


def test_db_under_a_regular_file_in_a_real_process(tmp_path):
    (tmp_path / "file").write_text("keep\n")
    result = run_tinycrm("add", "Ada", db=tmp_path / "file" / "x.db")
    assert result.returncode == 1
    one_error_line(result, f"can't open {tmp_path / 'file' / 'x.db'}: Not a directory")


def test_db_in_the_home_of_a_user_that_doesnt_exist():
    result = CLI(Path("~no-such-user-tinycrm/x.db"))("db", "path")
    assert result.exit_code == 1
    one_error_line(result, "can't use database ~no-such-user-tinycrm/x.db: its ~ names no home folder")


def test_backup_to_the_home_of_a_user_that_doesnt_exist(ada):
    result = ada("db", "backup", "~no-such-user-tinycrm/b.db")
    assert result.exit_code == 2  # as for a folder that doesn't exist
    one_error_line(result, "can't use backup ~no-such-user-tinycrm/b.db: its ~ names no home folder")


# -- secret -------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("delete", "nope"), ("set", "nope")])
def test_unknown_secret_is_a_usage_error(cli, args):
    result = cli("secret", *args, input="pw\n")
    assert result.exit_code == 2
    one_error_line(result, "unknown secret 'nope': tinycrm keeps only smtp")


def test_empty_password_is_a_usage_error(cli):
    result = cli("secret", "set", "smtp", input="")
    assert result.exit_code == 2
    one_error_line(result, "an empty password was not stored")


# -- demo --------------------------------------------------------------------------------


@pytest.mark.parametrize("many", ["99999999999999999999", "1000001"])
def test_demo_too_big_is_refused_before_anything_is_written(db_path, many):
    run_tinycrm("add", "Ada Lovelace", db=db_path).check_returncode()
    # A timeout rather than hours of filling if the bound is ever lost.
    result = run_tinycrm("demo", "--contacts", many, db=db_path, timeout=60)
    assert result.returncode == 2
    one_error_line(result, "a demo has 1 to 1,000,000 contacts, not ")
    with Store(db_path, user="alice") as store:
        assert store.conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    wal = Path(f"{db_path}-wal")
    assert not wal.exists() or wal.stat().st_size < 1_000_000


def test_a_million_contacts_stays_allowed(store):
    """The benches (bench/common.py) build 1M-contact demos."""
    from tinycrm.store.demo import MAX_CONTACTS, check_size

    assert MAX_CONTACTS == 1_000_000 and check_size(1_000_000) == 1_000_000
    with pytest.raises(ValidationError):
        check_size(0)


def test_an_export_ended_by_kill_leaves_no_temporary_file_and_the_old_one(db_path, folder):
    people = folder / "people.csv"
    people.write_text("Name,Email\n" + "".join(f"Person {i},p{i}@ex.org\n" for i in range(30_000)))
    assert run_tinycrm("--no-rules", "import", str(people), db=db_path).returncode == 0
    out = folder / "cards.vcf"
    out.write_text("the last export\n")
    proc = subprocess.Popen([sys.executable, "-m", "tinycrm", "--db", str(db_path), "export",
                             "--format", "vcard", "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not list(folder.glob(".cards.vcf.*.part")):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, "the export finished before it was ended"
    assert proc.stderr.read() == b""
    assert sorted(p.name for p in folder.iterdir()) == ["cards.vcf", "people.csv"]
    assert out.read_text() == "the last export\n"


def test_an_empty_db_option_is_a_usage_error_not_the_default_database(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    result = subprocess.run([sys.executable, "-m", "tinycrm", "--db", "", "add", "X"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Invalid value for --db / TINYCRM_DB: an empty path" in result.stderr
    assert not home.exists()  # nothing was made where the default database would be


def test_a_negative_figure_in_csv_stays_a_number_and_text_is_still_guarded(cli):
    cli.ok("--no-rules", "add", "=HYPERLINK(\"http://x\")")
    cli.ok("log", "1", "unhappy", "--kind", "survey", "--score", "0")
    rows = cli.ok("report", "-f", "csv").stdout.splitlines()
    assert "satisfaction,,nps,-100.0" in rows
    assert "\"'=HYPERLINK(\"\"http://x\"\")\"" in cli.ok("list", "-f", "csv").stdout


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TERM": "dumb"}, {}])
def test_the_bold_header_only_where_colour_is_welcome(monkeypatch, env):
    import io

    from tinycrm.output import write_rows

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = Terminal()
    write_rows([{"name": "Ada"}], "table", out=out)
    assert ("\x1b[1m" in out.getvalue()) == (not env)
