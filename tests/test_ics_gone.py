"""Follow-ups gone from a calendar export (deleted, handed over, erased, lost
by a restore) leave the calendars that imported an earlier one: cancelled
events under their UIDs, with a larger SEQUENCE, parsed back with `icalendar`."""

from __future__ import annotations

import io
from datetime import date, timedelta

import icalendar

from tinycrm.store import maintenance
from tinycrm.store.formats.ics import uid, write_ics
from tinycrm.store.import_undo import undo_batch
from tinycrm.store.importer import ImportOptions, import_contacts
from tinycrm.store.privacy import erase
from tinycrm.store.team import assign

from .conftest import FROZEN
from .followup_helpers import days, local_zone, store, utc  # noqa: F401  (fixture)

SECOND = timedelta(seconds=1)


def text_of(store, **kwargs) -> str:
    out = io.StringIO()
    write_ics(store, out, **kwargs)
    return out.getvalue()


def events(store, **kwargs) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text_of(store, **kwargs))
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def takes_away(after: icalendar.Event, before: icalendar.Event) -> None:
    """A calendar holding ``before`` takes it away (or strikes it through) on
    importing ``after``: the same event, cancelled, a later revision, silent."""
    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.walk("VALARM") == []
    assert after.decoded("DTSTART") == before.decoded("DTSTART")


def is_open(event: icalendar.Event, above: icalendar.Event) -> None:
    """``event`` is open again, and a calendar holding ``above`` takes it."""
    assert "STATUS" not in event and event.walk("VALARM")
    assert int(event["SEQUENCE"]) > int(above["SEQUENCE"])


def test_a_deleted_contacts_follow_ups_leave_calendars_for_30_days(store, clock):
    with local_zone("America/New_York"):
        ada = store.contacts.add("Ada Quokka", emails=["ada@quokka.example"])
        bob = store.contacts.add("Bob")
        timed = store.followups.add(ada.id, FROZEN + days(2), note="Pitch the marmalade")
        dated = store.followups.add(ada.id, utc(2026, 11, 26, 5, 0), note="Send it")  # all day
        done = store.followups.add(ada.id, FROZEN + days(3))
        store.followups.done(done.id)
        kept = store.followups.add(bob.id, FROZEN + days(4))
        before = events(store)
        clock.now = FROZEN + timedelta(hours=1)
        store.contacts.delete(ada.id)
        after = events(store)
        assert set(after) == set(before)
        for followup in (timed, dated, done):
            takes_away(after[uid(followup)], before[uid(followup)])
        for followup in (timed, dated):
            assert str(after[uid(followup)]["SUMMARY"]) == "Cancelled"
            assert "DESCRIPTION" not in after[uid(followup)]
        assert after[uid(dated)].decoded("DTSTART") == date(2026, 11, 26)  # all day, as it was
        text = text_of(store).lower()
        assert not any(word in text for word in ("quokka", "marmalade", "send it"))
        # For 30 days from its deletion; one done before it went from
        # calendars when it was done, and is written 30 days from then.
        assert set(events(store, now=FROZEN + days(30))) == set(before)
        still = {uid(timed), uid(dated), uid(kept)}
        assert set(events(store, now=FROZEN + days(30) + SECOND)) == still
        assert set(events(store, now=clock.now + days(30))) == still
        assert set(events(store, now=clock.now + days(30) + SECOND)) == {uid(kept)}


def test_a_follow_up_made_the_second_one_went_has_a_uid_of_its_own(store):
    """A UID is an id and a creation second: while ids were given again (the
    largest one gone was the next one's), a script that deleted a contact and
    added a follow-up within one second made the same event again. An id is
    never given again now (followup_id_mark, m057): the new one is an event
    of its own, open, and the one gone stays cancelled beside it."""
    ada, bob = store.contacts.add("Ada"), store.contacts.add("Bob")
    f = store.followups.add(ada.id, FROZEN + days(2), note="Call")
    for n in range(5):
        store.followups.snooze(f.id, FROZEN + days(3 + n))
    store.contacts.delete(ada.id)
    cancel = events(store)[uid(f)]
    again = store.followups.add(bob.id, FROZEN + days(9), note="New")
    assert again.id > f.id and uid(again) != uid(f)
    found = events(store)
    assert set(found) == {uid(f), uid(again)}
    assert str(found[uid(again)]["SUMMARY"]) == "Follow up: Bob — New"
    assert "STATUS" not in found[uid(again)]
    assert found[uid(f)].to_ical() == cancel.to_ical()


def test_a_follow_up_handed_over_leaves_the_old_owners_calendar(store, clock):
    ada = store.contacts.add("Ada")
    f = store.followups.add(ada.id, FROZEN + days(2), note="Call")
    alices = events(store, owner="alice")
    clock.now = FROZEN + timedelta(hours=1)
    assign(store, ada.id, "bob")
    gone = events(store, owner="alice")
    assert list(gone) == [uid(f)]
    takes_away(gone[uid(f)], alices[uid(f)])
    bobs = events(store, owner="bob")
    assert "STATUS" not in bobs[uid(f)]
    everyone = events(store)  # (one event: it is there, bob's)
    assert list(everyone) == [uid(f)] and "STATUS" not in everyone[uid(f)]
    # Handed back (within the same second too): open in alice's again, above
    # the cancelled event her calendar has; gone from bob's.
    assign(store, ada.id, "alice")
    is_open(events(store, owner="alice")[uid(f)], gone[uid(f)])
    takes_away(events(store, owner="bob")[uid(f)], bobs[uid(f)])
    assert set(events(store, owner="bob", now=clock.now + days(30) + SECOND)) == set()


def test_follow_ups_an_undone_import_took_leave_calendars(store, clock):
    csv = b"Name,Email\nGrace Hopper,grace@navy.example\n"
    summary = import_contacts(store, io.BytesIO(csv), name="in.csv", options=ImportOptions())
    grace = store.contacts.resolve("grace@navy.example")
    f = store.followups.add(grace.id, FROZEN + days(1), note="Send the demo")
    before = events(store)
    clock.now = FROZEN + timedelta(minutes=1)
    undo_batch(store, summary.batch_id, force=True)
    after = events(store)
    takes_away(after[uid(f)], before[uid(f)])
    assert "grace" not in text_of(store).lower()


def test_an_erased_persons_follow_ups_leave_calendars_with_nothing_of_them(store, clock):
    """Calendars that imported the export hold the person's name and the
    note: the cancelled event replaces them with "Cancelled"; and what is
    kept for it holds nothing of them."""
    zeb = store.contacts.add("Zebulon Quixotic", emails=["zq@xylophage.example"])
    f = store.followups.add(zeb.id, FROZEN + days(1), note="allergic to marmalade")
    before = events(store)
    assert "Quixotic" in str(before[uid(f)]["SUMMARY"])
    clock.now = FROZEN + timedelta(minutes=1)
    erase(store, zeb.id)
    after = events(store)
    takes_away(after[uid(f)], before[uid(f)])
    assert str(after[uid(f)]["SUMMARY"]) == "Cancelled"
    values = ("zebulon", "quixotic", "xylophage", "marmalade")
    text = text_of(store).lower()
    assert not any(value in text for value in values)
    kept = repr(store.conn.execute("SELECT * FROM followups_gone").fetchall()).lower()
    assert kept and not any(value in kept for value in values)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"Quixotic" not in store.path.read_bytes()


def test_a_restore_takes_back_what_came_since_and_what_it_brings_back_is_updated(
        store, clock, tmp_path):
    """A backup from before some changes: calendars hold what came since
    (a follow-up made, another cancelled, a third handed over). After the
    restore, the one made since leaves them; the cancelled one is open
    again there (its SEQUENCE counted from the restore, above the cancelled
    event's, even after many changes within a second); the one handed
    over is back in its first owner's calendar and leaves the other's."""
    ada = store.contacts.add("Ada")
    bob = store.contacts.add("Bob")
    reopened = store.followups.add(ada.id, FROZEN + days(2), note="Call")
    moved = store.followups.add(bob.id, FROZEN + days(3), note="Visit")
    backup = maintenance.backup(store, tmp_path / "b.db").path
    clock.now = FROZEN + timedelta(minutes=5)
    made = store.followups.add(ada.id, FROZEN + days(4), note="Since")
    for n in range(5):  # (a script's, within one second)
        store.followups.snooze(made.id, FROZEN + days(5 + n))
        store.followups.snooze(reopened.id, FROZEN + days(5 + n))
    store.followups.cancel(reopened.id)
    assign(store, bob.id, "carol")
    alices, carols = events(store, owner="alice"), events(store, owner="carol")
    everyone = events(store)
    maintenance.restore(store, backup)  # (in the same second)

    cancel = events(store)[uid(made)]
    takes_away(cancel, everyone[uid(made)])
    takes_away(events(store, owner="alice")[uid(made)], alices[uid(made)])
    is_open(events(store)[uid(reopened)], everyone[uid(reopened)])
    is_open(events(store, owner="alice")[uid(moved)], alices[uid(moved)])
    takes_away(events(store, owner="carol")[uid(moved)], carols[uid(moved)])
    # Changes after the restore go on counting up.
    restored = int(events(store)[uid(reopened)]["SEQUENCE"])
    store.followups.snooze(reopened.id, FROZEN + days(20))
    assert int(events(store)[uid(reopened)]["SEQUENCE"]) > restored
    # A follow-up made now, in the same second, doesn't get the id the one
    # made since had (m057): an event of its own; that one stays cancelled.
    again = store.followups.add(ada.id, FROZEN + days(9), note="Again")
    assert again.id > made.id and uid(again) != uid(made)
    assert str(events(store)[uid(again)]["SUMMARY"]) == "Follow up: Ada — Again"
    assert str(events(store)[uid(made)]["STATUS"]) == "CANCELLED"


def test_the_export_command_counts_and_writes_them(cli, store, tmp_path):
    ada = store.contacts.add("Ada")
    f = store.followups.add(ada.id, FROZEN + days(1), note="Demo")
    path = tmp_path / "followups.ics"
    cli.ok("export", "--format", "ics", "--output", str(path))
    before = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    cli.ok("rm", "Ada", "--yes")
    result = cli.ok("export", "--format", "ics", "--mine", "--output", str(path))
    assert result.stderr == f"exported 1 follow-up to {path}\n"
    [after] = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert str(after["UID"]) == uid(f)
    takes_away(after, before)
