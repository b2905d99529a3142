"""Time is stored as UTC ISO-8601 text and shown in local time.

Stored form: ``2026-11-23T11:16:33Z`` (fixed width, so text order is time order
and indexes on these columns work for ranges). Output for scripts carries the
offset: ``2026-11-23T11:16:33+00:00``. Nothing here reads the clock except
``system_now``, which only the edges (CLI, app) call.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, datetime, timezone
from typing import Any

from .errors import ValidationError, quoted

UTC = timezone.utc
_DB_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# The years a date or time given by a user or a file may fall in. Wide enough
# for any birthday (Ada Lovelace's 1815) and far-off follow-ups; narrow enough
# that a time zone, a cadence or a rule's delay (at most ten years) added to
# one stays inside what Python and SQLite can hold (years 1 to 9999).
FIRST_YEAR, LAST_YEAR = 1800, 2999
DATE_RANGE = f"{FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31"


def in_range(value: date) -> bool:
    """Whether a date (or a datetime, by its own calendar date) is in the accepted years."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def out_of_range(text: str) -> ValidationError:
    return ValidationError(f"{quoted(text)} is out of range: use a date from {DATE_RANGE}")


def system_now() -> datetime:
    """The real clock, or ``TINYCRM_NOW`` (ISO-8601) when a test freezes it."""
    frozen = os.environ.get("TINYCRM_NOW")
    if frozen:
        try:
            return parse_iso(frozen)
        except ValueError:
            raise ValidationError(f"TINYCRM_NOW is not an ISO-8601 time: {quoted(frozen)}"
                                  " (like 2026-11-23T09:30:00Z)") from None
    return datetime.now(UTC)


def parse_iso(value: str) -> datetime:
    """ISO-8601 as an aware UTC datetime: ValueError when it isn't one,
    ValidationError when it is outside the accepted years."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if not in_range(dt):
        raise out_of_range(value)
    # A naive time is local wall-clock time; astimezone() applies the offset in
    # force on that date (daylight saving included), not today's.
    return dt.astimezone(UTC)


def to_db(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("naive datetime given to the store; attach a timezone first")
    return dt.astimezone(UTC).strftime(_DB_FORMAT)


def from_db(value: str | None) -> datetime | None:
    if value is None or value == "":
        return None
    return datetime.fromisoformat(value)


def to_json(dt: datetime | None) -> str | None:
    """ISO-8601 with its UTC offset, for scripts."""
    if dt is None:
        return None
    return dt.astimezone(UTC).isoformat(timespec="seconds")


# A time as the store writes it into its JSON columns (``to_db``).
_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def json_times(value: Any, *, also: frozenset[str] = frozenset()) -> Any:
    """A stored JSON value (an audit entry's before and after, a timeline
    entry's data) with its times as scripts get every other time: ``+00:00``,
    not the stored ``Z``, so that ``data.due_at`` compares equal to a
    follow-up's ``due_at``. Only under a time's key (``at``, ``*_at``, the
    keys in ``also``) and never inside ``fields``: a custom field's value, a
    note or a name is the user's text, printed as typed. The rows keep ``Z``."""
    return _map_times(value, also, _json_time)


def shown_times(value: Any, *, also: frozenset[str] = frozenset()) -> Any:
    """``json_times`` for people: the same times (and only those) in local
    time as ``show(seconds=True)`` writes them, for a table's cell."""
    return _map_times(value, also, _shown_time)


def _map_times(value: Any, also: frozenset[str], convert: Callable[[Any], Any]) -> Any:
    if isinstance(value, dict):
        return {key: convert(item) if key == "at" or key.endswith("_at") or key in also
                else item if key == "fields" else _map_times(item, also, convert)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_map_times(item, also, convert) for item in value]
    return value


def _json_time(value: Any) -> Any:
    if isinstance(value, str) and _STORED_TIME.fullmatch(value):
        return value[:-1] + "+00:00"
    return value


def _shown_time(value: Any) -> Any:
    if isinstance(value, str) and _STORED_TIME.fullmatch(value):
        try:
            return show(from_db(value), seconds=True)
        except ValueError:  # (a stored text that only looks like a time: 2026-13-45T…)
            return value
    return value


def to_local(dt: datetime | None) -> datetime | None:
    """The user's wall-clock time (honours ``TZ``) with the offset of that instant."""
    if dt is None:
        return None
    try:
        return dt.astimezone()
    except OverflowError:
        # Only a time at the very end of year 9999, saved by an older version
        # that took any date: shown in UTC rather than not at all.
        return dt


def show(dt: datetime | None, *, seconds: bool = False) -> str:
    """Local time for humans: ``2026-11-23 12:16``."""
    if dt is None:
        return ""
    return to_local(dt).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
