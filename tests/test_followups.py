"""Follow-ups in the store: views, urgency order, recurrence, snooze, cancel,
timeline and audit entries, keep-in-touch cadence, and the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tinycrm.store import Conflict, NotFound, Store, StoreSettings, ValidationError
from tinycrm.store.urgency import urgency
from tinycrm.store.when import parse_when, show_local

from .conftest import FROZEN
from .followup_helpers import days, local_zone, store, utc, zone  # noqa: F401  (fixtures)


@pytest.fixture
def ada(store):
    return store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], tier="vip",
                              now=FROZEN - days(100))


@pytest.fixture
def bob(store):
    return store.contacts.add("Bob Stone", now=FROZEN - days(100))


def test_add_and_get(store, ada):
    f = store.followups.add(ada.id, FROZEN + days(2), note="  Send\tthe proposal ", every="2 weeks")
    got = store.followups.get(f.id)
    assert got == f
    assert (got.contact_name, got.contact_email, got.note, got.owner, got.status, got.every) == (
        "Ada Lovelace", "ada@ex.org", "Send the proposal", "alice", "open", "2w")
    assert got.due_at == FROZEN + days(2) and got.created_at == FROZEN and got.done_at is None
    data = got.to_dict()
    for key in ("id", "contact_id", "contact_name", "due_at", "status", "note", "owner", "every",
                "created_at", "done_at"):
        assert key in data
    assert data["due_at"] == "2026-11-25T09:30:00+00:00"


def test_add_checks_its_input(store, ada):
    with pytest.raises(NotFound):
        store.followups.add(999, FROZEN)
    with pytest.raises(ValidationError):
        store.followups.add(ada.id, FROZEN, every="4h")
    with pytest.raises(ValidationError):
        store.followups.add(ada.id, FROZEN.replace(tzinfo=None))
    with pytest.raises(NotFound):
        store.followups.get(12345)


def test_each_change_is_on_the_timeline_and_in_the_audit_log(store, ada, clock):
    f = store.followups.add(ada.id, FROZEN + days(1), note="Call back")
    store.followups.snooze(f.id, FROZEN + days(3))
    store.followups.reschedule(f.id, FROZEN + days(2))
    store.followups.done(f.id, note="She said yes")
    g = store.followups.add(ada.id, FROZEN + days(5))
    store.followups.cancel(g.id)
    events = [e for e in reversed(store.timeline.list(ada.id)) if e.kind == "followup"]
    assert [(e.data["action"], e.data["followup_id"]) for e in events] == [
        ("created", f.id), ("snoozed", f.id), ("rescheduled", f.id), ("done", f.id),
        ("created", g.id), ("cancelled", g.id),
    ]
    assert events[0].text == "follow-up created: Call back"
    assert events[3].text == "follow-up done: Call back — She said yes"
    assert events[1].data["from"] == "2026-11-24T09:30:00Z"
    audit = [(a.action, a.entity_id) for a in reversed(store.audit.list(ada.id)) if a.entity == "followup"]
    assert audit == [("create", f.id), ("snooze", f.id), ("reschedule", f.id), ("done", f.id),
                     ("create", g.id), ("cancel", g.id)]


def test_closed_follow_ups_refuse_changes(store, ada):
    f = store.followups.add(ada.id, FROZEN)
    store.followups.done(f.id)
    for change in (lambda: store.followups.done(f.id), lambda: store.followups.cancel(f.id),
                   lambda: store.followups.snooze(f.id, FROZEN + days(1))):
        with pytest.raises(Conflict, match="already done"):
            change()


def test_snooze_moves_the_due_time_forward_only(store, ada):
    f = store.followups.add(ada.id, FROZEN - days(1))
    with pytest.raises(ValidationError, match="future"):
        store.followups.snooze(f.id, FROZEN - timedelta(minutes=1))
    after = store.followups.snooze(f.id, FROZEN + days(3))
    after = store.followups.snooze(f.id, FROZEN + days(4))
    assert after.due_at == FROZEN + days(4) and after.snoozes == 2 and after.status == "open"
    # Due in four days: snoozing it until tomorrow would bring it forward.
    with pytest.raises(ValidationError, match="would bring it forward"):
        store.followups.snooze(f.id, FROZEN + days(1))
    # Until its due time already (the same snooze run twice): nothing moves.
    assert store.followups.snooze(f.id, FROZEN + days(4)).snoozes == 2
    assert store.followups.get(f.id).snoozes == 2
    assert store.followups.reschedule(f.id, FROZEN + days(1)).due_at == FROZEN + days(1)



def test_a_follow_up_due_this_very_second_is_overdue_not_upcoming(store, ada):
    """As the queue and remind have it: due now is due."""
    now = store.followups.add(ada.id, FROZEN)
    assert [f.id for f in store.followups.list(view="overdue", now=FROZEN)] == [now.id]
    assert store.followups.list(view="upcoming", now=FROZEN) == []
    assert [f.id for f in store.followups.list(view="upcoming", now=FROZEN - timedelta(seconds=1))
            ] == [now.id]


def test_the_week_view_is_today_and_the_six_days_after_to_the_second(store, ada):
    """In New York: today starts 2026-11-23 05:00Z, the seventh day 2026-11-30 05:00Z."""
    with local_zone("America/New_York"):
        f = store.followups
        made = {
            "before today": f.add(ada.id, utc(2026, 11, 23, 4, 59, 59)),
            "today's first second": f.add(ada.id, utc(2026, 11, 23, 5, 0)),
            "the sixth day's last second": f.add(ada.id, utc(2026, 11, 30, 4, 59, 59)),
            "a week on": f.add(ada.id, utc(2026, 11, 30, 5, 0)),
        }
        week = {x.id for x in f.list(view="week", now=FROZEN)}
        assert {name for name, x in made.items() if x.id in week} == {
            "today's first second", "the sixth day's last second"}


def test_a_snoozed_follow_up_scores_alike_in_python_and_sql_and_keeps_both_its_times(
        store, ada):
    """Its age counts from its creation, not from the snooze (``urgency``'s
    two forms must agree)."""
    f = store.followups
    made = f.add(ada.id, FROZEN - days(2), note="x", now=FROZEN - days(100))
    f.snooze(made.id, FROZEN + days(1), now=FROZEN - days(1))
    got = f.get(made.id, now=FROZEN)
    assert (got.created_at, got.updated_at) == (FROZEN - days(100), FROZEN - days(1))
    expected = urgency(FROZEN + days(1), FROZEN - days(100), "vip", FROZEN, store.settings)
    assert got.urgency == pytest.approx(expected)
    [listed] = f.list(now=FROZEN, contact_id=ada.id)
    assert listed.urgency == pytest.approx(expected)


def test_iter_open_reads_every_open_one_once_in_due_order_a_chunk_at_a_time(store, ada, bob):
    f = store.followups
    same = FROZEN + days(1)
    for contact, due, note, owner in ((ada, same, "a", None), (bob, FROZEN - days(3), "b", None),
                                      (ada, same, "c", None), (bob, same, "d", "bob"),
                                      (ada, FROZEN + days(9), "e", None)):
        f.add(contact.id, due, note=note, owner=owner)
    f.done(f.add(ada.id, FROZEN, note="done").id)
    expected = ["b", "a", "c", "d", "e"]                 # due order, then id
    for chunk in (1, 2, 1000):
        assert [x.note for x in f.iter_open(chunk=chunk)] == expected
    assert [x.note for x in f.iter_open(owner="bob", chunk=1)] == ["d"]


def test_views(store, ada, bob):
    with local_zone("America/New_York"):  # local midnight 05:00Z; now is 04:30 local
        made = {
            "long overdue": store.followups.add(ada.id, FROZEN - days(10)),
            "earlier today": store.followups.add(ada.id, utc(2026, 11, 23, 6, 0)),
            # (At local midnight: due all day today, so not yet overdue, nor upcoming.)
            "all day today": store.followups.add(ada.id, utc(2026, 11, 23, 5, 0)),
            "later today": store.followups.add(bob.id, utc(2026, 11, 23, 20, 0), owner="bob"),
            "in 3 days": store.followups.add(bob.id, FROZEN + days(3)),
            "next month": store.followups.add(ada.id, FROZEN + days(30)),
            "yesterday late": store.followups.add(bob.id, utc(2026, 11, 23, 4, 0)),
        }
        store.followups.done(store.followups.add(ada.id, FROZEN - days(2)).id)

        def names(**kw):
            ids = {f.id for f in store.followups.list(now=FROZEN, **kw)}
            return {name for name, f in made.items() if f.id in ids}

        assert names(view="overdue") == {"long overdue", "earlier today", "yesterday late"}
        assert names(view="today") == {"earlier today", "all day today", "later today"}
        assert names(view="week") == {"earlier today", "all day today", "later today", "in 3 days"}
        assert names(view="upcoming") == {"later today", "in 3 days", "next month"}
        assert names(view="open") == set(made)
        assert len(store.followups.list(view="all", now=FROZEN)) == len(made) + 1
        assert names(owner="bob") == {"later today"}
        assert names(contact_id=bob.id) == {"later today", "in 3 days", "yesterday late"}
        assert len(store.followups.list(limit=2, now=FROZEN)) == 2
        assert store.followups.counts(now=FROZEN) == {
            "overdue": 3, "today": 3, "week": 4, "open": 7}
        with pytest.raises(ValidationError):
            store.followups.list(view="someday")


def test_the_overdue_view_reads_an_index(store):
    plan = " ".join(store.followups.explain(view="overdue"))
    assert "SEARCH f USING COVERING INDEX followups_rank (due_at<?)" in plan and "SCAN" not in plan
    plan = " ".join(store.followups.explain(view="overdue", owner="alice"))
    assert "SEARCH f USING COVERING INDEX followups_owner_rank (owner=? AND due_at<?)" in plan


def test_urgency_order_overdue_then_tier_then_age(store):
    add = store.contacts.add
    vip = add("Vip", tier="vip", now=FROZEN)
    std = add("Std", now=FROZEN)
    low = add("Low", tier="low", now=FROZEN)
    f = store.followups
    made = [
        ("std 10 days overdue", f.add(std.id, FROZEN - days(10), now=FROZEN)),
        ("vip due now", f.add(vip.id, FROZEN, now=FROZEN)),
        ("std 2 days overdue", f.add(std.id, FROZEN - days(2), now=FROZEN)),
        ("std due now, 200 days old", f.add(std.id, FROZEN, now=FROZEN - days(200))),
        ("std due now", f.add(std.id, FROZEN, now=FROZEN)),
        ("low due now", f.add(low.id, FROZEN, now=FROZEN)),
        ("vip in 30 days", f.add(vip.id, FROZEN + days(30), now=FROZEN)),
        ("std in 30 days", f.add(std.id, FROZEN + days(30), now=FROZEN)),
    ]
    listed = f.list(now=FROZEN)
    names = {fu.id: name for name, fu in made}
    assert [names[x.id] for x in listed] == [
        "std 10 days overdue", "vip due now", "std 2 days overdue", "std due now, 200 days old",
        "std due now", "low due now", "vip in 30 days", "std in 30 days",
    ]
    # The documented formula, computed in Python, agrees with the SQL ordering.
    settings = store.settings
    for x in listed:
        expected = urgency(x.due_at, x.created_at, x.contact_tier, FROZEN, settings)
        assert x.urgency == pytest.approx(expected, abs=1e-6)
    by_name = {names[x.id]: x.urgency for x in listed}
    assert by_name["std 10 days overdue"] == pytest.approx(12.0)
    assert by_name["std due now"] == pytest.approx(12 * (0.2 + 0.8 * 14 / 21))
    assert by_name["vip due now"] - by_name["std due now"] == pytest.approx(3.0)
    assert by_name["std due now"] - by_name["low due now"] == pytest.approx(1.0)
    assert by_name["std in 30 days"] == pytest.approx(12 * 0.2)
    assert by_name["std due now, 200 days old"] - by_name["std due now"] == pytest.approx(200 / 365)


def test_custom_tiers_rank_around_the_default(db_path, clock):
    settings = StoreSettings(tiers=("gold", "silver", "bronze", "tin"), default_tier="silver")
    with Store(db_path, user="alice", clock=clock, settings=settings, apply_rules=False) as store:
        ids = {}
        for tier in ("tin", "silver", "gold", "bronze"):
            c = store.contacts.add(tier.title(), tier=tier, now=FROZEN)
            ids[store.followups.add(c.id, FROZEN, now=FROZEN).id] = tier
        # Above the default tier +3, the default 0, below it -1 (ties: lowest id first).
        assert [ids[f.id] for f in store.followups.list(now=FROZEN)] == ["gold", "silver", "tin", "bronze"]


def test_a_snooze_until_now_is_refused_a_second_later_is_not(store, ada):
    f = store.followups.add(ada.id, FROZEN - days(1), note="x")
    with pytest.raises(ValidationError, match="snooze until a time in the future"):
        store.followups.snooze(f.id, FROZEN, now=FROZEN)
    later = FROZEN + timedelta(seconds=1)
    assert store.followups.snooze(f.id, later, now=FROZEN).due_at == later


def test_the_timeline_says_which_follow_up_a_recurrence_follows(store):
    c = store.contacts.add("Rita")
    first = store.followups.add(c.id, FROZEN - days(1), note="Invoice", every="2w")
    store.followups.done(first.id)
    nxt = store.followups.next_of(first.id)
    created = {e.data["followup_id"]: e.data for e in store.timeline.list(c.id)
               if e.kind == "followup" and e.data["action"] == "created"}
    assert created[first.id] == {"followup_id": first.id, "action": "created",
                                 "due_at": "2026-11-22T09:30:00Z", "every": "2w"}
    assert created[nxt.id]["previous_id"] == first.id and created[nxt.id]["every"] == "2w"


def test_recurring_follow_up_schedules_the_next_from_the_completion_date(store, zone):
    c = store.contacts.add("Rita")
    # Due on a date (local midnight), done three days late: the next is due two
    # weeks after the day it was done, again from that day's local midnight.
    first = store.followups.add(c.id, parse_when("2026-11-20", FROZEN), note="Invoice", every="2w")
    done = store.followups.done(first.id)
    assert done.status == "done" and done.done_at == FROZEN
    nxt = store.followups.next_of(first.id)
    assert nxt is not None and nxt.previous_id == first.id
    assert (nxt.note, nxt.every, nxt.owner, nxt.status) == ("Invoice", "2w", "alice", "open")
    assert nxt.due_at == parse_when("2026-12-07", FROZEN)
    assert show_local(nxt.due_at) == "2026-12-07 00:00"
    # A timed recurrence keeps its local hour of the day.
    timed = store.followups.add(c.id, parse_when("2026-11-20 14:30", FROZEN), every="1w")
    store.followups.done(timed.id)
    assert show_local(store.followups.next_of(timed.id).due_at) == "2026-11-30 14:30"
    assert store.followups.next_of(nxt.id) is None


def test_recurrence_across_daylight_saving_keeps_the_wall_clock_time(store):
    with local_zone("America/New_York"):
        c = store.contacts.add("Dan")
        march = utc(2027, 3, 5, 14, 0)  # 09:00 EST, before the change on 2027-03-14
        f = store.followups.add(c.id, march, every="2w", now=march)
        store.followups.done(f.id, now=march)
        nxt = store.followups.next_of(f.id)
        assert nxt.due_at == utc(2027, 3, 19, 13, 0)  # 09:00 EDT
        assert show_local(nxt.due_at) == "2027-03-19 09:00"



def test_a_daily_follow_up_keeps_its_hour_after_the_one_the_clock_skipped(store, ada):
    """Every day at 02:30 in Amsterdam: on 29 March, when the clock skips
    from 02:00 to 03:00, it is due at 03:30; on the 30th at 02:30 again."""
    with local_zone("Europe/Amsterdam"):
        f = store.followups.add(ada.id, utc(2026, 3, 28, 1, 30), every="1d",
                                now=utc(2026, 3, 27, 15, 0))
        store.followups.done(f.id, now=utc(2026, 3, 28, 15, 0))
        skipped = store.followups.next_of(f.id)
        assert show_local(skipped.due_at) == "2026-03-29 03:30"
        store.followups.done(skipped.id, now=utc(2026, 3, 29, 15, 0))
        after = store.followups.next_of(skipped.id)
        assert show_local(after.due_at) == "2026-03-30 02:30"
        # One moved to another hour by hand keeps the hour it was given.
        store.followups.reschedule(after.id, utc(2026, 3, 30, 7, 0), now=utc(2026, 3, 29, 16, 0))
        store.followups.done(after.id, now=utc(2026, 3, 30, 15, 0))
        assert show_local(store.followups.next_of(after.id).due_at) == "2026-03-31 09:00"

# -- cadence ---------------------------------------------------------------------------


def test_a_cadence_comes_due_at_the_local_time_of_the_last_contact_across_summer_time(store):
    """A call at 23:30 on 1 March in Amsterdam, every 30 days: due 23:30 on
    31 March (summer time since the 29th), not 00:30 on 1 April."""
    with local_zone("Europe/Amsterdam"):
        c = store.contacts.add("Cad", now=utc(2026, 3, 1, 10, 0))
        store.timeline.log(c.id, "call", "late call", at=utc(2026, 3, 1, 22, 30),
                           now=utc(2026, 3, 2, 10, 0))
        store.followups.set_cadence(c.id, 30, now=utc(2026, 3, 2, 10, 0))
        due = utc(2026, 3, 31, 21, 30)
        assert store.followups.cadence_of(store.contacts.get(c.id)).due_at == due
        [item] = store.followups.cadence_items(now=utc(2026, 4, 1, 0, 0))
        assert item.due_at == due and show_local(item.due_at) == "2026-03-31 23:30"
        # What is due before a moment is what is due at it: the SQL's margin
        # doesn't let through the item an hour after, nor keep out one an hour before.
        assert store.followups.cadence_items(now=due, until=due) == []
        assert store.followups.cadence_items(now=due, until=due + timedelta(seconds=1))


def test_cadence_comes_due_after_the_last_contact_and_resets_on_a_call(store, clock):
    c = store.contacts.add("Cora", now=FROZEN - days(100))
    assert store.followups.cadence_items(now=FROZEN) == []
    store.timeline.log(c.id, "call", "catch-up", at=FROZEN - days(40))
    store.followups.set_cadence(c.id, 30)
    [item] = store.followups.cadence_items(now=FROZEN)
    assert (item.kind, item.contact_id, item.cadence_days) == ("cadence", c.id, 30)
    assert item.due_at == FROZEN - days(10)
    assert item.key == f"cadence:{c.id}" and item.followup is None
    assert store.followups.cadence_items(now=FROZEN, until=FROZEN - days(11)) == []
    # A note is not contact; a meeting is, and restarts the clock.
    store.timeline.log(c.id, "note", "thought about Cora")
    assert store.followups.cadence_items(now=FROZEN)[0].due_at == FROZEN - days(10)
    store.timeline.log(c.id, "meeting", "lunch", at=FROZEN - days(1))
    assert store.followups.cadence_items(now=FROZEN)[0].due_at == FROZEN + days(29)
    store.followups.set_cadence(c.id, None)
    assert store.followups.cadence_items(now=FROZEN) == []


def test_never_contacted_counts_from_creation(store):
    c = store.contacts.add("New", now=FROZEN - days(50))
    store.followups.set_cadence(c.id, 14)
    assert store.followups.cadence_items(now=FROZEN)[0].due_at == FROZEN - days(36)
    with pytest.raises(ValidationError):
        store.followups.set_cadence(c.id, 0)


def test_tag_defaults_from_config(db_path, clock):
    settings = StoreSettings(tag_cadence={"investor": 30, "customer": 90, "press": 7})
    with Store(db_path, user="alice", clock=clock, settings=settings, apply_rules=False) as store:
        both = store.contacts.add("Both", tags=["investor", "customer"], now=FROZEN - days(100))
        own = store.contacts.add("Own", tags=["press"], now=FROZEN - days(100))
        store.followups.set_cadence(own.id, 60)
        store.contacts.add("Untagged", now=FROZEN - days(100))
        items = {i.contact_name: i for i in store.followups.cadence_items(now=FROZEN)}
        assert set(items) == {"Both", "Own"}
        assert items["Both"].cadence_days == 30 and "investor" in items["Both"].note
        assert items["Own"].cadence_days == 60  # its own cadence wins over the tag's
        c = store.followups.cadence_of(store.contacts.get(both.id))
        assert (c.days, c.source) == (30, "tag:investor")
        assert store.followups.cadence_items(now=FROZEN, owner="bob") == []


def test_cadence_items_until_keeps_every_one_due_before_it_whatever_comes_first(store):
    """One due a few hours after ``until`` (read first: the lower id) is left
    out; the one due before it is not lost with it."""
    later = store.contacts.add("Later", now=FROZEN - days(30) + timedelta(hours=5))
    sooner = store.contacts.add("Sooner", now=FROZEN - days(30) - timedelta(hours=5))
    for contact in (later, sooner):
        store.followups.set_cadence(contact.id, 30)
    assert [i.contact_name for i in store.followups.cadence_items(now=FROZEN, until=FROZEN)] == [
        "Sooner"]
    assert [i.contact_name for i in store.followups.queue(now=FROZEN, until=FROZEN)] == ["Sooner"]


def test_cadence_items_come_most_urgent_first(store):
    """As `tinycrm cadence` lists them: not in the order the contacts were added."""
    later = store.contacts.add("Due In Five Days", now=FROZEN - days(25))
    overdue = store.contacts.add("Ten Days Overdue", now=FROZEN - days(40))
    for contact in (later, overdue):
        store.followups.set_cadence(contact.id, 30)
    assert [i.contact_name for i in store.followups.cadence_items(now=FROZEN)] == [
        "Ten Days Overdue", "Due In Five Days"]


def test_queue_mixes_follow_ups_and_cadence_by_urgency(store):
    vip = store.contacts.add("Vip", tier="vip", now=FROZEN - days(100))
    std = store.contacts.add("Std", now=FROZEN - days(100))
    store.followups.set_cadence(vip.id, 90)  # due 10 days ago (never contacted)
    soon = store.followups.add(std.id, FROZEN + days(1), note="soon", now=FROZEN)
    late = store.followups.add(std.id, FROZEN - days(3), note="late", now=FROZEN)
    queue = store.followups.queue(now=FROZEN)
    assert [(q.kind, q.followup_id) for q in queue] == [
        ("cadence", None), ("followup", late.id), ("followup", soon.id)]
    assert queue[0].urgency == pytest.approx(12.0 + 3.0 + 1.0 * 10 / 365)
    assert queue[0].to_dict()["item"] == f"cadence:{vip.id}"
    assert [q.kind for q in store.followups.queue(now=FROZEN, include_cadence=False)] == ["followup"] * 2
    assert len(store.followups.queue(now=FROZEN, limit=1)) == 1
    assert [q.followup_id for q in store.followups.queue(now=FROZEN, until=FROZEN)] == [None, late.id]


def test_the_queue_counts_at_the_edges_of_today_and_the_week(store, ada):
    """(TZ=UTC.) Today ends 2026-11-24 00:00, the week 2026-11-30 00:00;
    a keep-in-touch item due this very second is overdue."""
    f = store.followups
    f.add(ada.id, utc(2026, 11, 23, 23, 59, 59), note="today's last second")
    f.add(ada.id, utc(2026, 11, 24), note="tomorrow's first second")
    f.add(ada.id, utc(2026, 11, 29, 23, 59, 59), note="the week's last second")
    f.add(ada.id, utc(2026, 11, 30), note="a week on")
    for name, due in (("Cy", FROZEN + timedelta(hours=2)), ("Di", FROZEN),
                      ("Ed", utc(2026, 11, 30))):
        contact = store.contacts.add(name, now=due - days(30))
        f.set_cadence(contact.id, 30, now=due - days(30))
    assert f.queue_counts(now=FROZEN) == {"overdue": 1, "today": 2, "week": 4}


def test_the_queue_counts_its_sections_as_its_rows_show_them(store, ada, bob):
    """Overdue is due now or before; today is later today; this week is later
    today and the six days after; keep-in-touch items count too."""
    f = store.followups
    f.add(ada.id, FROZEN - timedelta(hours=1), note="an hour late")
    f.add(ada.id, FROZEN, note="due this very second")
    f.add(ada.id, FROZEN + timedelta(hours=2), note="later today")
    f.add(bob.id, FROZEN + days(3), note="in three days")
    f.add(bob.id, FROZEN + days(30), note="next month")
    store.followups.set_cadence(bob.id, 30)  # last contact 100 days ago: overdue
    counts = f.queue_counts(now=FROZEN)
    assert counts == {"overdue": 3, "today": 1, "week": 2}
    sections = {}
    for item in f.queue(now=FROZEN, until=FROZEN + days(7)):
        key = ("overdue" if item.due_at <= FROZEN else
               "today" if item.due_at < FROZEN.replace(hour=0, minute=0) + days(1) else "later")
        sections[key] = sections.get(key, 0) + 1
    assert sections["overdue"] == counts["overdue"] and sections["today"] == counts["today"]
    assert f.queue_counts(owner="nobody", now=FROZEN) == {"overdue": 0, "today": 0, "week": 0}
