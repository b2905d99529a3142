"""`db check` finds contacts whose sort keys (store/sortkeys.py) are not their
name's and company's, as a contact added or renamed with the sqlite3 shell or
sqlite-utils leaves them, and `db reindex` works them out again. The keys are
broken with raw SQL on the file, as such a hand edit would."""

import json
import re

import pytest

from tinycrm.store import sortkeys

from .conftest import run_tinycrm
from .test_search_check import GOOD, raw

ADDED_IN_SQL = (
    "INSERT INTO contacts (uid, name, company, owner, created_at, updated_at)"
    " VALUES ('hand-1', 'Émile Zola', 'Łódź Co', 'alice', '2026-01-01T00:00:00+00:00',"
    " '2026-01-01T00:00:00+00:00')")
RENAMED_IN_SQL = "UPDATE contacts SET name = 'Aaron Ash' WHERE id = 3"
REMEDY = ": out of place in the list and not found by name; work them out again: tinycrm db reindex"


@pytest.fixture
def crm(cli, monkeypatch):
    """Four contacts (ids 1 to 4), their keys worked out two at a time: the
    chunks' edges are crossed."""
    monkeypatch.setattr(sortkeys, "_CHUNK", 2)
    for name in ("Bea Berg", "Carl Cole", "Zoe Zeller", "Dan Dorn"):
        cli.ok("--no-rules", "add", name)
    return cli


def keys_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("sort keys:"))


def names(cli) -> list[str]:
    return [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)]


def test_keys_in_step_pass(crm):
    assert keys_line(crm.ok("db", "check").stdout) == "sort keys:    ok"


def test_a_hand_edit_is_found_and_reindex_works_the_keys_out_again(crm, db_path):
    raw(db_path, ADDED_IN_SQL, RENAMED_IN_SQL)
    # What the README says of them: out of place, and not found by name.
    assert names(crm) == ["Émile Zola", "Bea Berg", "Carl Cole", "Dan Dorn", "Aaron Ash"]
    assert crm("show", "émile zola").exit_code == 3
    result = crm("db", "check")
    assert result.exit_code == 1, result.output
    assert keys_line(result.stdout) == (
        "sort keys:    PROBLEM  2 contacts' sort keys are out of date (ids 3, 5)" + REMEDY)
    repaired = crm.ok("db", "reindex")
    assert re.fullmatch(r"reindexed 5 contacts in \d+\.\d\d s \(.*, 2 contacts' sort keys fixed\)\n",
                        repaired.stderr), repaired.stderr
    assert crm.ok("db", "check").stdout == GOOD
    assert names(crm) == ["Aaron Ash", "Bea Berg", "Carl Cole", "Dan Dorn", "Émile Zola"]
    assert json.loads(crm.ok("show", "émile zola", "-f", "json").stdout)["id"] == 5
    by_company = json.loads(crm.ok("list", "--sort", "company", "-f", "json").stdout)
    assert by_company[-1]["name"] == "Émile Zola"
    entry = json.loads(crm.ok("audit", "-n", "1", "-f", "json").stdout)[0]
    assert (entry["action"], entry["after"]["keys"]) == ("reindex", 2)
    # Nothing left to fix: the second one says nothing of keys.
    assert "sort keys" not in crm.ok("db", "reindex").stderr


def test_one_stale_key_is_named_in_the_singular(crm, db_path):
    raw(db_path, "UPDATE contacts SET company = 'Ørsted' WHERE id = 4")
    assert keys_line(crm("db", "check").stdout) == (
        "sort keys:    PROBLEM  1 contact's sort keys are out of date (id 4)" + REMEDY)
    assert crm.ok("db", "reindex").stderr.endswith(", 1 contact's sort keys fixed)\n")


def test_the_quick_check_finds_missing_keys_only(crm, db_path):
    raw(db_path, RENAMED_IN_SQL)
    assert keys_line(crm.ok("db", "check", "--quick").stdout) == (
        "sort keys:    ok  every contact has them (the full check compares them with the names)")
    raw(db_path, ADDED_IN_SQL)
    result = crm("db", "check", "--quick")
    assert result.exit_code == 1
    assert keys_line(result.stdout) == (
        "sort keys:    PROBLEM  1 contact has no sort keys (id 5)" + REMEDY)


def test_a_real_process_reports_and_repairs(crm, db_path):
    raw(db_path, ADDED_IN_SQL)
    checked = run_tinycrm("db", "check", db=db_path)
    assert checked.returncode == 1, checked.stderr
    assert keys_line(checked.stdout).startswith("sort keys:    PROBLEM  1 contact's sort keys")
    repaired = run_tinycrm("db", "reindex", db=db_path)
    assert repaired.returncode == 0, repaired.stderr
    assert "1 contact's sort keys fixed" in repaired.stderr
    again = run_tinycrm("db", "check", db=db_path)
    assert (again.returncode, again.stdout) == (0, GOOD)
