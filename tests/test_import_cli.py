"""`tinycrm import` from the shell: rejects, --strict, --dry-run, batches and
undo, stdin through a real pipe, and a process killed mid-import."""

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from .conftest import run_tinycrm


def contacts(cli) -> list[dict]:
    return json.loads(cli.ok("list", "--sort", "created", "-f", "json").stdout)


def entries(cli, ref: str, kind: str) -> list[str]:
    """The texts of a contact's timeline entries of one kind, newest first."""
    return [e["text"] for e in json.loads(cli.ok("timeline", ref, "-f", "json").stdout)
            if e["kind"] == kind]


PEOPLE = ("Name,Email,Phone,Company\n"
          "Ada Lovelace,ada@ex.org,,Engines\n"
          "No Email,not-an-email,,\n"
          "Alan Turing,alan@ex.org,+44 1908 640404,\n"
          "Bad Phone,,call me maybe,\n"
          ",,,\n"
          "=cmd|' /C calc'!A0,grace@ex.org,,\"=HYPERLINK(\"\"x\"\")\"\n")


def test_rejects_are_listed_with_line_numbers_and_written_to_a_file(cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    rejects = tmp_path / "rejects.csv"
    result = cli("import", str(path), "--rejects", str(rejects))
    assert result.exit_code == 1  # some rows were rejected; the rest went in
    assert f"{path}:3: Email: not an email address: 'not-an-email'" in result.stderr
    assert f"{path}:5: Phone: not a phone number: 'call me maybe'" in result.stderr
    assert "3 created, 0 merged, 0 unchanged, 0 skipped, 2 rejected" in result.stderr
    assert [c["name"] for c in contacts(cli)] == ["Ada Lovelace", "Alan Turing", "=cmd|' /C calc'!A0"]
    assert (rejects.stat().st_mode & 0o777) == 0o600
    assert list(tmp_path.glob("*.part")) == [], "written beside FILE, then put in its place"
    rows = list(csv.reader(rejects.open()))
    assert rows[0] == ["reject_line", "reject_reason", "Name", "Email", "Phone", "Company"]
    assert rows[1] == ["3", "Email: not an email address: 'not-an-email'", "No Email", "not-an-email", "", ""]
    assert rows[2][:3] == ["5", "Phone: not a phone number: 'call me maybe'", "Bad Phone"]
    # Fixed, the rejects file imports as it is: its reject_* columns are skipped.
    rejects.write_text(rejects.read_text().replace("not-an-email", "no@ex.org").replace("call me maybe", "555 0100 200"))
    again = cli("import", str(rejects))
    assert again.exit_code == 0, again.stderr
    assert {c["name"]: c["fields"] for c in contacts(cli)}["No Email"] == {}


def test_a_rejects_file_that_cannot_be_written_is_refused_before_anything_is_read(cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    for target, message in [
        (path, "is the file being imported"),
        (tmp_path, "is a folder"),
        (tmp_path / "nowhere" / "r.csv", "no folder"),
    ]:
        result = cli("import", str(path), "--rejects", str(target))
        assert result.exit_code == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert path.read_text() == PEOPLE and contacts(cli) == []
    assert list(tmp_path.rglob("*.part")) == [], "nothing left behind"


def test_an_import_that_stops_leaves_the_rejects_file_as_it_was(cli, tmp_path):
    path = tmp_path / "stop.csv"
    # A row to reject, then a quote that never closes: the whole import stops.
    path.write_text('Name,Email\nBad,nope\nAda,ada@ex.org\n"Open,x@ex.org\n')
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("precious,data\n")
    result = cli("import", str(path), "--rejects", str(rejects))
    assert result.exit_code == 1 and "is never closed" in result.stderr, result.stderr
    assert rejects.read_text() == "precious,data\n" and contacts(cli) == []
    assert list(tmp_path.glob("*.part")) == []
    # --strict stops too, but every rejected row is in FILE, to be fixed.
    path.write_text("Name,Email\nBad,nope\nAda,ada@ex.org\n")
    result = cli("import", str(path), "--rejects", str(rejects), "--strict")
    assert result.exit_code == 1 and contacts(cli) == []
    assert [row[:2] for row in csv.reader(rejects.open())][1:] == [
        ["2", "Email: not an email address: 'nope'"]]


def test_a_rejects_file_behind_a_symlink_or_a_fifo(cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    real = tmp_path / "real.csv"
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert cli("import", str(path), "--rejects", str(link)).exit_code == 1
    assert link.is_symlink() and real.read_text().startswith("reject_line,reject_reason,Name")
    fifo = tmp_path / "rejects.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    other = type(cli)(tmp_path / "other.db")
    assert other("import", str(path), "--rejects", str(fifo)).exit_code == 1
    assert reader.communicate(timeout=30)[0].count("\n") == 3  # the header and two rows
    assert fifo.is_fifo()


def test_formula_cells_are_neutralised_on_export_and_restored_on_import(cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    cli("import", str(path))
    exported = cli.ok("export", "-f", "csv").stdout
    assert "'=cmd|' /C calc'!A0" in exported and "'=HYPERLINK" in exported
    listed = cli.ok("list", "--sort", "created", "-f", "csv").stdout
    assert listed == exported  # one contact CSV for list and export
    back = tmp_path / "back.csv"
    back.write_text(exported)
    other = type(cli)(tmp_path / "other.db")
    other.ok("import", str(back))
    grace = contacts(other)[2]
    assert (grace["name"], grace["company"]) == ("=cmd|' /C calc'!A0", '=HYPERLINK("x")')


def test_a_rejects_files_header_is_neutralised_too_and_imports_again(cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text('Name,-Phone,=cmd|" /C calc"!A0\nAlice,not a phone,x\n')
    rejects = tmp_path / "rejects.csv"
    assert cli("import", str(path), "--map", "-Phone=phone", "--rejects", str(rejects)).exit_code == 1
    header = next(csv.reader(rejects.open()))
    assert header == ["reject_line", "reject_reason", "Name", "'-Phone", "'=cmd|\" /C calc\"!A0"]
    rejects.write_text(rejects.read_text().replace(",not a phone,", ",+1 415 555 0100,"))
    cli.ok("import", str(rejects), "--map", "-Phone=phone")
    [alice] = contacts(cli)
    assert alice["phones"] == ["+1 415 555 0100"]
    assert alice["fields"] == {'=cmd|" /C calc"!A0': "x"}


def test_csv_output_quotes_a_cell_with_a_carriage_return():
    import io

    from tinycrm.output import OutputFormat, write_rows

    out = io.StringIO()
    write_rows([{"text": "call\rback", "who": "ada"}, {"text": "two\r\nlines", "who": "bo"}],
               OutputFormat.csv, out=out)
    assert out.getvalue() == 'text,who\n"call\rback",ada\n"two\r\nlines",bo\n'
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [
        ["text", "who"], ["call\rback", "ada"], ["two\r\nlines", "bo"]]
    # But no escape sequence: a file name's, say, shown on a terminal.
    out = io.StringIO()
    write_rows([{"source": "evil\x1b[31mRED\x1b]0;title\x07.csv\ttab"}], OutputFormat.csv, out=out)
    assert out.getvalue() == "source\nevilRED.csv\ttab\n"


def test_strict_imports_nothing(cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    result = cli("import", str(path), "--strict")
    assert result.exit_code == 1
    assert "2 row(s) rejected; nothing imported (--strict)" in result.stderr
    assert f"{path}:3:" in result.stderr
    assert contacts(cli) == []
    assert cli.ok("imports", "list", "-f", "json").stdout == "[]\n"
    # A dry run of it says the same: its plan, then that nothing would be imported.
    dry = cli("import", str(path), "--strict", "--dry-run")
    assert dry.exit_code == 1 and "line 3      reject" in dry.stdout
    assert "2 row(s) rejected; nothing would be imported (--strict)" in dry.stderr


def test_dry_run_prints_the_plan_and_writes_nothing(cli, tmp_path):
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org")
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    db = cli.db
    before = db.read_bytes()
    result = cli("import", str(path), "--dry-run")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "line 2      merge     #1 Ada Lovelace  (company)",
        "line 3      reject    Email: not an email address: 'not-an-email'",
        "line 4      create    #2 Alan Turing <alan@ex.org>",
        "line 5      reject    Phone: not a phone number: 'call me maybe'",
        "line 7      create    #3 =cmd|' /C calc'!A0 <grace@ex.org>",
    ]
    assert "dry run" in result.stderr and "nothing written" in result.stderr
    assert db.read_bytes() == before
    assert [c["name"] for c in contacts(cli)] == ["Ada Lovelace"]
    assert contacts(cli)[0]["company"] is None


def test_a_dry_run_on_a_new_database_does_not_create_it(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE)
    db = tmp_path / "new" / "crm.db"
    result = run_tinycrm("import", str(path), "--dry-run", db=db)
    assert result.returncode == 1, result.stderr  # two rows would be rejected
    assert "line 4      create    #2 Alan Turing <alan@ex.org>" in result.stdout
    assert not db.exists() and not db.parent.exists()


def test_batches_list_and_undo(cli, tmp_path):
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org", "--title", "CEO")
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Company,Tags\nAda,ada@ex.org,Engines,investor\n"
                    "Alan Turing,alan@ex.org,,\n")
    cli.ok("import", str(path), "--tag", "batch-one")
    batches = json.loads(cli.ok("imports", "list", "-f", "json").stdout)
    assert [(b["id"], b["created"], b["merged"], b["undone_at"]) for b in batches] == [(1, 1, 1, None)]
    assert batches[0]["options"]["tags"] == ["batch-one"]
    table = cli.ok("imports").stdout
    assert table.splitlines()[0].split()[:4] == ["ID", "STARTED", "SOURCE", "FORMAT"]
    ada = contacts(cli)[0]
    assert (ada["company"], ada["tags"]) == ("Engines", ["batch-one", "investor"])
    undo = cli("imports", "undo", "1", "--yes")
    assert undo.exit_code == 0, undo.stderr
    assert "removed 1 contact, restored 1" in undo.stderr
    (ada,) = contacts(cli)
    assert (ada["name"], ada["company"], ada["tags"], ada["title"]) == ("Ada Lovelace", None, [], "CEO")
    kinds = [e["kind"] for e in json.loads(cli.ok("timeline", "1", "-f", "json").stdout)]
    assert "import" in kinds  # "import batch 1 undone"
    again = cli("imports", "undo", "1")  # told before any question
    assert again.exit_code == 4 and "already undone" in again.stderr
    assert cli("imports", "undo", "9").exit_code == 3


def test_undo_takes_away_the_notes_the_batch_added_to_contacts_it_merged_into(cli, tmp_path):
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org", "--note", "typed by hand")
    cli.ok("add", "Alan Turing", "-e", "alan@ex.org")
    path = tmp_path / "notes.csv"
    path.write_text("Name,Email,Company,Notes\nAda,ada@ex.org,Engines,note from the file\n"
                    "Alan,alan@ex.org,,only a note\n")  # Alan: nothing but a note to merge
    dry = cli.ok("import", str(path), "--dry-run")
    assert "2 merged" in dry.stderr and "#2 Alan Turing  (note)" in dry.stdout
    result = cli.ok("import", str(path))
    assert "0 created, 2 merged, 0 unchanged" in result.stderr  # a new note is a change

    assert (entries(cli, "1", "note"), entries(cli, "2", "note")) == (
        ["note from the file", "typed by hand"], ["only a note"])
    assert entries(cli, "2", "import") == [f"merged from {path} (batch 1): note"]
    again = cli.ok("import", str(path))  # the same notes again: nothing new
    assert "0 merged, 2 unchanged" in again.stderr and entries(cli, "2", "note") == ["only a note"]
    assert cli("imports", "undo", "2", "--yes").exit_code == 0
    undo = cli("imports", "undo", "1", "--yes")
    assert undo.exit_code == 0 and "restored 2" in undo.stderr, undo.stderr
    assert (entries(cli, "1", "note"), entries(cli, "2", "note")) == (["typed by hand"], [])
    assert entries(cli, "2", "import") == ["import batch 1 undone"]


def test_notes_a_file_brings_again_are_no_change_even_joined_into_one(cli, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("Name,Email,Notes\nAda Lovelace,ada@ex.org,met at PyCon\n"
                    "Ada Lovelace,ada@ex.org,likes tea\n")
    cli.ok("import", str(path))
    again = cli.ok("import", str(path))
    assert "0 merged, 2 unchanged" in again.stderr
    assert entries(cli, "1", "note") == ["likes tea", "met at PyCon"]
    # An export carries them as one note: read back, that is no change either.
    exported = tmp_path / "out.csv"
    cli.ok("export", "--output", str(exported))
    assert "met at PyCon\n\nlikes tea" in exported.read_text()
    assert "0 merged, 1 unchanged" in cli.ok("import", str(exported)).stderr
    assert len(entries(cli, "1", "note")) == 2


def test_undo_keeps_the_import_entries_it_did_not_write(cli, tmp_path):
    cli.ok("add", "Kay Old", "-e", "kay@ex.org")
    path = tmp_path / "a.csv"
    path.write_text("Name,Email,Phone\nKay New,kay@work.example,+44 20 7946 0001\n")
    cli.ok("import", str(path))
    cli.ok("merge", "1", "2", "--yes")  # the merge keeps where contact 2 came from
    cli.ok("imports", "undo", "1", "--force", "--yes")
    assert f"imported from {path} (batch 1)" in entries(cli, "1", "import")


def test_rows_of_one_person_in_a_file_merge_their_notes_once_each(cli, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text('Name,Email,Notes\nAda,ada@ex.org,"one\n\ntwo"\nAda,ada@ex.org,"one\n\ntwo"\n'
                    "Ada,ada@ex.org,three\n")
    result = cli.ok("import", str(path))
    assert "1 created, 1 merged, 1 unchanged" in result.stderr
    assert entries(cli, "1", "note") == ["three", "one\n\ntwo"]


def test_undo_refuses_when_contacts_changed_since_unless_forced(cli, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Name,Email\nAda,ada@ex.org\nAlan,alan@ex.org\n")
    cli.ok("import", str(path))
    cli.ok("edit", "ada@ex.org", "--title", "Countess")
    refused = cli("imports", "undo", "1", "--yes")
    assert refused.exit_code == 4
    assert "were changed since the import: Ada (1). Undo with --force" in refused.stderr
    assert len(contacts(cli)) == 2
    cli.ok("imports", "undo", "1", "--force", "--yes")
    assert contacts(cli) == []


def test_missing_file_and_bad_options_are_usage_errors(cli, tmp_path):
    missing = cli("import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 3 and "no such file" in missing.stderr  # not found
    bad = cli("import", str(tmp_path / "nope.csv"), "--on-duplicate", "maybe")
    assert bad.exit_code == 2
    assert "Traceback" not in missing.stderr + bad.stderr


def test_stdin_through_a_real_pipe(db_path):
    text = "Name,Email\nAda,ada@ex.org\nAlan,alan@ex.org\n"
    piped = run_tinycrm("import", db=db_path, input=text)
    assert piped.returncode == 0, piped.stderr
    assert "import batch 1 from stdin (CSV): 2 created" in piped.stderr
    dash = run_tinycrm("import", "-", "--format", "ndjson", db=db_path,
                       input='{"name": "Grace", "emails": ["grace@ex.org"]}\n')
    assert dash.returncode == 0, dash.stderr
    vcard = run_tinycrm("import", db=db_path, input=b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Tim\r\nEND:VCARD\r\n")
    assert vcard.returncode == 0, vcard.stderr
    listed = run_tinycrm("list", "--sort", "created", "-f", "ndjson", db=db_path)
    assert [json.loads(line)["name"] for line in listed.stdout.splitlines()] == ["Ada", "Alan", "Grace", "Tim"]


def _write_lock_held(db) -> bool:
    conn = sqlite3.connect(db, timeout=0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_process_killed_mid_import_leaves_the_database_unchanged(db_path, tmp_path, how):
    assert run_tinycrm("add", "Ada", "-e", "ada@ex.org", db=db_path).returncode == 0
    big = tmp_path / "big.csv"
    with big.open("w") as out:
        out.write("Name,Email,Phone,Company\n")
        for i in range(150_000):
            out.write(f"Person {i},p{i}@ex.org,+1 555 {i % 1000:03d} {i % 10000:04d},Company {i % 97}\n")
    before = sqlite3.connect(db_path).execute("SELECT count(*) FROM contacts").fetchone()[0]
    proc = subprocess.Popen([sys.executable, "-m", "tinycrm", "--db", str(db_path), "import", str(big)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    deadline = time.monotonic() + 30
    while not _write_lock_held(db_path):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.5)  # well into the rows
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(how)
    proc.wait()
    if how == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:  # unwound and rolled back, as the shell reports a killed command
        assert proc.returncode == 128 + signal.SIGTERM
        assert proc.stderr.read() == b""
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == before
    assert conn.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM contact_search").fetchone()[0] == before
    index = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "contacts_name" in index  # the indexes a big load defers are all there
    conn.close()
    listed = run_tinycrm("list", "-f", "json", db=db_path)
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Ada"]


@pytest.mark.parametrize("name, text, bad, good", [
    ("cards.vcf",
     "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nEMAIL:ada@ex.org\r\nEND:VCARD\r\n"
     "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Hopper\r\nEMAIL:grace-at-navy\r\n"
     "NOTE:line one\\nline two\r\nEND:VCARD\r\n",
     "grace-at-navy", "grace@navy.example"),
    ("people.ndjson",
     '{"name": "Ada Lovelace", "emails": ["ada@ex.org"]}\n'
     '{"name": "Grace Hopper", "emails": ["grace-at-navy"], "note": "line one\\nline two"}\n',
     "grace-at-navy", "grace@navy.example"),
])
def test_the_rejects_of_a_vcard_or_json_import_import_again_once_fixed(cli, tmp_path, name, text,
                                                                       bad, good):
    source = tmp_path / name
    source.write_text(text, newline="")
    rejects = tmp_path / "rejects.csv"
    assert cli("import", str(source), "--rejects", str(rejects)).exit_code == 1
    fixed = rejects.read_text().replace(bad, good)
    assert fixed != rejects.read_text()
    rejects.write_text(fixed + fixed.split("\n", 1)[1])  # the row twice: it merges
    again = cli("import", str(rejects))
    assert again.exit_code == 0, again.stderr
    assert "1 created, 0 merged, 1 unchanged" in again.stderr
    grace = contacts(cli)[1]
    assert (grace["name"], grace["emails"]) == ("Grace Hopper", [good])
    notes = [e["text"] for e in json.loads(cli.ok("timeline", str(grace["id"]), "-f", "json").stdout)
             if e["kind"] == "note"]
    assert notes == ["line one\nline two"]
    # Still broken, a row of it is rejected under the rejects file's own line.
    rejects.write_text(fixed.replace(good, "still-bad"))
    broken = cli("import", str(rejects))
    assert broken.exit_code == 1 and f"{rejects}:2: " in broken.stderr
