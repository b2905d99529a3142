"""A remind run whose delivery is slow (a slow SMTP server, recipients mailed
one after another) keeps its claims while it delivers: cron's next run, more
than ``CLAIM_TTL`` later, doesn't deliver the same items again. Time is the
test's clock: a "slow" step moves it on."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta

import pytest

from tinycrm.delivery import smtp
from tinycrm.delivery.remind import RemindOptions, remind
from tinycrm.store import Store
from tinycrm.store.reminders import CLAIM_TTL, Reminders

from .conftest import FROZEN
from .followup_helpers import SMTPServer, days, free_port, store  # noqa: F401  (fixture)

OWNERS = ("ann", "ben", "cat")
EMAIL = RemindOptions(channels=("email",), owner=None)


@pytest.fixture
def owners(store):
    """One due follow-up for each of three owners, ann's the most overdue."""
    for n, owner in enumerate(OWNERS):
        person = store.contacts.add(f"Person {owner}", owner=owner, now=FROZEN - days(10))
        store.followups.add(person.id, FROZEN - days(3 - n), note=f"call {owner}", owner=owner)
    return store


@pytest.fixture
def mail():
    """A real SMTP server on loopback and the [smtp] section that mails each owner."""
    servers = []

    def start(**kwargs):
        port = free_port()
        servers.append(SMTPServer(port, **kwargs).start())
        section = {"host": "127.0.0.1", "port": port, "security": "none", "from": "crm@ex.org",
                   "timeout": 30, "owners": {o: f"{o}@ex.org" for o in OWNERS}}
        return servers[-1], section

    yield start
    for server in servers:
        server.stop()


def received(server) -> list[str]:
    return sorted(rcpt for rcpts, _ in server.messages for rcpt in rcpts)


def other_run(db_path, clock) -> Store:
    """cron's next run: a process of its own (a connection of its own), same clock."""
    return Store(db_path, user="alice", clock=clock, apply_rules=False)


def test_recipients_mailed_one_after_another_keep_their_claims(owners, mail, clock, db_path,
                                                               monkeypatch):
    """Ten minutes a message: when cron's next run comes, 20 minutes on, ben's
    message is going out and cat's waits its turn. Neither goes twice."""
    server, section = mail()
    send, later = smtp.send, []

    def ten_minutes_a_message(settings, password, to, items, now):
        clock.now += timedelta(minutes=10)
        if len(server.messages) == 1 and not later:
            later.append(None)
            with other_run(db_path, clock) as store:
                later[0] = remind(store, EMAIL, smtp_section=section, now=clock.now)
        send(settings, password, to, items, now)

    monkeypatch.setattr(smtp, "send", ten_minutes_a_message)
    first = remind(owners, EMAIL, smtp_section=section, now=FROZEN)
    assert received(server) == ["ann@ex.org", "ben@ex.org", "cat@ex.org"]
    assert (first.delivered, first.errors, later[0].delivered) == (3, [], 0)
    assert sorted((d.recipient, d.state) for d in Reminders(owners).deliveries()) == [
        ("ann@ex.org", "sent"), ("ben@ex.org", "sent"), ("cat@ex.org", "sent")]


def _claimed_at(db_path, clock, when) -> bool:
    """Whether the claims in the database were renewed at ``when`` (waits a little)."""
    end = time.monotonic() + 2
    with other_run(db_path, clock) as store:
        while time.monotonic() < end:
            claimed = {d.delivered_at for d in Reminders(store).deliveries() if d.state == "claimed"}
            if claimed == {when}:
                return True
            time.sleep(0.02)
    return False


def test_a_message_that_takes_longer_than_a_claim_lasts_keeps_its_claim(owners, mail, clock,
                                                                         db_path):
    """The server takes 20 minutes to answer the message (the test's 4 s):
    the run renews its claim meanwhile, and cron's next run leaves it alone."""
    server, section = mail(data_delay=4)
    ann = RemindOptions(channels=("email",), owner="ann", renew_every=0.05)
    results = []
    run = threading.Thread(target=lambda: results.append(
        remind(owners, ann, smtp_section=section, now=FROZEN)))
    run.start()
    try:
        assert server.data_started.wait(10)
        clock.now = FROZEN + CLAIM_TTL + timedelta(minutes=5)
        renewed = _claimed_at(db_path, clock, clock.now)
        with other_run(db_path, clock) as store:
            second = remind(store, ann, smtp_section=section, now=clock.now)
    finally:
        run.join(30)
    assert received(server) == ["ann@ex.org"]
    assert (results[0].delivered, second.delivered, renewed) == (1, 0, True)
    assert [(d.item, d.state) for d in Reminders(owners).deliveries()] == [("followup:1", "sent")]


def test_claims_taken_over_while_a_run_was_held_up_are_not_delivered_by_it(
        owners, mail, clock, db_path, monkeypatch):
    """A run that can't renew its claims (the machine slept for 20 minutes
    while ann's message went out) finds ben's and cat's taken over by the
    next run: it leaves them to it. ann's own goes twice: at least once, as
    a killed run's would."""
    server, section = mail()
    send, later = smtp.send, []

    def asleep_for_20_minutes(settings, password, to, items, now):
        if not later:
            later.append(None)
            clock.now += timedelta(minutes=20)
            with other_run(db_path, clock) as store:
                later[0] = remind(store, EMAIL, smtp_section=section, now=clock.now)
        send(settings, password, to, items, now)

    monkeypatch.setattr(smtp, "send", asleep_for_20_minutes)
    first = remind(owners, EMAIL, smtp_section=section, now=FROZEN)
    assert received(server) == ["ann@ex.org", "ann@ex.org", "ben@ex.org", "cat@ex.org"]
    assert (first.delivered, first.skipped, later[0].delivered) == (1, 2, 3)
    assert first.errors == [] and later[0].errors == []
    assert {d.state for d in Reminders(owners).deliveries()} == {"sent"}


def test_a_claim_live_when_a_run_asked_for_the_lock_is_not_taken_over(owners, db_path):
    """cron's next run waits for an import's lock; the first run can't renew
    its claims meanwhile either. That they are old by the time the lock
    comes doesn't make them a dead run's."""
    first = Reminders(owners).claim("email", owner="ann", now=FROZEN, recipient="ann@ex.org")
    assert [i.key for i in first.items] == ["followup:1"]
    importer = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    importer.execute("BEGIN IMMEDIATE")
    done = threading.Event()

    def finish():
        time.sleep(1.5)  # (the second run must have asked for the lock by then)
        done.set()
        importer.execute("COMMIT")

    threading.Thread(target=finish).start()
    minutes = lambda: timedelta(minutes=20 if done.is_set() else 10)  # noqa: E731
    with Store(db_path, user="alice", clock=lambda: FROZEN + minutes(),
               apply_rules=False) as store:
        second = Reminders(store).claim("email", owner="ann", now=FROZEN + timedelta(minutes=10),
                                        recipient="ann@ex.org")
    importer.close()
    assert done.is_set() and not second


def test_the_claim_keeper_leaves_the_process_umask_alone(owners, clock, db_path, monkeypatch):
    """The umask is the process's, not a thread's: the keeper setting it
    (connect() makes new files 0600 that way) would set it under the delivery,
    a command it starts or another connect(), which could leave it 077."""
    import os

    callers, umask = [], os.umask

    def watched(mask):
        callers.append(threading.current_thread().name)
        return umask(mask)

    monkeypatch.setattr(os, "umask", watched)
    reminders = Reminders(owners)
    claim = reminders.claim("email", owner="ann", now=FROZEN, recipient="ann@ex.org")
    with reminders.kept(claim, every=0.01):
        clock.now = FROZEN + timedelta(minutes=3)
        assert _claimed_at(db_path, clock, clock.now)  # the keeper has renewed them
    assert "tinycrm-claims" not in callers, callers
