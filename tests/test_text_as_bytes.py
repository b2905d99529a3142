"""A contact's text that an edit in SQL left as bytes (a BLOB:
``UPDATE contacts SET name = CAST('Ada' AS BLOB)`` with the sqlite3 module) is
read as its text by every command, as the sort keys read it: `db check` and
`db reindex` worked out search words from the bytes and ended in a traceback,
`list` showed ``b'Ada King'`` and `dupes` or a JSON export crashed."""

import json
import sqlite3

import pytest

from .test_search_check import GOOD


def hand_edit(db_path, sql: str) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute(sql)
    finally:
        conn.close()


@pytest.fixture
def crm(cli, db_path):
    """Ada (id 1), whose name an edit in SQL left as bytes, and Ada Byron."""
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org", "--company", "Engines")
    cli.ok("add", "Ada Byron", "-e", "byron@ex.org", "--company", "Engines")
    hand_edit(db_path, "UPDATE contacts SET name = CAST('Ada King' AS BLOB),"
                       " company = CAST('Engines' AS BLOB) WHERE id = 1")
    return cli


def test_db_check_names_what_the_edit_left_and_reindex_repairs_it(crm):
    checked = crm("db", "check")
    assert checked.exit_code == 1, checked.output
    assert "search rows:  PROBLEM  1 contact's search row is out of date (id 1)" in checked.stdout
    assert "sort keys:    PROBLEM  1 contact's sort keys are out of date (id 1)" in checked.stdout
    crm.ok("db", "reindex")
    assert crm.ok("db", "check").stdout == GOOD


def test_the_contact_is_listed_found_and_shown_by_its_text(crm):
    crm.ok("db", "reindex")
    listed = json.loads(crm.ok("list", "-f", "json").stdout)
    assert [(c["id"], c["name"], c["company"]) for c in listed] == [
        (2, "Ada Byron", "Engines"), (1, "Ada King", "Engines")]
    assert crm.ok("list").stdout.splitlines()[2].startswith("1   Ada King   ")
    assert [c["id"] for c in json.loads(crm.ok("search", "king", "-f", "json").stdout)] == [1]
    for ref in ("1", "ada king", "ada@ex.org"):
        assert "name            Ada King\n" in crm.ok("show", ref).stdout, ref


@pytest.mark.parametrize("args", [
    ("dupes",), ("export", "-f", "json"), ("export", "-f", "vcard"), ("follow-up", "list"),
    ("privacy", "export", "1"), ("tag", "1", "vip"), ("edit", "1", "--title", "Countess"),
    ("merge", "1", "2", "--yes"),
], ids=" ".join)
def test_other_commands_read_it_as_text(crm, args):
    result = crm.ok(*args)
    assert "b'" not in result.output
    if args[0] in ("export", "privacy", "follow-up"):
        assert "Ada King" in result.stdout


def test_bytes_that_are_not_utf8_are_replaced(cli, db_path):
    cli.ok("add", "Ada Lovelace")
    hand_edit(db_path, "UPDATE contacts SET name = X'416461E9' WHERE id = 1")
    cli.ok("db", "reindex")
    assert cli.ok("db", "check").stdout == GOOD
    assert json.loads(cli.ok("list", "-f", "json").stdout)[0]["name"] == "Ada\ufffd"
