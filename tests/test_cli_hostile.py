"""Input a shell can hand the CLI by mistake or on purpose: numbers past what
SQLite stores, bytes that are not UTF-8. A message and exit code 2, never a
traceback, and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

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


def test_the_delete_prompt_shows_a_name_without_its_control_codes(cli):
    cli.ok("add", "Evil\x1b[31mRED\x1b[0m\x07\x08X\u202eabc", "--email", "e@example.org")
    result = cli("rm", "e@example.org", input="n\n")
    assert result.exit_code != 0  # declined: nothing deleted
    assert "Delete contact 1 (EvilREDXabc)?" in result.stderr
    assert not any(c in result.stderr for c in "\x1b\x07\x08\u202e")
    assert cli.ok("show", "1", "-f", "json").stdout
