"""Realistic fake data for people trying tinycrm and for benchmarks.

Deterministic for a seed. Written in chunks through ``bulk.insert_contacts``,
with plain ``random()`` arithmetic and a per-day cache of time stamps rather
than ``choice``/``datetime`` per field, so that a million contacts (with about
as many follow-ups and timeline events) take well under two minutes.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .bulk import NewContact, insert_contacts
from .errors import ValidationError
from .followups import next_followup_id
from .rules import DEFAULT_RULES
from .search import search_fold
from .timeline import stage_move
from .timeutil import to_db

if TYPE_CHECKING:
    from .store import Store

FIRST = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew "
    "Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy "
    "Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen "
    "Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry Pamela Justin Emma "
    "Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory Christine Alexander "
    "Debra Frank Rachel Patrick Carolyn Raymond Janet Jack Catherine Dennis Maria Jerry Heather "
    "Aisha Mohammed Wei Yuki Priya Arjun Sofia Mateo Lucia Hugo Ingrid Lars Chloe Noah Zoe Omar "
    "Fatima Hiroshi Mei Ravi Ananya Diego Camila Elena Luca Giulia Pierre Amelie Jonas Freya "
    "José Zoë Renée François Søren Łukasz Björn Siobhán Jean-Luc"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Tanaka Sato Suzuki Chen Wang Li Zhang Singh "
    "Kumar Shah Muller Schmidt Schneider Fischer Weber Rossi Russo Ferrari Bernard Dubois Moreau "
    "Larsen Hansen Nielsen Jensen Kowalski Novak Horvat Silva Santos Oliveira Costa Okafor Mensah "
    "Müller Núñez Dvořák Ødegaard Çelik O'Brien Łukaszewicz Sánchez-Vidal"
).split()
COMPANIES = (
    "Acme Globex Initech Umbrella Hooli Vandelay Stark Wayne Wonka Cyberdyne Soylent Tyrell "
    "Aperture Massive Dynamic Pied Piper Gringotts Monarch Oscorp Nakatomi Gekko Sterling "
    "Prestige Northwind Contoso Fabrikam Tailspin Adventure Litware Proseware Wingtip Fourth "
    "Coffee Blue Yonder Lucerne Margie Trey Alpine Fjord Harbor Summit Beacon Lantern Quill "
    "Orbit Nimbus Juniper Cobalt Ember Falcon Granite Helix Ionic Kestrel Lumen Meridian"
).split()
SUFFIX = ("Inc", "Ltd", "GmbH", "Labs", "Co", "Group", "Systems", "AG", "LLC", "SAS")
TITLES = (
    "CEO", "CTO", "Founder", "Head of Sales", "VP Marketing", "Engineer", "Product Manager",
    "Designer", "Buyer", "Operations Lead", "Account Manager", "Consultant", "CFO", "Analyst",
)
TAGS = ("investor", "partner", "customer", "prospect", "newsletter", "conference", "referral",
        "complaint", "beta", "churn-risk", "design", "press")
STAGES = ("lead", "lead", "lead", "qualified", "qualified", "customer", "customer", "churned", "lost")
TIERS = ("standard",) * 7 + ("vip",) + ("low",) * 2
NOTES = ("Intro call went well", "Asked for pricing", "Sent proposal", "Follow up on contract",
         "Met at the conference", "Wants a demo next week", "Renewal coming up",
         "Check in about onboarding", "Send the case study", "Quarterly review")
KINDS = ("note", "call", "email", "meeting")
# How a contact came to its stage, a path from lead: the report counts
# conversions by these moves, so a demo without them showed 0% conversion
# beside its customers.
PATHS = {
    "lead": ((),), "qualified": (("qualified",),),
    "customer": (("qualified", "customer"), ("customer",)),
    "churned": (("qualified", "customer", "churned"), ("customer", "churned")),
    "lost": (("lost",), ("qualified", "lost")),
}
NEW_LEAD = next(rule for rule in DEFAULT_RULES if rule["name"] == "new-lead")
RULE_DAYS = 120  # contacts created this lately had the new-lead rule's follow-up
CHUNK = 5000
MAX_CONTACTS = 1_000_000
DAY = 86_400
CACHE_KIB = 256 * 1024  # page cache while filling: random index inserts stay in memory
_NOT_EMAIL = re.compile(r"[^a-z0-9.]")


@contextmanager
def _big_cache(conn) -> Iterator[None]:
    before = int(conn.execute("PRAGMA cache_size").fetchone()[0])
    conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {before}")


class _Stamps:
    """``timeutil.to_db`` for whole seconds since the epoch, with each day's
    date formatted once."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}

    def __call__(self, epoch: int) -> str:
        day, second = divmod(epoch, DAY)
        date = self.days.get(day)
        if date is None:
            date = self.days[day] = datetime.fromtimestamp(day * DAY, timezone.utc).strftime("%Y-%m-%d")
        hour, rest = divmod(second, 3600)
        return f"{date}T{hour:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def check_size(n: int) -> int:
    """``n`` if a demo may have that many contacts. The benches build 1M; far
    more would run for hours and fill the disk with one transaction's WAL."""
    if not 1 <= n <= MAX_CONTACTS:
        raise ValidationError(f"a demo has 1 to {MAX_CONTACTS:,} contacts, not {n:,}")
    return n


def fill(store: Store, n: int, *, seed: int = 1) -> dict[str, int]:
    check_size(n)
    rng = random.Random(seed)
    rand, bits = rng.random, rng.getrandbits
    # The past (stage moves, follow-ups done, surveys) from a generator of its
    # own, so that a seed gives the same contacts as before it was added.
    past = random.Random(f"{seed}:past").random
    now = store.now()
    stamp = _Stamps()
    now_s = int(now.timestamp())
    now_db = to_db(now)
    owners = sorted({store.user, "alice", "bob", "carol"})
    few = (0, 1, 1, 2)
    seen: dict[str, int] = {}
    locals_: dict[tuple[str, str], str] = {}
    counts = {"contacts": 0, "follow-ups": 0, "timeline events": 0}

    def pick(seq):
        return seq[int(rand() * len(seq))]

    with _big_cache(store.conn), store.write() as conn:
        for start in range(0, n, CHUNK):
            batch: list[NewContact] = []
            histories: list[list[tuple[str, str, int]]] = []
            createds: list[int] = []
            for _ in range(min(CHUNK, n - start)):
                first, last = pick(FIRST), pick(LAST)
                company = pick(COMPANIES)
                domain = company.lower() + ".example"
                local = locals_.get((first, last))
                if local is None:
                    local = locals_[first, last] = _NOT_EMAIL.sub("", search_fold(f"{first}.{last}"))
                key = local + "@" + domain
                k = seen.get(key, 0)
                seen[key] = k + 1
                created = now_s - int(rand() * 731) * DAY - int(rand() * 1441) * 60
                # Timeline events fall between creation and now; the last call,
                # email or meeting among them is when the contact was last contacted.
                history = []
                for _ in range(few[int(rand() * 4)]):
                    history.append((pick(KINDS), pick(NOTES), created + int(rand() * (now_s - created))))
                contacted = max((at for kind, _, at in history if kind != "note"), default=None)
                histories.append(history)
                createds.append(created)
                tags = few[int(rand() * 4)]
                batch.append(NewContact(
                    name=f"{first} {last}", first_name=first, last_name=last, owner=pick(owners),
                    company=f"{company} {pick(SUFFIX)}", title=pick(TITLES),
                    stage=pick(STAGES), tier=pick(TIERS), source="demo",
                    created_at=stamp(created),
                    last_contacted_at=stamp(contacted) if contacted else None,
                    emails=[f"{local}{k or ''}@{domain}"],
                    phones=[f"+1 555 {100 + int(rand() * 900)} {1000 + int(rand() * 9000)}"],
                    tags=sorted(rng.sample(TAGS, tags)) if tags else (),
                    uid=f"{bits(128):032x}",
                ))
            ids = insert_contacts(conn, batch, updated_at=now_db)
            counts["contacts"] += len(ids)
            followups, events = [], []
            for cid, contact, history, created_s in zip(ids, batch, histories, createds):
                for _ in range(few[int(rand() * 4)]):
                    due = now_s + (int(rand() * 91) - 30) * DAY + int(rand() * 24) * 3600
                    done = _done_at(past, max(due, created_s), now_s, created_s)
                    followups.append((cid, stamp(due), pick(NOTES), contact.owner,
                                      contact.created_at, stamp(done or created_s),
                                      "done" if done else "open",
                                      stamp(done) if done else None, None))
                for kind, note, at_s in history:
                    at = stamp(at_s)
                    events.append((cid, kind, note, at, contact.owner, at, None, None))
                followups += _rule_followups(past, stamp, cid, contact, created_s, now_s)
                events += _past_events(past, stamp, cid, contact, created_s, now_s)
            first = next_followup_id(conn)  # (a deleted one's id is not given again)
            conn.executemany(
                "INSERT INTO followups (id, contact_id, due_at, note, owner, created_at,"
                " updated_at, status, done_at, rule) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(first + n, *row) for n, row in enumerate(followups)],
            )
            conn.executemany(
                "INSERT INTO events (contact_id, kind, text, at, author, created_at, score, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", events,
            )
            counts["follow-ups"] += len(followups)
            counts["timeline events"] += len(events)
        store.audit.record("demo", "database", None, after=counts, now=now)
    return counts


def _done_at(past, due: int, now: int, created: int) -> int | None:
    """Most follow-ups due by now were done: mostly by their due time, some a
    day or two after it, none before it was made; the rest are still open
    (overdue)."""
    if due > now or past() >= 0.7:
        return None
    late = past() < 0.3
    done = due + int(past() * 2 * DAY) if late else due - int(past() * 2 * DAY)
    return max(created, min(now, done))


def _rule_followups(past, stamp, cid: int, contact, created: int, now: int) -> list[tuple]:
    """A recent contact's new-lead follow-up (due a day after it came in),
    answered in time or not, so that rule compliance has something to show."""
    if created < now - RULE_DAYS * DAY or past() >= 0.8:
        return []
    due = created + DAY
    done = created + int(past() * 1.4 * DAY) if due <= now else None
    if done is not None and done > now:
        done = None
    return [(cid, stamp(due), NEW_LEAD["note"], contact.owner, contact.created_at,
             stamp(done or created), "done" if done else "open",
             stamp(done) if done else None, NEW_LEAD["name"])]


def _past_events(past, stamp, cid: int, contact, created: int, now: int) -> list[tuple]:
    """Stage moves from lead to where the contact is now, and a customer's
    survey answer (mostly happy, a churned one less so)."""
    options = PATHS.get(contact.stage, ((),))
    path = options[int(past() * len(options))]
    moments = sorted(created + int(past() * (now - created)) for _ in path)
    events, stage = [], "lead"
    for moved, at in zip(path, moments):
        events.append((cid, "stage", stage_move(stage, moved), stamp(at), contact.owner, stamp(at),
                       None, json.dumps({"from": stage, "to": moved})))
        stage = moved
    if contact.stage in ("customer", "churned") and past() < 0.5:
        since = moments[-1] if moments else created
        at = since + int(past() * (now - since))
        low = 3 if contact.stage == "churned" else 7
        score = low + int(past() * 4)
        events.append((cid, "survey", "How likely are you to recommend us?", stamp(at),
                       contact.owner, stamp(at), score, None))
    return events
