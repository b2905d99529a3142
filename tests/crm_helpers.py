"""A small CRM whose every report figure is known by hand (see test_report.py).

All moments are at 12:00 UTC in the middle of a month, so local month
boundaries can't move anything whatever the time zone. The clock at the end
is the suite's frozen 2026-11-23 09:30 UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

from tinycrm.store import Store


def at(text: str) -> datetime:
    """``'09-10'`` -> 2026-09-10 12:00 UTC; ``'09-10 14:00'`` for another time."""
    day, _, clock = text.partition(" ")
    hour, minute = map(int, (clock or "12:00").split(":"))
    month, dom = map(int, day.split("-"))
    return datetime(2026, month, dom, hour, minute, tzinfo=timezone.utc)


def build_known_dataset(store: Store) -> dict[str, int]:
    c, e, f = store.contacts, store.timeline, store.followups
    ids: dict[str, int] = {}

    def add(key: str, name: str, owner: str, created: str, **kw) -> int:
        ids[key] = c.add(name, emails=[f"{key}@ex.org"], owner=owner, now=at(created), **kw).id
        return ids[key]

    def rule_followup(contact: str, rule: str) -> int:
        return store.conn.execute(
            "SELECT id FROM followups WHERE contact_id = ? AND rule = ?", [ids[contact], rule]
        ).fetchone()[0]

    # Contacts, stage moves (each is a timeline event), and the new-lead rule's follow-ups.
    add("c6", "Flo Carol", "carol", "06-15")
    c.edit(ids["c6"], {"stage": "customer"}, now=at("09-15"))
    add("c1", "Ada Alice", "alice", "09-10")
    c.edit(ids["c1"], {"stage": "qualified"}, now=at("09-20"))
    c.edit(ids["c1"], {"stage": "customer"}, now=at("10-10"))
    add("c2", "Bob Alice", "alice", "10-05")
    c.edit(ids["c2"], {"stage": "customer"}, now=at("10-15"))
    add("c3", "Cy Bob", "bob", "10-20")
    add("c4", "Di Bob", "bob", "11-02", stage="customer", tier="vip")
    add("c5", "Ed Alice", "alice", "11-05", tier="low")
    c.edit(ids["c5"], {"stage": "lost"}, now=at("11-10"))

    f.done(rule_followup("c1", "new-lead"), now=at("09-10 14:00"))   # met
    f.done(rule_followup("c2", "new-lead"), now=at("10-06 18:00"))   # late
    f.done(rule_followup("c5", "new-lead"), now=at("11-06 11:00"))   # met
    f.done(rule_followup("c6", "new-lead"), now=at("06-18"))         # late (before September)
    # c3's new-lead follow-up stays open: overdue since 10-21 12:00.

    c.tag(ids["c3"], ["complaint"], now=at("11-20"))                  # due 11-22 12:00, stays open
    c.tag(ids["c2"], ["complaint"], now=at("11-21"))                  # due 11-23 12:00
    f.done(rule_followup("c2", "complaint"), now=at("11-22"))         # met

    # Follow-ups people added.
    m1 = f.add(ids["c1"], at("11-01"), owner="alice", note="m1", now=at("10-20")).id
    f.done(m1, now=at("10-31"))                                        # on time
    m2 = f.add(ids["c2"], at("11-10"), owner="alice", note="m2", now=at("10-20")).id
    f.done(m2, now=at("11-12"))                                        # late
    f.add(ids["c1"], at("11-30"), owner="alice", note="m3", now=at("10-20"))  # not yet due
    f.add(ids["c3"], at("11-15"), owner="bob", note="m4", now=at("10-21"))    # overdue
    m5 = f.add(ids["c6"], at("08-01"), owner="carol", note="m5", now=at("07-01")).id
    f.done(m5, now=at("08-01 10:00"))                                  # on time (before September)
    m6 = f.add(ids["c3"], at("11-10"), owner="bob", note="m6", now=at("10-21")).id
    f.cancel(m6, now=at("11-09"))                                      # never counted

    # Interactions (a note is not one) and surveys.
    for key, kind, when in (("c1", "call", "09-12"), ("c1", "email", "10-11"),
                            ("c2", "meeting", "10-16"), ("c2", "call", "10-17"),
                            ("c4", "email", "11-03"), ("c6", "call", "08-20"),
                            ("c1", "note", "10-01")):
        e.log(ids[key], kind, f"{kind} with {key}", at=at(when), now=at(when))
    for key, score, when in (("c1", 10, "10-12"), ("c2", 9, "10-18"), ("c3", 7, "11-01"),
                             ("c4", 3, "11-04"), ("c6", 0, "08-21")):
        e.log(ids[key], "survey", "how did we do?", at=at(when), score=score, now=at(when))
    return ids
