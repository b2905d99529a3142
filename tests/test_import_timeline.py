"""The "imported from" entry on the timeline of a contact an import created:
worked out from contacts.import_batch and the batch's row, not stored (m041),
and the same wherever a timeline is read (paged, counted, exported, merged,
erased)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from tinycrm.store import Store
from tinycrm.store.merge import merge_contacts
from tinycrm.store.importer import import_contacts
from tinycrm.store.privacy import erase, export
from tinycrm.store.timeutil import to_db

from .import_helpers import STAMP, database_before, old_batch


def _import(store, text: str, name: str = "people.csv") -> int:
    return import_contacts(store, io.BytesIO(text.encode()), name=name).batch_id


def _entries(store, contact_id: int) -> list:
    return [e for e in store.timeline.list(contact_id) if e.kind != "followup"]


def test_each_created_contact_shows_its_import_though_no_row_is_stored(store, clock):
    batch = _import(store, "name,email,note\nGrace Hopper,grace@ex.org,Met at the Navy\n"
                           "Lin Qiu,lin@ex.org,\n")
    for email in ("grace@ex.org", "lin@ex.org"):
        contact = store.contacts.resolve(email)
        (entry,) = [e for e in store.timeline.list(contact.id) if e.kind == "import"]
        assert entry.id is None and entry.contact_id == contact.id
        assert entry.text == f"imported from people.csv (batch {batch})"
        assert entry.data == {"batch": batch, "action": "created", "source": "people.csv"}
        assert (entry.author, entry.at, entry.created_at) == ("alice", clock.now, clock.now)
    stored = store.conn.execute("SELECT count(*) FROM events WHERE kind = 'import'").fetchone()[0]
    assert stored == 0
    grace = store.contacts.resolve("grace@ex.org")
    # Newest first; the note from the same row came after the contact was made.
    assert [(e.kind, e.text) for e in _entries(store, grace.id)] == [
        ("note", "Met at the Navy"), ("import", f"imported from people.csv (batch {batch})")]


def test_paging_and_counting_include_the_import_entry(store, clock):
    _import(store, "name,email,note\nGrace Hopper,grace@ex.org,Met at the Navy\n")
    grace = store.contacts.resolve("grace@ex.org")
    for text in ("first call", "second call"):
        clock.now += timedelta(hours=1)
        store.timeline.log(grace.id, "call", text)
    everything = store.timeline.list(grace.id)
    assert store.timeline.count(grace.id) == len(everything) >= 4
    paged = [e for offset in range(len(everything))
             for e in store.timeline.list(grace.id, limit=1, offset=offset)]
    assert paged == everything
    assert everything[-1].kind == "import", "the oldest thing on the timeline"


def test_a_merge_keeps_the_import_entry_of_the_contact_that_goes(store, clock):
    first = _import(store, "name,email\nGrace Hopper,grace@ex.org\n")
    clock.now += timedelta(days=1)
    second = _import(store, "name,email\nG. Hopper,hopper@navy.example\n", name="navy.csv")
    keep = store.contacts.resolve("grace@ex.org")
    other = store.contacts.resolve("hopper@navy.example")
    merge_contacts(store, keep.id, other.id)
    imports = [e for e in store.timeline.list(keep.id) if e.kind == "import"]
    assert [(e.text, e.at, e.id is None) for e in imports] == [
        (f"imported from navy.csv (batch {second})", clock.now, False),
        (f"imported from people.csv (batch {first})", clock.now - timedelta(days=1), True),
    ], "the other's entry is stored on the one kept, which still works out its own"
    assert imports[0].data == {"batch": second, "action": "created", "source": "navy.csv"}


def test_privacy_export_and_erase_count_the_import_entry(store):
    batch = _import(store, "name,email,note\nGrace Hopper,grace@ex.org,Met at the Navy\n")
    grace = store.contacts.resolve("grace@ex.org")
    shown = store.timeline.list(grace.id)
    exported = export(store, grace.id)["timeline"]
    assert [e["text"] for e in exported] == [e.text for e in shown]
    assert f"imported from people.csv (batch {batch})" in [e["text"] for e in exported]
    erased = erase(store, grace.id)
    assert erased.removed["timeline events"] == len(shown)


def test_m041_drops_the_stored_copies_and_leaves_every_timeline_as_it_was(db_path):
    """A database from before m041 stored the entry. Contact 1 also got a copy
    of the same batch's entry from a merge, contact 2 (typed by hand) one from
    another batch's contact, and contact 3 has a merge's entry beside its own."""
    db = database_before(db_path, "m041_import_events_worked_out")
    stamp = STAMP
    old_batch(db, actor="bob", created=3, first_contact_id=1)
    for cid, name, batch in ((1, "Own", 4), (2, "Hand", None), (3, "Merged Into", 4)):
        db.execute("INSERT INTO contacts (id, uid, name, stage, tier, owner, created_at,"
                   " updated_at, import_batch) VALUES (?, ?, ?, 'lead', 'standard', 'bob', ?, ?, ?)",
                   [cid, f"u{cid}", name, stamp, stamp, batch])
    created = json.dumps({"batch": 4, "action": "created", "source": "old.csv"})
    merged = json.dumps({"batch": 4, "action": "merged", "source": "old.csv", "fields": ["title"]})
    rows = [(1, "imported from old.csv (batch 4)", created), (3, "imported from old.csv (batch 4)", created),
            (1, "imported from old.csv (batch 4)", created), (2, "imported from old.csv (batch 4)", created),
            (3, "merged from old.csv (batch 4): title", merged)]
    for cid, text, data in rows:
        db.execute("INSERT INTO events (contact_id, kind, text, at, author, data, created_at)"
                   " VALUES (?, 'import', ?, ?, 'bob', ?, ?)", [cid, text, stamp, data, stamp])
    before = {cid: sorted((text, json.loads(data)) for c, text, data in rows if c == cid)
              for cid in (1, 2, 3)}
    db.conn.commit()
    db.close()
    with Store(db_path, user="alice") as store:
        assert "m041_import_events_worked_out" in store.migrated
        for cid in (1, 2, 3):
            after = store.timeline.list(cid)
            assert sorted((e.text, e.data) for e in after) == before[cid]
            assert all(to_db(e.at) == stamp and e.author == "bob" for e in after)
        kept = store.conn.execute("SELECT contact_id FROM events ORDER BY id").fetchall()
        assert kept == [(1,), (2,), (3,)], "one stored copy went from 1 and from 3; 2's stays"


def test_merging_two_contacts_of_one_batch_keeps_both_entries_and_counts_the_move(store):
    batch = _import(store, "name,email\nGrace Hopper,grace@ex.org\nG. Hopper,hopper@navy.example\n")
    keep = store.contacts.resolve("grace@ex.org")
    other = store.contacts.resolve("hopper@navy.example")
    others_timeline = store.timeline.count(other.id)
    merge_contacts(store, keep.id, other.id)
    texts = [e.text for e in store.timeline.list(keep.id) if e.kind == "import"]
    assert texts == [f"imported from people.csv (batch {batch})"] * 2
    (merge,) = [a for a in store.audit.list(keep.id) if a.action == "merge"]
    assert merge.after["moved"]["events"] == others_timeline
