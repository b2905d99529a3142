"""Response-time rules: when they fire, that they fire once, what they record,
compliance, config, and --no-rules."""

import json
import time
from datetime import timedelta

import pytest

from tinycrm.store import Store, StoreSettings
from tinycrm.store.bulk import NewContact, insert_contacts
from tinycrm.store.rules import (
    RuleError,
    apply_rules,
    duration_text,
    parse_duration,
    parse_rules,
    stats,
    sweep,
)
from tinycrm.store.timeutil import to_db

from .conftest import FROZEN

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def rule_followups(store, contact_id=None):
    sql = "SELECT id, contact_id, rule, due_at, owner, status FROM followups WHERE rule IS NOT NULL"
    params = []
    if contact_id is not None:
        sql += " AND contact_id = ?"
        params.append(contact_id)
    return store.conn.execute(sql + " ORDER BY id", params).fetchall()


# -- new lead ------------------------------------------------------------------------


def test_new_lead_gets_a_followup_due_24h_after_creation(store):
    ada = store.contacts.add("Ada", owner="bob")
    assert rule_followups(store) == [(1, ada.id, "new-lead", "2026-11-24T09:30:00Z", "bob", "open")]
    followup = store.followups.get(1)
    assert followup.rule == "new-lead" and followup.note.startswith("New lead")
    event = [e for e in store.timeline.list(ada.id) if e.kind == "followup"]
    assert len(event) == 1 and event[0].data["action"] == "created"
    assert event[0].data["rule"] == "new-lead"
    audit = [a for a in store.audit.list(ada.id) if a.entity == "followup"]
    assert [(a.action, a.entity_id, a.after["rule"]) for a in audit] == [("create", 1, "new-lead")]


def test_only_leads_get_the_new_lead_rule(store):
    store.contacts.add("Cy", stage="qualified")
    store.contacts.add("Di", stage="customer")
    assert rule_followups(store) == []


def test_a_rule_fires_once_whatever_happens_next(store, clock):
    ada = store.contacts.add("Ada", tags=["x"])
    store.contacts.edit(ada.id, {"company": "Engines"})
    store.contacts.tag(ada.id, ["y"])
    store.contacts.untag(ada.id, ["x"])
    sweep(store, FROZEN)
    assert len(rule_followups(store)) == 1
    store.followups.done(1)
    store.contacts.edit(ada.id, {"title": "Countess"})
    store.followups.cancel(store.followups.add(ada.id, FROZEN + DAY).id)
    sweep(store, FROZEN + HOUR)
    assert len(rule_followups(store)) == 1


def test_an_old_contact_gets_no_born_overdue_followup(store, clock):
    old = store.contacts.add("Old", created_at=FROZEN - timedelta(days=700))
    store.contacts.edit(old.id, {"company": "Still a lead"})
    assert rule_followups(store) == []
    clock.now = FROZEN + 2 * DAY
    fresh_then_edited = store.contacts.add("Fresh", now=FROZEN)
    store.contacts.edit(fresh_then_edited.id, {"company": "X"})
    assert len(rule_followups(store)) == 1


def test_no_rules_switch(db_path, clock):
    with Store(db_path, user="alice", clock=clock, apply_rules=False) as store:
        store.contacts.add("Ada", tags=["complaint"])
        assert rule_followups(store) == []


def test_no_rules_on_the_command_line(cli):
    cli.ok("--no-rules", "add", "Ada", "--tag", "complaint")
    cli.ok("--no-rules", "tag", "1", "complaint", "vip")
    assert json.loads(cli.ok("rules", "list", "-f", "json").stdout)[0]["created"] == 0
    cli.ok("add", "Bob")
    assert [r["created"] for r in json.loads(cli.ok("rules", "list", "-f", "json").stdout)] == [1, 0, 0]


# -- tagged --------------------------------------------------------------------------


def test_complaint_is_due_within_48h_of_tagging_once_per_tagging(store, clock):
    ada = store.contacts.add("Ada", stage="customer")
    clock.now = FROZEN + 5 * HOUR
    store.contacts.tag(ada.id, ["complaint"])
    first = rule_followups(store, ada.id)
    assert [(r[2], r[3]) for r in first] == [("complaint", "2026-11-25T14:30:00Z")]
    store.contacts.tag(ada.id, ["urgent"])
    store.followups.done(first[0][0])
    store.contacts.edit(ada.id, {"company": "Engines"})
    assert len(rule_followups(store, ada.id)) == 1, "done, but still the same complaint"
    store.contacts.untag(ada.id, ["complaint"])
    assert len(rule_followups(store, ada.id)) == 1
    clock.now = FROZEN + 10 * DAY
    store.contacts.tag(ada.id, ["complaint"])
    second = rule_followups(store, ada.id)
    assert len(second) == 2 and second[1][3] == "2026-12-05T09:30:00Z"
    store.contacts.tag(ada.id, ["again"])
    assert len(rule_followups(store, ada.id)) == 2


def test_a_complaint_put_back_fires_once_however_it_is_edited_after(store, clock):
    """Judged from the rule's last follow-up: the tag taken off before the
    second one is no reason for a third."""
    ada = store.contacts.add("Ada", stage="customer")
    store.contacts.tag(ada.id, ["complaint"])
    store.followups.done(rule_followups(store, ada.id)[0][0])
    store.contacts.untag(ada.id, ["complaint"])
    clock.now = FROZEN + DAY
    store.contacts.tag(ada.id, ["complaint"])
    second = rule_followups(store, ada.id)
    assert len(second) == 2
    store.followups.done(second[1][0])
    store.contacts.edit(ada.id, {"company": "Engines"})
    assert len(rule_followups(store, ada.id)) == 2
    store.contacts.untag(ada.id, ["complaint"])
    store.contacts.tag(ada.id, ["complaint"])
    assert len(rule_followups(store, ada.id)) == 3


def test_a_merge_brings_no_second_complaint_for_a_tag_that_never_left(store, clock):
    from tinycrm.store.merge import merge_contacts

    kim = store.contacts.add("Kim Keep", stage="customer")
    store.contacts.tag(kim.id, ["complaint"])
    other = store.contacts.add("Kim K", stage="customer")
    clock.now = FROZEN + DAY
    store.followups.done(rule_followups(store, kim.id)[0][0])
    store.contacts.tag(other.id, ["complaint"])
    store.contacts.untag(other.id, ["complaint"])
    store.followups.done(rule_followups(store, other.id)[0][0])
    clock.now = FROZEN + 4 * DAY
    merge_contacts(store, kim.id, other.id)
    followups = rule_followups(store, kim.id)
    assert len(followups) == 2, "Kim's own complaint and the other's, both done: none new"
    # Kim's own untag and retag still makes a new one.
    store.contacts.untag(kim.id, ["complaint"])
    store.contacts.tag(kim.id, ["complaint"])
    assert len(rule_followups(store, kim.id)) == 3


def test_retagging_while_open_does_not_duplicate(store):
    ada = store.contacts.add("Ada", stage="customer", tags=["complaint"])
    store.contacts.untag(ada.id, ["complaint"])
    store.contacts.tag(ada.id, ["complaint"])
    assert len(rule_followups(store, ada.id)) == 1


# -- not contacted -------------------------------------------------------------------


def test_vip_customer_silent_for_30_days_comes_due_once_per_silence(store, clock):
    vip = store.contacts.add("Vera", stage="customer", tier="vip")
    store.contacts.add("Stan", stage="customer")          # not vip
    store.contacts.add("Lea", tier="vip")                  # vip but a lead: new-lead only
    assert sweep(store, FROZEN + 29 * DAY) == []
    created = sweep(store, FROZEN + 30 * DAY)
    assert len(created) == 1
    row = store.followups.get(created[0])
    assert (row.contact_id, row.rule, row.due_at) == (vip.id, "vip-silence", FROZEN + 31 * DAY)
    assert sweep(store, FROZEN + 45 * DAY) == []
    store.followups.done(created[0], now=FROZEN + 31 * DAY)
    assert sweep(store, FROZEN + 60 * DAY) == [], "the silence restarts when it's handled"
    again = sweep(store, FROZEN + 61 * DAY)
    assert len(again) == 1
    # Contact made resets the silence too.
    store.followups.done(again[0], now=FROZEN + 61 * DAY)
    store.timeline.log(vip.id, "call", "catch-up", at=FROZEN + 80 * DAY, now=FROZEN + 80 * DAY)
    assert sweep(store, FROZEN + 105 * DAY) == []
    assert len(sweep(store, FROZEN + 110 * DAY)) == 1


def test_a_silence_restarts_at_the_last_close_of_this_contacts_rule_follow_up(store, clock):
    vera = store.contacts.add("Vera", stage="customer", tier="vip")
    vic = store.contacts.add("Vic", stage="customer", tier="vip")
    first = sweep(store, FROZEN + 30 * DAY)
    assert len(first) == 2
    for fid in first:
        store.followups.done(fid, now=FROZEN + 31 * DAY)
    vera2, vic2 = sweep(store, FROZEN + 61 * DAY)
    store.followups.done(vera2, now=FROZEN + 62 * DAY)
    store.followups.done(vic2, now=FROZEN + 80 * DAY)
    assert sweep(store, FROZEN + 91 * DAY) == []      # Vera: 29 days since her last one closed
    [again] = sweep(store, FROZEN + 92 * DAY)         # Vic's later close is not hers
    assert store.followups.get(again).contact_id == vera.id != vic.id


def test_becoming_a_silent_vip_fires_on_the_edit(store, clock):
    old = store.contacts.add("Olga", stage="customer", created_at=FROZEN - 90 * DAY)
    assert rule_followups(store) == []
    store.contacts.edit(old.id, {"tier": "vip"})
    assert [(r[2], r[3]) for r in rule_followups(store)] == [("vip-silence", "2026-11-24T09:30:00Z")]


def test_rules_run_command_is_silent_when_nothing_is_due(cli):
    cli.ok("add", "Vera", "--stage", "customer", "--tier", "vip")
    quiet = cli.ok("rules", "run")
    assert quiet.stdout == "" and quiet.stderr == ""
    later = cli("rules", "run", env={"TINYCRM_NOW": "2026-12-24T09:30:00Z"})
    assert later.exit_code == 0 and later.stderr == "rules created 1 follow-up\n"


# -- bulk ----------------------------------------------------------------------------


def test_rules_over_many_contacts_are_set_based(store):
    stamp = to_db(FROZEN)
    with store.write() as conn:
        ids = insert_contacts(
            conn, [NewContact(name=f"P{i}", owner="alice", created_at=stamp,
                              tags=["complaint"] if i % 10 == 0 else [])
                   for i in range(5000)],
            updated_at=stamp,
        )
        started = time.perf_counter()
        created = apply_rules(store, ids, FROZEN)
        elapsed = time.perf_counter() - started
    assert len(created) == 5000 + 500
    assert elapsed < 2.0, elapsed
    with store.write():
        assert apply_rules(store, ids, FROZEN) == []


# -- reading what rules did ----------------------------------------------------------


def test_compliance_counts_met_late_and_overdue(store, clock):
    for name in ("A", "B", "C", "D"):
        store.contacts.add(name)                   # four new-lead follow-ups due 11-24 09:30
    store.followups.done(1, now=FROZEN + 2 * HOUR)   # met
    store.followups.done(2, now=FROZEN + DAY)        # met: exactly at the due time
    store.followups.done(3, now=FROZEN + 25 * HOUR)  # late
    later = FROZEN + 2 * DAY                         # 4 is overdue by then
    (lead, complaint, vip) = stats(store, later)
    assert (lead.created, lead.open, lead.overdue, lead.met, lead.late) == (4, 1, 1, 2, 1)
    assert lead.compliance == 50.0
    assert complaint.compliance is None and vip.created == 0
    (lead, *_) = stats(store, FROZEN)
    assert lead.overdue == 0 and lead.compliance == pytest.approx(66.7)


def test_rules_list_and_show(cli):
    cli.ok("add", "Ada", "--email", "ada@ex.org")
    cli.ok("add", "Bob", "--owner", "bob")
    cli.ok("tag", "Bob", "complaint")
    listed = cli.ok("rules", "list").stdout
    assert listed == (
        "RULE         WHEN                                      CREATED  OPEN  OVERDUE"
        "  MET  LATE  CANCELLED  COMPLIANCE\n"
        "new-lead     new contact (stage lead) → due 24h afte…  2        2     0"
        "        0    0     0          -\n"
        "complaint    tagged complaint → due within 48h         1        1     0"
        "        0    0     0          -\n"
        "vip-silence  not contacted for 30d (stage customer, …  0        0     0"
        "        0    0     0          -\n"
    )
    assert cli.ok("rules").stdout == listed
    rows = json.loads(cli.ok("rules", "list", "--format", "json").stdout)
    assert rows[2]["description"] == "not contacted for 30d (stage customer, tier vip) → due within 24h"
    assert rows[1]["tag"] == "complaint" and rows[1]["due"] == "48h"
    shown = cli.ok("rules", "show", "new-lead").stdout
    assert shown == (
        "ID  CONTACT  DUE               STATUS  DONE  MET  OWNER\n"
        "2   Bob      2026-11-24 09:30  open               bob\n"
        "1   Ada      2026-11-24 09:30  open               alice\n"
    )
    assert cli.ok("rules", "show", "new-lead", "--mine").stdout.count("\n") == 2
    mine = json.loads(cli.ok("rules", "show", "new-lead", "--owner", "bob", "-f", "json").stdout)
    assert [(r["contact_name"], r["met"]) for r in mine] == [("Bob", None)]
    missing = cli("rules", "show", "nope")
    assert missing.exit_code == 3 and "no rule named 'nope'" in missing.stderr


# -- config --------------------------------------------------------------------------


def write_config(isolated_env, text: str) -> None:
    path = isolated_env / "config" / "tinycrm" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_rules_from_config_replace_the_defaults(cli, isolated_env):
    write_config(isolated_env, """
[crm]
stages = ["prospect", "client"]

[[rules]]
name = "hot-prospect"
when = "added"
stage = "prospect"
tag = "hot"
due = "4h"
note = "Call within 4 hours"
owner = "sales"
""")
    cli.ok("add", "Cold")
    cli.ok("add", "Hot", "--tag", "hot")
    rows = json.loads(cli.ok("rules", "list", "-f", "json").stdout)
    assert [(r["rule"], r["created"]) for r in rows] == [("hot-prospect", 1)]
    followup = json.loads(cli.ok("rules", "show", "hot-prospect", "-f", "json").stdout)[0]
    assert (followup["contact_name"], followup["due_at"], followup["owner"], followup["note"]) == (
        "Hot", "2026-11-23T13:30:00+00:00", "sales", "Call within 4 hours")


def test_empty_rules_switch_them_all_off(cli, isolated_env):
    write_config(isolated_env, "rules = []\n")
    cli.ok("add", "Ada", "--tag", "complaint")
    assert json.loads(cli.ok("rules", "list", "-f", "json").stdout) == []


def test_a_retired_rule_still_shows_what_it_made(cli, isolated_env):
    cli.ok("add", "Ada")
    write_config(isolated_env, "rules = []\n")
    rows = json.loads(cli.ok("rules", "list", "-f", "json").stdout)
    assert [(r["rule"], r["created"], r["configured"]) for r in rows] == [("new-lead", 1, False)]


def test_a_bad_rule_is_a_clear_config_error(cli, isolated_env):
    write_config(isolated_env, '[[rules]]\nname = "x"\nwhen = "sometimes"\ndue = "1h"\n')
    result = cli("add", "Ada")
    assert result.exit_code == 1
    config = isolated_env / "config" / "tinycrm" / "config.toml"
    assert result.stderr == (  # named with its file and line, as every other config mistake is
        f"tinycrm: error: {config}:3: [[rules]] #1 (x): when must be one of added, tagged,"
        " not-contacted, got 'sometimes'\n")


@pytest.mark.parametrize("entry, message", [
    ({"when": "added", "due": "1h"}, "needs a name"),
    ({"name": "a", "when": "tagged", "due": "1h"}, "needs tag"),
    ({"name": "a", "when": "added", "due": "soon"}, "not a duration"),
    ({"name": "a", "when": "added", "due": "0h"}, "not a duration"),
    ({"name": "a", "when": "added"}, "needs due"),
    ({"name": "a", "when": "not-contacted", "due": "1h"}, "needs after"),
    ({"name": "a", "when": "added", "after": "3d", "due": "1h"}, "after only applies"),
    ({"name": "a", "when": "added", "due": "1h", "stage": "nope"}, "unknown stage 'nope'"),
    ({"name": "a", "when": "added", "due": "1h", "tier": ["vip", 3]}, "tier must be"),
    ({"name": "a", "when": "added", "due": "1h", "colour": "red"}, "unknown key 'colour'"),
    ({"name": "a", "when": "added", "due": "1h", "owner": 7}, "note and owner must be text"),
    ({"name": "a", "when": "added", "due": "1h", "owner": " "}, "owner is empty: name someone"),
])
def test_parse_rules_refuses(entry, message):
    with pytest.raises(RuleError, match=message):
        parse_rules([entry], stages=StoreSettings().stages, tiers=StoreSettings().tiers)


@pytest.mark.parametrize("key, value, message", [
    ("stage", [], "stage must be a name or a list of names"),   # not "every stage"
    ("tier", ["vip", " "], "tier must be a name or a list of names"),
    ("tag", ["complaint", "refund"], "tag takes one tag"),
])
def test_a_rules_filter_is_one_name_or_a_list_of_names(key, value, message):
    entry = {"name": "a", "when": "tagged" if key == "tag" else "added", "due": "1h", key: value}
    with pytest.raises(RuleError, match=message):
        parse_rules([entry])


def test_a_rule_may_name_configured_stages_and_tiers():
    settings = StoreSettings()
    (rule,) = parse_rules([{"name": "a", "when": "added", "due": "1h", "stage": ["lead", "qualified"],
                            "tier": "vip"}], stages=settings.stages, tiers=settings.tiers)
    assert (rule.stages, rule.tiers) == (("lead", "qualified"), ("vip",))


def test_parse_rules_refuses_a_name_used_twice():
    entry = {"name": "a", "when": "added", "due": "1h"}
    with pytest.raises(RuleError, match="used twice"):
        parse_rules([entry, entry])


def test_durations():
    (rule,) = parse_rules([{"name": "a", "when": "not-contacted", "after": "2w", "due": "90min"}])
    assert rule.after == timedelta(days=14) and rule.due == timedelta(minutes=90)
    assert rule.describe() == "not contacted for 14d → due within 90min"


@pytest.mark.parametrize("value, shown", [
    (timedelta(hours=24), "24h"), (timedelta(hours=48), "48h"), (timedelta(hours=72), "3d"),
    (timedelta(hours=73), "73h"), (timedelta(days=30), "30d"), (timedelta(minutes=90), "90min"),
])
def test_a_duration_is_shown_in_days_from_three_whole_days_on(value, shown):
    assert duration_text(value) == shown


def test_ten_years_is_the_longest_duration_however_many_digits():
    assert parse_duration("3650d", where="due") == timedelta(days=3650)
    for text in ("3651d", "9999999999d"):
        with pytest.raises(RuleError, match="is too long"):
            parse_duration(text, where="due")


# -- import --------------------------------------------------------------------------


def test_import_applies_rules_and_no_rules_skips_them(cli, tmp_path):
    people = tmp_path / "people.json"
    people.write_text(json.dumps([
        {"name": "Lea Lead", "emails": ["lea@ex.org"]},
        {"name": "Cas Customer", "emails": ["cas@ex.org"], "stage": "customer", "tags": ["complaint"]},
    ]))
    cli.ok("import", str(people), "--format", "json")
    made = json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
    assert sorted((f["contact_name"], f["rule"]) for f in made) == [
        ("Cas Customer", "complaint"), ("Lea Lead", "new-lead")]
    merged = tmp_path / "merge.json"
    merged.write_text(json.dumps([{"name": "Lea Lead", "emails": ["lea@ex.org"], "tags": ["complaint"]}]))
    cli.ok("--no-rules", "import", str(merged), "--format", "json")
    rules = [f["rule"] for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)]
    assert sorted(rules) == ["complaint", "new-lead"]
    # `rules run` catches up with what changed while rules were off.
    assert cli.ok("rules", "run").stderr == "rules created 1 follow-up\n"
    rules = [f["rule"] for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)]
    assert sorted(rules) == ["complaint", "complaint", "new-lead"]
    again = tmp_path / "more.json"
    again.write_text(json.dumps([{"name": "Nia New", "emails": ["nia@ex.org"]}]))
    cli.ok("--no-rules", "import", str(again), "--format", "json")
    assert len(json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)) == 3


@pytest.mark.parametrize("key", ["stages", "tiers"])
def test_a_stage_or_tier_named_twice_is_a_config_error(cli, isolated_env, key):
    names = '["lead", "qualified", "customer", "lead"]' if key == "stages" else '["vip", "vip"]'
    write_config(isolated_env, f"[crm]\n{key} = {names}\n")
    result = cli("list")
    assert result.exit_code == 1
    assert result.stderr.endswith(f"[crm] {key} names {'lead' if key == 'stages' else 'vip'!r}"
                                  " more than once\n")


def test_rules_show_calls_an_open_follow_up_past_due_missed(cli):
    cli.ok("add", "Ada", "--email", "ada@ex.org")  # new-lead: due 2026-11-24 09:30
    later = {"TINYCRM_NOW": "2026-11-25T09:30:00Z"}
    shown = cli("rules", "show", "new-lead", env=later).stdout
    assert shown.splitlines()[1].split() == ["1", "Ada", "2026-11-24", "09:30", "open", "no",
                                             "alice"]
    rows = json.loads(cli("rules", "show", "new-lead", "-f", "json", env=later).stdout)
    assert rows[0]["met"] is False
    # Not yet due: neither met nor missed.
    assert json.loads(cli.ok("rules", "show", "new-lead", "-f", "json").stdout)[0]["met"] is None


def test_an_import_says_how_many_follow_ups_its_rows_set_off(cli, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("name,email\nAda,ada@ex.org\nBob,bob@ex.org\n")
    dry = cli("import", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "; response-time rules would make 2 follow-ups (--no-rules" in dry.stderr
    done = cli("import", str(path))
    assert ("2 created, 0 merged, 0 unchanged, 0 skipped, 0 rejected; response-time rules made"
            " 2 follow-ups") in done.stderr
    again = cli("import", str(path))
    assert "2 unchanged" in again.stderr and "follow-up" not in again.stderr
    (tmp_path / "more.csv").write_text("name,email\nCy,cy@ex.org\n")
    quiet = cli("--no-rules", "import", str(tmp_path / "more.csv"))
    assert "1 created" in quiet.stderr and "follow-up" not in quiet.stderr


def test_rules_show_json_says_of_a_follow_up_what_follow_up_list_says(cli):
    # A script counting how often rule follow-ups are put off read 0 snoozes
    # here, and no urgency, where `follow-up list` had them.
    cli.ok("add", "Ada", "--email", "ada@ex.org")
    cli.ok("follow-up", "snooze", "1", "--for", "1d")
    shown = json.loads(cli.ok("rules", "show", "new-lead", "-f", "json").stdout)[0]
    listed = json.loads(cli.ok("follow-up", "list", "-f", "json").stdout)[0]
    assert shown["snoozes"] == 1 and shown["urgency"] is not None
    assert {k: v for k, v in shown.items() if k != "met"} == listed
