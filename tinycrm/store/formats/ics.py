"""iCalendar export of follow-ups (``tinycrm export --format ics``).

Each open follow-up becomes a VEVENT with a VALARM:

- A follow-up due all day (``FollowUp.all_day``: due at the start of a local
  day, a WHEN without a time) is an all-day event on that date, its alarm at
  09:00 that day; any other is a 15-minute event at its due time (in UTC),
  its alarm 15 minutes before.
- SEQUENCE is the seconds from the follow-up's creation to its last change,
  so it grows with every change;
- UIDs are stable (``followup-<id>-<created>@tinycrm``): exporting again and
  re-importing the file updates the events instead of duplicating them, and
  two databases never share one.
- A follow-up done or cancelled in the last ``CLOSED_WINDOW`` is written too,
  under the UID it had while open, as ``STATUS:CANCELLED`` with no alarm (its
  SEQUENCE grew when it was closed): a calendar that imported an earlier
  file takes the event away (or strikes it through) on importing this one,
  rather than keep it for ever.

Written one event at a time, so a large export holds little in memory.
``icalendar`` is imported only here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import chain
from typing import IO, TYPE_CHECKING

from ..models import FollowUp
from ..textutil import strip_controls
from ..when import local

if TYPE_CHECKING:
    from ..store import Store

PRODID = "-//tinycrm//follow-ups//EN"
DURATION = timedelta(minutes=15)
ALARM_BEFORE = timedelta(minutes=15)
ALL_DAY_ALARM = timedelta(hours=9)
# How long a follow-up done or cancelled goes on being written (cancelled):
# an export re-imported within that time takes its event away.
CLOSED_WINDOW = timedelta(days=30)
# RFC 5545 wants at least one component in a calendar. With no follow-ups to
# write, the calendar gets the time zone its timed events are written in
# (UTC): some programs refuse a calendar with nothing in it.
_NO_EVENTS = (
    "BEGIN:VTIMEZONE\r\nTZID:UTC\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nTZNAME:UTC\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
)


def uid(followup: FollowUp) -> str:
    created = followup.created_at.strftime("%Y%m%dT%H%M%SZ") if followup.created_at else "0"
    return f"followup-{followup.id}-{created}@tinycrm"


def _clean(text: str | None) -> str:
    return strip_controls(text or "", keep_newlines=True)


def summary(followup: FollowUp) -> str:
    text = f"Follow up: {_clean(followup.contact_name)}"
    note = _clean(followup.note)
    return f"{text} — {note}" if note else text


def event(followup: FollowUp, now: datetime):
    """One VEVENT for a follow-up: with its VALARM while it is open, cancelled
    once it is done or cancelled."""
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
    due_local = local(followup.due_at)
    # (The start of a day is 00:00, or 01:00 where the clock skips midnight.)
    all_day = followup.all_day
    start = due_local.date() if all_day else followup.due_at
    ev.add("dtstart", start)
    end = _later(start, timedelta(days=1) if all_day else DURATION)
    if end is not None:
        ev.add("dtend", end)
    if followup.created_at:
        ev.add("created", followup.created_at)
    if followup.updated_at:
        ev.add("last-modified", followup.updated_at)
        if followup.created_at:
            # A revision number that grows with every change (a reschedule, a
            # snooze): calendars that import the file again take the event
            # for an update only when it is larger than the one they have.
            # (The seconds since creation, as before m049, plus the changes:
            # two within a second count too.)
            ev.add("sequence", max(0, int((followup.updated_at
                                           - followup.created_at).total_seconds()))
                   + followup.revision)
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


def write_events(followups: Iterable[FollowUp], out: IO, *, now: datetime) -> int:
    _write(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                f"PRODID:{PRODID}\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
                "X-WR-CALNAME:tinycrm follow-ups\r\n")
    count = 0
    for followup in followups:
        _write(out, event(followup, now).to_ical().decode("utf-8"))
        count += 1
    if not count:
        _write(out, _NO_EVENTS)
    _write(out, "END:VCALENDAR\r\n")
    return count


def write_ics(store: Store, out: IO, *, owner: str | None = None, now: datetime | None = None) -> int:
    """Write the open follow-ups (``owner``'s, or everyone's), then those done
    or cancelled within ``CLOSED_WINDOW`` before ``now`` (as cancelled
    events), to ``out`` (text or binary); returns how many events were written."""
    now = now or store.now()
    followups = store.followups
    return write_events(chain(followups.iter_open(owner=owner),
                              followups.iter_closed(now - CLOSED_WINDOW, owner=owner)),
                        out, now=now)
