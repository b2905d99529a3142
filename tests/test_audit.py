"""The audit log: an entry for every kind of change, who made it, and the
fields before and after; `tinycrm audit [REF] [--since]` shows them."""

import json
import time
from datetime import timedelta

import pytest

from tinycrm.commands.crm import changes_text
from tinycrm.store.maintenance import backup
from tinycrm.store.privacy import erase, export
from tinycrm.store.rules import sweep
from tinycrm.store.search_upkeep import reindex
from tinycrm.store.team import assign

from .conftest import FROZEN


def entries(store, contact_id=None):
    return [(a.action, a.entity, a.entity_id, a.actor)
            for a in reversed(store.audit.list(contact_id))]


def test_every_kind_of_change_is_audited(store, clock, tmp_path):
    ada = store.contacts.add("Ada", emails=["ada@ex.org"], tier="vip")            # + new-lead rule
    store.contacts.edit(ada.id, {"company": "Engines"})
    store.contacts.tag(ada.id, ["complaint"])                                      # + complaint rule
    store.contacts.untag(ada.id, ["complaint"])
    store.contacts.edit(ada.id, {"stage": "customer"})
    assign(store, ada.id, "bob")                                                   # + 2 follow-ups move
    f = store.followups.add(ada.id, FROZEN + timedelta(days=2), note="call", owner="bob")
    store.followups.snooze(f.id, FROZEN + timedelta(days=3))
    store.followups.reschedule(f.id, FROZEN + timedelta(days=1))
    store.followups.done(f.id)
    store.followups.cancel(store.followups.add(ada.id, FROZEN + timedelta(days=5)).id)
    call = store.timeline.log(ada.id, "call", "hello")
    clock.now = FROZEN + timedelta(days=40)
    sweep(store, clock.now)                                                        # vip-silence rule
    export(store, ada.id)
    backup(store, tmp_path / "copy.db")
    reindex(store)
    bob = store.contacts.add("Bob", stage="customer")
    store.contacts.delete(bob.id)
    assert entries(store) == [
        ("create", "contact", 1, "alice"),
        ("create", "followup", 1, "alice"),
        ("update", "contact", 1, "alice"),
        ("update", "contact", 1, "alice"),
        ("create", "followup", 2, "alice"),
        ("update", "contact", 1, "alice"),
        ("update", "contact", 1, "alice"),
        ("update", "contact", 1, "alice"),
        ("update", "followup", 1, "alice"),
        ("update", "followup", 2, "alice"),
        ("create", "followup", 3, "alice"),
        ("snooze", "followup", 3, "alice"),
        ("reschedule", "followup", 3, "alice"),
        ("done", "followup", 3, "alice"),
        ("create", "followup", 4, "alice"),
        ("cancel", "followup", 4, "alice"),
        ("log", "event", call.id, "alice"),
        ("create", "followup", 5, "alice"),
        ("privacy-export", "contact", 1, "alice"),
        ("backup", "database", None, "alice"),
        ("reindex", "database", None, "alice"),
        ("create", "contact", 2, "alice"),
        ("delete", "contact", 2, "alice"),
    ]
    erase(store, ada.id)
    # Ada's history is now one tombstone; the rest stays.
    assert entries(store) == [
        ("backup", "database", None, "alice"),
        ("reindex", "database", None, "alice"),
        ("create", "contact", 2, "alice"),
        ("delete", "contact", 2, "alice"),
        ("erase", "contact", 1, "alice"),
    ]


def test_before_and_after_hold_the_changed_fields(store):
    ada = store.contacts.add("Ada", tier="vip")
    store.contacts.edit(ada.id, {"stage": "customer", "company": "Engines"})
    assign(store, ada.id, "bob")
    update = [a for a in store.audit.list(ada.id) if a.action == "update" and a.entity == "contact"]
    assert [(a.before, a.after) for a in reversed(update)] == [
        ({"stage": "lead", "company": None}, {"stage": "customer", "company": "Engines"}),
        ({"owner": "alice"}, {"owner": "bob"}),
    ]
    moved = [a for a in store.audit.list(ada.id) if a.entity == "followup" and a.action == "update"]
    assert [(a.before, a.after) for a in moved] == [({"owner": "alice"}, {"owner": "bob"})]


def test_audit_command_table_and_json(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    assert cli("stage", "ada@ex.org", "qualified",
               env={"TINYCRM_NOW": "2026-11-24T10:00:00Z"}).exit_code == 0
    assert cli("--user", "bob", "assign", "1", "bob",
               env={"TINYCRM_NOW": "2026-11-25T11:00:00Z"}).exit_code == 0
    cli.ok("add", "Cy")
    out = cli.ok("audit", "ada@ex.org").stdout
    assert out == (
        "AT                   ACTOR  ACTION  ENTITY    ID  CONTACT  CHANGES\n"
        "2026-11-25 11:00:00  bob    update  followup  1   1        owner: alice → bob\n"
        "2026-11-25 11:00:00  bob    update  contact   1   1        owner: alice → bob\n"
        "2026-11-24 10:00:00  alice  update  contact   1   1        stage: lead → qualified\n"
        "2026-11-23 09:30:00  alice  create  followup  1   1        due_at=2026-11-24 09:30:00; owner=alice…\n"
        "2026-11-23 09:30:00  alice  create  contact   1   1        name=Ada; first_name=Ada; emails=[ada@e…\n"
    )
    rows = json.loads(cli.ok("audit", "1", "--format", "json").stdout)
    assert rows[2]["before"] == {"stage": "lead"} and rows[2]["after"] == {"stage": "qualified"}
    assert rows[4]["after"]["emails"] == ["ada@ex.org"]
    recent = json.loads(cli.ok("audit", "--since", "2026-11-24", "-f", "json").stdout)
    assert [(r["action"], r["actor"]) for r in recent] == [("update", "bob"), ("update", "bob"),
                                                           ("update", "alice")]
    assert len(json.loads(cli.ok("audit", "-n", "2", "-f", "json").stdout)) == 2
    assert len(json.loads(cli.ok("audit", "-f", "json").stdout)) == 7
    one_day = json.loads(cli.ok("audit", "--since", "2026-11-24", "--until", "2026-11-24",
                                "-f", "json").stdout)  # (the 24th included, the 25th not)
    assert [(r["action"], r["actor"]) for r in one_day] == [("update", "alice")]
    assert [r["action"] for r in json.loads(
        cli.ok("audit", "-u", "2026-11-23", "-f", "json").stdout)] == ["create"] * 4
    backwards = cli("audit", "--since", "2026-11-25", "--until", "2026-11-24")
    assert (backwards.exit_code, backwards.stderr) == (
        2, "tinycrm: error: --since must come before --until\n")


def test_a_note_given_to_add_is_in_its_create_entry(cli):
    cli.ok("add", "Ada", "--note", "met at the ferry")
    cli.ok("add", "Cy")
    created = {r["contact_id"]: r["after"] for r in json.loads(cli.ok("audit", "-f", "json").stdout)
               if r["action"] == "create" and r["entity"] == "contact"}
    assert created[1]["note"] == "met at the ferry" and "note" not in created[2]


def test_audit_of_a_deleted_contact_by_id(cli):
    cli.ok("add", "Ada")
    cli.ok("rm", "1", "--yes")
    rows = json.loads(cli.ok("audit", "1", "-f", "json").stdout)
    assert rows[0]["action"] == "delete" and rows[0]["before"]["name"] == "Ada"
    missing = cli("audit", "nobody@ex.org")
    assert missing.exit_code == 3


def test_audit_of_a_gone_contact_takes_ascii_digits_only(cli):
    cli.ok("add", "Ada")
    cli.ok("rm", "1", "--yes")
    assert json.loads(cli.ok("audit", "1", "-f", "json").stdout)[0]["action"] == "delete"
    other = cli("audit", "\u0661")  # Arabic-Indic one: a name, not the id 1
    assert other.exit_code == 3


def test_audit_of_an_id_with_no_history_says_why(cli):
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    cli.ok("add", "Ada King", "-e", "ada@work.example")
    cli.ok("merge", "1", "2", "--yes")
    merged = cli("audit", "2")
    assert merged.exit_code == 3 and merged.stdout == ""
    assert "contact 2 was merged into contact 1, with its history: see `tinycrm audit 1`" in (
        merged.stderr)
    never = cli("audit", "999")
    assert never.exit_code == 3 and "no contact 999" in never.stderr


def test_since_is_the_first_moment_listed_and_until_the_first_left_out(store):
    """As report's bounds: [since, until), to the second."""
    ada = store.contacts.add("Ada", stage="customer", now=FROZEN)
    store.contacts.edit(ada.id, {"company": "Engines"}, now=FROZEN + timedelta(seconds=1))
    store.contacts.edit(ada.id, {"company": "Looms"}, now=FROZEN + timedelta(seconds=2))
    listed = store.audit.list(since=FROZEN + timedelta(seconds=1),
                              until=FROZEN + timedelta(seconds=2))
    assert [(a.action, a.after) for a in listed] == [("update", {"company": "Engines"})]
    assert [a.action for a in store.audit.list(since=FROZEN)] == ["update", "update", "create"]
    assert store.audit.list(until=FROZEN) == []


@pytest.fixture
def kolkata(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+5:30, no daylight saving
    time.tzset()
    yield
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def test_the_table_shows_the_times_in_changes_in_local_time(cli, kolkata):
    """As its AT column does: a follow-up due 10:00 UTC is due 15:30 here. A
    custom field, a note or a name that looks like a stored time is the
    user's text and stays as typed; JSON keeps UTC with its offset."""
    cli.ok("add", "2026-11-23T10:00:00Z", "--note", "2026-11-23T10:00:00Z")
    cli.ok("edit", "1", "--set", "fields.call_at=2026-11-23T10:00:00Z")
    cli.ok("follow-up", "snooze", "1", "--until", "2026-11-26 09:00")
    assert cli.ok("audit").stdout == (
        "AT                   ACTOR  ACTION  ENTITY    ID  CONTACT  CHANGES\n"
        "2026-11-23 15:00:00  alice  snooze  followup  1   1        due_at: 2026-11-24 15:00:00 → 2026-11-2…\n"
        '2026-11-23 15:00:00  alice  update  contact   1   1        fields: {} → {"call_at": "2026-11-23T10…\n'
        "2026-11-23 15:00:00  alice  create  followup  1   1        due_at=2026-11-24 15:00:00; owner=alice…\n"
        "2026-11-23 15:00:00  alice  create  contact   1   1        name=2026-11-23T10:00:00Z; first_name=2…\n"
    )
    rows = json.loads(cli.ok("audit", "-f", "json").stdout)
    assert rows[0]["before"] == {"due_at": "2026-11-24T09:30:00+00:00"}
    # The whole cell, past the table's cut: nested times too (a merged
    # contact's record), but not a custom field's nor a note's.
    stored = "2026-11-23T10:00:00Z"
    assert changes_text({"due_at": stored}, {"due_at": "2026-11-26T03:30:00Z"}) == (
        "due_at: 2026-11-23 15:30:00 → 2026-11-26 09:00:00")
    assert changes_text({"merged": {"last_contacted_at": stored, "fields": {"met_at": stored}}},
                        None) == ('merged={"fields": {"met_at": "2026-11-23T10:00:00Z"},'
                                  ' "last_contacted_at": "2026-11-23 15:30:00"}')
    assert changes_text(None, {"text": stored, "note": stored, "at": stored}) == (
        f"text={stored}; note={stored}; at=2026-11-23 15:30:00")
