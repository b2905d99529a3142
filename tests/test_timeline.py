"""The timeline: logging notes, calls, emails, meetings and surveys, the
contact's last-contacted time, automatic events, and `log`/`timeline`."""

from __future__ import annotations

import json

import pytest

from tinycrm.store import NotFound, ValidationError

from .conftest import FROZEN
from .followup_helpers import days, local_zone, store  # noqa: F401  (fixture)


@pytest.fixture
def ada(store):
    return store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], now=FROZEN - days(30))


def test_interactions_move_last_contacted_forward_only(store, ada):
    store.timeline.log(ada.id, "note", "Likes tea")
    assert store.contacts.get(ada.id).last_contacted_at is None
    store.timeline.log(ada.id, "call", "Intro call", at=FROZEN - days(3))
    assert store.contacts.get(ada.id).last_contacted_at == FROZEN - days(3)
    store.timeline.log(ada.id, "email", "Sent deck", at=FROZEN - days(1))
    assert store.contacts.get(ada.id).last_contacted_at == FROZEN - days(1)
    store.timeline.log(ada.id, "meeting", "Older meeting, logged late", at=FROZEN - days(10))
    assert store.contacts.get(ada.id).last_contacted_at == FROZEN - days(1)


def test_log_returns_the_event_and_audits_it(store, ada):
    event = store.timeline.log(ada.id, "MEETING", "  Lunch\x1b[31m at noon\n ", at=FROZEN - days(2))
    assert (event.kind, event.text, event.at, event.author) == (
        "meeting", "Lunch at noon", FROZEN - days(2), "alice")
    assert store.timeline.get(event.id) == event
    entry = store.audit.list(ada.id, limit=1)[0]
    assert (entry.action, entry.entity, entry.entity_id) == ("log", "event", event.id)


def test_surveys_need_a_score_from_0_to_10(store, ada):
    event = store.timeline.log(ada.id, "survey", "Happy", score=9)
    assert event.score == 9
    assert store.timeline.log(ada.id, "survey", "", score=0).score == 0
    for bad in (None, 11, -1):
        with pytest.raises(ValidationError):
            store.timeline.log(ada.id, "survey", "x", score=bad)
    with pytest.raises(ValidationError, match="only for"):
        store.timeline.log(ada.id, "call", "x", score=5)
    assert store.contacts.get(ada.id).last_contacted_at is None


def test_log_refuses_bad_input(store, ada):
    with pytest.raises(ValidationError, match="unknown kind"):
        store.timeline.log(ada.id, "fax", "x")
    with pytest.raises(ValidationError, match="nothing to log"):
        store.timeline.log(ada.id, "note", "  \x07 ")
    with pytest.raises(ValidationError, match="future"):
        store.timeline.log(ada.id, "call", "x", at=FROZEN + days(1))
    with pytest.raises(NotFound):
        store.timeline.log(999, "note", "x")
    assert store.timeline.count(ada.id) == 0


def test_automatic_events_land_on_the_timeline(store, ada):
    store.contacts.edit(ada.id, {"stage": "customer", "company": "Engines Ltd"})
    f = store.followups.add(ada.id, FROZEN + days(1), note="Check in")
    store.followups.done(f.id)
    kinds = [(e.kind, (e.data or {}).get("action")) for e in store.timeline.list(ada.id)]
    assert kinds == [("followup", "done"), ("followup", "created"), ("edit", None), ("stage", None)]
    assert store.timeline.list(ada.id, limit=1, offset=1)[0].data["action"] == "created"


def test_log_and_timeline_commands(cli, store, ada):
    assert cli.ok("log", "ada@ex.org", "Intro call", "--kind", "call", "--at", "yesterday").stdout == "1\n"
    cli.ok("log", "1", "Sent the deck", "-k", "email", "--at", "2026-11-23 08:00")
    cli.ok("log", "1", "-", input="Long note\nfrom stdin\n")
    cli.ok("log", "1", "Great", "--kind", "survey", "--score", "10")
    cli.ok("follow-up", "add", "1", "--due", "2026-12-01", "-m", "Demo")
    assert store.contacts.get(ada.id).last_contacted_at == FROZEN.replace(hour=8, minute=0)
    out = cli.ok("timeline", "Ada Lovelace").stdout
    # Newest first; events of the same second newest id first.
    assert out == (
        "AT                KIND      AUTHOR  TEXT\n"
        "2026-11-23 09:30  followup  alice   follow-up created: Demo (due 2026-12-01…\n"
        "2026-11-23 09:30  survey    alice   score 10/10: Great\n"
        "2026-11-23 09:30  note      alice   Long note from stdin\n"
        "2026-11-23 08:00  email     alice   Sent the deck\n"
        "2026-11-22 00:00  call      alice   Intro call\n"
    )
    events = json.loads(cli.ok("timeline", "1", "--format", "json", "--limit", "2").stdout)
    assert len(events) == 2
    for key in ("id", "contact_id", "kind", "text", "at", "author"):
        assert key in events[0]
    assert events[-1]["at"] == "2026-11-23T09:30:00+00:00"
    assert [json.loads(line)["kind"] for line in cli.ok("timeline", "1", "-f", "ndjson").stdout.splitlines()][-1] == "call"


def test_log_command_errors(cli, store, ada):
    bad_kind = cli("log", "1", "x", "--kind", "fax")
    assert bad_kind.exit_code == 2 and "note, call, email, meeting, survey" in bad_kind.stderr
    assert cli("log", "1", "x", "--kind", "survey").exit_code == 2
    assert cli("log", "1", "x", "--kind", "survey", "--score", "11").exit_code == 2
    assert cli("log", "1", "x", "--at", "2027-01-01").exit_code == 2
    assert cli("log", "1", "x", "--at", "whenever").exit_code == 2
    assert cli("log", "nobody", "x").exit_code == 3


def test_timeline_shows_local_time(cli, store, ada):
    with local_zone("Asia/Kolkata"):
        cli.ok("log", "1", "Call", "--kind", "call", "--at", "2026-11-23 10:00")
        assert store.contacts.get(ada.id).last_contacted_at == FROZEN.replace(hour=4, minute=30)
        assert "2026-11-23 10:00  call" in cli.ok("timeline", "1").stdout


def test_control_characters_never_reach_the_terminal(cli, store, ada):
    store.timeline.add(ada.id, "note", "evil \x1b]0;pwned\x07 text")
    out = cli.ok("timeline", "1").stdout
    assert "\x1b" not in out and "\x07" not in out and "evil" in out


def test_an_edit_entry_says_what_each_field_was_and_became(cli, store, ada):
    """It said "changed tier" (a stage change says from and to)."""
    from tinycrm.store.timeline import shown_text

    store.contacts.edit(ada.id, {"tier": "vip", "company": "[b]Engines", "tags": ["beta"],
                                 "fields": {"plan": "pro"}})
    store.contacts.edit(ada.id, {"fields": {"plan": None, "seats": "5"}, "tags": []})
    store.timeline.add(ada.id, "edit", "changed title", data={"fields": ["title"]})  # no values
    old_entry, second, first = store.timeline.list(ada.id)
    assert (first.text, second.text) == ("changed tier, company, tags, fields", "changed tags, fields")
    assert shown_text(first) == ("changed tier: standard → vip; company: (empty) → [b]Engines;"
                                 " tags: (empty) → beta; fields.plan: (empty) → pro")
    assert shown_text(second) == ("changed tags: beta → (empty); fields.plan: pro → (empty);"
                                  " fields.seats: (empty) → 5")
    assert shown_text(second, lines=True) == (
        "changed:\ntags: beta → (empty)\nfields.plan: pro → (empty)\nfields.seats: (empty) → 5")
    assert shown_text(old_entry) == "changed title"
    assert cli.ok("timeline", "1").stdout == (
        "AT                KIND  AUTHOR  TEXT\n"
        "2026-11-23 09:30  edit  alice   changed title\n"
        "2026-11-23 09:30  edit  alice   changed tags: beta → (empty); fields.pl…\n"
        "2026-11-23 09:30  edit  alice   changed tier: standard → vip; company: …\n")
    assert [e["text"] for e in json.loads(cli.ok("timeline", "1", "-f", "json").stdout)] == [
        "changed title", "changed tags, fields", "changed tier, company, tags, fields"]
