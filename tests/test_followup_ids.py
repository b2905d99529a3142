"""A follow-up's id is never given again once it is deleted (with its
contact, an import's undo, an erasure): the audit log's `followup 222` is one
follow-up, and a script that kept an id never acts on another's. However the
follow-up is made: by hand, as a recurring one's next, by a rule, by an
import's rules, or after a restore."""

from __future__ import annotations

import json

from tinycrm.store import Store

from .import_helpers import database_before


def followups(cli, ref: str) -> list[int]:
    return [f["id"] for f in json.loads(
        cli.ok("follow-up", "list", "--all", "-f", "json").stdout) if str(f["contact_id"]) == ref]


def two_with_one_gone(cli) -> str:
    """Ada keeps follow-up 1; follow-up 2 goes with Bob. Ada's id."""
    ada = cli.ok("--no-rules", "add", "Ada").stdout.strip()
    bob = cli.ok("--no-rules", "add", "Bob").stdout.strip()
    assert cli.ok("follow-up", "add", ada, "-d", "2030-01-01", "-m", "Call").stdout == "1\n"
    assert cli.ok("follow-up", "add", bob, "-d", "2030-01-02", "-m", "Visit").stdout == "2\n"
    cli.ok("rm", bob, "--yes")
    return ada


def test_a_follow_up_added_after_one_was_deleted_gets_a_new_id(cli):
    ada = two_with_one_gone(cli)
    assert cli.ok("follow-up", "add", ada, "-d", "2030-01-03", "-m", "Write").stdout == "3\n"
    assert [a["entity_id"] for a in json.loads(cli.ok("audit", "-f", "json").stdout)
            if a["entity"] == "followup" and a["action"] == "create"] == [3, 2, 1]


def test_a_recurring_ones_next_gets_a_new_id(cli):
    ada = cli.ok("--no-rules", "add", "Ada").stdout.strip()
    bob = cli.ok("--no-rules", "add", "Bob").stdout.strip()
    cli.ok("follow-up", "add", ada, "-d", "2030-01-01", "--every", "1w")
    cli.ok("follow-up", "add", bob, "-d", "2030-01-02")
    cli.ok("rm", bob, "--yes")
    cli.ok("follow-up", "done", "1")
    assert sorted(followups(cli, ada)) == [1, 3]


def test_a_rules_follow_ups_get_new_ids(cli):
    ada = two_with_one_gone(cli)
    # The new-lead rule makes one for each new lead, two in one import.
    cee = cli.ok("add", "Cee").stdout.strip()
    assert followups(cli, cee) == [3]
    cli.ok("rm", cee, "--yes")
    cli.ok("import", "-", input="Name,Email\nDee,dee@ex.org\nEve,eve@ex.org\n")
    made = json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
    assert sorted(f["id"] for f in made if str(f["contact_id"]) != ada) == [4, 5]


def test_a_restore_keeps_the_ids_made_since_the_backup(cli, tmp_path):
    ada = cli.ok("--no-rules", "add", "Ada").stdout.strip()
    cli.ok("follow-up", "add", ada, "-d", "2030-01-01")
    backup = tmp_path / "b.db"
    cli.ok("db", "backup", str(backup))
    cli.ok("follow-up", "add", ada, "-d", "2030-01-02")
    cli.ok("follow-up", "add", ada, "-d", "2030-01-03")
    cli.ok("db", "restore", str(backup), "--yes")
    assert cli.ok("follow-up", "add", ada, "-d", "2030-01-04").stdout == "4\n"


def test_a_database_from_before_m057_gives_no_id_its_audit_log_names(tmp_path):
    db_path = tmp_path / "old" / "crm.db"
    db = database_before(db_path, "m057_followup_id_mark")
    db.execute("INSERT INTO contacts (uid, name, owner, created_at, updated_at) VALUES"
               " ('u1', 'Ada', 'alice', '2026-11-23T09:00:00Z', '2026-11-23T09:00:00Z')")
    db.execute("INSERT INTO audit (at, actor, action, entity, entity_id, contact_id)"
               " VALUES ('2026-11-23T09:30:00Z', 'alice', 'delete', 'followup', 7, 1)")
    db.conn.commit()
    db.close()
    with Store(db_path, user="alice") as store:
        assert "m057_followup_id_mark" in store.migrated
        from tinycrm.store.timeutil import from_db

        assert store.followups.add(1, from_db("2030-01-01T00:00:00Z")).id == 8
