"""The schema as a whole, old databases, new ones, and files that aren't ours."""

import sqlite3

import pytest

from tinycrm.store import DatabaseError, Store
from tinycrm.store.db import known_migrations

from .conftest import run_tinycrm

EXPECTED_TABLES = {
    "_sqlite_migrations", "contacts", "contact_emails", "contact_phones", "contact_tags",
    "events", "followups", "deliveries", "audit", "import_batches", "import_items",
    "contact_search", "contact_search_fts", "contact_search_terms", "contact_id_mark",
    "followups_gone", "sequence_floor", "followup_id_mark",
}


def schema(path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    tables = [
        r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'contact_search_fts_%' ORDER BY name"
        )
    ]
    result = {t: [(c[1], c[2], c[3], c[5]) for c in conn.execute(f"PRAGMA table_info('{t}')")]
              for t in tables}
    conn.close()
    return result


def test_blank_database_gets_the_whole_schema(db_path):
    Store(db_path, user="alice").close()
    tables = schema(db_path)
    assert set(tables) == EXPECTED_TABLES
    assert tables["contacts"] == [
        ("id", "INTEGER", 0, 1), ("uid", "TEXT", 1, 0), ("name", "TEXT", 1, 0),
        ("first_name", "TEXT", 0, 0), ("last_name", "TEXT", 0, 0), ("company", "TEXT", 0, 0),
        ("title", "TEXT", 0, 0), ("stage", "TEXT", 1, 0), ("tier", "TEXT", 1, 0),
        ("owner", "TEXT", 1, 0), ("source", "TEXT", 0, 0), ("birthday", "TEXT", 0, 0),
        ("fields", "TEXT", 1, 0), ("cadence_days", "INTEGER", 0, 0),
        ("created_at", "TEXT", 1, 0), ("updated_at", "TEXT", 1, 0),
        ("last_contacted_at", "TEXT", 0, 0), ("version", "INTEGER", 1, 0),
        ("import_batch", "INTEGER", 0, 0), ("name_key", "TEXT", 0, 0),
        ("company_key", "TEXT", 0, 0),
    ]
    assert [c[0] for c in tables["followups"]] == [
        "id", "contact_id", "due_at", "note", "owner", "status", "every", "rule",
        "created_at", "updated_at", "done_at", "reminded", "snoozes", "previous_id", "revision",
        "missed_at",
    ]
    assert [c[0] for c in tables["events"]] == [
        "id", "contact_id", "kind", "text", "at", "author", "score", "data", "created_at",
    ]
    conn = sqlite3.connect(db_path)
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == known_migrations()
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"followups_open_due", "followups_owner_open_due", "events_contact_at"} <= indexes
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_connection_settings(store):
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_files_are_owner_only(db_path, store):
    store.contacts.add("Secretive")
    assert (db_path.stat().st_mode & 0o777) == 0o600
    assert (db_path.parent.stat().st_mode & 0o777) == 0o700
    for suffix in ("-wal", "-shm"):
        side = db_path.with_name(db_path.name + suffix)
        if side.exists():
            assert (side.stat().st_mode & 0o777) == 0o600


def test_loose_permissions_are_tightened(db_path):
    Store(db_path, user="a").close()
    db_path.chmod(0o644)
    Store(db_path, user="a").close()
    assert (db_path.stat().st_mode & 0o777) == 0o600


def test_tightening_keeps_a_read_only_file_read_only(db_path):
    Store(db_path, user="a").close()
    db_path.chmod(0o444)
    Store(db_path, user="a").close()
    assert (db_path.stat().st_mode & 0o777) == 0o400


def test_reopening_applies_nothing_twice(db_path):
    Store(db_path, user="a").close()
    with Store(db_path, user="a") as again:
        assert again.migrated == []


def older_database(path, stop_before: str, *statements) -> None:
    """A database as a tinycrm from before ``stop_before`` left it, with
    ``statements`` (SQL, or SQL and its parameters) run on it."""
    from sqlite_utils import Database

    from tinycrm.store.migrations import migrations

    path.parent.mkdir(exist_ok=True)
    db = Database(path)
    migrations.apply(db, stop_before=stop_before)
    for statement in statements:
        sql, params = (statement, []) if isinstance(statement, str) else statement
        db.execute(sql, params)
    db.conn.commit()
    db.close()


ADA = ("INSERT INTO contacts (uid, name, owner, created_at, updated_at)"
       " VALUES ('u1', 'Ada', 'alice', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')")


def test_old_schema_with_data_is_upgraded(db_path):
    """A database made before the search index existed gets it, with its data indexed."""
    older_database(db_path, "m002_search_index", ADA)
    with Store(db_path, user="alice") as store:
        assert "m002_search_index" in store.migrated
        assert store.contacts.get(1).name == "Ada"


def test_command_lines_recorded_by_older_versions_are_cleared(db_path):
    older_database(db_path, "m047_no_command_lines_in_deliveries", ADA, *(
        ("INSERT INTO deliveries (item, contact_id, due_at, channel, recipient, delivered_at,"
         " state) VALUES ('cadence:1', 1, '2026-01-01T00:00:00Z', ?, ?, '2026-01-01T00:00:00Z',"
         " 'sent')", [channel, recipient])
        for channel, recipient in (("command", "curl https://hooks.example/T0k3n"),
                                   ("email", "alice@ex.org"))))
    with Store(db_path, user="alice") as store:
        assert "m047_no_command_lines_in_deliveries" in store.migrated
        assert store.conn.execute("SELECT channel, recipient FROM deliveries ORDER BY id").fetchall() == [
            ("command", None), ("email", "alice@ex.org")]


def test_deliveries_made_before_owners_were_recorded_are_the_present_owners(db_path):
    from tinycrm.store.reminders import Reminders

    older_database(
        db_path, "m048_deliveries_per_owner", ADA,
        "UPDATE contacts SET cadence_days = 7",
        "INSERT INTO followups (contact_id, due_at, note, owner, status, created_at, updated_at,"
        " reminded) VALUES (1, '2026-01-01T00:00:00Z', 'call', 'bob', 'open',"
        " '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', 0)",
        *(("INSERT INTO deliveries (item, contact_id, followup_id, due_at, channel, delivered_at,"
           " state) VALUES (?, 1, ?, '2026-01-01T00:00:00Z', 'stdout', '2026-01-01T00:00:00Z',"
           " 'sent')", [item, followup])
          for item, followup in (("followup:1", 1), ("cadence:1", None))))
    with Store(db_path, user="alice") as store:
        assert "m048_deliveries_per_owner" in store.migrated
        assert [(d.item, d.owner) for d in Reminders(store).deliveries()] == [
            ("cadence:1", "alice"), ("followup:1", "bob")]
        # What was delivered is not delivered again by the upgrade.
        assert Reminders(store).due("stdout", owner="bob", include_cadence=False) == []


def test_database_from_the_future_is_refused_untouched(db_path):
    Store(db_path, user="a").close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('tinycrm', 'm999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.execute("PRAGMA journal_mode = DELETE")   # as a newer tinycrm might leave it
    conn.close()
    db_path.chmod(0o640)
    before = db_path.read_bytes()
    with pytest.raises(DatabaseError, match="newer tinycrm"):
        Store(db_path, user="a")
    assert db_path.read_bytes() == before
    assert db_path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]
    result = run_tinycrm("list", db=db_path)
    assert result.returncode == 1
    assert "newer tinycrm" in result.stderr and "Traceback" not in result.stderr


def test_a_file_that_is_not_sqlite(tmp_path, cli):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("this is not a database\n" * 100)
    with pytest.raises(DatabaseError, match="not a tinycrm database"):
        Store(bogus, user="a")
    result = run_tinycrm("list", db=bogus)
    assert result.returncode == 1
    assert "not a tinycrm database" in result.stderr
    assert "Traceback" not in result.stderr
    assert bogus.read_text().startswith("this is not a database")


@pytest.mark.parametrize("schema", [
    "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)",      # Firefox's places.sqlite
    "CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT);"
    " INSERT INTO _sqlite_migrations VALUES ('llm', 'm001_initial', '2024-01-01');"
    " CREATE TABLE responses (id TEXT)",                                # another sqlite-utils app
])
def test_another_programs_database_is_refused_untouched(tmp_path, schema):
    other = tmp_path / "places.sqlite"
    conn = sqlite3.connect(other)
    conn.executescript(schema)
    conn.close()
    other.chmod(0o644)
    before = other.read_bytes()
    result = run_tinycrm("list", "-f", "json", db=other)
    assert result.returncode == 1 and result.stdout == ""
    assert "is another program's SQLite database" in result.stderr
    assert "It was left untouched" in result.stderr and "Traceback" not in result.stderr
    assert other.read_bytes() == before
    assert (other.stat().st_mode & 0o777, sorted(p.name for p in tmp_path.iterdir())) == (
        0o644, ["places.sqlite"])


def test_a_file_damaged_after_it_was_made_is_one_line(db_path):
    with Store(db_path, user="a") as store:
        for i in range(300):
            store.contacts.add(f"Person {i}", emails=[f"p{i}@ex.org"])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        [(root,)] = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contacts'")
        [(size,)] = store.conn.execute("PRAGMA page_size")
    with open(db_path, "r+b") as raw:   # the contacts table's first page
        raw.seek((root - 1) * size)
        raw.write(b"\xde\xad" * (size // 2))
    result = run_tinycrm("list", db=db_path)
    assert result.returncode == 1
    assert result.stderr == ("tinycrm: error: the database file is damaged (database disk image"
                             " is malformed): see `tinycrm db check`\n")


def test_deliveries_of_a_contact_deleted_with_foreign_keys_off_dont_stop_the_upgrade(db_path):
    from tinycrm.store.reminders import Reminders

    # (Contact 2 was deleted by hand in the sqlite3 shell, foreign keys off.)
    older_database(db_path, "m048_deliveries_per_owner", ADA, *(
        ("INSERT INTO deliveries (item, contact_id, due_at, channel, delivered_at, state)"
         " VALUES (?, ?, '2026-01-01T00:00:00Z', 'stdout', '2026-01-01T00:00:00Z', 'sent')",
         [f"cadence:{contact}", contact]) for contact in (1, 2)))
    with Store(db_path, user="alice") as store:
        assert "m048_deliveries_per_owner" in store.migrated
        assert [d.item for d in Reminders(store).deliveries()] == ["cadence:1"]


def test_follow_ups_from_before_revisions_count_their_changes_from_the_upgrade(db_path):
    from datetime import timedelta

    from tinycrm.store.timeutil import from_db

    older_database(
        db_path, "m049_followup_revisions", ADA,
        "INSERT INTO followups (contact_id, due_at, note, owner, status, created_at, updated_at)"
        " VALUES (1, '2026-01-01T00:00:00Z', 'call', 'alice', 'open',"
        " '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')")
    with Store(db_path, user="alice") as store:
        assert "m049_followup_revisions" in store.migrated
        assert store.followups.get(1).revision == 0
        later = from_db("2026-01-01T00:00:00Z")
        store.followups.snooze(1, later + timedelta(days=1), now=later)
        store.followups.reschedule(1, later + timedelta(days=2), now=later)
        assert store.followups.get(1).revision == 2
        store.conn.execute("UPDATE followups SET reminded = 1 WHERE id = 1")  # (bookkeeping)
        assert store.followups.get(1).revision == 2


def test_follow_ups_from_before_m055_leave_calendars_when_deleted(db_path):
    """The trigger that keeps a deleted follow-up's cancelled event works
    out the SEQUENCE the export gave it: one of an upgraded database too."""
    import io

    import icalendar

    from tinycrm.store.formats.ics import write_ics
    from tinycrm.store.timeutil import from_db

    older_database(
        db_path, "m055_followups_gone_from_calendars", ADA,
        "INSERT INTO followups (contact_id, due_at, note, owner, status, created_at, updated_at,"
        " revision) VALUES (1, '2026-01-01T00:00:00Z', 'call', 'alice', 'open',"
        " '2020-01-01T00:00:00Z', '2020-01-01T00:01:40Z', 3)")

    def export(store, now) -> list:
        out = io.StringIO()
        write_ics(store, out, now=now)
        return icalendar.Calendar.from_ical(out.getvalue()).walk("VEVENT")

    now = from_db("2026-01-01T00:00:00Z")
    with Store(db_path, user="alice") as store:
        assert "m055_followups_gone_from_calendars" in store.migrated
        [before] = export(store, now)
        assert int(before["SEQUENCE"]) == 103  # (100 seconds and 3 changes)
        store.contacts.delete(1, now=now)
        [after] = export(store, now)
        assert (str(after["UID"]), str(after["STATUS"])) == (str(before["UID"]), "CANCELLED")
        assert int(after["SEQUENCE"]) == 104


def test_cadence_reminders_sent_before_local_days_are_not_sent_again(db_path):
    """Before m050 a cadence came due 30 x 24 h after the last contact; it is
    now 30 local days, an hour earlier across the start of summer time. A
    reminder sent at the old due time counts for the new one."""
    from tinycrm.store.reminders import Reminders
    from tinycrm.store.timeutil import from_db

    from .followup_helpers import local_zone

    with local_zone("Europe/Amsterdam"):
        older_database(
            db_path, "m050_cadence_deliveries_in_local_days", ADA,
            "UPDATE contacts SET cadence_days = 30, last_contacted_at = '2026-03-01T22:30:00Z'",
            "INSERT INTO deliveries (item, contact_id, due_at, channel, owner, delivered_at,"
            " state) VALUES ('cadence:1', 1, '2026-03-31T22:30:00Z', 'stdout', 'alice',"
            " '2026-03-31T22:31:00Z', 'sent')")
        with Store(db_path, user="alice") as store:
            assert "m050_cadence_deliveries_in_local_days" in store.migrated
            [(due,)] = store.conn.execute("SELECT due_at FROM deliveries").fetchall()
            assert due == "2026-03-31T21:30:00Z"
            assert Reminders(store).due("stdout", now=from_db("2026-04-02T00:00:00Z")) == []


# m002 as versions before 09f9759 made it (a trigram index fed by an insert
# trigger, no vocabulary), with a search row of that time.
TRIGRAM_SEARCH_INDEX = (
    "DROP TRIGGER contact_search_ad", "DROP TRIGGER contact_search_au",
    "DROP TABLE contact_search_terms", "DROP TABLE contact_search_fts",
    "CREATE VIRTUAL TABLE contact_search_fts USING fts5(haystack, content='contact_search',"
    " content_rowid='contact_id', tokenize='trigram')",
    "CREATE TRIGGER contact_search_ai AFTER INSERT ON contact_search BEGIN"
    " INSERT INTO contact_search_fts(rowid, haystack) VALUES (new.contact_id, new.haystack); END",
    "CREATE TRIGGER contact_search_ad AFTER DELETE ON contact_search BEGIN"
    " INSERT INTO contact_search_fts(contact_search_fts, rowid, haystack)"
    " VALUES ('delete', old.contact_id, old.haystack); END",
    "CREATE TRIGGER contact_search_au AFTER UPDATE ON contact_search BEGIN"
    " INSERT INTO contact_search_fts(contact_search_fts, rowid, haystack)"
    " VALUES ('delete', old.contact_id, old.haystack);"
    " INSERT INTO contact_search_fts(rowid, haystack) VALUES (new.contact_id, new.haystack); END",
)


def test_search_index_from_before_m002_was_rewritten_is_made_again(db_path):
    """m002 was rewritten after it landed: a database from before kept the
    trigram index, and search (and `db reindex`) failed on it after the upgrade."""
    from tinycrm.store.maintenance import check

    fresh = db_path.with_name("fresh.db")
    Store(fresh, user="alice").close()
    older_database(
        db_path, "m053_search_index_of_words_for_trigram_databases", *TRIGRAM_SEARCH_INDEX, ADA,
        "INSERT INTO contact_emails (contact_id, position, email, email_key)"
        " VALUES (1, 0, 'ada@example.org', 'ada@example.org')",
        "INSERT INTO contact_search VALUES (1, 'ada', 'ada ada@example.org')")
    with Store(db_path, user="alice") as store:
        assert [c.id for c, _ in store.search.search("example")] == [1]
        assert "m053_search_index_of_words_for_trigram_databases" in store.migrated
        assert check(store).ok, check(store)
        store.contacts.add("Adam", owner="alice")
        assert [c.name for c, _ in store.search.search("ada")] == ["Ada", "Adam"]
    assert schema(db_path) == schema(fresh)
