"""The iCalendar export of open follow-ups, parsed back with `icalendar`."""

from __future__ import annotations

import io
from datetime import date, timedelta

import icalendar

from tinycrm.store.formats.ics import uid, write_ics

from .conftest import FROZEN
from .followup_helpers import days, local_zone, store, utc  # noqa: F401  (fixture)


def export(store, **kwargs) -> tuple[str, int]:
    out = io.StringIO()
    count = write_ics(store, out, **kwargs)
    return out.getvalue(), count


def test_open_follow_ups_become_events_with_alarms(store):
    with local_zone("America/New_York"):
        ada = store.contacts.add("Ada; Lovelace, Countess", emails=["ada@ex.org"])
        bob = store.contacts.add("Bob Stone")
        timed = store.followups.add(ada.id, utc(2026, 12, 1, 19, 30), note="Call\nabout the engine")
        dated = store.followups.add(bob.id, utc(2026, 12, 2, 5, 0), note="Send invoice", every="1m")
        store.followups.done(store.followups.add(bob.id, FROZEN).id)
        store.followups.cancel(store.followups.add(bob.id, FROZEN).id)
        store.followups.add(bob.id, FROZEN + days(3), owner="carol")

        text, count = export(store)
        assert count == 5  # (with the two closed just now, as cancelled events: see below)
        assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
        cal = icalendar.Calendar.from_ical(text)
        events = {str(e["UID"]): e for e in cal.walk("VEVENT") if "STATUS" not in e}
        assert set(events) == {uid(timed), uid(dated), uid(store.followups.get(5))}

        e = events[uid(timed)]
        assert str(e["SUMMARY"]) == "Follow up: Ada; Lovelace, Countess — Call about the engine"
        assert e.decoded("DTSTART") == utc(2026, 12, 1, 19, 30)
        assert e.decoded("DTEND") - e.decoded("DTSTART") == timedelta(minutes=15)
        assert "Contact: Ada; Lovelace, Countess <ada@ex.org>" in str(e["DESCRIPTION"])
        [alarm] = e.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)

        # Due at local midnight (a WHEN without a time): an all-day event.
        d = events[uid(dated)]
        assert d.decoded("DTSTART") == date(2026, 12, 2)
        assert d.decoded("DTEND") == date(2026, 12, 3)
        assert d.walk("VALARM")[0].decoded("TRIGGER") == timedelta(hours=9)
        assert "Repeats every 1m" in str(d["DESCRIPTION"])


def test_uids_are_stable_and_owner_filters(store, clock):
    c = store.contacts.add("Ada")
    store.followups.add(c.id, FROZEN + days(1), note="a")
    store.followups.add(c.id, FROZEN + days(2), note="b", owner="bob")
    first, _ = export(store)
    clock.now = FROZEN + timedelta(hours=5)
    store.followups.snooze(1, FROZEN + days(4))
    second, _ = export(store)

    def uids(text):
        return [str(e["UID"]) for e in icalendar.Calendar.from_ical(text).walk("VEVENT")]

    assert sorted(uids(first)) == sorted(uids(second))  # a calendar updates, not duplicates
    assert len(set(uids(first))) == 2
    assert uids(export(store, owner="bob")[0]) == [uids(first)[1]]
    assert export(store, owner="nobody")[1] == 0


def test_binary_output_and_control_characters(store):
    c = store.contacts.add("Evil \x1b[31mRed")
    store.followups.add(c.id, FROZEN + days(1), note="x\x07y")
    out = io.BytesIO()
    assert write_ics(store, out) == 1
    data = out.getvalue()
    assert b"\x1b" not in data and b"\x07" not in data
    assert icalendar.Calendar.from_ical(data).walk("VEVENT")[0]["SUMMARY"] == "Follow up: Evil Red — xy"


def test_export_command_writes_a_calendar_file(cli, store, tmp_path):
    c = store.contacts.add("Ada", emails=["ada@ex.org"])
    store.followups.add(c.id, FROZEN + days(1), note="Demo")
    store.followups.add(c.id, FROZEN + days(2), note="Bob's", owner="bob")
    path = tmp_path / "followups.ics"
    result = cli.ok("export", "--format", "ics", "--output", str(path))
    assert result.stdout == ""
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Follow up: Ada — Demo", "Follow up: Ada — Bob's"]
    mine = icalendar.Calendar.from_ical(cli.ok("export", "--format", "ics", "--mine").stdout)
    assert [str(e["SUMMARY"]) for e in mine.walk("VEVENT")] == ["Follow up: Ada — Demo"]


def test_importing_the_calendar_says_it_is_no_contacts_file(cli, store, tmp_path):
    """`export` names `import` as its reader, but a calendar holds follow-ups:
    read as a CSV of one `BEGIN:VCALENDAR` column it got the advice to map
    that column to a name."""
    store.followups.add(store.contacts.add("Ada").id, FROZEN + days(1), note="Demo")
    path = tmp_path / "followups.ics"
    cli.ok("export", "--format", "ics", "--output", str(path))
    for args, name in [((str(path),), str(path)), (("--format", "csv", str(path)), str(path)),
                       (("-",), "stdin")]:
        result = cli("import", *args, input=path.read_text())
        assert result.exit_code == 1
        assert result.stderr == (f"tinycrm: error: {name}: an iCalendar file (events, not contacts):"
                                 " import reads contacts from CSV, vCard or JSON\n")
    assert "reads every contact format back" in " ".join(cli.ok("export", "-h").stdout.split())


def test_a_calendar_with_no_follow_ups_still_has_a_component(store):
    # RFC 5545: a calendar holds at least one component; some programs refuse it otherwise.
    text, count = export(store)
    assert count == 0
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar.walk("VEVENT") == []
    [zone] = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "UTC"
    assert zone.walk("STANDARD")[0]["TZOFFSETTO"].td == timedelta(0)
    c = store.contacts.add("Ada")
    store.followups.add(c.id, FROZEN + days(1))
    assert icalendar.Calendar.from_ical(export(store)[0]).walk("VTIMEZONE") == []


def test_a_day_whose_midnight_the_clock_skips_starts_after_the_gap(store):
    """In Santiago the clock goes from 00:00 to 01:00 on 2027-09-05: a
    follow-up due that day was due the evening before (23:00), and a timed
    event there; it is due at 01:00, an all-day event on the 5th. A time in
    the gap is read as the moment after it (Berlin's 02:30 is 03:30)."""
    from tinycrm.store.when import at_local, parse_when

    with local_zone("America/Santiago"):
        ada = store.contacts.add("Ada")
        due = parse_when("2027-09-05", FROZEN)
        assert due == utc(2027, 9, 5, 4, 0)  # 01:00 at UTC-3
        store.followups.add(ada.id, due)
        [event] = icalendar.Calendar.from_ical(export(store)[0]).walk("VEVENT")
        assert event.decoded("DTSTART") == date(2027, 9, 5)
        assert at_local(date(2027, 9, 4)) == utc(2027, 9, 4, 4, 0)  # an ordinary day
    with local_zone("Europe/Berlin"):
        from datetime import time

        assert at_local(date(2027, 3, 28), time(2, 30)) == utc(2027, 3, 28, 1, 30)  # 03:30 CEST
        assert at_local(date(2027, 10, 31), time(2, 30)).hour in (0, 1)  # (either 02:30 is one)


def test_a_rescheduled_follow_up_has_a_larger_sequence(store, clock):
    """Calendars that import the file again update an event only when its
    SEQUENCE grew; it was always absent (0)."""
    ada = store.contacts.add("Ada")
    f = store.followups.add(ada.id, FROZEN + days(2))

    def sequence() -> int:
        [event] = icalendar.Calendar.from_ical(export(store)[0]).walk("VEVENT")
        return int(event["SEQUENCE"])

    first = sequence()
    clock.now = FROZEN + timedelta(hours=5)
    store.followups.snooze(f.id, FROZEN + days(4))
    assert sequence() > first
    # Two changes within the same second (a script's): each still counts.
    second = sequence()
    store.followups.reschedule(f.id, FROZEN + days(3))
    third = sequence()
    store.followups.snooze(f.id, FROZEN + days(5))
    assert second < third < sequence()
    # Whatever else the event shows: its note, its owner, the contact's name.
    shown = []
    for change in (
        lambda: store.conn.execute("UPDATE followups SET note = 'call' WHERE id = ?", [f.id]),
        lambda: store.conn.execute("UPDATE followups SET every = '1w' WHERE id = ?", [f.id]),
        lambda: store.conn.execute("UPDATE followups SET owner = 'bob' WHERE id = ?", [f.id]),
        lambda: store.contacts.edit(ada.id, {"name": "Ada King"}),
    ):
        before = sequence()
        change()
        shown.append(sequence() > before)
    assert shown == [True, True, True, True]
    before = sequence()
    store.contacts.edit(ada.id, {"title": "Countess"})  # (no part of the event)
    assert sequence() == before


def test_a_follow_up_closed_lately_is_a_cancelled_event_under_its_uid(store, clock):
    """A calendar that imported an earlier export kept the events of
    follow-ups done or cancelled since for ever: they were left out. For 30
    days they go out as the same events, cancelled, with a larger SEQUENCE."""
    ada = store.contacts.add("Ada")
    done = store.followups.add(ada.id, FROZEN + days(2), note="Call")
    cancelled = store.followups.add(ada.id, FROZEN + days(3), note="Visit")
    weekly = store.followups.add(ada.id, FROZEN + days(4), note="Check in", every="1w")
    store.followups.add(ada.id, FROZEN + days(5), note="Bob's", owner="bob")

    def events(**kwargs) -> dict:
        text = export(store, **kwargs)[0]
        return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(text).walk("VEVENT")}

    before = events()
    closed = [uid(f) for f in (done, cancelled, weekly)]
    clock.now = FROZEN + timedelta(hours=1)
    store.followups.done(done.id)
    store.followups.cancel(cancelled.id)
    store.followups.done(weekly.id)
    store.followups.cancel(store.followups.add(ada.id, FROZEN + days(6), owner="bob").id)
    after = events(owner="alice")
    following = store.followups.next_of(weekly.id)
    assert set(after) == {*closed, uid(following)}
    for key in closed:
        event = after[key]
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) > int(before[key]["SEQUENCE"])
        assert event.decoded("DTSTART") == before[key].decoded("DTSTART")
        assert str(event["SUMMARY"]) == str(before[key]["SUMMARY"])
        assert event.walk("VALARM") == []  # (one kept struck through rings no more)
    assert "STATUS" not in after[uid(following)] and after[uid(following)].walk("VALARM")
    assert "(owner alice): done" in str(after[uid(done)]["DESCRIPTION"])
    assert len(events()) == 6  # (everyone's: bob's open one and his cancelled one)
    # Written while closed within the last 30 days, then no more.
    assert set(events(owner="alice", now=clock.now + days(30))) == set(after)
    later = clock.now + days(30) + timedelta(seconds=1)
    assert set(events(owner="alice", now=later)) == {uid(following)}
