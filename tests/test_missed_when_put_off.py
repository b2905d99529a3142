"""A follow-up put off (snoozed or rescheduled) after its due time had
passed missed that time: the report, rule compliance and `rules show` count
it as late, however soon it is done after (m052, ``followups.missed_at``).
Put off before its time, it is judged by its new due time."""

from __future__ import annotations

import json
from datetime import timedelta

from tinycrm.store.reports import build, parse_bound
from tinycrm.store.rules import stats

from .conftest import FROZEN
from .test_migrations import ADA, older_database

HOUR = timedelta(hours=1)


def new_lead(store, name: str, when):
    """A lead added at ``when``; the new-lead rule makes its follow-up, due a day later."""
    contact = store.contacts.add(name, now=when)
    return store.conn.execute(
        "SELECT id FROM followups WHERE contact_id = ?", [contact.id]).fetchone()[0]


def new_lead_rule(store):
    """What `rules list` says of the new-lead rule."""
    return {rule.name: rule for rule in stats(store, FROZEN)}["new-lead"]


def test_snoozed_after_its_time_passed_it_is_late_when_done_by_the_new_time(store):
    start = FROZEN - timedelta(days=5)
    fid = new_lead(store, "Late Larry", start)
    due = store.followups.get(fid).due_at
    store.followups.snooze(fid, due + timedelta(days=1), now=due + 2 * HOUR)  # 2 h too late
    store.followups.done(fid, now=due + 3 * HOUR)  # well before the new due time
    followup = store.followups.get(fid)
    assert followup.missed_at == due and followup.met(FROZEN) is False
    report = build(store, now=FROZEN)
    assert (report.followups_total.on_time, report.followups_total.late) == (0, 1)
    assert (report.compliance_total.met, report.compliance_total.late) == (0, 1)
    rule = new_lead_rule(store)
    assert (rule.met, rule.late, rule.compliance) == (0, 1, 0.0)


def test_snoozed_before_its_time_it_is_judged_by_the_new_time(store):
    start = FROZEN - timedelta(days=5)
    fid = new_lead(store, "Early Erin", start)
    due = store.followups.get(fid).due_at
    store.followups.snooze(fid, due + timedelta(days=1), now=due - HOUR)  # asked for more time
    store.followups.reschedule(fid, due + timedelta(days=2), now=due + 2 * HOUR)  # still in time
    store.followups.done(fid, now=due + timedelta(days=1, hours=3))
    assert store.followups.get(fid).missed_at is None
    report = build(store, now=FROZEN)
    assert (report.followups_total.on_time, report.followups_total.late) == (1, 0)
    assert new_lead_rule(store).met == 1


def test_put_off_late_and_not_yet_done_it_is_late_not_waiting(store):
    start = FROZEN - timedelta(days=3)
    fid = new_lead(store, "Open Olga", start)
    due = store.followups.get(fid).due_at
    store.followups.snooze(fid, FROZEN + timedelta(days=7), now=due + HOUR)
    report = build(store, now=FROZEN)
    total = report.followups_total
    assert (total.on_time, total.late, total.overdue, total.open) == (0, 1, 0, 0)
    rule = new_lead_rule(store)
    assert (rule.open, rule.overdue, rule.late) == (1, 0, 1)


def test_the_period_of_a_missed_follow_up_is_the_time_it_missed(store):
    """Due in September, put off late to November: September's lapse, and
    nothing of November's (where its new due time has passed too)."""
    # (Added at 14:30: a follow-up due at midnight, a day start, is due all day.)
    fid = new_lead(store, "Month Max", parse_bound("2026-09-10 14:30", FROZEN))
    due = store.followups.get(fid).due_at
    store.followups.reschedule(fid, parse_bound("2026-11-10", FROZEN), now=due + HOUR)
    september = build(store, since=parse_bound("2026-09-01", FROZEN),
                      until=parse_bound("2026-09-30", FROZEN), now=FROZEN)
    november = build(store, since=parse_bound("2026-11-01", FROZEN), now=FROZEN)
    assert september.followups_total.late == 1
    total = november.followups_total
    assert (total.late, total.overdue, total.open) == (0, 0, 0)


def test_rules_show_says_a_follow_up_put_off_late_was_not_met(cli, monkeypatch):
    cli.ok("add", "Slow Sam")
    monkeypatch.setenv("TINYCRM_NOW", "2026-11-25T09:30:00+00:00")  # its day has passed
    cli.ok("follow-up", "snooze", "1", "--for", "1d")
    cli.ok("follow-up", "done", "1")
    [row] = json.loads(cli.ok("rules", "show", "new-lead", "-f", "json").stdout)
    assert (row["met"], row["missed_at"]) == (False, "2026-11-24T09:30:00+00:00")
    table = cli.ok("rules", "show", "new-lead").stdout.splitlines()
    assert table[1].split()[-2:] == ["no", "alice"]


def test_follow_ups_put_off_late_before_the_upgrade_are_found_in_the_audit_log(db_path, store):
    store.close()
    moved = ("INSERT INTO audit (at, actor, action, entity, entity_id, before, after) VALUES"
             " (?, 'alice', ?, 'followup', ?, json_object('due_at', ?), json_object('due_at', ?))")
    followup = ("INSERT INTO followups (id, contact_id, due_at, owner, status, created_at,"
                " updated_at, done_at) VALUES (?, 1, ?, 'alice', 'done', '2026-10-01T00:00:00Z',"
                " '2026-10-09T00:00:00Z', '2026-10-09T00:00:00Z')")
    db_path.unlink()
    older_database(
        db_path, "m052_followups_missed_when_put_off", ADA,
        # 1: snoozed a day after its time, then again; 2: snoozed in time; 3: never moved.
        (followup, [1, "2026-10-12T00:00:00Z"]), (followup, [2, "2026-10-12T00:00:00Z"]),
        (followup, [3, "2026-10-12T00:00:00Z"]),
        (moved, ["2026-10-03T00:00:00Z", "snooze", 1, "2026-10-02T00:00:00Z", "2026-10-06T00:00:00Z"]),
        (moved, ["2026-10-07T00:00:00Z", "reschedule", 1, "2026-10-06T00:00:00Z",
                 "2026-10-12T00:00:00Z"]),
        (moved, ["2026-10-01T12:00:00Z", "snooze", 2, "2026-10-02T00:00:00Z", "2026-10-12T00:00:00Z"]),
    )
    from tinycrm.store import Store

    with Store(db_path, user="alice") as upgraded:
        assert "m052_followups_missed_when_put_off" in upgraded.migrated
        missed = dict(upgraded.conn.execute("SELECT id, missed_at FROM followups ORDER BY id"))
        assert missed == {1: "2026-10-02T00:00:00Z", 2: None, 3: None}
        report = build(upgraded, now=FROZEN)
        assert (report.followups_total.on_time, report.followups_total.late) == (2, 1)


def test_put_off_late_twice_and_past_its_new_time_too_it_is_late_once_in_its_first_period(
        store):
    """It keeps the first time it missed (the period it lapsed in), and open
    past its new due time as well, it is late, not late and overdue both."""
    # (Added at 14:30: a follow-up due at midnight, a day start, is due all day.)
    fid = new_lead(store, "Twice Tina", parse_bound("2026-09-10 14:30", FROZEN))
    due = store.followups.get(fid).due_at
    store.followups.snooze(fid, parse_bound("2026-10-10", FROZEN), now=due + HOUR)
    store.followups.reschedule(fid, parse_bound("2026-11-10", FROZEN),
                               now=parse_bound("2026-10-12", FROZEN))  # late again
    assert store.followups.get(fid).missed_at == due
    rule = new_lead_rule(store)  # FROZEN: 2026-11-10 has passed as well
    assert (rule.open, rule.overdue, rule.late, rule.missed) == (1, 0, 1, 1)
    september = build(store, since=parse_bound("2026-09-01", FROZEN),
                      until=parse_bound("2026-09-30", FROZEN), now=FROZEN)
    assert (september.followups_total.late, september.followups_total.overdue) == (1, 0)
