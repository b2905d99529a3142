"""Stored UTC, shown local: with the offset of the instant, not of today."""

import os
import time

import pytest

from tinycrm.store.timeutil import from_db, parse_iso, show, to_db, to_json


@pytest.fixture
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def test_naive_input_is_local_time_on_that_date(new_york):
    assert to_db(parse_iso("2026-07-01T09:00")) == "2026-07-01T13:00:00Z"  # EDT, UTC-4
    assert to_db(parse_iso("2026-12-01T09:00")) == "2026-12-01T14:00:00Z"  # EST, UTC-5


def test_shown_in_local_time_across_daylight_saving(new_york):
    assert show(from_db("2026-07-01T13:00:00Z")) == "2026-07-01 09:00"
    assert show(from_db("2026-12-01T14:00:00Z")) == "2026-12-01 09:00"


def test_round_trip_and_json_offset():
    stored = "2026-11-23T09:30:00Z"
    assert to_db(from_db(stored)) == stored
    assert to_json(from_db(stored)) == "2026-11-23T09:30:00+00:00"
    assert parse_iso("2026-11-23T10:30:00+01:00") == from_db(stored)
    assert os.environ["TZ"] == "UTC"
