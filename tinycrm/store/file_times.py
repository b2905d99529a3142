"""Times as other tools' exports write them (a contact's created and
last-contacted times): ISO-8601, or a date in any spelling a birthday may
have, with or without a clock time (24-hour or AM/PM) and a zone (UTC, GMT,
Z or an offset). A time without a zone is local wall-clock time, read as
``when.at_local`` reads one (a time in the hour the clock skips is the
moment after it). A date alone is the start of that day, here.

A text with a clock time that can't be read is no time at all, never the
date before it: "2026-04-09 23:30 PST" taken as midnight of the 9th would put
a lead a day earlier than it came, and its response-time follow-up with it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, timezone

from .contact_values import birthday_value
from .errors import ValidationError
from .timeutil import out_of_range
from .when import at_local, iso_moment

_CLOCK = re.compile(
    r"(?P<day>.+?)[ T]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<half>[ap]\.?m\.?)?\s*(?P<zone>utc|gmt|z|[+-]\d{2}:?\d{2})?", re.IGNORECASE)


def file_time(text: str, *, day_first: bool = False) -> datetime | None:
    """The moment (UTC) ``text`` spells, or None when it spells none.
    ValidationError for a moment outside the accepted years."""
    text = text.strip()
    try:
        return iso_moment(text) or _spelled(text, day_first)
    except OverflowError:  # (a year 1 with an offset, say: checked before the C library)
        raise out_of_range(text) from None


def _spelled(text: str, day_first: bool) -> datetime | None:
    match = _CLOCK.fullmatch(text)
    if match is None:
        if ":" in text:
            return None  # a clock time of a form not read here
        day_text, clock, zone = text, time(0, 0), None
    else:
        day_text, zone = match["day"], match["zone"]
        hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
        if match["half"]:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if match["half"][0] in "pP" else 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        clock = time(hour, minute, second)
    try:
        day = birthday_value(day_text, day_first=day_first)
    except ValidationError:
        return None
    if not day or day.startswith("--"):
        return None  # (a month and day without a year is no moment)
    on = datetime.fromisoformat(day)  # (birthday_value checked its year)
    if zone is None:
        return at_local(on.date(), clock)
    if zone.upper() in ("UTC", "GMT", "Z"):
        return datetime.combine(on.date(), clock, UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    if offset >= timedelta(hours=24):
        return None
    return datetime.combine(on.date(), clock, timezone(sign * offset)).astimezone(UTC)
