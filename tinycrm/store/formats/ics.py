"""iCalendar export of follow-ups (``tinycrm export --format ics``).

Each open follow-up becomes a VEVENT with a VALARM:

- A follow-up due all day (``FollowUp.all_day``: due at the start of a local
  day, a WHEN without a time) is an all-day event on that date, its alarm at
  09:00 that day; any other is a 15-minute event at its due time (in UTC),
  its alarm 15 minutes before.
- SEQUENCE is the seconds from the follow-up's creation to its last change
  (or to the last ``db restore``, if later), plus its changes, so it grows
  with every change and never falls back (``followups_gone.sequence``);
- UIDs are stable (``followup-<id>-<created>@tinycrm``): exporting again and
  re-importing the file updates the events instead of duplicating them, and
  two databases never share one.
- A follow-up done or cancelled in the last ``CLOSED_WINDOW`` is written too,
  under the UID it had while open, as ``STATUS:CANCELLED`` with no alarm (its
  SEQUENCE grew when it was closed): a calendar that imported an earlier
  file takes the event away (or strikes it through) on importing this one,
  rather than keep it for ever.
- So is one gone within that time (deleted, with its contact too; handed
  over to another owner, when the export is one owner's; lost by a restore):
  ``STATUS:CANCELLED``, titled "Cancelled", with nothing of the person
  (``followups_gone``).

Written one event at a time, so a large export holds little in memory.
``icalendar`` is imported only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import chain
from typing import IO, TYPE_CHECKING

from ..followups_gone import CLOSED_WINDOW, iter_gone, sequence
from ..followups_gone import floor as sequence_floor
from ..models import FollowUp, GoneFollowUp
from ..textutil import strip_controls
from ..when import local

if TYPE_CHECKING:
    from ..store import Store

PRODID = "-//tinycrm//follow-ups//EN"
DURATION = timedelta(minutes=15)
ALARM_BEFORE = timedelta(minutes=15)
ALL_DAY_ALARM = timedelta(hours=9)
GONE_SUMMARY = "Cancelled"
# RFC 5545 wants at least one component in a calendar. With no follow-ups to
# write, the calendar gets the time zone its timed events are written in
# (UTC): some programs refuse a calendar with nothing in it.
_NO_EVENTS = (
    "BEGIN:VTIMEZONE\r\nTZID:UTC\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nTZNAME:UTC\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


def uid(followup: FollowUp | GoneFollowUp) -> str:
    created = followup.created_at.strftime("%Y%m%dT%H%M%SZ") if followup.created_at else "0"
    return f"followup-{followup.id}-{created}@tinycrm"


def _clean(text: str | None) -> str:
    return strip_controls(text or "", keep_newlines=True)


def summary(followup: FollowUp) -> str:
    text = f"Follow up: {_clean(followup.contact_name)}"
    note = _clean(followup.note)
    return f"{text} — {note}" if note else text


def event(followup: FollowUp, now: datetime, *, floor: datetime | None = None):
    """One VEVENT for a follow-up: with its VALARM while it is open, cancelled
    once it is done or cancelled. ``floor``: the last restore's
    (``followups_gone.floor``)."""
    from icalendar import Alarm, Event

    ev = Event()
    ev.add("uid", uid(followup))
    ev.add("dtstamp", now)
    ev.add("summary", summary(followup))
    lines = [_clean(followup.note)] if followup.note else []
    if followup.contact_email:
        lines.append(f"Contact: {_clean(followup.contact_name)} <{_clean(followup.contact_email)}>")
    if followup.every:
        lines.append(f"Repeats every {followup.every} after each completion.")
    closed = followup.status != "open"
    lines.append(f"tinycrm follow-up {followup.id} (owner {_clean(followup.owner)}):"
                 + (f" {followup.status}" if closed else f" tinycrm follow-up done {followup.id}"))
    ev.add("description", "\n".join(lines))
    ev.add("categories", ["tinycrm"])
    all_day = _add_dates(ev, followup)
    if followup.created_at:
        ev.add("created", followup.created_at)
    if followup.updated_at:
        ev.add("last-modified", followup.updated_at)
        if followup.created_at:
            # A revision number that grows with every change (a reschedule, a
            # snooze): calendars that import the file again take the event
            # for an update only when it is larger than the one they have.
            ev.add("sequence", sequence(followup.created_at, followup.updated_at,
                                        followup.revision, floor))
    if closed:
        # (No alarm: a calendar that keeps it struck through would still ring.)
        ev.add("status", "CANCELLED")
        return ev
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary(followup))
    alarm.add("trigger", ALL_DAY_ALARM if all_day else -ALARM_BEFORE)
    ev.add_component(alarm)
    return ev


def gone_event(gone: GoneFollowUp, now: datetime):
    """The cancelled VEVENT of a follow-up gone (deleted, handed over, lost
    by a restore): its UID, date and a larger SEQUENCE, and nothing of the
    person (it may have been erased): no name, note or address."""
    from icalendar import Event

    ev = Event()
    ev.add("uid", uid(gone))
    ev.add("dtstamp", now)
    ev.add("summary", GONE_SUMMARY)
    ev.add("categories", ["tinycrm"])
    _add_dates(ev, gone)
    ev.add("sequence", gone.sequence)
    ev.add("status", "CANCELLED")
    return ev


def _add_dates(ev, followup: FollowUp | GoneFollowUp) -> bool:
    """DTSTART and DTEND: all day on its date (True), or 15 minutes at its time."""
    # (The start of a day is 00:00, or 01:00 where the clock skips midnight.)
    all_day = followup.all_day
    start = local(followup.due_at).date() if all_day else followup.due_at
    ev.add("dtstart", start)
    end = _later(start, timedelta(days=1) if all_day else DURATION)
    if end is not None:
        ev.add("dtend", end)
    return all_day


def _later(start, length: timedelta):
    """``start + length``, or None at the very end of year 9999 (a due time
    saved before dates had a range): without DTEND the event still has its
    default length (RFC 5545 3.6.1)."""
    try:
        return start + length
    except OverflowError:
        return None


def _write(out: IO, text: str) -> None:
    try:
        out.write(text)
    except TypeError:
        out.write(text.encode("utf-8"))


def write_events(events: Iterable, out: IO) -> int:
    """A calendar of ``events`` (VEVENTs, made one at a time)."""
    _write(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                f"PRODID:{PRODID}\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
                "X-WR-CALNAME:tinycrm follow-ups\r\n")
    count = 0
    for ev in events:
        _write(out, ev.to_ical().decode("utf-8"))
        count += 1
    if not count:
        _write(out, _NO_EVENTS)
    _write(out, "END:VCALENDAR\r\n")
    return count


def write_ics(store: Store, out: IO, *, owner: str | None = None, now: datetime | None = None) -> int:
    """Write the open follow-ups (``owner``'s, or everyone's), then those done
    or cancelled within ``CLOSED_WINDOW`` before ``now``, then those gone
    from the export within it (the last two as cancelled events), to ``out``
    (text or binary); returns how many events were written."""
    now = now or store.now()
    followups, since = store.followups, now - CLOSED_WINDOW
    floor = sequence_floor(store.conn)
    kept = chain(followups.iter_open(owner=owner), followups.iter_closed(since, owner=owner))
    return write_events(chain((event(f, now, floor=floor) for f in kept),
                              (gone_event(g, now) for g in iter_gone(store.conn, since,
                                                                     owner=owner))), out)
