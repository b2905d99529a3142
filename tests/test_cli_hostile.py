"""Input a shell can hand the CLI by mistake or on purpose: numbers past what
SQLite stores, bytes that are not UTF-8. A message and exit code 2, never a
traceback, and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import run_tinycrm

HUGE = "99999999999999999999"


@pytest.mark.parametrize("args", [
    ("list", "--limit", HUGE), ("show", HUGE), ("follow-up", "show", HUGE),
    ("imports", "undo", HUGE), ("tag", HUGE, "x"), ("report", "--idle-days", HUGE),
])
def test_a_number_sqlite_cannot_store_is_out_of_range(cli, args):
    cli.ok("add", "Ada Lovelace")
    result = cli(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "a number is out of range" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args, option", [
    (("list", "-n", "1_0"), "'--limit' / '-n'"), (("list", "--limit", "+3"), "'--limit' / '-n'"),
    (("search", "Ada", "-n", "3.0"), "'--limit' / '-n'"), (("list", "-n", "\u0663"), "'--limit'"),
    (("follow-up", "show", "1_0"), "'ID'"), (("follow-up", "done", "+1"), "'ID'"),
    (("follow-up", "cancel", "1.0"), "'ID'"), (("imports", "undo", "1_0", "--yes"), "'BATCH'"),
    (("edit", "1", "--company", "X", "--if-version", "+1"), "'--if-version'"),
    (("log", "1", "Call", "--kind", "survey", "--score", "0x9"), "'--score'"),
    (("report", "--idle-days", "3_0"), "'--idle-days'"), (("--wait", "1e3", "list"), "'--wait'"),
    (("dupes", "--threshold", "8_5"), "'--threshold'"), (("demo", "--contacts", "1_0"), "'--contacts'"),
    *((("dupes", "--threshold", typed), "'--threshold'")
      for typed in (".", "-.", "+.5", "._5", ".5_0", "5..5", "1.5.", "1e1", ".5e1", "nan", "inf")),
], ids=repr)
def test_a_number_is_decimal_digits_not_what_python_reads_as_one(cli, args, option):
    """`1_0` is 10 to Python's int() and `+3` and `3.0` are 3: a script's `-n 1_0`
    or `follow-up done 1_0` acted on the tenth. Digits alone, or exit 2 naming
    the option."""
    for n in range(11):
        cli.ok("--no-rules", "add", f"Person {n}")
        cli.ok("follow-up", "add", str(n + 1), "--due", "tomorrow")
    before = cli.ok("audit", "-f", "json").stdout
    result = cli(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert option in result.stderr and "digits" in result.stderr, result.stderr
    assert cli.ok("audit", "-f", "json").stdout == before


def test_a_number_in_digits_still_works_with_spaces_or_zeros_around_it(cli):
    for n in range(4):
        cli.ok("--no-rules", "add", f"Person {n}")
    assert len(json.loads(cli.ok("list", "-n", "03", "-f", "json").stdout)) == 3
    assert len(json.loads(cli.ok("list", "-n", " 2\n", "-f", "json").stdout)) == 2  # (`wc -l`)
    assert cli.ok("dupes", "--threshold", "90.5", "-f", "json").stdout == "[]\n"
    assert cli.ok("--wait", "0", "list").exit_code == 0


def test_a_decimal_fraction_may_begin_or_end_with_its_point(cli, db_path):
    """`.5` is 0.5 and `5.` is 5, as Python, a spreadsheet and anyone read
    them: nothing else they could be taken for. (As a --threshold, 0.5 is a
    fraction where a score is meant: refused, naming the score it may mean.)"""
    cli.ok("--no-rules", "add", "Ada Lovelace", "-p", "+1 555 010 2030")
    cli.ok("--no-rules", "add", "Bob Stone", "-p", "555 010 2030")

    def scores(threshold: str) -> list[float]:
        shown = cli.ok("dupes", "--threshold", threshold, "-f", "json").stdout
        return [pair["score"] for pair in json.loads(shown)]

    (score,) = scores("0")
    assert score == int(score) > 1  # (a whole number: N. is the pair's own score)
    assert scores("0.") == scores(f"{score:.0f}.") == scores(f"{score - 1:.0f}.5") == [score]
    assert scores(f"{score:.0f}.5") == scores(f"{score + 1:.0f}.") == []
    for typed in (".5", " .5 "):
        fraction = cli("dupes", "--threshold", typed)
        assert fraction.exit_code == 2 and "did you mean 50?" in fraction.stderr
    assert "greater than or equal to 0" in cli("dupes", "--threshold", "-.5").stderr
    shown = run_tinycrm("dupes", "--threshold", f"{score:.0f}.", "-f", "json",
                        db=db_path)  # (fastcli.py)
    assert shown.returncode == 0 and [p["score"] for p in json.loads(shown.stdout)] == [score]


def test_a_number_from_the_environment_is_digits_too_in_a_real_process(db_path):
    """TINYCRM_WAIT=1_0 and the lazy CLI (fastcli.py) that a shell runs."""
    run_tinycrm("add", "Ada", db=db_path)
    for args, env in ((("list", "-n", "1_0"), None), (("list",), {"TINYCRM_WAIT": "1_0"}),
                      (("follow-up", "show", "+1"), None)):
        result = run_tinycrm(*args, db=db_path, env={**os.environ, **(env or {})})
        assert result.returncode == 2, result.stderr
        assert "digits" in result.stderr and result.stdout == ""
    assert run_tinycrm("list", "-n", "1", db=db_path).returncode == 0


def test_bytes_that_are_not_utf8_are_refused_and_nothing_is_written(db_path):
    env = {**os.environ, "TINYCRM_USER": "alice"}
    base = [sys.executable, "-m", "tinycrm", "--db", str(db_path)]
    subprocess.run([*base, "add", "Ada Lovelace"], env=env, check=True, capture_output=True)
    for args, stdin in [
        ([b"add", b"Bad \xff name"], None),
        ([b"tag", b"1", b"\xff"], None),
        ([b"log", b"1", b"-"], b"\xff\xfe not text"),
    ]:
        done = subprocess.run([*base, *args], env=env, input=stdin, capture_output=True)
        assert done.returncode == 2, done.stderr
        assert b"is not valid UTF-8" in done.stderr and b"Traceback" not in done.stderr
    bad_user = subprocess.run([*base, "add", "Someone"], capture_output=True,
                              env={**env, "TINYCRM_USER": os.fsdecode(b"\xffmallory")})
    assert bad_user.returncode == 2 and b"Traceback" not in bad_user.stderr
    listed = subprocess.run([*base, "list", "-f", "json"], env=env, check=True, capture_output=True)
    ada = json.loads(listed.stdout)
    assert [(c["name"], c["tags"]) for c in ada] == [("Ada Lovelace", [])]
    timeline = subprocess.run([*base, "timeline", "1", "-f", "json"], env=env, check=True,
                              capture_output=True)
    assert [e for e in json.loads(timeline.stdout) if e["kind"] == "note"] == []


EVIL = "Evil\x1b[31mRED\x1b[0m\x07\x08X\u202eabc"


def _saved_by_an_older_version(db_path, name: str) -> None:
    """A name with control codes in it, as versions before names were cleaned kept it."""
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE contacts SET name = ? WHERE id = 1", [name])
    conn.close()


def test_a_name_is_stored_without_its_control_codes(cli):
    cli.ok("add", EVIL, "--email", "e@example.org")
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["name"] == "EvilREDXabc"
    for invisible in ["\x01\x02\x1b[0m", "\u202e\u200b", " \t "]:
        result = cli("add", invisible)
        assert result.exit_code == 2 and "a contact needs a name" in result.stderr
    too_long = cli("add", "x" * 501)
    assert too_long.exit_code == 2 and "name can be at most 500 characters" in too_long.stderr
    blank_owner = cli("add", "Someone", "--owner", "   ")
    assert blank_owner.exit_code == 2 and "a contact needs an owner" in blank_owner.stderr
    cli.ok("add", "Owned", "--owner", "ev\x1b[31mil")
    assert json.loads(cli.ok("show", "Owned", "-f", "json").stdout)["owner"] == "evil"


@pytest.mark.parametrize("args, prompt", [
    (("rm", "e@example.org"), "Delete contact 1 (EvilREDXabc)?"),
    (("privacy", "erase", "e@example.org"), "Erase contact 1 (EvilREDXabc) and all"),
])
def test_a_confirmation_prompt_shows_a_name_without_its_control_codes(cli, db_path, args, prompt):
    cli.ok("add", "Eve", "--email", "e@example.org")
    _saved_by_an_older_version(db_path, EVIL)
    result = cli(*args, input="n\n")
    assert result.exit_code != 0  # declined: nothing deleted
    assert prompt in result.stderr
    assert not any(c in result.stderr for c in "\x1b\x07\x08\u202e")
    assert cli.ok("show", "1", "-f", "json").stdout


def test_the_acting_user_is_recorded_without_control_codes(cli):
    result = cli("add", "Ada Lovelace", env={"TINYCRM_USER": "\x1b[31mmallory\x07"})
    assert result.exit_code == 0, result.stderr
    ada = json.loads(cli.ok("show", "1", "-f", "json").stdout)
    assert ada["owner"] == "mallory"
    audit = json.loads(cli.ok("audit", "1", "-f", "json").stdout)
    assert audit and {a["actor"] for a in audit} == {"mallory"}



@pytest.mark.parametrize("spelled", ["bob\r", "bob ", " bob"], ids=repr)
def test_a_user_spelled_with_a_stray_cr_or_space_finds_what_they_own(cli, spelled):
    """An env file saved on Windows ends TINYCRM_USER with a CR: the name is
    stored without it, so --mine and remind must look for it without it too."""
    cli.ok("--no-rules", "add", "Ada", env={"TINYCRM_USER": spelled})
    cli.ok("follow-up", "add", "1", "--due", "yesterday", env={"TINYCRM_USER": spelled})
    mine = cli.ok("follow-up", "list", "--mine", "-f", "json", env={"TINYCRM_USER": spelled})
    assert [f["owner"] for f in json.loads(mine.stdout)] == ["bob"]
    assert len(json.loads(cli.ok("list", "--mine", "-f", "json",
                                 env={"TINYCRM_USER": spelled}).stdout)) == 1
    due = cli.ok("remind", "--dry-run", env={"TINYCRM_USER": spelled})
    assert "Ada" in due.stdout
    assert "Ada" in cli.ok("--user", spelled, "remind", "--dry-run").stdout


def test_only_ascii_digits_make_an_id(cli):
    cli.ok("add", "Ada Lovelace")
    for ref in ("１", "٣"):
        assert cli("show", ref).exit_code == 3, ref  # a name no one has, not contact 1 or 3


@pytest.mark.parametrize("text,starts", [
    ("name,email\nAda," + "x" * 200_000 + "\n", "stdin:2: email: not an email address: 'xxx"),
    ("name,birthday\nAda," + "9" * 200_000 + "\n", "stdin:2: birthday: not a date: '999"),
    ('[{"' + "k" * 200_000 + '": {"a": 1}}]', "tinycrm: error: stdin: not a contacts file"),
    ("a" * 200_000 + "\n1\n", "tinycrm: error: stdin: not a contacts file"),
], ids=["email", "birthday", "json-key", "header"])
def test_a_message_quotes_a_long_value_only_in_part(cli, text, starts):
    """A cell or a line can be megabytes; a message quoting it was as long."""
    result = cli("import", "--dry-run", "-", input=text)
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(starts) and ("characters)" in first or "a..." in first), first[:200]
    assert len(first) < 1100 and len(result.stderr) < 2500
    assert len(result.stdout) < 1100  # the dry run's plan line


def test_rejects_on_stdout_carry_no_escape_sequences_but_a_file_keeps_the_row(cli, tmp_path):
    text = ("name,email,company\n"
            "Eve,bad\x1b]8;;http://evil.example\x1b\\@@ex,\x1b]52;c;ZXZpbA==\x07Acme\u202e\n")
    out = cli("import", "--rejects", "-", "-", input=text)
    assert out.exit_code == 1
    assert "\x1b" not in out.stdout and "\x07" not in out.stdout and "\u202e" not in out.stdout
    assert "bad@@ex" in out.stdout and "Acme" in out.stdout
    kept = tmp_path / "rejects.csv"
    cli("import", "--rejects", str(kept), "-", input=text)
    assert "\x1b]52;c;ZXZpbA==\x07Acme\u202e" in kept.read_text(encoding="utf-8")


@pytest.mark.parametrize("args", [
    ("follow-up", "list", "--contact", ""), ("audit", "--since", ""), ("report", "--since", ""),
    ("report", "--until", ""), ("follow-up", "add", "1", "--due", "tomorrow", "--owner", ""),
    ("follow-up", "add", "1", "--due", "tomorrow", "--every", " "), ("remind", "--owner", ""),
    ("export", "-o", ""), ("list", "--owner", ""), ("follow-up", "list", "--owner", ""),
    ("--user", "\u200b", "add", "Zed"),
    ("log", "1", "Lunch", "--kind", "meeting", "--at", ""), ("remind", "--exec", ""),
    ("import", "--rejects", "", "-"), ("import", "--encoding", "", "-"), ("import", ""),
    ("privacy", "export", "1", "-o", ""), ("search", ""), ("search", " \t"),
    ("search", "", "-f", "json"),
], ids=repr)
def test_an_empty_value_is_a_usage_error_not_no_filter(cli, args):
    # (`--contact "$REF"` with REF unset must not mean everyone.)
    cli.ok("--no-rules", "add", "Ada Lovelace")
    before = cli.ok("audit", "-f", "json").stdout
    result = cli(*args, input="Name,Email\nBo,bo@ex.org\n")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert "empty" in result.stderr or "''" in result.stderr  # (it says what is wrong)
    assert cli.ok("audit", "-f", "json").stdout == before


def test_a_query_of_separators_alone_is_still_a_query(cli):
    """Any text with something in it searches (README: quotes, `*`, `-` are
    separators): it finds no one, exit 0; only an empty query is a mistake."""
    cli.ok("add", "Ada Lovelace")
    assert cli.ok("search", "*", "-f", "json").stdout == "[]\n"
    assert cli.ok("search", '"', "-f", "json").stdout == "[]\n"


def test_an_empty_tinycrm_wait_is_a_usage_error_not_the_default_half_hour(cli):
    empty = cli("list", env={"TINYCRM_WAIT": ""})
    assert empty.exit_code == 2
    assert "Invalid value for --wait / TINYCRM_WAIT: an empty number of seconds" in empty.stderr
    assert cli("--wait", "3", "list", env={"TINYCRM_WAIT": ""}).exit_code == 0
    assert cli("list", env={"TINYCRM_WAIT": "5"}).exit_code == 0


@pytest.mark.parametrize("variable", ["TINYCRM_DB", "TINYCRM_USER"])
def test_an_empty_variable_is_a_usage_error_not_the_default(db_path, variable):
    env = {**os.environ, variable: ""}
    done = subprocess.run([sys.executable, "-m", "tinycrm", *(
        ["--db", str(db_path)] if variable == "TINYCRM_USER" else []), "add", "Zed"],
        env=env, capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert variable in done.stderr and "Traceback" not in done.stderr


def test_a_user_that_is_not_utf8_is_refused(db_path):
    done = subprocess.run([sys.executable.encode(), b"-m", b"tinycrm", b"--db", bytes(db_path),
                           b"--user", b"\xff", b"add", b"Zed"], capture_output=True)
    assert done.returncode == 2 and b"not valid UTF-8" in done.stderr


def test_a_config_nested_past_reason_or_named_by_an_empty_variable(db_path, tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 3000 + "]" * 3000 + "\n")
    base = [sys.executable, "-m", "tinycrm", "--db", str(db_path), "list"]
    for value, code, message in ((str(deep), 1, "nested too deeply"),
                                 ("", 2, "TINYCRM_CONFIG is empty")):
        done = subprocess.run(base, env={**os.environ, "TINYCRM_CONFIG": value},
                              capture_output=True, text=True)
        assert done.returncode == code and message in done.stderr
        assert "Traceback" not in done.stderr


def test_an_owner_too_long_is_refused_by_add_as_by_edit_and_assign(cli):
    cli.ok("add", "Ada")
    long_owner = "o" * 501
    for args in (("add", "Bob", "--owner", long_owner), ("assign", "1", long_owner),
                 ("edit", "1", "--set", f"owner={long_owner}")):
        result = cli(*args)
        assert (result.exit_code, result.stderr) == (
            2, "tinycrm: error: owner can be at most 500 characters, got 501\n"), args
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Ada"]


def test_an_owner_or_source_too_long_in_an_imported_row_rejects_the_row(cli, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,email,owner,source\n"
                      f"Ann,ann@ex.org,{'o' * 501},fair\n"
                      f"Bea,bea@ex.org,bob,{'s' * 501}\n"
                      "Cy,cy@ex.org,bob,fair\n")
    result = cli("import", str(people))
    assert result.exit_code == 1
    assert f"{people}:2: owner: longer than 500 characters (501)" in result.stderr
    assert f"{people}:3: source: longer than 500 characters (501)" in result.stderr
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == ["Cy"]


def test_a_search_for_bytes_that_are_not_utf8_is_refused_not_an_empty_result(db_path):
    # A name read from a Latin-1 file ("Jos\xe9") found nobody, with exit 0.
    base = [sys.executable, "-m", "tinycrm", "--db", str(db_path)]
    subprocess.run([*base, "add", "José"], check=True, capture_output=True)
    done = subprocess.run([*base, "search", b"Jos\xe9"], capture_output=True)
    assert done.returncode == 2, done.stderr
    assert b"not valid UTF-8" in done.stderr and done.stdout == b""


def test_files_whose_names_are_not_utf8_are_imported_backed_up_and_restored(tmp_path):
    # A folder or file named in Latin-1 (from an old zip, a Windows share) is a
    # real file: its name goes into the batch and the audit log as \xe9, not
    # "input that is not UTF-8" (exit 2) after the backup or restore was done.
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    folder.mkdir()
    db = tmp_path / "crm.db"
    people = folder / os.fsdecode(b"people-\xe9.csv")
    people.write_text("Name,Email\nAda Lovelace,ada@ex.org\n")
    imported = run_tinycrm("import", str(people), db=db, input=b"")
    assert imported.returncode == 0, imported.stderr
    batches = json.loads(run_tinycrm("imports", "-f", "json", db=db, input=b"").stdout)
    assert batches[0]["source"].endswith("caf\\xe9/people-\\xe9.csv")
    assert not list(tmp_path.glob("crm.db-import*"))  # no note left behind
    made = run_tinycrm("db", "backup", str(folder) + "/", db=db, input=b"")
    assert made.returncode == 0, made.stderr
    backup = os.fsdecode(made.stdout.strip())
    assert os.path.isfile(backup)
    assert run_tinycrm("add", "Bob", db=db).returncode == 0
    restored = run_tinycrm("db", "restore", backup, "--yes", db=db, input=b"")
    assert restored.returncode == 0, restored.stderr
    last = json.loads(run_tinycrm("audit", "-n", "1", "-f", "json", db=db, input=b"").stdout)
    assert last[0]["action"] == "restore" and "caf\\xe9/" in last[0]["after"]["from"]
    names = [c["name"] for c in json.loads(run_tinycrm("list", "-f", "json", db=db).stdout)]
    assert names == ["Ada Lovelace"]



def test_messages_show_a_paths_bytes_that_are_not_utf8_as_the_audit_log_does(tmp_path):
    # Restore's and export's messages showed a Latin-1 folder as caf\udce9
    # (Python's lone surrogate), while import and the audit log said caf\xe9.
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    folder.mkdir()
    (folder / "junk.db").write_text("not a database")
    db = tmp_path / "crm.db"

    def run(*args: str, answer: bytes = b""):
        return run_tinycrm(*args, db=db, input=answer)

    assert run("add", "Ada").returncode == 0
    backup = os.fsdecode(run("db", "backup", str(folder)).stdout.strip())
    shown = os.fsencode(tmp_path) + b"/caf\\xe9/"
    backup_shown = shown + os.fsencode(os.path.basename(backup))
    runs = {
        "no backup": (run("db", "restore", str(folder / "none.db"), "--yes"),
                      3, b"tinycrm: error: no backup file " + shown + b"none.db\n"),
        "not a backup": (run("db", "restore", str(folder / "junk.db"), "--yes"),
                         1, b"tinycrm: error: " + shown + b"junk.db is not a tinycrm database"
                         b" (file is not a database)\n"),
        "asked": (run("db", "restore", backup, answer=b"n\n"),
                  1, b"Replace everything in " + os.fsencode(db) + b" with " + backup_shown
                  + b"'s content? [y/N]: nothing restored (use --yes to skip the question)\n"),
        "restored": (run("db", "restore", backup, "--yes"),
                     0, b"restored 1 contacts from " + backup_shown + b"\n"),
        "no folder": (run("export", "-o", str(folder / os.fsdecode(b"n\xe9") / "x.csv")),
                      2, b"tinycrm: error: no folder " + shown + b"n\\xe9 to write x.csv in\n"),
        "exported": (run("export", "-o", str(folder / "x.csv")),
                     0, b"exported 1 contact to " + shown + b"x.csv\n"),
    }
    for name, (done, code, stderr) in runs.items():
        assert (done.returncode, done.stderr) == (code, stderr), name
