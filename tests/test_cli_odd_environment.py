"""The CLI in environments a user or cron can hand it: a non-UTF-8 locale,
an output encoding that can't hold every letter, stdout closed before the
help is printed, a database file that can't be written. One line on stderr
and a documented exit code, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import run_tinycrm


def _c_locale() -> dict[str, str]:
    """A locale with no UTF-8 at all (LC_ALL=C without Python's UTF-8 mode),
    as a minimal container or an old cron may have."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LANG", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8")}
    return {**env, "LC_ALL": "C", "PYTHONUTF8": "0"}


def test_commands_open_the_database_under_a_locale_without_utf8(db_path):
    env = _c_locale()
    added = run_tinycrm("add", "Ada Lovelace", db=db_path, env=env)
    assert (added.returncode, added.stderr) == (0, ""), added.stderr
    listed = run_tinycrm("list", "-f", "json", db=db_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Ada Lovelace"]


def _started_with(redirect: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m",
                           "tinycrm", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("redirect, reason", [
    (">&-", "standard output is closed"), (">/dev/full", "No space left on device")])
@pytest.mark.parametrize("option", ["--help", "-h"])
def test_the_root_help_with_nowhere_to_go_is_one_line(redirect, reason, option):
    if redirect == ">/dev/full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    result = _started_with(redirect, option)
    assert (result.returncode, result.stderr) == (
        1, f"tinycrm: error: can't write the output: {reason}\n")


def test_remind_dry_run_shows_a_letter_the_output_cant_as_the_channel_does(db_path):
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    for name in ("Łukasz Nowak", "José Núñez"):
        assert run_tinycrm("add", name, db=db_path).returncode == 0
    for ref in ("1", "2"):
        assert run_tinycrm("follow-up", "add", ref, "--due", "2026-11-20",
                           db=db_path).returncode == 0
    dry = run_tinycrm("remind", "--dry-run", db=db_path, env=env, input=b"")
    assert (dry.returncode, dry.stderr) == (0, b""), dry.stderr
    sent = run_tinycrm("remind", db=db_path, env=env, input=b"")
    assert (sent.returncode, sent.stderr) == (0, b""), sent.stderr
    assert dry.stdout == sent.stdout  # what would go is what goes
    assert b"?ukasz Nowak" in dry.stdout and "José Núñez".encode("latin-1") in dry.stdout


@pytest.mark.parametrize("encoding, shown", [("ascii", "ascii"), ("latin-1", "iso8859-1")])
@pytest.mark.parametrize("args", [("list", "-f", "json"), ("list", "-f", "csv"),
                                  ("export", "-f", "vcard"), ("show", "1", "-f", "json")])
def test_data_the_encoding_cant_hold_is_one_line_naming_the_letter(db_path, args, encoding,
                                                                   shown):
    assert run_tinycrm("add", "Zdeněk Dvořák", db=db_path).returncode == 0
    result = run_tinycrm(*args, db=db_path, env={**os.environ, "PYTHONIOENCODING": encoding})
    assert (result.returncode, result.stderr) == (
        1, f"tinycrm: error: the output's encoding ({shown}) can't show '\\u011b' (U+011B):"
           " use a UTF-8 locale (LANG=C.UTF-8) or PYTHONIOENCODING=utf-8\n")



@pytest.mark.parametrize("encoding, name", [("ascii", b"Zden?k Dvo??k"),
                                            ("latin-1", "Zden?k Dvo?ák".encode("latin-1"))])
@pytest.mark.parametrize("args", [("list",), ("show", "1"), ("report",)])
def test_a_table_shows_a_question_mark_for_a_letter_the_encoding_cant(db_path, args, encoding,
                                                                      name):
    # A table is for reading: one lost letter is better than no listing.
    assert run_tinycrm("add", "Zdeněk Dvořák", "--owner", "Zdeněk", db=db_path).returncode == 0
    result = run_tinycrm(*args, db=db_path, env={**os.environ, "PYTHONIOENCODING": encoding},
                         input=b"")
    assert (result.returncode, result.stderr) == (0, b"")
    assert (name if args[0] != "report" else b"Zden?k") in result.stdout

@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"PYTHONIOENCODING": "latin-1"},
                                 "C"], ids=["ascii", "latin-1", "LC_ALL=C"])
def test_a_cut_cell_ends_in_dots_where_the_encoding_has_no_ellipsis(db_path, env):
    """A "?" is a letter the terminal can't show; one at the end of every cut
    cell read as a name's lost last letter. Where "…" can't be shown, "...",
    and the columns after it still line up."""
    env = _c_locale() if env == "C" else {**os.environ, **env}
    for name in ("Bartholomew Featherstonehaugh-Cholmondeley III", "José Featherstonehaugh y Vega"
                 " de la Cholmondeley"):
        added = run_tinycrm("--no-rules", "add", name, "--company", "Acme", db=db_path)
        assert added.returncode == 0, added.stderr
    result = run_tinycrm("list", db=db_path, env=env, input=b"")
    assert (result.returncode, result.stderr) == (0, b"")
    header, bart, jose = result.stdout.splitlines()
    assert b"Bartholomew Featherstonehaugh-Cholmon...  " in bart and b"?" not in bart
    assert jose.startswith(b"2   Jos") and b"Featherstonehaugh y Vega de la C...  " in jose
    assert bart.index(b"Acme") == jose.index(b"Acme") == header.index(b"COMPANY")
    utf8 = run_tinycrm("list", db=db_path, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
                       input=b"")
    assert "Featherstonehaugh-Cholmonde…  ".encode() in utf8.stdout  # (one cell, as before)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_dry_runs_plan_shows_a_question_mark_for_a_letter_the_encoding_cant(db_path, tmp_path,
                                                                            encoding):
    # The plan of an import or a merge is for reading, as a table is: a lost
    # letter, not a dry run that ends in an encoding error.
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    people = tmp_path / "people.csv"
    people.write_text("Name,Email\nZdeněk Dvořák,zd@ex.org\n", encoding="utf-8")
    plan = run_tinycrm("import", "--dry-run", str(people), db=db_path, env=env, input=b"")
    assert plan.returncode == 0, plan.stderr
    assert b"create" in plan.stdout and b"Zden?k Dvo" in plan.stdout
    assert run_tinycrm("add", "Zdeněk Dvořák", "-e", "zd@ex.org", db=db_path).returncode == 0
    assert run_tinycrm("add", "Zdeněk D.", "-e", "zd2@ex.org", db=db_path).returncode == 0
    merge = run_tinycrm("merge", "--dry-run", "1", "2", db=db_path, env=env, input=b"")
    assert merge.returncode == 0, merge.stderr
    assert merge.stdout.splitlines()[0] == b"would merge 2 (Zden?k D.) into 1 (Zden?k Dvo" + (
        b"??k)" if encoding == "ascii" else "?ák)".encode("latin-1"))


@pytest.fixture
def read_only():
    """Make a file read-only for real: chmod for a user, the immutable flag
    for root (which chmod doesn't stop); skipped where neither works."""
    made: list = []

    def make(path) -> None:
        os.chmod(path, 0o400)
        made.append(path)
        if os.access(path, os.W_OK):  # root
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
            if done.returncode != 0:
                pytest.skip("can't make a file read-only for root here")

    yield make
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        os.chmod(path, 0o600)


def test_a_read_only_database_is_named_with_what_to_check(db_path, tmp_path, read_only):
    assert run_tinycrm("add", "Ada Lovelace", db=db_path).returncode == 0
    backup = tmp_path / "backup.db"
    assert run_tinycrm("db", "backup", str(backup), db=db_path).returncode == 0
    read_only(db_path)
    expected = (f"tinycrm: error: can't write to {db_path}: it is read-only (check the permissions"
                " of the file, its -wal and -shm, and its folder)\n")
    for args in (("add", "Bob"), ("tag", "1", "vip"), ("db", "restore", str(backup), "--yes")):
        result = run_tinycrm(*args, db=db_path)
        assert (result.returncode, result.stderr) == (1, expected), args
    listed = run_tinycrm("list", "-f", "json", db=db_path)
    assert [(c["name"], c["tags"]) for c in json.loads(listed.stdout)] == [("Ada Lovelace", [])]


def test_db_check_of_a_read_only_database_finds_nothing_wrong_it_could_not_check(db_path,
                                                                                  read_only):
    assert run_tinycrm("add", "Ada Lovelace", "-e", "ada@ex.org", db=db_path).returncode == 0
    read_only(db_path)
    result = run_tinycrm("db", "check", db=db_path)
    assert result.returncode == 0, result.stdout
    assert "search index: ok  not checked: the file is read-only" in result.stdout


def test_a_read_only_database_is_backed_up_and_says_it_is_not_audited(db_path, tmp_path,
                                                                      read_only):
    assert run_tinycrm("add", "Ada Lovelace", db=db_path).returncode == 0
    read_only(db_path)
    copy = tmp_path / "copy.db"
    result = run_tinycrm("db", "backup", str(copy), db=db_path)
    assert (result.returncode, result.stdout) == (0, f"{copy}\n"), result.stderr
    assert result.stderr.endswith("; not in the audit log: the database is read-only\n")
    listed = run_tinycrm("list", "-f", "json", db=copy)
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Ada Lovelace"]
