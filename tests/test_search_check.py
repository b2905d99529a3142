"""`db check` finds the search index out of step with the contacts (its rows,
its FTS5 index, its vocabulary: a line each) and names `db reindex`, which
rebuilds it. The drift is made with raw SQL on the file, as a crash in an old
version, an edit by hand or a bug would leave it."""

import json
import re
import sqlite3

import pytest

from tinycrm.store import search_upkeep

REMEDY = "; rebuild the search index: tinycrm db reindex"
GOOD = (
    "integrity:    ok\n"
    "foreign keys: ok\n"
    "search rows:  ok\n"
    "search index: ok\n"
    "search words: ok\n"
    "sort keys:    ok\n"
    "schema:       ok  up to date\n"
    "permissions:  ok  owner-only\n"
)
MALFORMED = ("search index: PROBLEM  the full-text index doesn't match the search rows"
             " (SQLite says: database disk image is malformed)" + REMEDY)


@pytest.fixture
def crm(cli, monkeypatch):
    """Four contacts, one deleted (ids 1, 3, 4, 5), worked out two at a time:
    the chunks' edges are crossed, and one falls in a gap between ids."""
    monkeypatch.setattr(search_upkeep, "CHUNK", 2)
    cli.ok("--no-rules", "add", "Ada Lovelace", "-e", "ada@ex.org", "--company", "Engines",
           "-t", "vip")
    cli.ok("--no-rules", "add", "Gone Person")
    cli.ok("--no-rules", "add", "Bob O'Brien", "-e", "bob@ex.org", "-t", "b2b", "-t", "alpha")
    cli.ok("--no-rules", "add", "José Núñez", "--company", "Ëmber")
    cli.ok("--no-rules", "add", "Eve Evans", "-e", "eve@ex.org")
    cli.ok("rm", "2", "--yes")
    return cli


def raw(db_path, *statements: str) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()


def search_lines(result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("search ")]


def found(cli, query: str) -> list[int]:
    return [c["id"] for c in json.loads(cli.ok("search", query, "-f", "json").stdout)]


def test_a_database_in_step_passes(crm):
    assert crm.ok("db", "check").stdout == GOOD


def drift(name, statements, lines, *, lost=None):
    """``lost``: (query, contact id) that search misses because of the drift."""
    return pytest.param(statements, lines, lost, id=name)


DRIFTS = [
    drift("a row deleted",
          ["DELETE FROM contact_search WHERE contact_id = 5"],
          ["search rows:  PROBLEM  1 contact has no search row (id 5)" + REMEDY,
           "search index: ok", "search words: ok"],
          lost=("eve", 5)),
    drift("contacts changed behind their rows' backs",
          ["UPDATE contacts SET name = 'Ada Byron' WHERE id = 1",
           "UPDATE contact_emails SET email = 'bobby@ex.org', email_key = 'bobby@ex.org'"
           " WHERE contact_id = 3",
           "UPDATE contacts SET company = 'Analytical' WHERE id = 4",
           "INSERT INTO contact_tags (contact_id, tag) VALUES (5, 'zebra')"],
          ["search rows:  PROBLEM  4 contacts' search rows are out of date"
           " (ids 1, 3, 4 and 1 more)" + REMEDY, "search index: ok", "search words: ok"],
          lost=("analytical", 4)),
    drift("a tag removed behind its row's back",
          ["DELETE FROM contact_tags WHERE contact_id = 3 AND tag = 'alpha'"],
          ["search rows:  PROBLEM  1 contact's search row is out of date (id 3)" + REMEDY,
           "search index: ok", "search words: ok"]),
    drift("a haystack rewritten",
          ["UPDATE contact_search SET haystack = 'ada lovelace' WHERE contact_id = 1"],
          ["search rows:  PROBLEM  1 contact's search row is out of date (id 1)" + REMEDY,
           "search index: ok", "search words: ok"],
          lost=("engines", 1)),
    drift("unindexed with a wrong value",
          ["INSERT INTO contact_search_fts(contact_search_fts, rowid, haystack)"
           " VALUES ('delete', 1, 'ada nobody')"],
          ["search rows:  ok", MALFORMED, "search words: ok"]),
    drift("unindexed",
          ["INSERT INTO contact_search_fts(contact_search_fts, rowid, haystack)"
           " SELECT 'delete', contact_id, haystack FROM contact_search WHERE contact_id = 3"],
          ["search rows:  ok", MALFORMED, "search words: ok"],
          lost=("obrien", 3)),
    drift("indexed twice",
          ["INSERT INTO contact_search_fts(rowid, haystack) VALUES (4, 'jose nunez')"],
          ["search rows:  ok", MALFORMED, "search words: ok"]),
    drift("the vocabulary's counts wrong",
          ["UPDATE contact_search_terms SET contacts = 5 WHERE term = 'ada'",
           "DELETE FROM contact_search_terms WHERE term = 'engines'",
           "INSERT INTO contact_search_terms (term, contacts) VALUES ('ghost', 1)"],
          ["search rows:  ok", "search index: ok",
           "search words: PROBLEM  3 words of the vocabulary have the wrong count of contacts"
           + REMEDY],
          lost=("engines", 1)),
    drift("a row of no contact",
          ["INSERT INTO contact_search (contact_id, name, haystack)"
           " VALUES (9, 'ghost', 'ghost town')"],
          ["search rows:  PROBLEM  1 search row belongs to no contact (id 9)" + REMEDY,
           MALFORMED,
           "search words: PROBLEM  2 words of the vocabulary have the wrong count of contacts"
           + REMEDY]),
]


@pytest.mark.parametrize(("statements", "lines", "lost"), DRIFTS)
def test_check_names_the_drift_and_reindex_repairs_it(crm, db_path, statements, lines, lost):
    raw(db_path, *statements)
    if lost:
        assert lost[1] not in found(crm, lost[0])
    result = crm("db", "check")
    assert result.exit_code == 1, result.output
    assert search_lines(result) == lines
    repaired = crm.ok("db", "reindex")
    assert re.fullmatch(r"reindexed 4 contacts in \d+\.\d\d s.*\n", repaired.stderr)
    assert crm.ok("db", "check").stdout == GOOD
    if lost:
        assert lost[1] in found(crm, lost[0])


def test_reindex_says_what_it_wrote(crm, db_path):
    raw(db_path, "DELETE FROM contact_search WHERE contact_id IN (1, 5)",
        "UPDATE contacts SET company = 'Analytical' WHERE id = 4",
        "INSERT INTO contact_search (contact_id, name, haystack) VALUES (9, 'ghost', 'ghost')",
        "UPDATE contact_search_terms SET contacts = 9 WHERE term = 'ex'")
    assert crm.ok("db", "reindex").stderr.endswith(
        " s (2 rows added, 1 rewritten, 1 removed, 1 word recounted,"
        " 1 contact's sort keys fixed)\n")
    assert re.fullmatch(r"reindexed 4 contacts in \d+\.\d\d s\n", crm.ok("db", "reindex").stderr)


def test_words_in_another_order_are_in_step(crm, db_path):
    """Search reads a row's words, not their order."""
    raw(db_path, "UPDATE contact_search SET haystack = 'vip engines org ex ada lovelace ada'"
                 " WHERE contact_id = 1")
    assert crm.ok("db", "check").stdout == GOOD
    raw(db_path, "UPDATE contact_search SET haystack = 'vip engines org ex ada lovelace'"
                 " WHERE contact_id = 1")
    assert "search rows:  PROBLEM  1 contact's search row is out of date (id 1)" \
        in crm("db", "check").stdout


def _tables(db_path) -> dict[str, list]:
    conn = sqlite3.connect(db_path)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        tables = {name: conn.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall()
                  for name in names if not name.startswith("contact_search_fts_")}
        tables["sqlite_master"] = conn.execute("SELECT * FROM sqlite_master").fetchall()
        return tables
    finally:
        conn.close()


def test_reindex_puts_back_what_drifted_and_changes_nothing_else(crm, db_path):
    before = _tables(db_path)
    raw(db_path, "DELETE FROM contact_search WHERE contact_id = 5",
        "UPDATE contact_search SET haystack = 'ada lovelace' WHERE contact_id = 1",
        "INSERT INTO contact_search_fts(contact_search_fts, rowid, haystack)"
        " VALUES ('delete', 3, 'nobody')",
        "UPDATE contact_search_terms SET contacts = 7 WHERE term = 'ex'",
        "INSERT INTO contact_search_terms (term, contacts) VALUES ('ghost', 1)")
    assert crm("db", "check").exit_code == 1
    crm.ok("db", "reindex")
    after = _tables(db_path)
    audit = after.pop("audit")
    assert audit[:-1] == before.pop("audit")
    assert after == before  # contact_search and its vocabulary included, as they were
    entry = json.loads(crm.ok("audit", "-n", "1", "-f", "json").stdout)[0]
    assert (entry["action"], entry["entity"], entry["actor"]) == ("reindex", "database", "alice")
    assert entry["after"] == {"contacts": 4, "added": 1, "rewritten": 1, "removed": 0,
                              "words": 2, "keys": 0}


def test_the_quick_check_finds_missing_rows_only(crm, db_path):
    raw(db_path, "UPDATE contacts SET company = 'Analytical' WHERE id = 4")
    quick = crm.ok("db", "check", "--quick")
    assert search_lines(quick) == [
        "search rows:  ok  every contact has one (the full check compares their words,"
        " the full-text index and the vocabulary)"]
    raw(db_path, "DELETE FROM contact_search WHERE contact_id = 5")
    result = crm("db", "check", "--quick")
    assert result.exit_code == 1
    assert search_lines(result) == [
        "search rows:  PROBLEM  1 contact has no search row (id 5)" + REMEDY]


def test_an_index_that_cannot_be_opened_needs_a_backup(crm, db_path):
    """Its structure record gone, FTS5 can't open the index to rebuild it."""
    raw(db_path, "DELETE FROM contact_search_fts_data WHERE id = 10")
    result = crm("db", "check")
    assert result.exit_code == 1
    assert search_lines(result)[1] == (
        "search index: PROBLEM  the full-text index can't be opened (SQLite says: vtable"
        " constructor failed: contact_search_fts); put a backup in its place:"
        " tinycrm db restore BACKUP")
    failed = crm("db", "reindex")
    assert failed.exit_code == 1 and "see `tinycrm db check`" in failed.stderr
    assert json.loads(crm.ok("audit", "-n", "1", "-f", "json").stdout)[0]["action"] == "delete"
