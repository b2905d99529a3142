"""`tinycrm follow-up ...` and `tinycrm cadence`: exact output, JSON shape,
WHEN errors, exit codes, and local time at the terminal."""

from __future__ import annotations

import json

import pytest

from .conftest import FROZEN
from .followup_helpers import days, local_zone, store  # noqa: F401  (fixture)


@pytest.fixture
def people(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], tier="vip", now=FROZEN - days(10))
    bob = store.contacts.add("Bob Stone", owner="bob", now=FROZEN - days(10))
    return ada, bob


def test_add_prints_the_id_and_lists_as_json(cli, people):
    result = cli.ok("follow-up", "add", "ada@ex.org", "--due", "2026-12-01", "--note", "Send proposal",
                    "--every", "2w")
    assert result.stdout == "1\n"
    assert result.stderr == "follow-up 1 for Ada Lovelace, due 2026-12-01 00:00 (in 8d), every 2w\n"
    [row] = json.loads(cli.ok("follow-up", "list", "--format", "json").stdout)
    assert row == {
        "id": 1, "contact_id": 1, "contact_name": "Ada Lovelace", "contact_email": "ada@ex.org",
        "due_at": "2026-12-01T00:00:00+00:00", "status": "open", "note": "Send proposal",
        "owner": "alice", "every": "2w", "rule": None, "created_at": "2026-11-23T09:30:00+00:00",
        "updated_at": "2026-11-23T09:30:00+00:00", "done_at": None, "missed_at": None,
        "snoozes": 0,
        "previous_id": None, "urgency": row["urgency"],
    }
    assert isinstance(row["urgency"], float)


def test_list_table_is_in_urgency_order_and_local_time(cli, people):
    cli.ok("follow-up", "add", "Bob Stone", "--due", "2026-11-20 08:00", "-m", "Chase the invoice",
           "--owner", "bob")
    cli.ok("follow-up", "add", "1", "--due", "tomorrow", "-m", "Demo")
    cli.ok("follow-up", "add", "1", "--due", "+4h")
    # A VIP due in 4 hours or tomorrow outranks a standard contact 3 days overdue.
    expected = (
        "ID  DUE               WHEN        CONTACT       NOTE               OWNER  EVERY  URGENCY\n"
        "3   2026-11-23 13:30  in 4h       Ada Lovelace                     alice         11.7\n"
        "2   2026-11-24 00:00  in 1d       Ada Lovelace  Demo               alice         11.5\n"
        "1   2026-11-20 08:00  3d overdue  Bob Stone     Chase the invoice  bob           10.2\n"
    )
    out = cli.ok("follow-up", "list").stdout
    assert out == expected
    assert cli.ok("follow-up").stdout == out  # the group's default is list
    overdue = cli.ok("follow-up", "list", "--overdue").stdout
    assert overdue == (
        "ID  DUE               WHEN        CONTACT    NOTE               OWNER  EVERY  URGENCY\n"
        "1   2026-11-20 08:00  3d overdue  Bob Stone  Chase the invoice  bob           10.2\n"
    )
    assert cli.ok("follow-up", "list", "--mine", "-f", "csv").stdout.count("\n") == 3
    assert [r["id"] for r in json.loads(cli.ok("follow-up", "list", "--owner", "bob", "-f", "json").stdout)] == [1]
    assert [r["id"] for r in json.loads(cli.ok("follow-up", "list", "--today", "-f", "json").stdout)] == [3]
    assert [r["id"] for r in json.loads(cli.ok("follow-up", "list", "--contact", "ada@ex.org", "-f", "json").stdout)] == [3, 2]
    assert cli.ok("follow-up", "list", "--overdue", "-f", "ndjson", "-n", "1").stdout.count("\n") == 1


@pytest.mark.parametrize("zone, stored", [
    ("Asia/Kolkata", "2026-11-30T18:30:00+00:00"), ("America/New_York", "2026-12-01T05:00:00+00:00"),
])
def test_dates_are_local_days_stored_in_utc(cli, people, zone, stored):
    with local_zone(zone):
        cli.ok("follow-up", "add", "1", "--due", "2026-12-01")
        cli.ok("follow-up", "add", "1", "--due", "2026-12-01 14:30")
        rows = json.loads(cli.ok("follow-up", "list", "-f", "json").stdout)
        assert sorted(r["due_at"] for r in rows)[0] == stored
        table = cli.ok("follow-up", "list").stdout
        assert "2026-12-01 00:00" in table and "2026-12-01 14:30" in table


def test_a_bad_when_is_a_usage_error_naming_the_forms(cli, people):
    result = cli("follow-up", "add", "1", "--due", "someday")
    assert result.exit_code == 2
    assert result.stderr.startswith("tinycrm: error: can't understand WHEN 'someday': use today, tomorrow,")
    assert "next monday" in result.stderr and "2026-12-01 14:30" in result.stderr
    assert "Traceback" not in result.output
    assert cli("follow-up", "add", "1", "--due", "tomorrow", "--every", "soon").exit_code == 2
    assert cli("follow-up", "add", "nobody", "--due", "tomorrow").exit_code == 3
    assert cli("follow-up", "list", "--overdue", "--today").exit_code == 2


def test_done_prints_the_next_ones_id_only_when_there_is_one(cli, people):
    once = cli.ok("follow-up", "add", "1", "--due", "2026-11-25", "-m", "Once").stdout.strip()
    weekly = cli.ok("follow-up", "add", "1", "--due", "2026-11-25", "--every", "1w").stdout.strip()
    assert cli.ok("follow-up", "done", once).stdout == ""
    assert cli.ok("follow-up", "done", weekly).stdout == f"{int(weekly) + 1}\n"


def test_done_snooze_reschedule_cancel(cli, people, store):
    cli.ok("follow-up", "add", "1", "--due", "2026-11-20", "-m", "Call", "--every", "1w")
    done = cli.ok("follow-up", "done", "1", "--note", "Went well")
    assert done.stdout == "2\n"  # the next one's id, for a script (as add prints its own)
    assert done.stderr == "done: follow-up 1 for Ada Lovelace; next one (2) due 2026-11-30 00:00\n"
    again = cli("follow-up", "done", "1")
    assert again.exit_code == 4 and "already done" in again.stderr
    assert cli("follow-up", "done", "99").exit_code == 3
    snoozed = cli.ok("follow-up", "snooze", "2", "--for", "3d")
    # This long after its due time (not yet come): the same time of day,
    # three days on. Never earlier than it was.
    assert snoozed.stderr == "snoozed follow-up 2 for Ada Lovelace until 2026-12-03 00:00\n"
    four_hours = cli.ok("follow-up", "snooze", "2", "--for", "4h")
    assert four_hours.stderr == "snoozed follow-up 2 for Ada Lovelace until 2026-12-03 04:00\n"
    cli.ok("follow-up", "snooze", "2", "--until", "2026-12-24 10:00")
    assert store.followups.get(2).snoozes == 3
    assert cli("follow-up", "snooze", "2").exit_code == 2
    assert cli("follow-up", "snooze", "2", "--for", "1d", "--until", "tomorrow").exit_code == 2
    assert cli("follow-up", "snooze", "2", "--until", "2026-01-01").exit_code == 2  # the past
    moved = cli.ok("follow-up", "reschedule", "2", "--due", "2026-11-01")
    assert moved.stderr == "follow-up 2 for Ada Lovelace now due 2026-11-01 00:00\n"
    cancelled = cli.ok("follow-up", "cancel", "2")
    assert cancelled.stderr == "cancelled follow-up 2 for Ada Lovelace\n"
    statuses = {r["id"]: (r["status"], r["done_at"]) for r in
                json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)}
    assert statuses == {1: ("done", "2026-11-23T09:30:00+00:00"), 2: ("cancelled", None)}
    shown = json.loads(cli.ok("follow-up", "show", "1", "-f", "json").stdout)
    assert shown["status"] == "done"
    assert "Went well" in cli.ok("timeline", "1").stdout


def test_cadence_set_show_clear_and_list(cli, people, store):
    out = cli.ok("cadence", "ada@ex.org", "30d").stdout
    assert out == (
        "contact       Ada Lovelace\n"
        "every         30d (its own)\n"
        "last contact  never\n"
        "due           2026-12-13 09:30 (in 20d)\n"
    )
    cli.ok("log", "1", "Phoned", "--kind", "call", "--at", "2026-10-01 10:00")
    data = json.loads(cli.ok("cadence", "1", "-f", "json").stdout)
    assert data == {"contact_id": 1, "contact_name": "Ada Lovelace", "cadence_days": 30, "source": "contact",
                    "last_contacted_at": "2026-10-01T10:00:00+00:00",
                    "due_at": "2026-10-31T10:00:00+00:00"}
    listed = cli.ok("cadence").stdout
    assert listed == (
        "ID  CONTACT       EVERY  LAST CONTACT      DUE               WHEN         OWNER\n"
        "1   Ada Lovelace  30d    2026-10-01 10:00  2026-10-31 10:00  23d overdue  alice\n"
    )  # (due on 31 October, 23 days before the 23rd of November, though 30 minutes short)
    assert cli.ok("cadence", "--due", "--owner", "bob").stdout == ""
    queue = json.loads(cli.ok("follow-up", "queue", "-f", "json").stdout)
    assert [(q["kind"], q["contact_id"]) for q in queue] == [("cadence", 1)]
    assert cli.ok("cadence", "1", "off").stderr == "Ada Lovelace has no keep-in-touch cadence (cleared)\n"
    assert cli("cadence", "1", "4h").exit_code == 2
    assert cli("cadence", "1", "often").exit_code == 2
    assert store.contacts.get(1).cadence_days is None


def test_a_cadence_30_days_away_reads_in_30d_a_moment_later(cli, people):
    """Read a second after the call, 30 days on is 29 days 23:59:59 away:
    it is due on the 30th day, as people count."""
    cli.ok("log", "1", "Phoned", "--kind", "call")
    cli.ok("cadence", "1", "30d")
    later = {"TINYCRM_NOW": "2026-11-23T09:30:01Z"}
    assert cli.ok("cadence", "1", env=later).stdout.endswith(
        "due           2026-12-23 09:30 (in 30d)\n")
    assert "2026-12-23 09:30  in 30d " in cli.ok("cadence", env=later).stdout


def test_snooze_for_a_day_late_in_the_evening_is_a_day_not_half_an_hour(cli, people):
    from datetime import datetime, timezone

    from .followup_helpers import local_zone

    with local_zone("Europe/Berlin"):
        late = {"TINYCRM_NOW": "2026-11-23T22:30:00Z"}  # 23:30 in Berlin
        assert cli("follow-up", "add", "1", "--due", "2026-11-23 20:00", env=late).exit_code == 0
        snoozed = cli("follow-up", "snooze", "1", "--for", "1d", env=late)
        assert snoozed.exit_code == 0, snoozed.stderr
        assert snoozed.stderr.endswith("until 2026-11-24 23:30\n")
    [followup] = json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
    assert followup["due_at"] == datetime(2026, 11, 24, 22, 30, tzinfo=timezone.utc).isoformat()


def test_show_gives_an_open_follow_ups_urgency_as_the_list_does(cli, people):
    cli.ok("follow-up", "add", "1", "--due", "yesterday", "-m", "Call")
    listed = {f["id"]: f["urgency"]
              for f in json.loads(cli.ok("follow-up", "list", "-f", "json").stdout)}
    shown = json.loads(cli.ok("follow-up", "show", "1", "-f", "json").stdout)
    assert shown["urgency"] == listed[1] and shown["urgency"] > 0
    cli.ok("follow-up", "done", "1")
    assert json.loads(cli.ok("follow-up", "show", "1", "-f", "json").stdout)["urgency"] is None
