"""What an import records about the contacts it creates: the batch on the
contact's own row (contacts.import_batch, which undo goes by), an event on its
timeline and a "create" entry in the audit log."""

from __future__ import annotations

import io
import json
import sqlite3

from tinycrm.store import Store
from tinycrm.store.import_undo import undo_batch
from tinycrm.store.importer import import_contacts
from tinycrm.store.privacy import export

from .import_helpers import STAMP, database_before, old_batch


def _import(store, text: str) -> int:
    return import_contacts(store, io.BytesIO(text.encode()), name="people.csv").batch_id


def test_an_import_marks_the_contacts_it_creates(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    batch = _import(store, "name,email,company\nAda Lovelace,ada@ex.org,Engines\n"
                           "Grace Hopper,grace@ex.org,\nLin Qiu,lin@ex.org,\n")
    conn = store.conn
    marks = dict(conn.execute("SELECT name, import_batch FROM contacts").fetchall())
    assert marks == {"Ada Lovelace": None, "Grace Hopper": batch, "Lin Qiu": batch}
    assert conn.execute("SELECT contact_id, action FROM import_items").fetchall() == [
        (ada.id, "merged")], "only the merge keeps a row: it holds Ada as she was"
    grace = store.contacts.resolve("grace@ex.org")
    entries = [(a.action, a.entity, a.entity_id, a.after) for a in store.audit.list(grace.id)
               if a.entity == "contact"]
    assert entries == [("create", "contact", grace.id, {"import_batch": batch})]
    (batch_entry,) = [a for a in store.audit.list() if a.entity == "import"]
    assert (batch_entry.entity_id, batch_entry.after["created"]) == (batch, 2)
    events = [(e.kind, e.text) for e in store.timeline.list(grace.id) if e.kind != "followup"]
    assert events == [("import", f"imported from people.csv (batch {batch})")]
    assert ("create", "contact", ada.id) in [
        (a.action, a.entity, a.entity_id) for a in store.audit.list(ada.id)]


def test_undo_removes_only_what_the_batch_created_though_ids_come_round_again(store):
    batch = _import(store, "name,email\nA,a@ex.org\nB,b@ex.org\nC,c@ex.org\n")
    c = store.contacts.resolve("c@ex.org")
    store.contacts.delete(c.id)
    # tinycrm gives no id out twice now; older versions did (SQLite's largest
    # id plus one), and such a contact is still not the batch's.
    with store.write():
        store.conn.execute(
            "INSERT INTO contacts (id, uid, name, owner, created_at, updated_at)"
            " VALUES (?, 'by-hand', 'Typed By Hand', 'alice', '2026-11-23T09:30:00Z',"
            " '2026-11-23T09:30:00Z')", [c.id])
    summary = undo_batch(store, batch, force=True)
    assert (summary.removed, summary.missing) == (2, 1)
    assert [x.name for x in store.contacts.list()] == ["Typed By Hand"]


def test_a_privacy_export_names_the_import_that_created_the_person(store):
    batch = _import(store, "name,email\nGrace Hopper,grace@ex.org\n")
    grace = store.contacts.resolve("grace@ex.org")
    data = export(store, grace.id)
    assert [(i["batch_id"], i["action"], i["source"]) for i in data["imports"]] == [
        (batch, "created", "people.csv")]
    assert ("create", grace.id) in [(a["action"], a["entity_id"]) for a in data["audit"]]


def test_older_batches_move_their_created_rows_onto_the_contacts(db_path):
    """A database from before m040: its import_items 'created' rows become
    contacts.import_batch, and undo still finds those contacts."""
    db = database_before(db_path, "m040_import_created_by_batch")
    stamp = STAMP
    old_batch(db, actor="alice", created=2, merged=1, first_contact_id=2)
    for cid, name in ((1, "Kept"), (2, "New One"), (3, "New Two")):
        db.execute("INSERT INTO contacts (id, uid, name, stage, tier, owner, created_at, updated_at)"
                   " VALUES (?, ?, ?, 'lead', 'standard', 'alice', ?, ?)",
                   [cid, f"u{cid}", name, stamp, stamp])
    before = {"name": "Kept", "first_name": None, "last_name": None, "company": None,
              "title": "Founder", "stage": "lead", "tier": "standard", "owner": "alice",
              "source": None, "birthday": None, "cadence_days": None, "last_contacted_at": None,
              "fields": {}, "emails": [], "phones": [], "tags": [], "version": 1}
    db.execute("INSERT INTO import_items VALUES (4, 1, 'merged', ?)", [json.dumps(before)])
    db.execute("INSERT INTO import_items VALUES (4, 2, 'created', NULL)")
    db.execute("INSERT INTO import_items VALUES (4, 3, 'created', NULL)")
    db.conn.commit()
    db.close()
    with Store(db_path, user="alice") as store:
        assert "m040_import_created_by_batch" in store.migrated
        conn = store.conn
        assert conn.execute("SELECT id, import_batch FROM contacts ORDER BY id").fetchall() == [
            (1, None), (2, 4), (3, 4)]
        assert conn.execute("SELECT contact_id, action FROM import_items").fetchall() == [
            (1, "merged")]
        summary = undo_batch(store, 4)
        assert (summary.removed, summary.restored) == (2, 1)
        assert [(c.name, c.title) for c in store.contacts.list()] == [("Kept", "Founder")]
    assert sqlite3.connect(db_path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
