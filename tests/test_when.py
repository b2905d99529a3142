"""WHEN and period parsing: every accepted form, in two non-UTC zones, with a
frozen clock; local dates across midnight and daylight saving time."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tinycrm.store import ValidationError
from tinycrm.store.when import (
    at_local,
    format_days,
    parse_period,
    parse_when,
    period_days,
    relative,
    show_local,
    show_zoned,
    start_of_day,
)

from .conftest import FROZEN
from .followup_helpers import local_zone, utc, zone  # noqa: F401  (fixture)

# FROZEN is Monday 2026-11-23 09:30 UTC: 04:30 in New York (EST, UTC-5) and
# 15:00 in Kolkata (UTC+5:30). Local midnight is 05:00Z and 18:30Z the day before.
MIDNIGHT = {"America/New_York": (5, 0, 0), "Asia/Kolkata": (18, 30, -1)}


def local_midnight(zone: str, y: int, m: int, d: int):
    hour, minute, shift = MIDNIGHT[zone]
    return utc(y, m, d, hour, minute) + timedelta(days=shift)


@pytest.mark.parametrize("text, day", [
    ("today", (2026, 11, 23)),
    ("tomorrow", (2026, 11, 24)),
    ("yesterday", (2026, 11, 22)),
    ("+3d", (2026, 11, 26)),
    ("3d", (2026, 11, 26)),
    ("in 3 days", (2026, 11, 26)),
    ("2w", (2026, 12, 7)),
    ("+1m", (2026, 12, 23)),
    ("next monday", (2026, 11, 30)),  # today is a Monday: the next one is in 7 days
    ("next fri", (2026, 11, 27)),
    ("wednesday", (2026, 11, 25)),
    ("2026-12-01", (2026, 12, 1)),
    ("  Tomorrow ", (2026, 11, 24)),
])
def test_days_start_at_local_midnight(zone, text, day):
    assert parse_when(text, FROZEN) == local_midnight(zone, *day)


def test_the_last_day_of_year_9999_starts_at_local_midnight_too(zone):
    # A due time an older version saved there: Python 3.12 and later refuse
    # any local time on that day when asked for its offset.
    assert at_local(date(9999, 12, 31)) == local_midnight(zone, 9999, 12, 31)
    assert start_of_day(utc(9999, 12, 31, 12)) == local_midnight(zone, 9999, 12, 31)


def test_a_date_and_time_is_local_wall_time(zone):
    expected = {"America/New_York": utc(2026, 12, 1, 19, 30), "Asia/Kolkata": utc(2026, 12, 1, 9, 0)}
    assert parse_when("2026-12-01 14:30", FROZEN) == expected[zone]
    assert parse_when("2026-12-01T14:30", FROZEN) == expected[zone]
    assert show_local(parse_when("2026-12-01 14:30", FROZEN)) == "2026-12-01 14:30"


def test_time_after_a_day_word(zone):
    assert show_local(parse_when("tomorrow 9:05", FROZEN)) == "2026-11-24 09:05"
    assert show_local(parse_when("next monday at 17:00", FROZEN)) == "2026-11-30 17:00"
    assert show_local(parse_when("+2d 08:00", FROZEN)) == "2026-11-25 08:00"
    assert show_local(parse_when("14:30", FROZEN)) == "2026-11-23 14:30"


def test_hours_and_minutes_are_exact_offsets(zone):
    assert parse_when("+4h", FROZEN) == FROZEN + timedelta(hours=4)
    assert parse_when("90min", FROZEN) == FROZEN + timedelta(minutes=90)
    assert parse_when("now", FROZEN) == FROZEN


def test_iso_with_an_offset_is_exact(zone):
    assert parse_when("2026-12-01T14:30:00Z", FROZEN) == utc(2026, 12, 1, 14, 30)
    assert parse_when("2026-12-01T14:30:00+05:30", FROZEN) == utc(2026, 12, 1, 9, 0)


def test_daylight_saving_time_uses_that_days_offset():
    with local_zone("America/New_York"):
        # November is EST (UTC-5), June is EDT (UTC-4): a fixed offset would be an hour off.
        assert parse_when("2027-06-01", FROZEN) == utc(2027, 6, 1, 4, 0)
        assert parse_when("2027-06-01 14:30", FROZEN) == utc(2027, 6, 1, 18, 30)
        assert show_local(utc(2027, 6, 1, 4, 0)) == "2027-06-01 00:00"
        # Across the spring change: +2w from 2027-03-01 lands after it, still at midnight.
        march = utc(2027, 3, 1, 15, 0)
        assert parse_when("2w", march) == utc(2027, 3, 15, 4, 0)


def test_the_local_date_not_the_utc_date_decides_today():
    with local_zone("America/New_York"):
        late = utc(2026, 11, 23, 3, 0)  # still Sunday 22:00 in New York
        assert parse_when("today", late) == utc(2026, 11, 22, 5, 0)
        assert parse_when("tomorrow", late) == utc(2026, 11, 23, 5, 0)
        assert parse_when("next monday", late) == utc(2026, 11, 23, 5, 0)
        assert start_of_day(late) == utc(2026, 11, 22, 5, 0)
    with local_zone("Asia/Kolkata"):
        early = utc(2026, 11, 22, 20, 0)  # already Monday 01:30 in Kolkata
        assert parse_when("today", early) == utc(2026, 11, 22, 18, 30)


@pytest.mark.parametrize("text", [
    "someday", "", "next", "2026-13-01", "2026-02-30", "25:00", "tomorrow 24:10",
    "+3x", "3 fortnights", "now 10:00", "+4h 10:00", "next blursday",
])
def test_unknown_when_names_the_accepted_forms(text):
    with pytest.raises(ValidationError) as err:
        parse_when(text, FROZEN)
    message = str(err.value)
    assert repr(text) in message
    for form in ("today", "tomorrow", "+3d", "2w", "next monday", "2026-12-01"):
        assert form in message


@pytest.mark.parametrize("text, expected", [
    ("2w", timedelta(days=14)), ("3d", timedelta(days=3)), ("30d", timedelta(days=30)),
    ("1m", timedelta(days=30)), ("2 weeks", timedelta(days=14)), ("4h", timedelta(hours=4)),
    ("+3d", timedelta(days=3)), ("1y", timedelta(days=365)),
])
def test_periods(text, expected):
    assert parse_period(text).delta == expected


def test_period_text_is_normalised_and_checked():
    assert str(parse_period("2 Weeks")) == "2w"
    assert period_days("3m") == 90
    for bad in ("0d", "-3d", "d", "soon", "3.5d"):
        with pytest.raises(ValidationError):
            parse_period(bad)
    with pytest.raises(ValidationError, match="whole days"):
        period_days("4h")


def test_relative_wording():
    assert relative(FROZEN - timedelta(days=3, hours=2), FROZEN) == "3d overdue"
    assert relative(FROZEN - timedelta(hours=5), FROZEN) == "5h overdue"
    assert relative(FROZEN + timedelta(seconds=30), FROZEN) == "due now"
    assert relative(FROZEN + timedelta(minutes=20), FROZEN) == "in 20min"  # ("20m" would read as 20 months, as typed)
    assert relative(FROZEN + timedelta(days=8), FROZEN) == "in 8d"
    assert relative(FROZEN + timedelta(hours=23, minutes=59), FROZEN) == "in 23h"
    assert relative(FROZEN + timedelta(hours=24), FROZEN) == "in 1d"
    assert relative(FROZEN - timedelta(hours=25), FROZEN) == "1d overdue"


@pytest.mark.parametrize("due, now, shown", [
    # 30 days on, read a second later (or an hour short): still the 30th day.
    ("2026-12-23 09:30", "2026-11-23 09:30:01", "in 30d"),
    ("2026-12-23 08:30", "2026-11-23 09:30", "in 30d"),
    # the day after tomorrow, whatever the hour
    ("2026-11-25 09:00", "2026-11-23 10:00", "in 2d"),
    ("2026-11-20 23:00", "2026-11-23 00:30", "3d overdue"),
])
def test_relative_counts_local_calendar_days_from_a_day_away(due, now, shown):
    with local_zone("Europe/Berlin"):
        assert relative(at_local_text(due), at_local_text(now)) == shown


def test_relative_counts_days_across_summer_time():
    """30 days from a March noon in Berlin are an hour short of 30 x 24 hours."""
    with local_zone("Europe/Berlin"):
        assert relative(at_local_text("2026-04-19 12:00"), at_local_text("2026-03-20 12:00")) \
            == "in 30d"


@pytest.mark.parametrize("due, now, shown", [
    # the night summer time ends: 24 hours from 00:30 are 23:30 the same day
    ("2026-10-25 23:30", "2026-10-25 00:30", "in 24h"),
    ("2026-10-25 00:30", "2026-10-25 23:45", "24h overdue"),
    # Santiago's clock skips midnight to 01:00: 24 hours from 23:30 are two days on
    ("2026-09-07 00:30", "2026-09-05 23:30", "in 2d"),
])
def test_relative_across_a_clock_change_counts_the_days_on_the_calendar(due, now, shown):
    """24 hours or more that end on the same local day (the day has 25) are
    not "in 1d", which reads as tomorrow: that many hours, as under a day."""
    zone = "America/Santiago" if due.startswith("2026-09") else "Europe/Berlin"
    with local_zone(zone):
        assert relative(at_local_text(due), at_local_text(now)) == shown


def at_local_text(text: str):
    from datetime import datetime

    moment = datetime.fromisoformat(text)
    return at_local(moment.date(), moment.time())


@pytest.mark.parametrize("days, shown", [(7, "1w"), (14, "2w"), (3640, "520w"), (1, "1d"),
                                         (8, "8d"), (30, "30d"), (3650, "3650d")])
def test_a_cadence_is_shown_in_weeks_when_it_is_whole_weeks(days, shown):
    assert format_days(days) == shown


@pytest.mark.parametrize("tz, shown", [
    ("UTC", "2026-11-20 09:30 UTC"),
    ("Europe/London", "2026-11-20 09:30 GMT"),
    ("America/New_York", "2026-11-20 04:30 EST"),
    # POSIX: "UTC+5" is five hours behind a zone it names UTC. Called UTC,
    # the time would be five hours off for whoever reads the reminder.
    ("UTC+5", "2026-11-20 04:30 -0500"),
    ("GMT-2", "2026-11-20 11:30 +0200"),
])
def test_a_zoned_time_names_its_zone_or_its_true_offset(tz, shown):
    with local_zone(tz):
        assert show_zoned(utc(2026, 11, 20, 9, 30)) == shown
