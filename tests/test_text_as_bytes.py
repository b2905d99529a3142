"""A contact's text that an edit in SQL left as bytes (a BLOB:
``UPDATE contacts SET name = CAST('Ada' AS BLOB)`` with the sqlite3 module) is
read as its text by every command, as the sort keys read it: `db check` and
`db reindex` worked out search words from the bytes and ended in a traceback,
`list` showed ``b'Ada King'`` and `dupes` or a JSON export crashed. The same
holds for emails, phones, tags, timeline text and follow-up notes."""

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


# Each column an edit in SQL may leave as bytes, the text it holds, and the
# commands that read it (each ended in a traceback or showed b'...').
_COLUMNS = {
    "email": ("contact_emails", "email", "ada@ex.org"),
    "phone": ("contact_phones", "phone", "+44 20 7946 0001"),
    "tag": ("contact_tags", "tag", "vip"),
    "event text": ("events", "text", "met at the engine works"),
    "follow-up note": ("followups", "note", "send the notes"),
}
_READERS = [
    ("db", "check"), ("db", "reindex"), ("list",), ("list", "-f", "json"), ("list", "-f", "csv"),
    ("search", "ada"), ("show", "1"), ("timeline", "1"), ("follow-up", "list"), ("remind",),
    ("export", "-f", "json"), ("export", "-f", "csv"), ("export", "-f", "vcard"),
    ("privacy", "export", "1"), ("tag", "1", "new"), ("edit", "1", "--title", "Countess"),
]
# Where each column's text is shown, so it is seen as text, not only not crashing.
_SHOWN_BY = {
    "email": [("show", "1"), ("list", "-f", "json"), ("export", "-f", "vcard")],
    "phone": [("show", "1"), ("list", "-f", "json"), ("export", "-f", "vcard")],
    "tag": [("show", "1"), ("list", "-f", "csv"), ("export", "-f", "json")],
    "event text": [("timeline", "1"), ("export", "-f", "json"), ("privacy", "export", "1")],
    "follow-up note": [("follow-up", "list"), ("remind",), ("privacy", "export", "1")],
}


@pytest.fixture(params=list(_COLUMNS))
def one_column_as_bytes(request, cli, db_path):
    """Ada (id 1) with an email, phone, tag, custom field, note and
    follow-up, and Ada Byron (2); one of Ada's columns an edit in SQL left
    as bytes."""
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org", "-p", "+44 20 7946 0001",
           "--company", "Engines", "-t", "vip")
    cli.ok("add", "Ada Byron", "-e", "byron@ex.org", "--company", "Engines")
    cli.ok("edit", "1", "--set", "fields.color=blue")
    cli.ok("log", "1", "met at the engine works")
    cli.ok("follow-up", "add", "1", "-d", "today", "-m", "send the notes")
    table, column, text = _COLUMNS[request.param]
    hand_edit(db_path, f"UPDATE {table} SET {column} = CAST({column} AS BLOB)"
                       f" WHERE CAST({column} AS TEXT) = '{text}'")
    return request.param, text


def test_every_command_reads_other_columns_as_text(cli, one_column_as_bytes):
    name, text = one_column_as_bytes
    for args in _READERS:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "b'" not in result.output, args
        if args in _SHOWN_BY[name]:
            assert text in result.stdout, args


def test_import_merge_and_erase_read_other_columns_as_text(cli, one_column_as_bytes, tmp_path):
    (tmp_path / "in.csv").write_text("name,email,tags\nAda L,ada@ex.org,vip\n")
    cli.ok("import", str(tmp_path / "in.csv"))
    cli.ok("merge", "1", "2", "--yes")
    for args in (("list", "-f", "json"), ("privacy", "export", "1")):
        assert "b'" not in cli.ok(*args).output
    cli.ok("privacy", "erase", "1", "--yes")
    assert cli.ok("db", "check").stdout == GOOD


def test_erase_takes_their_address_from_a_tag_left_as_bytes(cli, db_path):
    """A tag of someone else's that quotes them was left as it was when an
    edit in SQL had made it bytes (privacy export listed it as a mention)."""
    zoe = int(cli.ok("--no-rules", "add", "Zoe Q", "-e", "zoe@q.example").stdout)
    bea = int(cli.ok("--no-rules", "add", "Bea", "-t", "via zoe@q.example").stdout)
    hand_edit(db_path, "UPDATE contact_tags SET tag = CAST(tag AS BLOB)")
    cli.ok("privacy", "erase", str(zoe), "--yes")
    assert json.loads(cli.ok("show", str(bea), "-f", "json").stdout)["tags"] == ["via [erased]"]
    conn = sqlite3.connect(db_path)
    try:
        assert b"zoe@q.example" not in b"".join(
            bytes(str(row), "utf-8") for row in conn.execute("SELECT * FROM contact_tags"))
    finally:
        conn.close()
