"""Realistic fake data for people trying tinycrm and for benchmarks.

Deterministic for a seed. Written in chunks through ``bulk.insert_contacts``
so that a million contacts take a minute, not an hour.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from .bulk import NewContact, insert_contacts
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
    "Fatima Hiroshi Mei Ravi Ananya Diego Camila Elena Luca Giulia Pierre Amelie Jonas Freya"
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
    "Larsen Hansen Nielsen Jensen Kowalski Novak Horvat Silva Santos Oliveira Costa Okafor Mensah"
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
CHUNK = 5000


def fill(store: Store, n: int, *, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    now = store.now()
    owners = sorted({store.user, "alice", "bob", "carol"})
    seen: dict[str, int] = {}
    counts = {"contacts": 0, "follow-ups": 0, "timeline events": 0}
    with store.write() as conn:
        for start in range(0, n, CHUNK):
            batch: list[NewContact] = []
            for _ in range(min(CHUNK, n - start)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                company = rng.choice(COMPANIES)
                domain = company.lower() + ".example"
                local = f"{first}.{last}".lower()
                k = seen.get(local + domain, 0)
                seen[local + domain] = k + 1
                email = f"{local}{k or ''}@{domain}"
                created = now - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1440))
                contacted = created + timedelta(days=rng.randint(0, 200)) if rng.random() < 0.7 else None
                batch.append(NewContact(
                    name=f"{first} {last}", first_name=first, last_name=last, owner=rng.choice(owners),
                    company=f"{company} {rng.choice(SUFFIX)}", title=rng.choice(TITLES),
                    stage=rng.choice(STAGES), tier=rng.choice(TIERS), source="demo",
                    created_at=to_db(created),
                    last_contacted_at=to_db(min(contacted, now)) if contacted else None,
                    emails=[email], phones=[f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"],
                    tags=sorted(set(rng.sample(TAGS, rng.choice((0, 1, 1, 2))))),
                ))
            ids = insert_contacts(conn, batch, updated_at=to_db(now))
            counts["contacts"] += len(ids)
            followups, events = [], []
            for cid, contact in zip(ids, batch):
                for _ in range(rng.choice((0, 1, 1, 2))):
                    due = now + timedelta(days=rng.randint(-30, 60), hours=rng.randint(0, 23))
                    followups.append((cid, to_db(due), rng.choice(NOTES), contact.owner,
                                      contact.created_at, contact.created_at))
                for _ in range(rng.choice((0, 1, 1, 2))):
                    at = to_db(now - timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1440)))
                    events.append((cid, rng.choice(KINDS), rng.choice(NOTES), at, contact.owner, at))
            conn.executemany(
                "INSERT INTO followups (contact_id, due_at, note, owner, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", followups,
            )
            conn.executemany(
                "INSERT INTO events (contact_id, kind, text, at, author, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", events,
            )
            counts["follow-ups"] += len(followups)
            counts["timeline events"] += len(events)
        store.audit.record("demo", "database", None, after=counts, now=now)
    return counts
