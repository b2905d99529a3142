"""`tinycrm import` as shell scripts and cron use it: stdin that is closed or
can't be read, a FIFO or `<(...)`, `--rejects -` and a reader that goes
away, binary data past the part a file is sniffed by, NDJSON as `cat` and
`jq` leave it, and JSON cut short. Real processes, where the shell matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

from .conftest import run_tinycrm
from .test_import_cli import _write_lock_held

GOOD = "Name,Email\nAda,ada@ex.org\n"
WITH_REJECTS = "Name,Email\nAda,ada@ex.org\nBad One,not-an-email\nBad Two,nope\nGrace,grace@ex.org\n"


def names(db) -> list[str]:
    listed = run_tinycrm("list", "--sort", "created", "-f", "json", db=db)
    assert listed.returncode == 0, listed.stderr
    return [c["name"] for c in json.loads(listed.stdout)]


def tinycrm(db, *args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tinycrm", "--db", str(db), *args],
                            env=dict(os.environ), **kwargs)


def test_a_closed_or_unreadable_stdin_is_a_message_not_a_traceback(db_path, tmp_path):
    for args in (("import",), ("import", "-")):  # cron or a service with fd 0 closed (`<&-`)
        closed = tinycrm(db_path, *args, stdin=None, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, preexec_fn=lambda: os.close(0))
        out, err = closed.communicate(timeout=30)
        assert closed.returncode == 2, err
        assert b"there is no stdin to read" in err and b"Traceback" not in err
        assert out == b""
    with open(tmp_path / "out.txt", "w") as write_only:  # `tinycrm import 0>file`
        done = subprocess.run([sys.executable, "-m", "tinycrm", "--db", str(db_path), "import"],
                              stdin=write_only, capture_output=True, timeout=30)
    assert done.returncode == 1, done.stderr
    assert b"can't read stdin" in done.stderr and b"Traceback" not in done.stderr
    assert not db_path.exists()


def test_rejects_dash_writes_them_to_stdout(tmp_path, cli):
    db = tmp_path / "crm.db"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tinycrm", "--db", str(db), *args],
                              input=WITH_REJECTS, capture_output=True, text=True,
                              cwd=tmp_path, timeout=30)

    done = run("import", "-", "--rejects", "-")
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "reject_line,reject_reason,Name,Email",
        "3,Email: not an email address: 'not-an-email',Bad One,not-an-email",
        "4,Email: not an email address: 'nope',Bad Two,nope",
    ]
    assert not (tmp_path / "-").exists(), "no file named -"
    assert "2 created, 0 merged, 0 unchanged, 0 skipped, 2 rejected" in done.stderr
    # A dry run's plan is on stdout already.
    both = run("import", "-", "--rejects", "-", "--dry-run")
    assert both.returncode == 2 and "both write to stdout" in both.stderr
    assert both.stdout == "" and not (tmp_path / "-").exists()
    # In-process (no real stdout to duplicate), the same rows.
    source = tmp_path / "people.csv"
    source.write_text(WITH_REJECTS)
    result = cli("import", str(source), "--rejects", "-")
    assert result.exit_code == 1, result.stderr
    assert result.stdout == done.stdout


def test_a_reader_that_stops_reading_the_rejects_stops_the_import(tmp_path):
    """`tinycrm import x.csv --rejects /dev/stdout | head -1`: the rejects
    can't all be written, so nothing is imported, and the exit code says so."""
    source = tmp_path / "people.csv"
    source.write_text(WITH_REJECTS)
    for target in ("-", "/dev/stdout"):
        db = tmp_path / f"crm{len(target)}.db"
        proc = tinycrm(db, "import", str(source), "--rejects", target,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()  # the reader is gone before anything is written
        err = proc.stderr.read().decode()
        proc.wait(timeout=30)
        assert proc.returncode == 1, err
        assert f"--rejects {target}: the reader stopped reading (broken pipe)" in err
        assert "Traceback" not in err and "Exception ignored" not in err
        assert names(db) == []


def test_a_fifo_is_read_whole_before_the_write_lock_is_taken(db_path, tmp_path):
    """`tinycrm import <(slow producer)` or a named pipe: like stdin, a slow
    producer must not keep every other writer waiting."""
    assert run_tinycrm("add", "Zed", db=db_path).returncode == 0
    fifo = tmp_path / "contacts.fifo"
    os.mkfifo(fifo)
    first = "Name,Email\n" + "".join(f"P{i},p{i}@ex.org\n" for i in range(5000))  # > 64 KiB
    assert len(first) > 64 * 1024
    go_on = threading.Event()

    def producer() -> None:
        with open(fifo, "w") as out:
            out.write(first)
            out.flush()
            go_on.wait(10)
            out.write("Last,last@ex.org\n")

    thread = threading.Thread(target=producer)
    thread.start()
    proc = tinycrm(db_path, "import", str(fifo), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        held = False
        deadline = time.monotonic() + 1.0  # (the import takes the lock well within this)
        while time.monotonic() < deadline and not held and proc.poll() is None:
            held = _write_lock_held(db_path)
            time.sleep(0.05)
    finally:
        go_on.set()
        thread.join()
        out, err = proc.communicate(timeout=60)
    assert not held, "the import held the write lock while its producer was still writing"
    assert proc.returncode == 0, err
    assert b"5001 created" in err and out == b""
    assert names(db_path)[-1] == "Last"


def test_binary_data_past_the_sniffed_start_imports_nothing(db_path):
    good = "".join(f"Person {i},p{i}@ex.org\n" for i in range(4000))
    assert len(good) > 64 * 1024  # past what open_source looks at
    noise = bytes(range(256)) * 20
    data = ("Name,Email\n" + good).encode() + noise + b"\nLast,last@ex.org\n"
    piped = run_tinycrm("import", db=db_path, input=data)
    err = piped.stderr.decode()
    assert piped.returncode == 1, err
    assert "stdin:4002: not a contacts file from this line on (it holds binary data)" in err
    assert "Traceback" not in err and piped.stdout == b""
    assert names(db_path) == []


def test_ndjson_as_cat_and_jq_leave_it(db_path):
    """Objects with a comma after them (a list's items copied), a line of its
    own with a comma, a second file's BOM mid-stream, CRLF and blank lines:
    none of them is a rejected row."""
    data = (b'\xef\xbb\xbf{"name": "Ada", "emails": ["ada@ex.org"]},\r\n\r\n'
            b'{"name": "Alan"},\r\n,\r\n'
            b'\xef\xbb\xbf{"name": "Grace"}\r\n\r\n')
    piped = run_tinycrm("import", db=db_path, input=data)
    err = piped.stderr.decode()
    assert piped.returncode == 0, err
    assert "import batch 1 from stdin (JSON): 3 created, 0 merged, 0 unchanged, 0 skipped," \
           " 0 rejected" in err
    assert names(db_path) == ["Ada", "Alan", "Grace"]


def test_json_cut_short_says_so(db_path):
    whole = json.dumps([{"name": f"P{i}", "note": "x" * 40} for i in range(20)])
    listed = run_tinycrm("import", db=db_path, input=whole[:300])
    assert listed.returncode == 1
    assert listed.stderr.startswith("tinycrm: error: stdin:1: not valid JSON (")
    assert "cut short?" in listed.stderr and "Traceback" not in listed.stderr
    lines = "".join(json.dumps({"name": f"P{i}"}) + "\n" for i in range(3))
    ndjson = run_tinycrm("import", db=db_path, input=lines[:-5])
    assert ndjson.returncode == 1
    assert "stdin:3: not valid JSON (a string is never closed; the input ends inside it," \
           " cut short?)" in ndjson.stderr
    assert names(db_path) == ["P0", "P1"]


def test_one_large_json_value_is_not_decoded_again_for_every_chunk(monkeypatch):
    """A few MB in one object (a huge custom-field map, on one line) took
    seconds: the decoder started over after each 64 KiB read."""
    import io

    from tinycrm.store.formats import jsonfile
    from tinycrm.store.formats.source import open_source

    calls = []

    class Counting(json.JSONDecoder):
        def raw_decode(self, s, idx=0):
            calls.append(len(s))
            return super().raw_decode(s, idx)

    monkeypatch.setattr(jsonfile, "_decoder", lambda: Counting())
    wide = {"name": "Wide", "fields": {f"k{i}": i for i in range(150_000)}}
    for text in (json.dumps([wide]), json.dumps(wide) + "\n"):
        assert len(text) > 2_000_000
        calls.clear()
        source = open_source(io.BytesIO(text.encode()), name="wide")
        rows = list(jsonfile.JSONReader(source).rows())
        assert [len(r.record["fields"]) for r in rows] == [150_000]
        assert len(calls) < 12, len(calls)


def test_an_endless_device_on_stdin_is_refused_not_spooled(db_path):
    """`tinycrm import < /dev/zero` (or /dev/urandom): its first block says it is
    no contacts file; spooling it first would fill the temporary folder."""
    import resource

    def small_files() -> None:  # without the fix: killed by SIGXFSZ, not left to fill the disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024 * 1024, 64 * 1024 * 1024))

    with open("/dev/zero", "rb") as zero:
        done = subprocess.run([sys.executable, "-m", "tinycrm", "--db", str(db_path), "import"],
                              stdin=zero, capture_output=True, timeout=30, preexec_fn=small_files)
    assert done.returncode == 1, done.stderr
    assert b"stdin: not a contacts file (it holds binary data)" in done.stderr
    assert not db_path.exists()


def test_files_cat_together_repeat_their_header_which_is_no_row(db_path, tmp_path):
    """`cat a.csv b.csv | tinycrm import`: b's header (with a BOM when
    Excel saved it) is not a contact named "Name" with a bad address."""
    a = b"Name;Email\r\nAda;ada@ex.org\r\n"
    b = b"\xef\xbb\xbfName;Email\r\nAlan;alan@ex.org\r\n"
    piped = run_tinycrm("import", db=db_path, input=a + a.replace(b"Ada", b"Grace").replace(
        b"ada@", b"grace@") + b)
    err = piped.stderr.decode()
    assert piped.returncode == 0, err
    assert "3 created, 0 merged, 0 unchanged, 0 skipped, 0 rejected" in err
    assert names(db_path) == ["Ada", "Grace", "Alan"]


def test_a_header_again_in_other_case_and_a_bom_mid_file_are_no_data(cli):
    """A header repeated as NAME,EMAIL was a row rejected as a bad address; a
    BOM at the start of a row stayed at the start of the name."""
    result = cli("import", "-", input="name,email\nAda,a1@ex.org\nNAME,EMAIL\n"
                                      "\ufeffBob,b1@ex.org\n\ufeffName,Email\nCy,c@ex.org\n")
    assert result.exit_code == 0, result.stderr
    assert "3 created, 0 merged, 0 unchanged, 0 skipped, 0 rejected" in result.stderr
    shown = json.loads(cli.ok("list", "--sort", "created", "-f", "json").stdout)
    assert [c["name"] for c in shown] == ["Ada", "Bob", "Cy"]
