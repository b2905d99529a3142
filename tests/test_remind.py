"""`tinycrm remind` on stdout and through a command: exactly once per due time
and channel, nothing printed when nothing is due, snoozes, cadence items,
failed commands, claims, and the delivery log."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

import pytest

from tinycrm.store.reminders import CLAIM_TTL, Reminders
from tinycrm.store.team import assign

from .conftest import FROZEN
from .followup_helpers import days, store  # noqa: F401  (fixture)


def at(dt) -> dict:
    """The CLI's frozen clock set to ``dt``."""
    return {"TINYCRM_NOW": dt.isoformat()}


@pytest.fixture
def made(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], tier="vip", now=FROZEN - days(30))
    bob = store.contacts.add("Bob Stone", owner="bob", now=FROZEN - days(30))
    f = store.followups
    late = f.add(ada.id, FROZEN - days(3), note="Send proposal")
    soon = f.add(ada.id, FROZEN + days(2), note="Demo")
    bobs = f.add(bob.id, FROZEN - timedelta(hours=1), note="Invoice", owner="bob")
    closed = f.add(bob.id, FROZEN - days(5), note="Old")
    f.done(closed.id)
    return {"ada": ada, "bob": bob, "late": late, "soon": soon, "bobs": bobs}


def sent(store, channel=None):
    return [(d.item, d.channel, d.state) for d in Reminders(store).deliveries(channel=channel)]


def test_stdout_delivers_each_due_item_once(cli, store, made):
    first = cli.ok("remind")
    assert first.stdout == (
        "2026-11-20 09:30 UTC  3d overdue  Ada Lovelace <ada@ex.org>  Send proposal  [follow-up 1]\n"
    )
    assert first.stderr == ""
    assert sent(store) == [("followup:1", "stdout", "sent")]
    again = cli.ok("remind")
    assert (again.stdout, again.stderr) == ("", "")
    # Someone else's items: --owner and --all.
    assert cli.ok("remind", "--owner", "bob").stdout == (
        "2026-11-23 08:30 UTC  1h overdue  Bob Stone  Invoice  [follow-up 3]\n")
    assert cli.ok("remind", "--all").stdout == ""
    # Time passes: the demo comes due and goes out, once.
    later = at(FROZEN + days(2, ))
    result = cli("remind", "--all", env=later)
    assert result.exit_code == 0
    assert result.stdout == "2026-11-25 09:30 UTC  due now  Ada Lovelace <ada@ex.org>  Demo  [follow-up 2]\n"
    assert cli("remind", "--all", env=later).stdout == ""


def test_nothing_due_prints_nothing_at_all(cli, store):
    for args in ([], ["--all"], ["--via", "command", "--exec", "echo should-not-run"]):
        result = cli("remind", *args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_a_snoozed_follow_up_is_reminded_again_at_its_new_due_time(cli, store, made):
    assert "[follow-up 1]" in cli.ok("remind").stdout
    cli.ok("follow-up", "snooze", "1", "--until", "2026-11-24 12:00")
    assert cli.ok("remind").stdout == ""
    assert cli("remind", env=at(FROZEN + timedelta(hours=26))).stdout == ""
    due = cli("remind", env=at(FROZEN + timedelta(hours=27)))
    assert due.stdout == (
        "2026-11-24 12:00 UTC  30min overdue  Ada Lovelace <ada@ex.org>  Send proposal  [follow-up 1]\n")
    assert cli("remind", env=at(FROZEN + timedelta(hours=28))).stdout == ""
    # Moved back to a due time it was already reminded at: not again (once per due time).
    cli.ok("follow-up", "reschedule", "1", "--due", "2026-11-20 09:30")
    assert cli.ok("remind").stdout == ""
    assert store.conn.execute("SELECT reminded FROM followups WHERE id = 1").fetchone()[0] == 1


def test_cadence_items_are_reminded_once_per_due_time(cli, store):
    c = store.contacts.add("Cora Quinn", emails=["cora@ex.org"], now=FROZEN - days(100))
    store.timeline.log(c.id, "call", "catch-up", at=FROZEN - days(40))
    store.followups.set_cadence(c.id, 30)
    assert cli.ok("remind").stdout == (
        "2026-11-13 09:30 UTC  10d overdue  Cora Quinn <cora@ex.org>  keep in touch every 30d  [contact 1]\n")
    assert cli.ok("remind").stdout == ""
    assert cli.ok("remind", "--no-cadence", "--via", "command", "--exec", "exit 9").stdout == ""
    cli.ok("log", "1", "Talked", "--kind", "meeting")
    assert cli("remind", env=at(FROZEN + days(29))).stdout == ""
    assert "[contact 1]" in cli("remind", env=at(FROZEN + days(31))).stdout


def test_dry_run_shows_and_records_nothing(cli, store, made):
    dry = cli.ok("remind", "--dry-run", "--all")
    assert dry.stdout.count("\n") == 2 and "[follow-up 3]" in dry.stdout
    assert sent(store) == []
    both = cli.ok("remind", "--dry-run", "--via", "stdout", "--via", "command", "--exec", "true")
    assert both.stdout.startswith("stdout: 2026-11-20 09:30 UTC  3d overdue") and "\ncommand: " in both.stdout
    assert cli.ok("remind").stdout.count("\n") == 1


def test_command_gets_the_items_as_json(cli, store, made, tmp_path):
    out = tmp_path / "items.json"
    result = cli.ok("remind", "--all", "--exec", f"cat > '{out}'")
    assert (result.stdout, result.stderr) == ("", "")
    items = json.loads(out.read_text())
    assert [i["item"] for i in items] == ["followup:1", "followup:3"]
    first = items[0]
    assert first["followup_id"] == 1 and first["contact_name"] == "Ada Lovelace"
    assert first["contact_email"] == "ada@ex.org" and first["note"] == "Send proposal"
    assert first["due_at"] == "2026-11-20T09:30:00+00:00" and first["overdue_seconds"] == 3 * 86400
    assert first["text"].endswith("[follow-up 1]") and first["kind"] == "followup"
    assert set(first) == set(_readme_exec_keys())
    out.unlink()
    cli.ok("remind", "--all", "--exec", f"cat > '{out}'")
    assert not out.exists()  # nothing due: the command isn't run at all
    # Each channel has its own record: stdout still delivers them.
    assert cli.ok("remind", "--all").stdout.count("\n") == 2


def _readme_exec_keys() -> list[str]:
    """The keys the README says each item given to `--exec` has."""
    import re

    from .conftest import REPO

    text = " ".join((REPO / "README.md").read_text().split())
    listed = re.search(r"the items as a JSON array on stdin \(each with `([^`]*)`", text)
    return [key.strip() for key in listed.group(1).split(",")]


def test_a_failed_command_delivers_nothing_and_the_next_run_retries(cli, store, made, tmp_path):
    failed = cli("remind", "--exec", "cat > /dev/null; exit 3")
    assert failed.exit_code == 1
    assert failed.stderr == "tinycrm: error: command: the command exited with status 3\n"
    assert sent(store) == []
    assert store.conn.execute("SELECT reminded FROM followups WHERE id = 1").fetchone()[0] == 0
    out = tmp_path / "got.json"
    cli.ok("remind", "--exec", f"cat > '{out}'")
    assert [i["item"] for i in json.loads(out.read_text())] == ["followup:1"]
    assert sent(store, "command") == [("followup:1", "command", "sent")]


def test_usage_errors(cli, store):
    assert cli("remind", "--via", "pigeon").exit_code == 2
    assert cli("remind", "--via", "command").exit_code == 2
    assert cli("remind", "--via", "stdout", "--exec", "true").exit_code == 2
    assert cli("remind", "--to", "x@example.org").exit_code == 2
    assert cli("remind", "--all", "--owner", "bob").exit_code == 2


# -- the store's side: claims and the mask ----------------------------------------------


def test_claims_keep_overlapping_runs_apart(store, made):
    reminders = Reminders(store)
    first = reminders.claim("stdout", owner=None, now=FROZEN)
    assert [i.key for i in first.items] == ["followup:1", "followup:3"]
    # A second run while the first is still delivering gets nothing...
    assert not reminders.claim("stdout", owner=None, now=FROZEN + timedelta(minutes=1))
    # ...and the dry run doesn't offer what is claimed.
    assert reminders.due("stdout", now=FROZEN) == []
    # Another channel is independent.
    assert len(reminders.claim("email", now=FROZEN, recipient="me@ex.org").items) == 2
    reminders.mark_sent(first, ["followup:1"], now=FROZEN)
    reminders.release(first, ["followup:3"])
    assert [i.key for i in reminders.due("stdout", now=FROZEN)] == ["followup:3"]
    assert sent(store, "stdout") == [("followup:1", "stdout", "sent")]



def test_giving_back_some_items_keeps_the_claims_on_the_others(store, made):
    """Even another of the owner's, due at the same time on the same channel."""
    twin = store.followups.add(made["ada"].id, made["late"].due_at, note="Twin").id
    reminders = Reminders(store)
    claim = reminders.claim("stdout", owner="alice", now=FROZEN)
    assert [i.key for i in claim.items] == ["followup:1", f"followup:{twin}"]
    assert reminders.release(claim, [f"followup:{twin}"]) == 1
    assert [i.key for i in reminders.due("stdout", owner="alice", now=FROZEN)] == [
        f"followup:{twin}"]
    assert reminders.mark_sent(claim, ["followup:1"], now=FROZEN) == 1
    assert sent(store, "stdout") == [("followup:1", "stdout", "sent")]


def test_a_merge_while_a_run_delivers_leaves_its_claims_recorded_not_sent_again(store):
    """Bob merges OTHER into KEEP while alice's cron run is delivering
    OTHER's keep-in-touch reminder and follow-up: the merge moves the claims
    to KEEP; what the run then delivered is recorded there, not left to run
    out and be sent again by the next run."""
    from tinycrm.store.merge import merge_contacts

    store.apply_rules = False
    other = store.contacts.add("Other Person", emails=["other@x.example"],
                               now=FROZEN - days(83))
    keep = store.contacts.add("Keep Person", emails=["keep@x.example"], now=FROZEN - days(53))
    store.followups.set_cadence(other.id, 30, now=FROZEN)
    store.followups.add(other.id, FROZEN - days(1), note="call back", now=FROZEN - days(2))
    reminders = Reminders(store)
    run = reminders.claim("stdout", owner=None, now=FROZEN)
    assert sorted(i.key for i in run.items) == [f"cadence:{other.id}", "followup:1"]
    merge_contacts(store, keep.id, other.id, now=FROZEN + timedelta(seconds=1))
    reminders.mark_sent(run, now=FROZEN + timedelta(seconds=2))
    assert store.conn.execute(
        "SELECT item, state FROM deliveries ORDER BY item").fetchall() == [
        (f"cadence:{keep.id}", "sent"), ("followup:1", "sent")]
    later = FROZEN + CLAIM_TTL + timedelta(minutes=5)
    assert reminders.due("stdout", owner=None, now=later) == []
    assert not reminders.claim("stdout", owner=None, now=later)


def test_a_crashed_runs_claims_expire(store, made):
    reminders = Reminders(store)
    assert reminders.claim("stdout", owner="alice", now=FROZEN)
    assert not reminders.claim("stdout", owner="alice", now=FROZEN + CLAIM_TTL - timedelta(seconds=1))
    again = reminders.claim("stdout", owner="alice", now=FROZEN + CLAIM_TTL + timedelta(seconds=1))
    assert [i.key for i in again.items] == ["followup:1"]


def test_a_claim_lasts_the_fifteen_minutes_the_readme_promises(store, made):
    """To the second: held at 15 minutes (dry runs don't offer it either),
    another run's a second later."""
    reminders = Reminders(store)
    assert reminders.claim("stdout", owner="alice", now=FROZEN)
    held = FROZEN + timedelta(minutes=15)
    assert reminders.due("stdout", owner="alice", now=held) == []
    assert not reminders.claim("stdout", owner="alice", now=held)
    after = held + timedelta(seconds=1)
    assert [i.key for i in reminders.due("stdout", owner="alice", now=after)] == ["followup:1"]
    assert [i.key for i in reminders.claim("stdout", owner="alice", now=after).items] == [
        "followup:1"]


def test_renewing_a_runs_claims_leaves_another_runs_to_run_out(store, made):
    reminders = Reminders(store)
    alices = reminders.claim("stdout", owner="alice", now=FROZEN)
    bobs = reminders.claim("stdout", owner="bob", now=FROZEN)   # a run that then died
    assert [i.key for i in alices.items] == ["followup:1"]
    assert [i.key for i in bobs.items] == ["followup:3"]
    assert reminders.renew(alices, now=FROZEN + timedelta(minutes=10)) == {"followup:1"}
    expired = FROZEN + timedelta(minutes=15, seconds=1)
    third = reminders.claim("stdout", owner=None, now=expired)
    assert [i.key for i in third.items] == ["followup:3"]
    assert reminders.renew(bobs, now=expired) == set()       # taken over: not to deliver


def test_a_run_whose_claim_was_taken_over_gives_back_nothing_of_the_new_runs(store, made):
    reminders = Reminders(store)
    slow = reminders.claim("stdout", owner="alice", now=FROZEN)
    later = FROZEN + timedelta(minutes=16)
    taken = reminders.claim("stdout", owner="alice", now=later)
    assert [i.key for i in taken.items] == ["followup:1"]
    assert reminders.release(slow) == 1                      # the slow run's delivery failed
    assert reminders.due("stdout", owner="alice", now=later) == []  # still the new run's
    assert not reminders.claim("stdout", owner="alice", now=later)
    reminders.mark_sent(taken, now=later)
    assert sent(store, "stdout") == [("followup:1", "stdout", "sent")]


def test_due_items_come_most_urgent_first_across_owners_and_cadences(store):
    """Read owner by owner, delivered by urgency: a VIP's cadence a year
    overdue, then bob's VIP follow-up ten days late, then alice's an hour late."""
    al = store.contacts.add("Al", now=FROZEN - days(100))
    bea = store.contacts.add("Bea", owner="bob", tier="vip", now=FROZEN - days(100))
    cy = store.contacts.add("Cy", tier="vip", now=FROZEN - days(400))
    store.followups.add(al.id, FROZEN - timedelta(hours=1), note="alice's")
    store.followups.add(bea.id, FROZEN - days(10), note="bob's", owner="bob")
    store.followups.set_cadence(cy.id, 30)
    expected = ["cadence:3", "followup:2", "followup:1"]
    assert [i.key for i in store.followups.queue(now=FROZEN)] == expected
    reminders = Reminders(store)
    assert [i.key for i in reminders.due("stdout", now=FROZEN)] == expected
    assert [i.key for i in reminders.claim("stdout", now=FROZEN).items] == expected


@pytest.mark.parametrize("before", ["on another channel", "at an earlier due time",
                                    "to its previous owner"])
def test_a_run_that_finds_an_item_claimed_leaves_it_due_when_that_run_fails(store, made, before):
    """A second run that loses the race sets the item's channel bit only if
    the item went out on that channel, at that due time, to that owner: else
    a failed first run would leave it never reminded."""
    reminders = Reminders(store)
    owner, now = "alice", FROZEN
    if before == "on another channel":
        reminders.mark_sent(reminders.claim("email", owner="alice", now=now, recipient="a@ex.org"),
                            now=now)
    else:
        reminders.mark_sent(reminders.claim("stdout", owner="alice", now=now), now=now)
        if before == "at an earlier due time":
            now = FROZEN + days(1)
            store.followups.snooze(1, now, now=FROZEN)
        else:
            owner = "bob"
            assign(store, made["ada"].id, "bob", now=FROZEN)
    first = reminders.claim("stdout", owner=owner, now=now)
    assert "followup:1" in [i.key for i in first.items]
    assert not reminders.claim("stdout", owner=owner, now=now)     # lost the race
    reminders.release(first)                                        # the first run failed
    assert "followup:1" in [i.key for i in reminders.due("stdout", owner=owner, now=now)]


def test_the_mask_follows_the_due_time(store, made):
    reminders = Reminders(store)
    claim = reminders.claim("stdout", owner="alice", now=FROZEN)
    reminders.mark_sent(claim, now=FROZEN)
    reminders.mark_sent(reminders.claim("command", owner="alice", now=FROZEN), now=FROZEN)

    def mask():
        return store.conn.execute("SELECT reminded FROM followups WHERE id = 1").fetchone()[0]

    assert mask() == 1 | 4
    store.followups.snooze(1, FROZEN + days(1))
    assert mask() == 0  # cleared by the trigger: due again at the new time
    plan = " ".join(r[3] for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM followups INDEXED BY followups_remind"
        " WHERE status = 'open' AND owner = 'alice' AND reminded IN (0, 2, 4, 6) AND due_at <= 'x'"))
    assert "followups_remind (owner=? AND reminded=? AND due_at<?)" in plan


def test_a_contact_deleted_while_its_reminder_goes_out(cli, store, made, tmp_path):
    """Its claim went with it: the others are recorded all the same, once."""
    out = tmp_path / "items.json"
    deleting = (f"cat > '{out}'; {sys.executable} -m tinycrm --db '{store.path}'"
                f" rm {made['bob'].id} --yes")
    result = cli("remind", "--all", "--exec", deleting)
    assert (result.exit_code, result.stderr) == (0, "")
    assert [i["item"] for i in json.loads(out.read_text())] == ["followup:1", "followup:3"]
    assert sent(store) == [("followup:1", "command", "sent")]
    out.unlink()
    assert cli.ok("remind", "--all", "--exec", f"cat > '{out}'").stderr == ""
    assert not out.exists()  # nothing goes out twice


def test_claims_and_records_are_stamped_when_made(store, made):
    """A run that waited long for the lock (an import) claims at the time it
    gets it: judged by its start, its claim would look expired to the next run."""
    reminders = Reminders(store)
    late = FROZEN + CLAIM_TTL + timedelta(minutes=5)
    store.clock = lambda: late  # the wait
    claim = reminders.claim("stdout", owner=None, now=FROZEN)
    assert [i.key for i in claim.items] == ["followup:1", "followup:3"]
    assert not reminders.claim("stdout", owner=None, now=late + timedelta(minutes=1))
    reminders.mark_sent(claim, now=FROZEN)
    assert {d.delivered_at for d in reminders.deliveries()} == {late}


def test_what_went_out_is_recorded_though_another_run_cleared_its_expired_claim(store, made):
    """Bob's run, 16 minutes on, clears alice's run's claims (run out) and
    claims only bob's items; alice's run then records what it sent, a
    follow-up and a keep-in-touch item alike, and neither goes out again."""
    cora = store.contacts.add("Cora Quinn", now=FROZEN - days(100))
    store.followups.set_cadence(cora.id, 30)
    reminders = Reminders(store)
    alices = reminders.claim("stdout", owner="alice", now=FROZEN)
    assert [i.key for i in alices.items] == ["followup:1", f"cadence:{cora.id}"]
    later = FROZEN + timedelta(minutes=16)
    assert [i.key for i in reminders.claim("stdout", owner="bob", now=later).items] == [
        "followup:3"]
    assert reminders.mark_sent(alices, now=later) == 2
    assert reminders.due("stdout", owner="alice", now=later) == []
    assert {(key, state) for key, _, state in sent(store, "stdout")} >= {
        (f"cadence:{cora.id}", "sent"), ("followup:1", "sent")}


def test_recording_what_went_out_waits_for_any_writer(db_path, made):
    """Not only for an import: giving up (exit 5) would send it all again."""
    import sqlite3
    import threading
    import time

    from tinycrm.store import Store

    with Store(db_path, user="alice", clock=lambda: FROZEN, busy_timeout=0.2) as store:
        reminders = Reminders(store)
        claim = reminders.claim("stdout", owner=None, now=FROZEN)
        other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # a vacuum, an erase
        threading.Thread(target=lambda: (time.sleep(1.0), other.execute("COMMIT"))).start()
        assert reminders.mark_sent(claim, now=FROZEN) == 2
        assert [d.state for d in reminders.deliveries()] == ["sent", "sent"]
        other.close()


def test_a_command_that_runs_out_of_time_is_stopped_whole(tmp_path):
    from tinycrm.delivery import command
    from tinycrm.delivery.command import CommandFailed

    late = tmp_path / "late.txt"
    with pytest.raises(CommandFailed, match="longer than 0.5 s"):
        command.run(f"cat | (sleep 1.5; echo delivered > '{late}')", [], FROZEN, timeout=0.5)
    time.sleep(2)
    assert not late.exists()


def test_the_command_line_is_not_recorded(cli, store, made):
    secret = "https://hooks.example.com/services/T0001/s3cr3tT0k3n"
    cli.ok("remind", "--all", "--exec", f"cat > /dev/null # {secret}")
    assert [(d.channel, d.recipient) for d in Reminders(store).deliveries()] == [
        ("command", None), ("command", None)]
    assert secret not in cli.ok("privacy", "export", str(made["ada"].id)).stdout


def test_stopped_between_recipients_it_gives_back_what_it_has_not_recorded(store):
    from tinycrm.delivery.remind import RemindResult, _deliver_groups

    for owner in ("a", "b", "c"):
        person = store.contacts.add(f"Person {owner}", owner=owner, now=FROZEN - days(3))
        store.followups.add(person.id, FROZEN - days(1), note="call", owner=owner)
    reminders = Reminders(store)
    claim = reminders.claim("email", now=FROZEN, recipient=lambda item: f"{item.owner}@ex.org")
    groups = {}
    for item in claim.items:
        groups.setdefault(claim.recipients[item.key], []).append(item)
    went = []

    def send(to, items):
        if to == "b@ex.org":
            raise KeyboardInterrupt  # Ctrl-C while the second message goes out
        went.append(to)

    with pytest.raises(KeyboardInterrupt):
        _deliver_groups(reminders, claim, groups, send, FROZEN, RemindResult(), "email")
    assert went == ["a@ex.org"]
    # The first recorded; the second and third given back, for the next run.
    assert [(d.recipient, d.state) for d in reminders.deliveries()] == [("a@ex.org", "sent")]
    again = reminders.claim("email", now=FROZEN, recipient=lambda item: f"{item.owner}@ex.org")
    assert sorted(claim.recipients[i.key] for i in again.items) == ["b@ex.org", "c@ex.org"]


def test_a_follow_up_handed_over_is_reminded_to_its_new_owner_once(cli, store, made):
    # bob was reminded of his invoice; carol takes the contact over.
    assert "Invoice" in cli.ok("remind", "--all").stdout
    cli.ok("assign", "Bob Stone", "carol")
    assert cli.ok("remind", "--owner", "carol").stdout == (
        "2026-11-23 08:30 UTC  1h overdue  Bob Stone  Invoice  [follow-up 3]\n")
    assert cli.ok("remind", "--owner", "carol").stdout == ""
    assert cli.ok("remind", "--all").stdout == ""
    owners = [(d.item, d.owner) for d in Reminders(store).deliveries(channel="stdout")]
    assert sorted(owners) == [("followup:1", "alice"), ("followup:3", "bob"),
                              ("followup:3", "carol")]
    # Handed back to bob, who had it at this due time already: nothing new.
    cli.ok("assign", "Bob Stone", "bob")
    assert cli.ok("remind", "--all").stdout == ""
    assert store.conn.execute("SELECT reminded FROM followups WHERE id = 3").fetchone() == (1,)


def test_an_owner_change_while_a_reminder_goes_out_leaves_it_due_to_the_new_owner(store, made):
    reminders = Reminders(store)
    claim = reminders.claim("stdout", owner="bob", now=FROZEN)
    assert [item.key for item in claim.items] == ["followup:3"]
    assign(store, made["bob"].id, "carol")
    reminders.mark_sent(claim, now=FROZEN)
    assert store.conn.execute("SELECT reminded FROM followups WHERE id = 3").fetchone() == (0,)
    assert [item.key for item in reminders.due("stdout", owner="carol", now=FROZEN)] == [
        "followup:3"]


def test_a_snooze_while_a_reminder_goes_out_leaves_it_due_at_its_new_time(store, made):
    reminders = Reminders(store)
    claim = reminders.claim("stdout", owner="alice", now=FROZEN)
    assert [item.key for item in claim.items] == ["followup:1"]
    store.followups.snooze(1, FROZEN + days(1), now=FROZEN)
    reminders.mark_sent(claim, now=FROZEN)
    assert store.conn.execute("SELECT reminded FROM followups WHERE id = 1").fetchone() == (0,)
    assert [item.key for item in reminders.due("stdout", owner="alice", now=FROZEN + days(1))
            ] == ["followup:1"]


def test_a_cadence_reminded_already_needs_no_write_lock(cli, store, db_path):
    import sqlite3

    c = store.contacts.add("Cora Quinn", emails=["cora@ex.org"], now=FROZEN - days(100))
    store.followups.set_cadence(c.id, 30)
    assert "[contact 1]" in cli.ok("remind").stdout
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")   # an import, say
    try:
        result = cli("--wait", "1", "remind")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_a_follow_up_reminded_already_leaves_nothing_to_claim(cli, store, made):
    """Its channel bit says so, without a look at the log: a run with nothing
    new to deliver needs no write lock (`any_candidates`)."""
    reminders = Reminders(store)
    assert reminders.any_candidates("stdout", owner="alice", now=FROZEN)
    assert "[follow-up 1]" in cli.ok("remind").stdout
    assert not reminders.any_candidates("stdout", owner="alice", now=FROZEN)
    assert reminders.any_candidates("email", owner="alice", now=FROZEN)  # another channel's bit


def test_a_cadence_is_reminded_at_its_due_second_not_before(store):
    c = store.contacts.add("Cora Quinn", now=FROZEN - days(30))
    store.followups.set_cadence(c.id, 30)                       # due at FROZEN exactly
    reminders = Reminders(store)
    assert reminders.due("stdout", now=FROZEN - timedelta(seconds=1)) == []
    assert [i.key for i in reminders.due("stdout", now=FROZEN)] == [f"cadence:{c.id}"]
    assert [i.key for i in reminders.claim("stdout", now=FROZEN).items] == [f"cadence:{c.id}"]


def test_stdout_that_cant_show_a_letter_gets_a_question_mark(store):
    import io

    from tinycrm.delivery import stdout

    jose = store.contacts.add("José Núñez")
    store.followups.add(jose.id, FROZEN - days(1), note="Call")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    stdout.write(Reminders(store).due("stdout", now=FROZEN), FROZEN, out)
    assert "Jos? N??ez  Call" in raw.getvalue().decode("ascii")


def test_an_unbuffered_stdout_that_takes_part_of_the_items_delivers_none(store, made):
    """PYTHONUNBUFFERED=1: a pipe whose reader goes away takes a few bytes and
    then no more; the text stream would have reported the write done."""
    import io

    from tinycrm.delivery.remind import RemindOptions, remind

    class Closing(io.RawIOBase):
        taken = b""

        def writable(self):
            return True

        def write(self, data):
            if self.taken:
                raise BrokenPipeError(32, "Broken pipe")
            self.taken = bytes(data[:10])
            return 10

    raw = Closing()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    result = remind(store, RemindOptions(owner=None), now=FROZEN, out=out)
    assert raw.taken == b"2026-11-20"
    assert (result.delivered, result.failed) == (0, 2)
    assert result.errors == ["stdout: can't write to stdout: Broken pipe"]
    assert sent(store) == []


def test_times_name_their_zone_where_people_read_them(cli, store, made, tmp_path):
    """cron runs with TZ=UTC, the reader is in Berlin: a bare 09:30 would be
    an hour off. Each time in the text names its zone; JSON's due_at keeps
    its offset and no name."""
    from .followup_helpers import local_zone, utc

    summer = store.followups.add(made["ada"].id, utc(2026, 7, 1, 8, 0), note="Summer call")
    with local_zone("Europe/Berlin"):
        assert cli.ok("remind", "--dry-run").stdout.splitlines() == [
            "2026-07-01 10:00 CEST  145d overdue  Ada Lovelace <ada@ex.org>  Summer call"
            f"  [follow-up {summer.id}]",
            "2026-11-20 10:30 CET  3d overdue  Ada Lovelace <ada@ex.org>  Send proposal"
            "  [follow-up 1]"]
        out = tmp_path / "items.json"
        cli.ok("remind", "--exec", f"cat > '{out}'")
    items = {i["item"]: i for i in json.loads(out.read_text())}
    assert items["followup:1"]["due_at"] == "2026-11-20T09:30:00+00:00"
    assert items["followup:1"]["text"].startswith("2026-11-20 10:30 CET  3d overdue  ")
    assert items[f"followup:{summer.id}"]["due_at"] == "2026-07-01T08:00:00+00:00"
    # Under cron's TZ=UTC it says so.
    assert cli.ok("remind").stdout.startswith("2026-07-01 08:00 UTC  145d overdue  ")
