"""A follow-up given a date alone (``--due tomorrow``, ``2026-12-08``,
``friday``, ``+3d``, the snooze dialog's Tomorrow) is due at the start of that
local day and means the whole day: in today's part of the queue all that day,
overdue once the day is over, and on time when done any time on it. Timed
follow-ups are as they were. (README: "#### WHEN".)"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tinycrm.store.all_day import days
from tinycrm.store.followups import queue_section
from tinycrm.store.reports import build, parse_bound
from tinycrm.store.rules import created_by, stats
from tinycrm.store.when import is_all_day, parse_when, relative

from .conftest import FROZEN
from .followup_helpers import local_zone, store, utc  # noqa: F401  (fixture)
from .test_tui import make_app, settle, table

TODAY = utc(2026, 11, 23)  # the start of FROZEN's day (09:30 UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture(autouse=True)
def in_utc():
    with local_zone("UTC"):
        yield


@pytest.fixture
def ada(store):
    return store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], now=FROZEN - 30 * DAY)


def at(moment) -> dict:
    """The CLI's frozen clock."""
    return {"TINYCRM_NOW": moment.isoformat()}


def views(store, now) -> dict[str, set[str]]:
    return {view: {f.note for f in store.followups.list(view=view, now=now)}
            for view in ("overdue", "today", "upcoming")}


def test_due_all_day_today_is_todays_until_the_day_is_over(store, ada):
    f = store.followups
    f.add(ada.id, parse_when("today", FROZEN), note="all day today", now=FROZEN - DAY)
    f.add(ada.id, TODAY + 8 * HOUR, note="timed at 08:00", now=FROZEN - DAY)
    f.add(ada.id, parse_when("yesterday", FROZEN), note="all day yesterday", now=FROZEN - DAY)
    assert views(store, FROZEN) == {
        "overdue": {"timed at 08:00", "all day yesterday"},
        "today": {"all day today", "timed at 08:00"},
        "upcoming": set(),
    }
    assert f.counts(now=FROZEN) == {"overdue": 2, "today": 2, "week": 2, "open": 3}
    assert f.queue_counts(now=FROZEN) == {"overdue": 2, "today": 1, "week": 1}
    sections = {i.note: queue_section(i, FROZEN) for i in f.queue(now=FROZEN)}
    assert sections == {"all day today": "today", "timed at 08:00": "overdue",
                        "all day yesterday": "overdue"}
    last_second = TODAY + DAY - timedelta(seconds=1)
    assert "all day today" not in views(store, last_second)["overdue"]
    for over in (TODAY + DAY, TODAY + DAY + timedelta(minutes=30)):  # 00:00 and 00:30 next day
        assert views(store, over)["overdue"] == {"all day today", "timed at 08:00",
                                                 "all day yesterday"}
        assert f.queue_counts(now=over)["overdue"] == 3


def test_a_date_alone_and_the_same_date_at_00_00_are_the_same_due_time():
    """The rule reads the due time alone: midnight typed out is a day's start
    too (accepted, and documented); any other time is a time."""
    assert parse_when("2026-12-08 00:00", FROZEN) == parse_when("2026-12-08", FROZEN)
    for when in ("today", "tomorrow", "friday", "+3d", "2026-12-08", "2026-12-08 00:00"):
        assert is_all_day(parse_when(when, FROZEN)), when
    for when in ("+4h", "now", "tomorrow 9:00", "2026-12-08 00:01"):
        assert not is_all_day(parse_when(when, FROZEN)), when


def test_how_its_time_reads():
    assert relative(TODAY, FROZEN, all_day=True) == "due today"
    assert relative(TODAY + DAY, FROZEN, all_day=True) == "in 1d"
    assert relative(TODAY - DAY, FROZEN, all_day=True) == "1d overdue"
    assert relative(TODAY, TODAY + DAY + timedelta(minutes=30), all_day=True) == "1d overdue"
    assert relative(TODAY, FROZEN) == "9h overdue"  # (a time: as it always read)


def test_due_all_day_today_is_as_urgent_as_due_now_in_sql_and_python(store, ada):
    f = store.followups
    made = FROZEN - 10 * DAY
    whole = f.add(ada.id, TODAY, note="all day today", now=made)
    timed = f.add(ada.id, FROZEN, note="due now", now=made)
    f.add(ada.id, TODAY + 8 * HOUR, note="timed at 08:00", now=made)
    ranked = {x.note: x.urgency for x in f.list(now=FROZEN)}
    assert ranked["all day today"] == pytest.approx(ranked["due now"])
    assert ranked["timed at 08:00"] > ranked["due now"]
    assert f.get(whole.id, now=FROZEN).urgency == pytest.approx(ranked["all day today"])
    assert f.get(timed.id, now=FROZEN).urgency == pytest.approx(ranked["due now"])
    # The day after, a day overdue (from its day's start, as before it was due).
    after = TODAY + DAY + timedelta(minutes=30)
    ranked = {x.note: x.urgency for x in f.list(now=after)}
    assert ranked["all day today"] == pytest.approx(f.get(whole.id, now=after).urgency)
    assert ranked["all day today"] > ranked["timed at 08:00"] > ranked["due now"]


def test_done_on_its_day_is_on_time_in_the_report_and_for_rules(store, ada):
    f = store.followups

    def followup(due, note, done=None):
        made = f.add(ada.id, due, note=note, rule="new-lead", now=utc(2026, 11, 1))
        if done is not None:
            f.done(made.id, now=done)
        return made.id

    followup(utc(2026, 11, 10), "done at 23:00 on its day", done=utc(2026, 11, 10, 23))
    followup(utc(2026, 11, 11), "done the day after", done=utc(2026, 11, 12, 0, 30))
    followup(TODAY, "open, due all day today")
    followup(utc(2026, 11, 12), "open, its day over")
    followup(utc(2026, 11, 13, 8), "timed, done an hour late", done=utc(2026, 11, 13, 9))
    report = build(store, since=parse_bound("2026-11-01", FROZEN), now=FROZEN)
    total = report.followups_total
    assert (total.on_time, total.late, total.overdue, total.open) == (1, 2, 1, 1)
    rule = report.compliance_total
    assert (rule.met, rule.late, rule.overdue, rule.pending) == (1, 2, 1, 1)
    listed = {s.name: s for s in stats(store, FROZEN)}["new-lead"]
    assert (listed.met, listed.late, listed.overdue, listed.open) == (1, 2, 1, 2)
    met = {x.note: x.met(FROZEN) for x in created_by(store, "new-lead", now=FROZEN)}
    assert met == {"done at 23:00 on its day": True, "done the day after": False,
                   "open, due all day today": None, "open, its day over": False,
                   "timed, done an hour late": False}


def test_a_follow_up_due_centuries_ago_doesnt_make_the_report_list_every_day_since(store, ada):
    """The report looks for follow-ups done on their day among the days that
    have one keyed late: a typo'd due date in 1826 (done late) made it list
    every day from then on, 73,000 of them, and the report take seconds."""
    f = store.followups
    typo = f.add(ada.id, utc(1826, 11, 10), note="typo'd year", now=utc(1826, 11, 1))
    f.done(typo.id, now=utc(2026, 11, 10, 12))
    on_its_day = f.add(ada.id, utc(2026, 11, 10), note="done on its day", rule="new-lead",
                       now=utc(2026, 11, 1))
    f.done(on_its_day.id, now=utc(2026, 11, 10, 23))
    listed = json.loads(days(store.conn, None, FROZEN))
    starts = {start for start, _ in listed}
    assert "2026-11-10T00:00:00Z" in starts and "1826-11-10T00:00:00Z" in starts
    assert len(listed) <= 2 * 31  # a month from each, not every day between
    total = build(store, since=None, now=FROZEN).followups_total
    assert (total.on_time, total.late) == (1, 1)  # the typo late, the other on its day
    [rule] = [s for s in stats(store, FROZEN) if s.name == "new-lead"]
    assert (rule.met, rule.late) == (1, 0)


def test_rule_counts_are_one_snapshot_while_another_program_writes(store, ada, db_path, clock,
                                                                    monkeypatch):
    """`rules list` reads the follow-ups done on their day and the rest in two
    statements: a contact deleted by someone else between them (its
    follow-ups with it) left met 1 and late -1, counted from two states."""
    from tinycrm.store import Store, rules

    made = store.followups.add(ada.id, TODAY - DAY, rule="new-lead", now=TODAY - 2 * DAY)
    store.followups.done(made.id, now=TODAY - DAY + 23 * HOUR)  # on its day, keyed late
    bob = store.contacts.add("Bob Stone", now=TODAY - 2 * DAY)
    store.followups.add(bob.id, TODAY + DAY, rule="new-lead", now=TODAY - 2 * DAY)
    first_statement = rules._done_on_their_day

    def then_deleted_elsewhere(*args):
        counted = first_statement(*args)
        with Store(db_path, user="bob", clock=clock) as other:
            other.contacts.delete(ada.id, now=FROZEN)
        return counted

    monkeypatch.setattr(rules, "_done_on_their_day", then_deleted_elsewhere)
    listed = {s.name: s for s in stats(store, FROZEN)}["new-lead"]
    assert (listed.created, listed.met, listed.late) == (2, 1, 0)  # as it was when it began


def test_put_off_on_its_day_it_missed_nothing(store, ada):
    f = store.followups
    today = f.add(ada.id, TODAY, note="due all day today", now=FROZEN - DAY)
    yesterday = f.add(ada.id, TODAY - DAY, note="due all day yesterday", now=FROZEN - DAY)
    f.snooze(today.id, TODAY + DAY, now=TODAY + 15 * HOUR)
    f.snooze(yesterday.id, TODAY + DAY, now=TODAY + 15 * HOUR)
    assert f.get(today.id).missed_at is None
    assert f.get(yesterday.id).missed_at == TODAY - DAY
    f.done(today.id, now=TODAY + DAY + 10 * HOUR)  # on its new day
    assert f.get(today.id).met(FROZEN + DAY) is True


def test_snooze_for_a_day_keeps_one_due_all_day_due_all_day(cli, store, ada):
    f = store.followups
    whole = f.add(ada.id, TODAY, note="all day today", now=FROZEN - DAY)
    timed = f.add(ada.id, TODAY + 8 * HOUR, note="overdue since 08:00", now=FROZEN - DAY)
    cli.ok("follow-up", "snooze", str(whole.id), "--for", "1d")
    cli.ok("follow-up", "snooze", str(timed.id), "--for", "1d")
    assert f.get(whole.id).due_at == TODAY + DAY
    assert f.get(timed.id).due_at == FROZEN + DAY  # (from now, as before)


def test_list_and_remind_say_due_today_and_remind_still_sends_it(cli, store, ada, tmp_path):
    cli.ok("follow-up", "add", "ada@ex.org", "--due", "today", "--note", "Call back")
    cli.ok("follow-up", "add", "ada@ex.org", "--due", "08:00", "--note", "Timed")
    overdue = cli.ok("follow-up", "list", "--overdue").stdout
    assert "Timed" in overdue and "Call back" not in overdue
    assert "due today" in cli.ok("follow-up", "list", "--today").stdout
    # A morning's cron run sends today's all-day follow-ups from midnight on.
    assert "due today  Ada Lovelace" in cli.ok("remind", "--dry-run", env=at(TODAY)).stdout
    out = tmp_path / "items.json"
    result = cli.ok("remind", "--via", "stdout", "--via", "command", "--exec", f"cat > '{out}'")
    assert result.stdout == (
        "2026-11-23 08:00 UTC  1h overdue  Ada Lovelace <ada@ex.org>  Timed  [follow-up 2]\n"
        "2026-11-23 00:00 UTC  due today  Ada Lovelace <ada@ex.org>  Call back  [follow-up 1]\n")
    items = {i["note"]: i for i in json.loads(out.read_text())}
    assert (items["Call back"]["all_day"], items["Call back"]["overdue_seconds"]) == (True, 34200)
    assert (items["Timed"]["all_day"], items["Timed"]["overdue_seconds"]) == (False, 5400)
    assert "due today" in items["Call back"]["text"]


def test_the_day_starts_where_the_clock_skips_midnight(cli, store, ada, tmp_path):
    """In Santiago the clock goes from 00:00 to 01:00 on 6 September 2026:
    that day starts at 01:00 (04:00 UTC), the next at 00:00 (03:00 UTC)."""
    with local_zone("America/Santiago"):
        before = parse_bound("2026-09-05 12:00", FROZEN)
        for note in ("done late that night", "done after midnight", "left open"):
            cli.ok("follow-up", "add", "1", "--due", "2026-09-06", "--note", note,
                   "--every", "1d", env=at(before))
        [due] = {f.due_at for f in store.followups.list(now=before)}
        assert due == utc(2026, 9, 6, 4) and is_all_day(due)
        morning = parse_bound("2026-09-06 09:00", FROZEN)
        assert json.loads(cli.ok("follow-up", "list", "--overdue", "-f", "json",
                                 env=at(morning)).stdout) == []
        assert len(json.loads(cli.ok("follow-up", "list", "--today", "-f", "json",
                                     env=at(morning)).stdout)) == 3
        cli.ok("follow-up", "done", "1", env=at(parse_bound("2026-09-06 23:00", FROZEN)))
        next_day = parse_bound("2026-09-07 00:30", FROZEN)
        cli.ok("follow-up", "done", "2", env=at(next_day))
        overdue = json.loads(cli.ok("follow-up", "list", "--overdue", "-f", "json",
                                    env=at(next_day)).stdout)
        assert [f["note"] for f in overdue] == ["left open"]
        report = build(store, since=parse_bound("2026-09-06", FROZEN),
                       until=parse_bound("2026-09-06", FROZEN, end=True), now=next_day)
        total = report.followups_total
        assert (total.on_time, total.late, total.overdue) == (1, 1, 1)
        # Its next occurrence is due all day too: from 00:00, not 01:00.
        assert store.followups.next_of(1).due_at == utc(2026, 9, 7, 3)


def test_a_timed_series_at_the_hour_a_skipped_midnight_starts_keeps_its_hour(store, ada):
    """In Santiago, 6 September 2026 starts at 01:00: a daily 01:00 follow-up
    is due that day at its start, like one due all day, but its series was
    at 01:00 (its previous occurrence says so) and stays there, not at 00:00."""
    with local_zone("America/Santiago"):
        f = store.followups
        first = f.add(ada.id, utc(2026, 9, 5, 5), every="1d", now=utc(2026, 9, 4, 12))
        f.done(first.id, now=utc(2026, 9, 5, 12))
        on_the_day = f.next_of(first.id)
        assert on_the_day.due_at == utc(2026, 9, 6, 4)  # 01:00, the day's start
        f.done(on_the_day.id, now=utc(2026, 9, 6, 12))
        assert f.next_of(on_the_day.id).due_at == utc(2026, 9, 7, 4)  # 01:00, not 00:00


async def test_the_app_queue_shows_it_in_today_until_the_day_is_over(store, clock, ada):
    store.followups.add(ada.id, TODAY, note="all day today", now=FROZEN - DAY)
    store.followups.add(ada.id, TODAY + 8 * HOUR, note="timed at 08:00", now=FROZEN - DAY)
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        screen = app.screen
        items = {i.note: i for i in table(app, "#queue").source}
        assert screen.section(items["all day today"]) == "today"
        assert screen.section(items["timed at 08:00"]) == "overdue"
        assert "1 overdue  ·  1 today" in str(screen.query_one("#heading").render())
        [due] = [c.value for c in table(app, "#queue").columns if c.key == "due"]
        assert due(items["all day today"]) == "due today"
        clock.now = TODAY + DAY + timedelta(minutes=30)
        screen._time_passed()
        await settle(app, pilot)
        items = {i.note: i for i in table(app, "#queue").source}
        assert screen.section(items["all day today"]) == "overdue"
        assert "2 overdue  ·  0 today" in str(screen.query_one("#heading").render())


def test_a_keep_in_touch_item_is_never_due_all_day(store):
    """Cadence items come due at the time of the last contact: one at a day's
    start is overdue from that moment, as before."""
    from tinycrm.store.models import QueueItem

    item = QueueItem(kind="cadence", contact_id=1, contact_name="x", due_at=TODAY, urgency=0)
    assert not item.all_day and queue_section(item, FROZEN) == "overdue"
