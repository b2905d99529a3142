"""Every report figure on a small data set whose numbers are worked out by hand
(tests/crm_helpers.py says what each contact, follow-up and event is)."""

import csv
import io
import json
from datetime import timedelta

import pytest

from tinycrm.store import Store, StoreSettings
from tinycrm.store.errors import ValidationError
from tinycrm.store.reports import OwnerFollowUps, build, month_starts, parse_bound

from .conftest import FROZEN
from .crm_helpers import at, build_known_dataset


@pytest.fixture
def known(store):
    build_known_dataset(store)
    return store


def since_september(store, **kw):
    return build(store, since=parse_bound("2026-09-01", FROZEN), now=FROZEN, **kw).to_dict()


def test_contacts_by_stage_and_tier_are_a_snapshot_of_now(known):
    report = since_september(known)
    assert report["contacts_by_stage"] == {
        "lead": 1, "qualified": 0, "customer": 4, "churned": 0, "lost": 1}
    assert report["contacts_by_tier"] == {"vip": 1, "standard": 4, "low": 1}


def test_new_contacts_per_month(known):
    assert since_september(known)["new_contacts_per_month"] == {
        "2026-09": 1, "2026-10": 2, "2026-11": 2}
    everything = build(known, now=FROZEN).to_dict()
    assert everything["new_contacts_per_month"] == {
        "2026-06": 1, "2026-07": 0, "2026-08": 0, "2026-09": 1, "2026-10": 2, "2026-11": 2}


def test_stage_conversion_rate_and_median_days(known):
    # Leads created since September: Ada (30 days to customer), Bob (10), Cy, Ed (lost).
    # Di started as a customer, so she was never a lead.
    assert since_september(known)["conversion"] == {
        "from_stage": "lead", "to_stage": "customer", "leads": 4, "converted": 2,
        "rate": 50.0, "median_days": 20.0}
    # All time adds Flo: June 15 to September 15 is 92 days.
    assert build(known, now=FROZEN).to_dict()["conversion"] == {
        "from_stage": "lead", "to_stage": "customer", "leads": 5, "converted": 3,
        "rate": 60.0, "median_days": 30.0}


def test_followups_on_time_late_and_overdue_per_owner(known):
    followups = since_september(known)["followups"]
    assert followups["owners"] == [
        {"owner": "alice", "on_time": 4, "late": 2, "overdue": 0, "open": 1, "on_time_percent": 66.7},
        {"owner": "bob", "on_time": 0, "late": 0, "overdue": 3, "open": 0, "on_time_percent": 0.0},
    ]
    assert followups["total"] == {
        "owner": "(all)", "on_time": 4, "late": 2, "overdue": 3, "open": 1, "on_time_percent": 44.4}


def test_rule_compliance(known):
    compliance = since_september(known)["rule_compliance"]
    assert compliance["rules"] == [
        {"rule": "new-lead", "met": 2, "late": 1, "overdue": 1, "pending": 0, "percent": 50.0},
        {"rule": "complaint", "met": 1, "late": 0, "overdue": 1, "pending": 0, "percent": 50.0},
        {"rule": "vip-silence", "met": 0, "late": 0, "overdue": 0, "pending": 0, "percent": None},
    ]
    assert compliance["total"] == {
        "rule": "(all)", "met": 3, "late": 1, "overdue": 2, "pending": 0, "percent": 50.0}
    everything = build(known, now=FROZEN).to_dict()["rule_compliance"]
    assert everything["rules"][0] == {
        "rule": "new-lead", "met": 2, "late": 2, "overdue": 1, "pending": 0, "percent": 40.0}


def test_interactions_per_kind_per_month(known):
    assert since_september(known)["interactions_per_month"] == {
        "2026-09": {"call": 1, "email": 0, "meeting": 0},
        "2026-10": {"call": 1, "email": 1, "meeting": 1},
        "2026-11": {"call": 0, "email": 1, "meeting": 0},
    }


def test_not_contacted_for_n_days(known):
    # Silent since 10-24 09:30: Ada (10-11), Bob (10-17), Flo (08-20), and Cy,
    # never contacted and added 10-20. Ed was added 11-05; Di emailed 11-03.
    assert since_september(known)["not_contacted"] == {"days": 30, "contacts": 4, "never": 1}
    assert since_september(known, idle_days=60)["not_contacted"] == {
        "days": 60, "contacts": 1, "never": 0}


def test_average_satisfaction_and_nps(known):
    assert since_september(known)["satisfaction"] == {
        "responses": 4, "average": 7.25, "promoters": 2, "passives": 1, "detractors": 1,
        "nps": 25.0}
    assert build(known, now=FROZEN).to_dict()["satisfaction"] == {
        "responses": 5, "average": 5.8, "promoters": 2, "passives": 1, "detractors": 2,
        "nps": 0.0}


def test_owner_narrows_every_figure(known):
    report = since_september(known, owner="alice")
    assert report["period"]["owner"] == "alice"
    assert report["contacts_by_stage"] == {
        "lead": 0, "qualified": 0, "customer": 2, "churned": 0, "lost": 1}
    assert report["contacts_by_tier"] == {"vip": 0, "standard": 2, "low": 1}
    assert report["new_contacts_per_month"] == {"2026-09": 1, "2026-10": 1, "2026-11": 1}
    assert report["conversion"]["leads"] == 3 and report["conversion"]["rate"] == 66.7
    assert [o["owner"] for o in report["followups"]["owners"]] == ["alice"]
    assert report["rule_compliance"]["total"]["percent"] == 75.0
    assert report["interactions_per_month"]["2026-11"] == {"call": 0, "email": 0, "meeting": 0}
    assert report["not_contacted"] == {"days": 30, "contacts": 2, "never": 0}
    assert report["satisfaction"]["nps"] == 100.0 and report["satisfaction"]["average"] == 9.5


def test_until_closes_the_period(known):
    report = build(known, since=parse_bound("2026-09-01", FROZEN),
                   until=parse_bound("2026-10-31", FROZEN, end=True), now=FROZEN).to_dict()
    assert report["period"]["until"] == "2026-11-01T00:00:00+00:00"
    assert report["new_contacts_per_month"] == {"2026-09": 1, "2026-10": 2}
    assert report["followups"]["owners"] == [
        {"owner": "alice", "on_time": 1, "late": 1, "overdue": 0, "open": 0, "on_time_percent": 50.0},
        {"owner": "bob", "on_time": 0, "late": 0, "overdue": 1, "open": 0, "on_time_percent": 0.0},
    ]
    assert report["rule_compliance"]["rules"][0]["percent"] == 33.3
    assert report["conversion"]["leads"] == 3 and report["conversion"]["converted"] == 2
    assert report["satisfaction"]["responses"] == 2


def test_empty_database_reports_zeros(store):
    report = build(store, now=FROZEN).to_dict()
    assert report["new_contacts_per_month"] == {"2026-11": 0}
    assert report["conversion"]["rate"] is None and report["conversion"]["median_days"] is None
    assert report["followups"]["owners"] == []
    assert report["satisfaction"]["nps"] is None


def test_custom_stages_without_customer_have_no_conversion(db_path, clock):
    settings = StoreSettings(stages=("prospect", "won"), default_stage="prospect")
    with Store(db_path, user="alice", clock=clock, settings=settings) as store:
        store.contacts.add("X")
        conversion = build(store, now=FROZEN).to_dict()["conversion"]
        assert conversion["from_stage"] == "prospect" and conversion["to_stage"] is None
        assert build(store, now=FROZEN, won_stage="won").to_dict()["conversion"]["leads"] == 1


@pytest.mark.parametrize("text, end, expected", [
    ("2026-09-01", False, "2026-09-01T00:00:00+00:00"),
    ("2026-09-01", True, "2026-09-02T00:00:00+00:00"),
    ("2026-09", True, "2026-10-01T00:00:00+00:00"),
    ("2026-12", True, "2027-01-01T00:00:00+00:00"),
    ("30d", False, "2026-10-24T09:30:00+00:00"),
    ("today", False, "2026-11-23T00:00:00+00:00"),
    ("yesterday", True, "2026-11-23T00:00:00+00:00"),
    ("2026-11-02 14:30", False, "2026-11-02T14:30:00+00:00"),
])
def test_parse_bound(text, end, expected):
    assert parse_bound(text, FROZEN, end=end).isoformat() == expected


@pytest.mark.parametrize("zone, text, end, expected", [
    # Santiago skips midnight on 6 September: that day starts at 01:00 (-03).
    ("America/Santiago", "2026-09-06", False, "2026-09-06T04:00:00+00:00"),
    ("America/Santiago", "2026-09-05", True, "2026-09-06T04:00:00+00:00"),
    # 02:30 is skipped in Amsterdam on 29 March: the moment after the gap, 03:30.
    ("Europe/Amsterdam", "2026-03-29 02:30", False, "2026-03-29T01:30:00+00:00"),
    ("Europe/Amsterdam", "2026-03-29 04:30", False, "2026-03-29T02:30:00+00:00"),
])
def test_a_bound_is_read_as_a_typed_when_is_across_clock_changes(zone, text, end, expected):
    """As a follow-up's due time typed the same way: one reading of local time."""
    from .followup_helpers import local_zone

    with local_zone(zone):
        assert parse_bound(text, FROZEN, end=end).isoformat() == expected


def test_parse_bound_refuses_nonsense_naming_the_forms():
    with pytest.raises(ValidationError, match="2026-11-01, 2026-11"):
        parse_bound("last tuesday-ish", FROZEN)


def test_month_starts_clip_to_the_period():
    months = month_starts(at("09-15"), at("11-02"))
    assert [m for m, _, _ in months] == ["2026-09", "2026-10", "2026-11"]
    assert months[0][1] == at("09-15") and months[-1][2] == at("11-02")


# -- the command ---------------------------------------------------------------------


@pytest.fixture
def known_cli(cli, db_path, clock):
    with Store(db_path, user="alice", clock=clock) as store:
        build_known_dataset(store)
    return cli


def test_cli_json_matches_the_store(known_cli):
    out = json.loads(known_cli.ok("report", "--since", "2026-09-01", "--format", "json").stdout)
    assert out["period"] == {"since": "2026-09-01T00:00:00+00:00", "until": None, "owner": None}
    assert out["rule_compliance"]["total"]["percent"] == 50.0
    assert out["satisfaction"]["nps"] == 25.0


def test_cli_mine_and_owner(known_cli):
    mine = json.loads(known_cli.ok("report", "--mine", "-f", "json").stdout)
    assert mine["period"]["owner"] == "alice"
    bob = json.loads(known_cli.ok("report", "--owner", "bob", "-f", "json").stdout)
    assert bob["contacts_by_stage"]["lead"] == 1 and bob["followups"]["total"]["overdue"] == 3
    clash = known_cli("report", "--mine", "--owner", "bob")
    assert clash.exit_code == 2


def test_cli_csv_is_long_form(known_cli):
    out = known_cli.ok("report", "--since", "2026-09-01", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["section", "group", "metric", "value"]
    index = {(r["section"], r["group"], r["metric"]): r["value"] for r in rows}
    assert index[("contacts_by_stage", "customer", "contacts")] == "4"
    assert index[("new_contacts", "2026-10", "contacts")] == "2"
    assert index[("conversion", "lead->customer", "median_days")] == "20.0"
    assert index[("followups", "bob", "overdue")] == "3"
    assert index[("rule_compliance", "(all)", "percent")] == "50.0"
    assert index[("interactions", "2026-10", "meeting")] == "1"
    assert index[("not_contacted", "30d", "contacts")] == "4"
    assert index[("satisfaction", "", "average")] == "7.25"


EXPECTED_TABLE = """\
Report for 2026-09-01 00:00 to now, all owners (as of 2026-11-23 09:30)

Contacts by stage (now)
STAGE      CONTACTS
lead       1
qualified  0
customer   4
churned    0
lost       1

Contacts by tier (now)
TIER      CONTACTS
vip       1
standard  4
low       1

New contacts per month
MONTH    CONTACTS
2026-09  1
2026-10  2
2026-11  2

Conversion lead → customer (leads created in the period)
LEADS  CONVERTED  RATE  MEDIAN DAYS
4      2          50%   20

Follow-ups due from 2026-09-01 00:00 on, later ones too, per owner
OWNER  ON TIME  LATE  STILL OVERDUE  NOT YET DUE  ON TIME %
alice  4        2     0              1            66.7%
bob    0        0     3              0            0%
(all)  4        2     3              1            44.4%

Rule compliance (met: done at or before due)
RULE         MET  LATE  STILL OVERDUE  NOT YET DUE  COMPLIANCE
new-lead     2    1     1              0            50%
complaint    1    0     1              0            50%
vip-silence  0    0     0              0            -
(all)        3    1     2              0            50%

Interactions per month
MONTH    CALL  EMAIL  MEETING
2026-09  1     0      0
2026-10  1     1      1
2026-11  0     1      0

Not contacted for 30 days: 4 contacts (1 never contacted)

Satisfaction: 4 responses, average 7.25/10, NPS 25 (2 promoters, 1 passives, 1 detractors)
"""


def test_cli_table_is_exact(known_cli):
    assert known_cli.ok("report", "--since", "2026-09-01").stdout == EXPECTED_TABLE


def test_cli_bad_dates_and_order(known_cli):
    bad = known_cli("report", "--since", "someday")
    assert bad.exit_code == 2 and "can't read the date" in bad.stderr
    backwards = known_cli("report", "--since", "2026-11-01", "--until", "2026-10-01")
    assert backwards.exit_code == 2 and "--since must come before --until" in backwards.stderr


def test_idle_days_from_config(known_cli, isolated_env):
    config = isolated_env / "config" / "tinycrm" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[report]\nidle_days = 60\n")
    out = json.loads(known_cli.ok("report", "-f", "json").stdout)
    assert out["not_contacted"]["days"] == 60
    assert json.loads(known_cli.ok("report", "--idle-days", "10", "-f", "json").stdout)[
        "not_contacted"]["days"] == 10


def test_an_owner_given_with_control_characters_never_reaches_the_terminal(cli):
    cli.ok("add", "Ada")
    cli.ok("follow-up", "add", "1", "--due", "tomorrow", "--owner", "bob\u009b31mX")
    owners = {f["owner"] for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)}
    assert "bob31mX" in owners  # stored as any owner is: no control characters
    with_raw = cli.ok("report", "--owner", "x\u009by", "-f", "json").stdout
    assert "\u009b" not in with_raw and "\\u009b" in with_raw
    table = cli.ok("report", "--owner", "x\u2028y").stdout
    assert table.splitlines()[0].startswith("Report for the beginning to now, owner x y (as of")


def test_what_happened_this_second_and_silence_of_exactly_n_days_count(store):
    from datetime import timedelta

    now = FROZEN
    store.contacts.add("Just Now", now=now)
    quiet = store.contacts.add("Quiet Exactly", now=now - timedelta(days=60))
    store.timeline.log(quiet.id, "call", "last words", at=now - timedelta(days=30), now=now)
    report = build(store, now=now, idle_days=30)
    assert (report.months[-1], report.new_contacts[-1]) == ("2026-11", 1)
    assert report.not_contacted.contacts == 1  # silent 30 days to the second: 30 days or more


def test_report_settings_come_from_the_config_and_a_bad_one_names_the_file(
        tmp_path, cli, monkeypatch):
    from tinycrm.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[crm]\nstages = ["prospect", "paying"]\n[report]\nwon_stage = "paying"\n'
                    "idle_days = 7\n")
    settings = load_config(path).store_settings()
    assert (settings.won_stage, settings.idle_days, settings.report_problem) == ("paying", 7, None)
    monkeypatch.setenv("TINYCRM_CONFIG", str(path))
    cli.ok("add", "Ada", "--stage", "prospect")
    for bad, words in (('won_stage = "customer"', "won_stage 'customer' is not a stage"),
                       ("won_stage = 5", "won_stage 5 is not a stage"),
                       ("idle_days = 0", "idle_days must be a whole number of days")):
        path.write_text(f'[crm]\nstages = ["prospect", "paying"]\n[report]\n{bad}\n')
        assert words in load_config(path).store_settings().report_problem
        report = cli("report")
        assert report.exit_code == 1 and str(path) in report.stderr and words in report.stderr
        # Only the report is stopped: cron's reminders and the rest go on.
        cli.ok("remind")
        cli.ok("list")
    path.write_text('[crm]\nstages = ["prospect", "paying"]\n[report]\nwon_stage = "won"\n'
                    "idle_days = 0\n")
    both = load_config(path).store_settings().report_problem
    assert "won_stage 'won' is not a stage" in both and "idle_days must be" in both
    path.write_text("report = 3\n")
    assert "[report] must be a table" in load_config(path).store_settings().report_problem
    cli.ok("list")


def _at(iso: str):
    from datetime import datetime

    return datetime.fromisoformat(iso)


def test_a_merge_keeps_the_earlier_creation_so_a_conversion_takes_no_negative_time(store):
    from tinycrm.store.merge import merge_contacts

    old = store.contacts.add("Old Other", emails=["o@ex.org"], now=_at("2026-01-01T00:00:00+00:00"))
    store.contacts.edit(old.id, {"stage": "customer"}, now=_at("2026-03-01T00:00:00+00:00"))
    new = store.contacts.add("New Keep", emails=["k@ex.org"], now=_at("2026-11-01T00:00:00+00:00"))
    kept, changed, _, _ = merge_contacts(store, new.id, old.id, now=_at("2026-11-02T00:00:00+00:00"))
    assert kept.created_at == _at("2026-01-01T00:00:00+00:00") and "created_at" in changed
    conversion = build(store, now=FROZEN).to_dict()["conversion"]
    assert (conversion["leads"], conversion["converted"], conversion["median_days"]) == (1, 1, 59.0)
    # A contact merged the other way keeps its own, earlier, creation.
    newer = store.contacts.add("Newer", emails=["n@ex.org"], now=_at("2026-11-10T00:00:00+00:00"))
    kept, changed, _, _ = merge_contacts(store, new.id, newer.id, now=_at("2026-11-11T00:00:00+00:00"))
    assert kept.created_at == _at("2026-01-01T00:00:00+00:00") and "created_at" not in changed


def test_leads_are_counted_when_no_stage_is_the_won_one(db_path, clock):
    settings = StoreSettings(stages=("prospect", "trial", "paying"), default_stage="prospect")
    with Store(db_path, user="alice", clock=clock, settings=settings) as store:
        for name in ("A", "B", "C"):
            store.contacts.add(name)
        conversion = build(store, now=FROZEN).to_dict()["conversion"]
    assert (conversion["leads"], conversion["converted"]) == (3, 0)


def test_a_period_that_starts_this_very_second_is_no_error(known):
    report = build(known, since=FROZEN, now=FROZEN).to_dict()
    assert report["conversion"]["leads"] == 0
    with pytest.raises(ValidationError, match="in the future"):
        build(known, since=FROZEN.replace(second=1), now=FROZEN)


def test_the_table_says_whether_later_follow_ups_count(known_cli):
    bounded = known_cli("report", "--since", "2026-09-01", "--until", "2026-11-23").stdout
    assert "\nFollow-ups due in the period, per owner\n" in bounded
    open_ended = known_cli("report", "--since", "2026-09-01").stdout
    assert "\nFollow-ups due from 2026-09-01 00:00 on, later ones too, per owner\n" in open_ended


def test_figures_round_half_up_as_a_count_by_hand_does(store):
    """1 in 16 is 6.25 %: shown as 6.3, as people and spreadsheets round it
    (Python's round() gives 6.2, half to even). Every rounded figure alike."""
    from datetime import timedelta

    from tinycrm.store.rules import stats

    start = at("10-01")
    ids = [store.contacts.add(f"Lead {i}", now=start).id for i in range(16)]
    # The new-lead rule gave each a follow-up due a day later: one is met, 15 stay overdue.
    met = store.conn.execute("SELECT id FROM followups WHERE contact_id = ?", [ids[0]]).fetchone()[0]
    store.followups.done(met, now=start + timedelta(hours=1))
    store.contacts.edit(ids[0], {"stage": "customer"}, now=start + timedelta(hours=54))  # 2.25 days
    # 16 answers: 2 promoters, 1 detractor (NPS 6.25), summing to 114 (average 7.125).
    for contact, score in zip(ids, [9, 9, 3, 8, 8] + [7] * 11):
        store.timeline.log(contact, "survey", "", score=score, at=at("10-05"), now=at("10-05"))
    report = build(store, now=FROZEN)
    assert (report.conversion.rate, report.conversion.median_days) == (6.3, 2.3)
    assert report.followups_total.on_time_percent == 6.3
    assert report.compliance_total.percent == 6.3
    assert stats(store, FROZEN)[0].compliance == 6.3  # `rules list` says the same
    assert (report.satisfaction.average, report.satisfaction.nps) == (7.13, 6.3)



def test_an_owners_months_start_at_that_owners_first_contact_or_interaction(store):
    """--owner narrows the months too: another owner's call in June is no
    reason for five empty months at the top of bob's report."""
    alices = store.contacts.add("Alice's", owner="alice", now=at("06-15")).id
    store.timeline.log(alices, "call", "hello", at=at("06-16"), now=at("06-16"))
    bobs = store.contacts.add("Bob's", owner="bob", now=at("10-20")).id
    store.timeline.log(bobs, "call", "met before", at=at("09-28"), now=at("10-20"))
    assert build(store, owner="bob", now=FROZEN).months == ("2026-09", "2026-10", "2026-11")
    assert build(store, now=FROZEN).months[0] == "2026-06"


def test_the_help_and_the_readme_say_what_until_and_format_give(cli):
    """Without --until, follow-ups due after now still count (the table's title
    says so): the help must not say the period simply ends now. And every
    format the command takes is in the README's usage line."""
    from tinycrm.output import OutputFormat

    from .conftest import REPO

    help_text = " ".join(cli.ok("report", "--help").stdout.split())
    assert "follow-ups due later count too" in help_text
    usage = next(line for line in (REPO / "README.md").read_text().splitlines()
                 if line.startswith("`tinycrm report ["))
    assert f"[--format {'|'.join(f.value for f in OutputFormat)}]" in usage


def test_a_won_stage_given_is_the_one_counted(known):
    """--won names the stage a lead converts to: leads since September that
    reached 'qualified' are Ada alone (10 days); Bob went straight to customer."""
    assert since_september(known, won_stage="qualified")["conversion"] == {
        "from_stage": "lead", "to_stage": "qualified", "leads": 4, "converted": 1,
        "rate": 25.0, "median_days": 10.0}


def test_a_period_of_no_length_is_refused(known):
    with pytest.raises(ValidationError, match="--since must come before --until"):
        build(known, since=at("10-01"), until=at("10-01"), now=FROZEN)
    one_second = build(known, since=at("10-01"), until=at("10-01") + timedelta(seconds=1),
                       now=FROZEN)
    assert one_second.months == ("2026-10",)


@pytest.mark.parametrize("days, ok", [(0, False), (1, True), (3650, True), (3651, False)])
def test_the_idle_period_is_one_day_to_ten_years(known, days, ok):
    if ok:
        assert build(known, idle_days=days, now=FROZEN).not_contacted.days == days
    else:
        with pytest.raises(ValidationError, match="the idle period must be from 1 to 3650 days"):
            build(known, idle_days=days, now=FROZEN)


def test_what_happens_at_midnight_on_the_first_counts_in_that_month_only(store):
    """Months are half-open: [the 1st 00:00, the next 1st 00:00)."""
    from datetime import datetime, timezone

    first = datetime(2026, 10, 1, tzinfo=timezone.utc)  # (TZ=UTC in the tests)
    ada = store.contacts.add("Ada", now=first).id
    store.timeline.log(ada, "call", "hello", at=first, now=first)
    report = build(store, since=parse_bound("2026-09-01", FROZEN), now=FROZEN)
    assert report.months == ("2026-09", "2026-10", "2026-11")
    assert report.new_contacts == (0, 1, 0)
    assert dict(report.interactions)["call"] == (0, 1, 0)


def test_a_lead_won_or_a_survey_answered_at_the_very_end_of_the_period_is_not_in_it(store):
    """--until is exclusive, for conversions and surveys as for every flow."""
    lead = store.contacts.add("Lead", now=at("10-05")).id
    end = parse_bound("2026-11-01", FROZEN)
    store.contacts.edit(lead, {"stage": "customer"}, now=end)
    store.timeline.log(lead, "survey", "", score=10, at=end, now=end)
    october = build(store, since=parse_bound("2026-10", FROZEN),
                    until=parse_bound("2026-10", FROZEN, end=True), now=FROZEN)
    assert (october.conversion.leads, october.conversion.converted) == (1, 0)
    assert october.satisfaction.responses == 0
    to_now = build(store, since=parse_bound("2026-10", FROZEN), now=FROZEN)
    assert (to_now.conversion.leads, to_now.conversion.converted) == (1, 1)
    assert to_now.satisfaction.responses == 1


def test_a_note_does_not_start_the_months_an_interaction_does(store):
    ada = store.contacts.add("Ada", now=at("10-20")).id
    store.timeline.log(ada, "note", "met at a fair in June", at=at("06-10"), now=at("10-20"))
    assert build(store, now=FROZEN).months == ("2026-10", "2026-11")
    store.timeline.log(ada, "email", "wrote in August", at=at("08-10"), now=at("10-20"))
    assert build(store, now=FROZEN).months == ("2026-08", "2026-09", "2026-10", "2026-11")


def test_follow_ups_at_the_edges_of_the_period_and_of_now(store):
    """Due at --since is in the period, due at --until is not; done at its
    very due time is on time; open and due this very second is not overdue
    yet (as `rules list` counts it). (--since at 08:00: one due at the start
    of a day is due all that day, test_all_day.py.)"""
    from datetime import timedelta

    since, until = parse_bound("2026-10-01 08:00", FROZEN), parse_bound("2026-11-30", FROZEN)
    zed = store.contacts.add("Zed's", stage="customer", owner="zed", now=at("09-01")).id

    def followup(due, done=None):
        made = store.followups.add(zed, due, owner="zed", note="x", now=at("09-02"))
        if done is not None:
            store.followups.done(made.id, now=done)

    followup(since, done=since)                               # on time, to the second
    followup(since, done=since + timedelta(seconds=1))        # late
    followup(since)                                           # overdue
    followup(since - timedelta(seconds=1))                    # before the period
    followup(FROZEN)                                          # due now: open, not overdue
    followup(until, done=at("11-01"))                         # after the period
    followup(until, done=until + timedelta(hours=1))          # after the period (late)
    followup(until)                                           # after the period (open)
    report = build(store, since=since, until=until, now=FROZEN)
    assert report.followups == (OwnerFollowUps("zed", on_time=1, late=1, overdue=1, open=1),)


def test_a_lead_is_the_periods_from_its_first_second_to_before_its_end(store):
    since, until = parse_bound("2026-10-01", FROZEN), parse_bound("2026-11-30", FROZEN)
    store.contacts.add("At the start", now=since)
    store.contacts.add("Before", now=since - timedelta(seconds=1))
    store.contacts.add("Just now", now=FROZEN)   # this very second, with --until still to come
    report = build(store, since=since, until=until, now=FROZEN)
    assert report.conversion.leads == 2
    assert report.new_contacts == (1, 1)
    store.contacts.add("At the end", now=until)
    later = build(store, since=since, until=until, now=until + timedelta(days=1))
    assert (later.conversion.leads, later.new_contacts) == (2, (1, 1))


def test_satisfaction_at_its_edges(store):
    """6 detracts; a survey at --since counts; answers that are all 0 are answers."""
    since = parse_bound("2026-10-01", FROZEN)
    ada = store.contacts.add("Ada", stage="customer", now=at("09-01")).id
    store.timeline.log(ada, "survey", "", score=0, at=at("09-10"), now=at("09-10"))
    store.timeline.log(ada, "survey", "", score=6, at=since, now=since)
    store.timeline.log(ada, "survey", "", score=0, at=at("10-05"), now=at("10-05"))
    october = build(store, since=since, until=parse_bound("2026-10", FROZEN, end=True),
                    now=FROZEN).to_dict()["satisfaction"]
    assert october == {"responses": 2, "average": 3.0, "promoters": 0, "passives": 0,
                       "detractors": 2, "nps": -100.0}
    september = build(store, since=parse_bound("2026-09", FROZEN), until=since, now=FROZEN)
    assert (september.satisfaction.responses, september.satisfaction.average) == (1, 0.0)


def test_never_contacted_since_exactly_n_days_ago_counts(store):
    store.contacts.add("Quiet Since", stage="customer", now=FROZEN - timedelta(days=30))
    store.contacts.add("A Second Less", stage="customer",
                       now=FROZEN - timedelta(days=30) + timedelta(seconds=1))
    assert build(store, idle_days=30, now=FROZEN).not_contacted.never == 1



def test_a_demo_database_gives_every_figure_of_the_report_something_to_show(store):
    # Someone trying tinycrm fills a demo and opens the report: its customers
    # got there from lead, some follow-ups were done (in time or not) and
    # customers answered surveys. Without that past the report said 0%
    # conversion beside 55 customers, 0% on time, and no rule or survey.
    from tinycrm.store.demo import fill

    fill(store, 300, seed=7)
    report = build(store, now=FROZEN)
    assert 0 < report.conversion.converted < report.conversion.leads
    assert report.conversion.median_days > 0
    total = report.followups_total
    assert total.on_time > total.late > 0 and total.overdue > 0 and total.open > 0
    [new_lead] = [r for r in report.compliance if r.rule == "new-lead"]
    assert new_lead.met > new_lead.late > 0
    assert report.satisfaction.responses > 0 and report.satisfaction.promoters > 0
    # Each contact's moves go from lead to the stage it is at.
    for contact in store.contacts.list():
        moves = [e.data for e in reversed(store.timeline.list(contact.id)) if e.kind == "stage"]
        if contact.stage == "lead":
            assert moves == []
        else:
            assert moves[0]["from"] == "lead" and moves[-1]["to"] == contact.stage
            assert all(a["to"] == b["from"] for a, b in zip(moves, moves[1:]))
    # Nothing was done before it was made.
    assert store.conn.execute("SELECT count(*) FROM followups WHERE done_at < created_at"
                              ).fetchone()[0] == 0
