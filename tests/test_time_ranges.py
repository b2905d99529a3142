"""Dates, periods and birthdays at the edges: one accepted range of years
(1800-2999) for any date a user or a file gives, one longest period (ten
years) for cadences, recurrences, rule delays and idle days, and birthdays
that are dates. A value out of range is refused (exit 2, or a rejected row)
before anything is written; a row an older version saved out of range is
still read, listed, shown and exported without a crash."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from .conftest import run_tinycrm
from .followup_helpers import local_zone

RANGE = "is out of range: use a date from 1800-01-01 to 2999-12-31"
TOO_LONG = "a period can be at most 3650 days (10 years)"


def _tables(db: Path) -> dict[str, list]:
    """Every row of every table: to show that a refused command wrote nothing."""
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name")]
        return {name: conn.execute(f'SELECT * FROM "{name}"').fetchall() for name in names}
    finally:
        conn.close()


def _no_crash(result) -> None:
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def _refused(result, code: int, message: str) -> None:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert message in result.stderr, result.stderr
    _no_crash(result)


def _config(text: str) -> None:
    path = Path(os.environ["TINYCRM_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def ann(cli):
    """Contact 1, with the follow-up the new-lead rule gives it (follow-up 1)."""
    cli.ok("add", "Ann Lee", "--email", "ann@ex.org")
    return cli


# -- 1. cadences: ten years at most ---------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (("cadence", "1", "100000m"), f"'100000m' is too long: {TOO_LONG}"),
    (("cadence", "1", "3651d"), f"'3651d' is too long: {TOO_LONG}"),
    (("cadence", "1", "3000000d"), f"'3000000d' is too long: {TOO_LONG}"),
    (("edit", "1", "--set", "cadence_days=999999999"),
     "cadence_days must be from 1 to 3650 days (10 years), got '999999999'"),
    (("edit", "1", "--set", "cadence_days=3651"), "cadence_days must be from 1 to 3650"),
    (("follow-up", "add", "1", "--due", "tomorrow", "--every", "11y"), f"'11y' is too long: {TOO_LONG}"),
])
def test_a_period_longer_than_ten_years_is_refused_before_anything_is_written(ann, args, message):
    before = _tables(ann.db)
    _refused(ann(*args), 2, message)
    assert _tables(ann.db) == before
    ann.ok("follow-up", "queue")
    ann.ok("cadence")


def test_ten_years_is_the_longest_cadence(ann):
    ann.ok("cadence", "1", "10y")
    shown = json.loads(ann.ok("cadence", "1", "--format", "json").stdout)
    assert shown["cadence_days"] == 3650
    assert shown["due_at"] == "2036-11-20T09:30:00+00:00"
    [item] = json.loads(ann.ok("cadence", "--format", "json").stdout)
    assert item["due_at"] == "2036-11-20T09:30:00+00:00"


def test_an_imported_cadence_or_time_out_of_range_rejects_its_row(ann, tmp_path):
    path = tmp_path / "people.json"
    path.write_text(json.dumps([
        {"name": "Bo", "cadence_days": 99999999},
        {"name": "Cy", "last_contacted_at": "9999-12-31", "cadence_days": 30},
        {"name": "Di", "created_at": "9999-12-31T23:59:59+00:00"},
        {"name": "Ed", "updated_at": "0001-01-01T00:00:00Z"},
        {"name": "Flo", "cadence_days": 3650, "last_contacted_at": "1800-01-01"},
    ]))
    result = ann("import", str(path))
    assert result.exit_code == 1, result.stderr
    _no_crash(result)
    # (One line of JSON: each message says which object of it.)
    assert ("people.json:1: object 1: cadence_days: a cadence must be from 1 to 3650 days"
            " (10 years), got '99999999'") in result.stderr
    assert f"people.json:1: object 2: last_contacted_at: '9999-12-31' {RANGE}" in result.stderr
    assert (f"people.json:1: object 3: created_at: '9999-12-31T23:59:59+00:00' {RANGE}"
            in result.stderr)
    assert f"people.json:1: object 4: updated_at: '0001-01-01T00:00:00Z' {RANGE}" in result.stderr
    assert "1 created" in result.stderr and "4 rejected" in result.stderr
    names = [c["name"] for c in json.loads(ann.ok("list", "--format", "json").stdout)]
    assert names == ["Ann Lee", "Flo"]
    ann.ok("follow-up", "queue")
    ann.ok("cadence")


def test_a_tag_cadence_over_ten_years_in_the_config_is_a_config_error(ann):
    ann.ok("tag", "1", "investor")
    before = _tables(ann.db)
    _config('[cadence]\ninvestor = "100000m"\n')
    for args in (("follow-up", "queue"), ("cadence",), ("tag", "1", "vip")):
        _refused(ann(*args), 1, "[cadence] investor: '100000m' is too long: at most 3650 days")
    assert _tables(ann.db) == before
    _config('[cadence]\ninvestor = "10y"\n')
    [item] = json.loads(ann.ok("cadence", "--format", "json").stdout)
    assert item["cadence_days"] == 3650


# -- 2. dates: years 1800 to 2999 -----------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (("follow-up", "add", "1", "--due", "9999-12-31"), f"'9999-12-31' {RANGE}"),
    (("follow-up", "add", "1", "--due", "9999-12-31 23:59"), f"'9999-12-31 23:59' {RANGE}"),
    (("follow-up", "add", "1", "--due", "9999-12-31T23:59:59-05:00"),
     f"'9999-12-31T23:59:59-05:00' {RANGE}"),
    (("follow-up", "add", "1", "--due", "3000-01-01"), f"'3000-01-01' {RANGE}"),
    (("follow-up", "add", "1", "--due", "+999999d"), f"'+999999d' is too far off: {TOO_LONG}"),
    (("follow-up", "snooze", "1", "--for", "11y"), f"'11y' is too long: {TOO_LONG}"),
    (("follow-up", "snooze", "1", "--until", "9999-01-01"), f"'9999-01-01' {RANGE}"),
    (("follow-up", "reschedule", "1", "--due", "1799-12-31"), f"'1799-12-31' {RANGE}"),
    (("log", "1", "hi", "--at", "0001-01-01"), f"'0001-01-01' {RANGE}"),
    (("log", "1", "hi", "--kind", "call", "--at", "0999-01-01T10:00:00Z"),
     f"'0999-01-01T10:00:00Z' {RANGE}"),
    (("report", "--until", "9999-12-31"), f"'9999-12-31' {RANGE}"),
    (("report", "--since", "9999-12"), f"'9999-12' {RANGE}"),
    (("report", "--since", "99999999999d"), f"'99999999999d' {RANGE}"),
    (("report", "--since", "0500-01-01T00:00:00Z"), f"'0500-01-01T00:00:00Z' {RANGE}"),
    (("audit", "--since", "999999y"), f"'999999y' {RANGE}"),
    (("report", "--idle-days", "3651"),
     "a number is out of range: the idle period must be from 1 to 3650 days, got 3651"),
])
def test_a_date_out_of_range_is_refused_with_exit_2_and_nothing_written(ann, args, message):
    before = _tables(ann.db)
    _refused(ann(*args), 2, message)
    assert _tables(ann.db) == before


def test_the_edges_of_the_range_are_accepted(ann):
    ann.ok("follow-up", "add", "1", "--due", "2999-12-31 23:59", "-m", "far")
    ann.ok("follow-up", "add", "1", "--due", "+10y")
    ann.ok("log", "1", "old letter", "--at", "1800-01-01")
    ann.ok("report", "--since", "1800-01", "--until", "2999-12-31", "--format", "json")
    assert "BEGIN:VEVENT" in ann.ok("export", "--format", "ics").stdout


@pytest.mark.parametrize("config, args, message", [
    ('[[rules]]\nname = "z"\nwhen = "added"\ndue = "99999999d"\n', ("add", "Zed"),
     f"[[rules]] #1 (z) due: '99999999d' is too long: {TOO_LONG}"),
    ('[[rules]]\nname = "z"\nwhen = "not-contacted"\nafter = "3651d"\ndue = "1d"\n',
     ("edit", "1", "--set", "title=CTO"), "[[rules]] #1 (z) after: '3651d' is too long"),
    ("[report]\nidle_days = 99999999999\n", ("report",),
     "[report] idle_days must be a whole number of days, from 1 to 3650"),
])
def test_config_durations_over_ten_years_are_config_errors(ann, config, args, message):
    before = _tables(ann.db)
    _config(config)
    _refused(ann(*args), 1, message)
    assert _tables(ann.db) == before


# -- 3. birthdays are dates -----------------------------------------------------------


@pytest.mark.parametrize("value, message", [
    ("not-a-date", "birthday: not a date: 'not-a-date' (use YYYY-MM-DD, or --MM-DD without the year)"),
    ("1985-02-30", "birthday: not a date: '1985-02-30'"),
    ("--13-01", "birthday: not a date: '--13-01'"),
    ("12", "birthday: not a date: '12'"),
    ("0001-01-01", f"birthday: '0001-01-01' {RANGE}"),
])
def test_a_birthday_that_is_not_a_date_is_refused(ann, value, message):
    before = _tables(ann.db)
    _refused(ann("edit", "1", "--set", f"birthday={value}"), 2, message)
    assert _tables(ann.db) == before


@pytest.mark.parametrize("value, kept", [
    ("1815-12-10", "1815-12-10"), ("--12-09", "--12-09"), ("--0608", "--06-08"),
    ("3/15/1985", "1985-03-15"), ("15 Mar 1985", "1985-03-15"), ("19850315", "1985-03-15"),
    ("--02-29", "--02-29"), ("", None),
    # European files: day first where the first number can't be a month, and
    # always with dots; year first with slashes.
    ("15/03/1985", "1985-03-15"), ("15.03.1985", "1985-03-15"), ("03.04.1985", "1985-04-03"),
    ("1985/03/15", "1985-03-15"), ("4/3/85", "1985-04-03"),
])
def test_a_birthday_is_kept_in_one_form(ann, value, kept):
    ann.ok("edit", "1", "--set", "birthday=2000-01-01")
    ann.ok("edit", "1", "--set", f"birthday={value}")
    assert json.loads(ann.ok("show", "1", "--format", "json").stdout)["birthday"] == kept


def test_imported_birthdays_that_are_not_dates_reject_their_rows(cli, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("Name,Birthday\nAda,1815-12-10\nDee,garbage\nGus,3/15/1985\n")
    vcf = tmp_path / "people.vcf"
    vcf.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Eve\nBDAY:99999-99-99\nEND:VCARD\n"
                   "BEGIN:VCARD\nVERSION:3.0\nFN:Tim\nBDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15\n"
                   "END:VCARD\n")
    js = tmp_path / "people.json"
    js.write_text(json.dumps([{"name": "Fay", "birthday": 12}, {"name": "Hal", "birthday": "--0101"}]))
    for path, line in ((csv_file, "people.csv:3: Birthday: not a date: 'garbage'"),
                       (vcf, "people.vcf:1: BDAY (line 4): not a date: '99999-99-99'"),
                       (js, "people.json:1: object 1: birthday: not a date: '12'")):
        result = cli("import", str(path))
        assert result.exit_code == 1, result.stderr
        assert line in result.stderr and "1 rejected" in result.stderr
        _no_crash(result)
    kept = {c["name"]: c["birthday"] for c in json.loads(cli.ok("list", "--format", "json").stdout)}
    assert kept == {"Ada": "1815-12-10", "Gus": "1985-03-15", "Tim": "--03-15", "Hal": "--01-01"}


# -- real processes: a piped import, and rows an older version saved out of range ------


def test_a_piped_import_with_a_bad_birthday_reports_the_row_and_exits_1(db_path):
    result = run_tinycrm("import", "-", "--format", "csv", db=db_path,
                         input="name,birthday\nDee,garbage\nAda,1815-12-10\n")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert ":2: birthday: not a date: 'garbage'" in result.stderr
    assert "1 created" in result.stderr and "1 rejected" in result.stderr


def test_rows_saved_out_of_range_by_an_older_version_are_still_read(cli, db_path):
    cli.ok("add", "Ann Lee")
    cli.ok("add", "Bo Brandt")
    cli.ok("add", "Cy Cole")
    cli.ok("follow-up", "add", "1", "--due", "tomorrow", "--every", "2w", "-m", "recurring")
    conn = sqlite3.connect(db_path)
    with conn:  # what an older version let through
        conn.execute("UPDATE contacts SET cadence_days = 999999999 WHERE id = 1")
        conn.execute("UPDATE contacts SET cadence_days = 30,"
                     " last_contacted_at = '9999-12-31T00:00:00Z' WHERE id = 2")
        # Without its follow-up, the new-lead rule looks at it again on an edit.
        conn.execute("UPDATE contacts SET created_at = '9999-12-31T23:59:59Z' WHERE id = 3")
        conn.execute("DELETE FROM followups WHERE contact_id = 3")
        conn.execute("UPDATE followups SET due_at = '9999-12-31T23:59:59Z', every = '999999y'"
                     " WHERE id = 4")
        conn.execute("UPDATE events SET data = json_set(data, '$.due_at', '9999-12-31T23:59:59Z')"
                     " WHERE kind = 'followup'")
    conn.close()
    env = dict(os.environ, TZ="Pacific/Kiritimati")  # UTC+14: the last day of 9999 overflows
    for args in (("follow-up", "queue"), ("cadence",), ("cadence", "1"), ("cadence", "2"),
                 ("follow-up", "list"), ("follow-up", "show", "4"), ("timeline", "1"),
                 ("export", "--format", "ics"), ("follow-up", "queue", "--format", "json"),
                 ("remind", "--dry-run"), ("edit", "3", "--set", "title=CTO"),
                 ("follow-up", "done", "4")):
        result = run_tinycrm(*args, db=db_path, env=env)
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
    queue = json.loads(run_tinycrm("cadence", "--format", "json", db=db_path).stdout)
    assert {i["contact_id"]: i["cadence_days"] for i in queue} == {1: 3650, 2: 30}
    with local_zone("Pacific/Kiritimati"):
        shown = cli.ok("follow-up", "show", "4").stdout
    assert "9999-12-31 23:59" in shown
    [nxt] = [f for f in json.loads(cli.ok("follow-up", "list", "--format", "json").stdout)
             if f["note"] == "recurring"]
    assert nxt["every"] == "3650d" and nxt["due_at"].startswith("2036-")


def test_imported_times_later_than_a_day_from_now_reject_their_rows(cli, tmp_path):
    # The clock is 2026-11-23 09:30 UTC. Half a day ahead is a time written
    # without its zone on the other side of the world; years ahead is a typo.
    path = tmp_path / "people.csv"
    path.write_text("name,email,created_at,last_contacted_at\n"
                    "Fay Future,fay@ex.org,2031-01-01,\n"
                    "Vic Vip,vic@ex.org,,2036-01-01T00:00:00Z\n"
                    "Tom Tokyo,tom@ex.org,2026-11-23 21:00,2026-11-23 21:00\n")
    result = cli("import", str(path))
    assert result.exit_code == 1, result.stderr
    assert "people.csv:2: created_at: '2031-01-01' is in the future" in result.stderr
    assert "people.csv:3: last_contacted_at: '2036-01-01T00:00:00Z' is in the future" in result.stderr
    _no_crash(result)
    names = [c["name"] for c in json.loads(cli.ok("list", "--format", "json").stdout)]
    assert names == ["Tom Tokyo"]


def test_a_cadence_an_older_version_saved_over_ten_years_is_shown_as_ten_years(cli, db_path):
    cli.ok("add", "Ann Lee")
    conn = sqlite3.connect(db_path)
    with conn:  # what an older version let through
        conn.execute("UPDATE contacts SET cadence_days = 999999999 WHERE id = 1")
    conn.close()
    shown = json.loads(cli.ok("cadence", "1", "--format", "json").stdout)
    assert (shown["cadence_days"], shown["source"]) == (3650, "contact")
    [listed] = json.loads(cli.ok("cadence", "--format", "json").stdout)
    assert (listed["cadence_days"], listed["due_at"]) == (3650, shown["due_at"])
