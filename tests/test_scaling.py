"""Work that must grow with what it is about, not with the whole database:
counted in SQLite's virtual-machine steps (a progress handler), which are the
same on any machine, rather than timed. Each case was once a statement that
SQLite planned by a less selective index (a re-import of contacts with notes
looked each note up among every note there was, so twice the contacts took
four times the work)."""

from __future__ import annotations

import io
from datetime import timedelta

from tinycrm.store import Store, StoreSettings, importer
from tinycrm.store.exporter import export

from .conftest import FROZEN


def _vcards(count: int) -> bytes:
    return "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Last{i};First{i};;;\r\nFN:First{i} Last{i}\r\n"
        f"EMAIL:p{i}@ex.org\r\nCATEGORIES:all\r\nNOTE:note {i}\\, with stuff\r\nEND:VCARD\r\n"
        for i in range(count)).encode()


def _steps(store: Store, work) -> int:
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    store.conn.set_progress_handler(tick, 100)
    try:
        work()
    finally:
        store.conn.set_progress_handler(None, 0)
    return counted[0]


def _reimport_and_export_steps(tmp_path, count: int) -> tuple[int, int]:
    data = _vcards(count)
    with Store(tmp_path / f"{count}.db", user="alice", clock=lambda: FROZEN,
               settings=StoreSettings()) as store:
        importer.import_contacts(store, io.BytesIO(data), name="people.vcf")
        again = _steps(store, lambda: importer.import_contacts(
            store, io.BytesIO(data), name="people.vcf"))
        exported = _steps(store, lambda: export(store, io.StringIO(), "json"))
    return again, exported


def test_reimporting_and_exporting_notes_is_linear(tmp_path):
    small = _reimport_and_export_steps(tmp_path, 300)
    large = _reimport_and_export_steps(tmp_path, 1200)
    # Four times the contacts: about four times the work (sixteen when each
    # contact's note was looked for among all of them).
    assert large[0] < 6 * small[0], (small, large)
    assert large[1] < 6 * small[1], (small, large)


def test_thousands_of_rows_of_one_persons_notes_read_their_notes_once_a_chunk(tmp_path):
    """A log of one person (8,000 rows, a note each, read in chunks):
    each row looked for its note among all the contact's notes so far, and
    read them all when it was new, 1.9 million steps (39 s); now once for
    each chunk of rows, 5,400."""
    data = ("Name,Email,Notes\n" + "".join(f"Ada Lovelace,ada@ex.org,note number {i}\n"
                                          for i in range(8000))).encode()
    with Store(tmp_path / "log.db", user="alice", clock=lambda: FROZEN,
               settings=StoreSettings()) as store:
        steps = _steps(store, lambda: importer.import_contacts(
            store, io.BytesIO(data), name="log.csv"))
        [ada] = store.contacts.list()
        notes = [p for e in store.timeline.list(ada.id) if e.kind == "note"
                 for p in e.text.split("\n\n")]
    assert steps < 100_000, steps
    assert sorted(notes) == sorted(f"note number {i}" for i in range(8000))


def test_reimporting_one_persons_log_looks_up_their_notes_once_a_chunk(tmp_path):
    """The same log imported again: every row's note is there already. Each
    row looked for it by SQL's instr() over the contact's whole note (one
    statement, so few steps, but 8,000 rows scanning 8,000 paragraphs: 17 s).
    Counted in statements that read the contact's notes."""
    data = ("Name,Email,Notes\n" + "".join(f"Ada Lovelace,ada@ex.org,note number {i}\n"
                                          for i in range(8000))).encode()
    with Store(tmp_path / "log.db", user="alice", clock=lambda: FROZEN,
               settings=StoreSettings()) as store:
        importer.import_contacts(store, io.BytesIO(data), name="log.csv")
        [ada] = store.contacts.list()
        before = [e.text for e in store.timeline.list(ada.id) if e.kind == "note"]
        lookups = [0]

        def trace(sql: str) -> None:
            lookups[0] += "kind = 'note'" in sql

        store.conn.set_trace_callback(trace)
        try:
            again = importer.import_contacts(store, io.BytesIO(data), name="log.csv")
        finally:
            store.conn.set_trace_callback(None)
        after = [e.text for e in store.timeline.list(ada.id) if e.kind == "note"]
    assert (again.created, again.merged, again.unchanged, after) == (0, 0, 8000, before)
    assert 0 < lookups[0] < 50, lookups


def _contacts(store: Store, count: int, *, owner_every: int = 1) -> list[int]:
    ids = []
    for i in range(count):
        ids.append(store.contacts.add(f"Person {i}", emails=[f"p{i}@ex.org"],
                                      owner=f"user{i % owner_every}").id)
    return ids


def test_one_contacts_handover_and_a_rule_sweep_dont_read_everyone(tmp_path):
    from tinycrm.store import rules
    from tinycrm.store.browse import Browse
    from tinycrm.store.team import assign

    found = {}
    later = FROZEN + timedelta(days=2)  # the leads are two days old: no new ones
    for count in (300, 1200):
        with Store(tmp_path / f"h{count}.db", user="alice", clock=lambda: FROZEN,
                   settings=StoreSettings(), apply_rules=False) as store:
            ids = _contacts(store, count, owner_every=3)
            for cid in ids:
                store.followups.add(cid, FROZEN, note="call", owner="alice")
            store.contacts.tag(ids[0], ["complaint"])
            found[count] = (
                _steps(store, lambda: assign(store, ids[1], "bob", now=later)),
                _steps(store, lambda: rules.sweep(store, later)),
                _steps(store, lambda: Browse(store).owners()),
            )
    small, large = found[300], found[1200]
    # Four times the contacts: the same one contact, one tagged, no new lead,
    # no VIP customer and three owners.
    assert large[0] < 2 * small[0] + 5, found
    assert large[1] < 2 * small[1] + 5, found
    assert large[2] < 2 * small[2] + 5, found


def test_a_persons_export_and_erase_dont_weigh_each_deleted_contact_against_the_log(tmp_path):
    """An import of thousands undone leaves thousands of deleted contacts in
    the audit log. Looking for the person's earlier records checked each of
    them against every entry of the log for a merge, so 50,000 undone took
    `privacy export` (and `erase`, holding the write lock) five minutes."""
    from tinycrm.store import privacy
    from tinycrm.store.import_undo import undo_batch

    found = {}
    for count in (300, 1200):
        data = ("Name,Email\n" + "".join(f"Person {i},p{i}@ex.org\n"
                                         for i in range(count))).encode()
        with Store(tmp_path / f"e{count}.db", user="alice", clock=lambda: FROZEN,
                   settings=StoreSettings(), apply_rules=False) as store:
            batch = importer.import_contacts(store, io.BytesIO(data), name="people.csv")
            undo_batch(store, batch.batch_id)
            person = store.contacts.add("Zed Quux", emails=["zed@ex.org"]).id
            found[count] = (_steps(store, lambda: privacy.export(store, person)),
                            _steps(store, lambda: privacy.erase(store, person)))
    small, large = found[300], found[1200]
    # Four times the deleted contacts: about four times the work, not sixteen.
    assert large[0] < 6 * small[0], found
    assert large[1] < 6 * small[1], found
