"""What `privacy erase` leaves in the database file's bytes: nothing of the
person, wherever another record copied them, whatever the search index kept,
and also when the file can't be vacuumed at once."""

from __future__ import annotations

from pathlib import Path

from tinycrm.store.privacy import erase

EMAIL, PHONE = "zq-unique@example.test", "+44 7700 900871"


def raw(db_path: Path) -> bytes:
    """The database file and its -wal, as a forensic look at the disk sees them."""
    return b"".join(Path(str(db_path) + suffix).read_bytes() for suffix in ("", "-wal")
                    if Path(str(db_path) + suffix).exists())


def test_their_address_goes_from_another_contacts_first_and_last_name(store, db_path):
    # (An import's name cell with a number in it; last names typed apart.)
    pat = store.contacts.add(f"Pat Helper {PHONE}")
    sam = store.contacts.add("Sam Assistant", first_name="Sam", last_name=f"(for {EMAIL})")
    them = store.contacts.add("Zebulon Quixotic", emails=[EMAIL], phones=[PHONE])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert EMAIL.encode() in raw(db_path) and b"900871" in raw(db_path)
    assert erase(store, them.id).wiped
    pat, sam = store.contacts.get(pat.id), store.contacts.get(sam.id)
    assert (pat.name, pat.first_name, pat.last_name) == (
        "Pat Helper [erased]", "Pat", "Helper [erased]")
    assert (sam.first_name, sam.last_name) == ("Sam", "(for [erased])")
    assert EMAIL.encode() not in raw(db_path) and b"900871" not in raw(db_path)


def test_their_address_goes_from_another_contacts_tag_and_its_search_words(store, db_path):
    bea = store.contacts.add("Beatrix Bystander", tags=[f"referred by {EMAIL}", "vip"])
    them = store.contacts.add("Zebulon Quixotic", emails=[EMAIL])
    version = store.contacts.get(bea.id).version
    assert erase(store, them.id).wiped
    after = store.contacts.get(bea.id)
    assert (after.tags, after.version) == (("referred by [erased]", "vip"), version + 1)
    terms = {t for (t,) in store.conn.execute("SELECT term FROM contact_search_terms")}
    assert "unique" not in terms and "erased" in terms
    assert EMAIL.encode() not in raw(db_path)


def test_erase_gives_back_secure_delete_fast_as_fast(store):
    store.conn.execute("PRAGMA secure_delete = FAST")
    erase(store, store.contacts.add("Ada", emails=["ada@ex.org"]).id)
    assert store.conn.execute("PRAGMA secure_delete").fetchone() == (2,)
