"""WHEN and period parsing, and the local-time arithmetic behind it.

A WHEN names a moment for a follow-up, a snooze or a logged event::

    today  tomorrow  yesterday  now          the day (from its start), or now
    +3d  3d  2w  1m  in 3 days               that many days, weeks or months
                                             (of 30 days) from today, from the
                                             start of that day
    +4h  90min                               exactly that long from now
    monday  next monday  next fri            the next such day after today
    2026-12-01                               that day, from its start
    2026-12-01 14:30   tomorrow 9:00         that day at that local time
    14:30                                    today at that time
    2026-12-01T14:30:00Z  ...+05:30          an exact ISO-8601 moment

A date without a time means the start of that day in local time (``TZ``
honoured, daylight saving time included: local dates are turned into moments
through the C library, not through today's UTC offset). Everything returned
is an aware UTC datetime, which is what the store keeps.

A period (``--every 2w``, ``cadence REF 30d``, ``snooze --for 3d``) is a
number and a unit: ``h`` hours, ``d`` days, ``w`` weeks, ``m`` months of 30
days, ``y`` years of 365 days (the same units as the config file's
``[cadence]``), and at most ``MAX_PERIOD_DAYS`` (ten years) long.

Dates are accepted from 1800 to 2999 (``timeutil.DATE_RANGE``); a WHEN
outside them is refused like one that can't be understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from .errors import ValidationError, quoted
from .timeutil import in_range, out_of_range, to_local

UTC = timezone.utc
# The longest period anything takes: a cadence, a recurrence, a snooze, a
# relative WHEN, a rule's delay, a report's idle days. Ten years is more than
# any of them needs, and keeps date arithmetic far from datetime's limits.
MAX_PERIOD_DAYS = 3650
TOO_LONG = f"a period can be at most {MAX_PERIOD_DAYS} days (10 years)"

ACCEPTED_WHEN = (
    "today, tomorrow, +3d, 2w, next monday, 2026-12-01 or '2026-12-01 14:30'"
    " (also: now, yesterday, +4h, a weekday, 'tomorrow 9:00', ISO-8601)"
)
ACCEPTED_PERIOD = "a number and a unit, like 3d, 2w, 1m (30 days) or 4h"

_UNIT_ALIASES = {
    "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "m": "m", "mo": "m", "month": "m", "months": "m",
    "y": "y", "yr": "y", "year": "y", "years": "y",
}
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_UNIT_SECONDS = {"min": 60, "h": 3600}
_PERIOD = re.compile(r"^(\d+)\s*([a-z]+)$")
_WEEKDAYS = {
    name: i
    for i, names in enumerate((
        ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"),
        ("thursday", "thu", "thur", "thurs"), ("friday", "fri"), ("saturday", "sat"),
        ("sunday", "sun"),
    ))
    for name in names
}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_EXACT = re.compile(r"^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})$")


class PeriodTooLong(ValidationError):
    """A period longer than ``MAX_PERIOD_DAYS``."""


@dataclass(frozen=True)
class Period:
    """``2w`` as a count and a unit; ``delta`` is its length."""

    count: int
    unit: str  # min, h, d, w, m, y

    @property
    def delta(self) -> timedelta:
        if self.unit in _UNIT_SECONDS:
            return timedelta(seconds=self.count * _UNIT_SECONDS[self.unit])
        return timedelta(days=self.count * _UNIT_DAYS[self.unit])

    @property
    def whole_days(self) -> int | None:
        """The length in days, or None for hours and minutes."""
        return self.count * _UNIT_DAYS[self.unit] if self.unit in _UNIT_DAYS else None

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


def parse_period(text: str) -> Period:
    """``'2w'``, ``'3d'``, ``'30d'``, ``'4h'``, ``'2 weeks'`` -> a ``Period``."""
    value = " ".join(str(text).strip().lower().split()).lstrip("+")
    match = _PERIOD.match(value)
    unit = _UNIT_ALIASES.get(match.group(2)) if match else None
    if not match or unit is None:
        raise ValidationError(f"can't understand the period {quoted(text)}: use {ACCEPTED_PERIOD}")
    digits = match.group(1).lstrip("0")
    if not digits:
        raise ValidationError(f"a period must be longer than zero, got {quoted(text)}")
    # Measured before it becomes a timedelta (or an int), which a huge count would overflow.
    count = int(digits) if len(digits) <= 9 else None
    unit_seconds = _UNIT_SECONDS.get(unit) or _UNIT_DAYS[unit] * 86400
    if count is None or count * unit_seconds > MAX_PERIOD_DAYS * 86400:
        raise PeriodTooLong(f"{quoted(text)} is too long: {TOO_LONG}")
    return Period(count, unit)


def period_days(text: str) -> int:
    """A period that must be whole days (cadences, recurrences)."""
    period = parse_period(text)
    if period.whole_days is None:
        raise ValidationError(f"{quoted(text)} is not whole days: use days, weeks or months, like 30d, 2w or 1m")
    return period.whole_days


def after_period(text: str, now: datetime) -> datetime:
    """``now`` plus a period (``snooze --for 1d``): hours and minutes exactly,
    days at the same local time of day (23:30 is 23:30 tomorrow, across a
    clock change too). A WHEN's ``+1d`` is the start of that day instead."""
    period = parse_period(text)
    if period.whole_days is None:
        return (now + period.delta).astimezone(UTC)
    return same_local_time(local_date(now) + timedelta(days=period.whole_days), now)


def format_days(days: int) -> str:
    """30 -> ``30d``, 14 -> ``2w``."""
    if days % 7 == 0:
        return f"{days // 7}w"
    return f"{days}d"


# -- local time ----------------------------------------------------------------------


def local(dt: datetime) -> datetime:
    """``dt`` in the local zone at that moment (correct across DST changes)."""
    return to_local(dt)


def local_date(dt: datetime) -> date:
    return local(dt).date()


def at_local(day: date, clock: time = time(0, 0)) -> datetime:
    """The moment (UTC) when the local wall clock shows ``day clock``. A time
    that the clock skips when daylight saving time starts is read as the
    moment after the gap (02:30 as 03:30; in Santiago, where the clock goes
    from midnight to 01:00, a day starts at 01:00), as calendars read it."""
    naive = datetime.combine(day, clock.replace(tzinfo=None))
    try:
        moment = naive.astimezone().astimezone(UTC)
    except ValueError:
        # Python 3.12 and later refuse any wall-clock time on 9999-12-31 (their
        # search for the offset steps into year 10000), which 3.11 read: a day
        # saved before dates had a range. The offset of the day before, then.
        offset = (naive - timedelta(days=1)).astimezone().utcoffset()
        moment = (naive - offset).replace(tzinfo=UTC)
    shown = moment.astimezone().replace(tzinfo=None)
    if shown < naive:  # (the C library read it with the offset from after the gap)
        moment += naive - shown
    return moment


def iso_moment(text: str) -> datetime | None:
    """An ISO-8601 time (``Z`` for UTC), as a moment in UTC; one without an
    offset is local wall-clock time, read as ``at_local`` reads it. None when
    ``text`` isn't ISO-8601; ValidationError outside the accepted years."""
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
    except ValueError:
        return None
    if not in_range(moment):
        raise out_of_range(text)
    if moment.tzinfo is None:
        return at_local(moment.date(), moment.time())
    return moment.astimezone(timezone.utc)


def start_of_day(dt: datetime, days: int = 0) -> datetime:
    """The start of the local day of ``dt``, ``days`` later (UTC)."""
    return at_local(local_date(dt) + timedelta(days=days))


def is_all_day(due: datetime) -> bool:
    """Whether a follow-up due at ``due`` is due all day: a date given alone
    (``tomorrow``, ``2026-12-08``, ``friday``, ``+3d``) is due from the start of
    that local day, and means the whole of it. The rule reads the time alone,
    so ``'2026-12-08 00:00'`` typed out is the same (calendars read it so too:
    the iCalendar export makes such a follow-up an all-day event). A time too
    far off to compute a day for (a row saved before dates had a range) is not."""
    try:
        return due == start_of_day(due)
    except (OverflowError, ValueError):
        return False


def day_over(due: datetime) -> datetime:
    """When the day of an all-day ``due`` is over: the start of the next local
    day (a time so far off that no next day can be computed stands for itself)."""
    try:
        return start_of_day(due, 1)
    except (OverflowError, ValueError):
        return due


def is_overdue(due: datetime, now: datetime, *, all_day: bool) -> bool:
    """Overdue at ``now``: a timed one from its due time on (due this very
    second is overdue), an all-day one once its day is over."""
    return now >= day_over(due) if all_day else due <= now


def has_passed(due: datetime, now: datetime, *, all_day: bool) -> bool:
    """Its time has passed at ``now`` (put off then, it missed it): a timed
    one after its due time, an all-day one once its day is over."""
    return now >= day_over(due) if all_day else due < now


def done_in_time(due: datetime, done: datetime, *, all_day: bool) -> bool:
    """Done at or before its due time; an all-day one, on or before its day."""
    return done < day_over(due) if all_day else done <= due


def same_local_time(on: date, like: datetime) -> datetime:
    """``on`` at the local time of day that ``like`` has (recurrences keep their hour)."""
    return at_local(on, local(like).time())


def show_local(dt: datetime | None) -> str:
    """``2026-12-01 14:30`` in local time, for people."""
    if dt is None:
        return ""
    return local(dt).strftime("%Y-%m-%d %H:%M")


def show_zoned(dt: datetime | None) -> str:
    """``2026-12-01 14:30 CET``: local time and its zone, for text read away
    from the machine's clock (cron's reminders, often run with TZ=UTC, read in
    a mail client elsewhere). A zone with no abbreviation has its offset (``+04``)."""
    if dt is None:
        return ""
    moment = local(dt)
    name = moment.tzname()
    if not name or (name.upper() in _UNIVERSAL and moment.utcoffset()):
        # POSIX reads TZ=UTC+5 as five hours *behind* a zone it calls "UTC":
        # "19:00 UTC" for midnight UTC would send the reader to the wrong hour.
        name = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} {name}"


# Names that say "no offset from UTC", whatever offset a POSIX TZ gives them.
_UNIVERSAL = frozenset(("UTC", "GMT", "UCT", "UT", "Z", "ZULU", "UNIVERSAL"))


def relative(due: datetime, now: datetime, *, all_day: bool = False) -> str:
    """``3d overdue``, ``2h overdue``, ``due now``, ``in 5h``, ``in 3d``; with
    ``all_day`` (``is_all_day``), in local days: ``due today``, ``in 1d`` (due
    tomorrow), ``1d overdue`` (due yesterday).

    A timed one a day or more away counts local calendar days, as people
    count them: keep in touch every 30 days reads ``in 30d`` though a few
    seconds (or a DST hour) short of 30 whole days are left, and one due
    at 09:00 the day after tomorrow reads ``in 2d`` at 10:00 today. Closer
    than a day, it counts hours and minutes, rounded down."""
    if all_day:
        days = (local_date(due) - local_date(now)).days
        if days == 0:
            return "due today"
        return f"in {days}d" if days > 0 else f"{-days}d overdue"
    seconds = (now - due).total_seconds()
    days = abs((local_date(due) - local_date(now)).days) if abs(seconds) >= 86400 else 0
    if days:
        return f"{days}d overdue" if seconds > 0 else f"in {days}d"
    # (Under a day; or 24 hours that end the same local day, summer time
    # over: hours, not "in 1d", which reads as tomorrow.)
    text = _span(abs(seconds))
    if text is None:
        return "due now"
    return f"{text} overdue" if seconds > 0 else f"in {text}"


def _span(seconds: float) -> str | None:
    """Under a day (or a day of 25 hours): minutes or hours, rounded down."""
    if seconds < 60:
        return None
    if seconds < 3600:
        return f"{int(seconds // 60)}min"  # ("m" is a month where a period is typed)
    return f"{int(seconds // 3600)}h"


# -- WHEN ----------------------------------------------------------------------------


def _bad(text: str) -> ValidationError:
    return ValidationError(f"can't understand WHEN {quoted(text)}: use {ACCEPTED_WHEN}")


def parse_when(text: str, now: datetime) -> datetime:
    """A WHEN (see the module docs) as an aware UTC datetime."""
    if now.tzinfo is None:
        raise ValueError("parse_when needs an aware now")
    raw = str(text)
    value = " ".join(raw.strip().lower().split())
    if not value:
        raise _bad(raw)
    if _EXACT.match(value):
        try:
            moment = datetime.fromisoformat(value.upper().replace(" ", "T"))
        except ValueError:
            raise _bad(raw) from None
        if not in_range(moment):
            raise out_of_range(raw)
        return moment.astimezone(UTC)
    value = value.replace("t", " ", 1) if re.match(r"^\d{4}-\d{1,2}-\d{1,2}t", value) else value
    day_part, clock = _split_time(value, raw)
    if day_part in ("now", "") and clock is None:
        if day_part == "now":
            return now.astimezone(UTC)
        raise _bad(raw)
    if day_part.startswith("in "):
        day_part = "+" + day_part[3:]
    if re.match(r"^\+?\d", day_part) and not _ISO_DATE.match(day_part):
        try:
            period = parse_period(day_part)
        except PeriodTooLong:
            raise ValidationError(f"{quoted(raw)} is too far off: {TOO_LONG}") from None
        except ValidationError:
            raise _bad(raw) from None
        if period.whole_days is None:
            if clock is not None:
                raise _bad(raw)
            return _checked((now + period.delta).astimezone(UTC), raw)
        day = local_date(now) + timedelta(days=period.whole_days)
    else:
        day = _day(day_part, now, raw)
    # The local date is what is checked: its moment in UTC may be a day off.
    return at_local(_checked(day, raw), clock or time(0, 0))


def _checked(value: date, raw: str) -> date:
    """``value`` (a date or a datetime) if it is in the accepted years."""
    if not in_range(value):
        raise out_of_range(raw)
    return value


def _split_time(value: str, raw: str) -> tuple[str, time | None]:
    """``'tomorrow 9:00'`` -> (``'tomorrow'``, 09:00); ``'14:30'`` -> (``''``, 14:30)."""
    head, _, last = value.rpartition(" ")
    match = _TIME.match(last)
    if not match:
        return value, None
    head = head.removesuffix(" at").strip() if head != "at" else ""
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise _bad(raw)
    return head, time(hour, minute, second)


def _day(part: str, now: datetime, raw: str) -> date:
    today = local_date(now)
    if part in ("", "today"):
        return today
    if part == "tomorrow":
        return today + timedelta(days=1)
    if part == "yesterday":
        return today - timedelta(days=1)
    match = _ISO_DATE.match(part)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            raise ValidationError(f"{quoted(raw)} is not a real date: use {ACCEPTED_WHEN}") from None
    name = part.removeprefix("next ").strip()
    if name in _WEEKDAYS:
        ahead = (_WEEKDAYS[name] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if part == "next week":
        return today + timedelta(days=7)
    raise _bad(raw)
