"""What `privacy erase` leaves in the database file's bytes: nothing of the
person, wherever another record copied them, whatever the search index kept,
and also when the file can't be vacuumed at once."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tinycrm.store import privacy
from tinycrm.store.errors import Busy
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


def test_no_search_index_segment_keeps_their_words(store, db_path):
    # FTS5 deletes by adding a tombstone to a new segment: the old segment
    # keeps the words until segments are merged.
    for n in range(3):
        store.contacts.add(f"Other {n}", company="Acme")
    them = store.contacts.add("Zebulon Quixotic", emails=[EMAIL], company="Xylophage Dynamics")
    store.contacts.add("Later One")
    assert erase(store, them.id).wiped
    segments = b"".join(block for (block,) in store.conn.execute(
        "SELECT block FROM contact_search_fts_data WHERE block IS NOT NULL"))
    assert b"zebulon" not in segments and b"xylophage" not in segments
    for word in (b"zebulon", b"quixotic", b"xylophage"):
        assert word not in raw(db_path), word


def test_an_erase_that_cant_vacuum_leaves_their_rows_zeroed(store, db_path, monkeypatch):
    # As SQLite is built by python.org and for macOS: deleted rows stay in
    # their pages unless the connection says otherwise.
    store.conn.execute("PRAGMA secure_delete = OFF")
    them = store.contacts.add("Zebulon Quixotic", emails=[EMAIL], phones=[PHONE],
                              company="Xylophage Dynamics", note="allergic to marmalade")
    store.contacts.add("Beatrix Bystander", emails=["bea@ex.org"])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def another_writer(store):
        raise Busy("another program is writing")

    monkeypatch.setattr(privacy, "compact", another_writer)
    assert not erase(store, them.id).wiped
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next checkpoint, anyone's
    for value in (EMAIL, "900871", "Zebulon", "Xylophage", "marmalade"):
        assert value.encode() not in raw(db_path), value


def test_cli_erase_while_another_process_reads_says_the_file_still_holds_them(cli, db_path):
    cli.ok("add", "Zebulon Quixotic", "-e", EMAIL, "-p", PHONE)
    cli.ok("add", "Beatrix Bystander", "-e", "bea@ex.org")
    reader = sqlite3.connect(db_path)  # the app, mid-read
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM contacts").fetchone()
        done = cli("--wait", "0", "privacy", "erase", EMAIL, "--yes")
        assert done.exit_code == 0, done.stderr
        assert "no trace" not in done.stderr
        assert ("the database file still holds their data, though no command shows it; run"
                " `tinycrm db vacuum` when the file is idle") in done.stderr
        assert EMAIL.encode() in raw(db_path)  # as it says
        assert cli("show", EMAIL).exit_code == 3
    finally:
        reader.close()
    assert cli.ok("db", "vacuum").stderr == "vacuumed; the -wal is empty\n"
    assert EMAIL.encode() not in raw(db_path) and b"900871" not in raw(db_path)


@pytest.mark.parametrize("gone_by", ["merge", "rm"])
def test_an_import_that_brought_only_an_earlier_record_of_theirs_keeps_no_name(
        cli, db_path, tmp_path, gone_by):
    """A duplicate merged into them, or a record of theirs deleted before, has
    no contact row to name its import: the audit entry that created it does."""
    sheet = tmp_path / "Zeb Quixotic.csv"
    if gone_by == "merge":
        cli.ok("add", "Zebulon Quixotic", "-e", EMAIL)
        sheet.write_text("Name,Email\nZeb Quixotic,zq-alt@example.test\n")
        cli.ok("import", str(sheet))
        cli.ok("merge", "1", "2", "--yes")
    else:
        sheet.write_text(f"Name,Email\nZeb Quixotic,{EMAIL}\n")
        cli.ok("import", str(sheet))
        cli.ok("rm", "1", "--yes")
        cli.ok("add", "Zebulon Quixotic", "-e", EMAIL)
    cli.ok("privacy", "erase", EMAIL, "--yes")
    [batch] = json.loads(cli.ok("imports", "list", "-f", "json").stdout)
    assert batch["source"] == "[erased]"
    assert b"Zeb Quixotic" not in raw(db_path)


def test_an_erase_whose_file_cant_be_rewritten_says_why_and_is_done(db_path):
    """The disk full as VACUUM writes its copy (a file size limit plays it):
    the person is erased all the same, and the warning says what stopped the
    rewrite; it said only 'database error', exit 1, as if nothing was done."""
    import resource
    import signal
    import subprocess
    import sys

    from .conftest import run_tinycrm

    assert run_tinycrm("add", "Zebulon Quixotic", "-e", EMAIL, db=db_path).returncode == 0
    with sqlite3.connect(db_path) as conn:  # others' notes: a file of a few MB
        conn.execute("CREATE TABLE padding (x)")
        conn.executemany("INSERT INTO padding VALUES (?)", [("x" * 1000,)] * 4000)
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    limit = db_path.stat().st_size // 2

    def small_files() -> None:  # (ignored, SIGXFSZ makes a write fail instead of killing)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "tinycrm", "--db", str(db_path), "privacy", "erase", EMAIL, "--yes"],
        capture_output=True, text=True, timeout=60, preexec_fn=small_files)
    assert done.returncode == 0, done.stderr
    assert "warning: the erasure could not rewrite the file (SQLite says: " in done.stderr
    assert "run `tinycrm db vacuum` when the file is idle" in done.stderr
    assert run_tinycrm("show", EMAIL, db=db_path).returncode == 3


def test_an_undone_import_named_after_them_keeps_no_name(cli, db_path, tmp_path):
    """An import undone (the wrong options), then made again: the undone one
    removed its contact and left no record of whom it brought, only its
    file's name, which is theirs. Others' imports keep their names: one
    undone that names no one of theirs, and another Zebulon Quixotic's."""
    card = tmp_path / "Zebulon Quixotic.vcf"
    card.write_text(f"BEGIN:VCARD\nVERSION:3.0\nFN:Zebulon Quixotic\nEMAIL:{EMAIL}\nEND:VCARD\n")
    namesake = tmp_path / "other" / "Zebulon Quixotic.vcf"
    namesake.parent.mkdir()
    namesake.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Zebulon Quixotic\n"
                        "EMAIL:zq-namesake@example.test\nEND:VCARD\n")
    leads = tmp_path / "leads.csv"
    leads.write_text("name,email\nAda,ada@ex.org\n")
    for path in (leads, card):
        cli.ok("import", str(path))
    cli.ok("imports", "undo", "1", "--yes")
    cli.ok("imports", "undo", "2", "--yes")
    cli.ok("import", str(card))
    cli.ok("import", str(namesake))
    cli.ok("privacy", "erase", EMAIL, "--yes")
    sources = {b["id"]: b["source"] for b in json.loads(cli.ok("imports", "list", "-f", "json").stdout)}
    assert sources == {1: str(leads), 2: "[erased]", 3: "[erased]", 4: str(namesake)}
    audited = {a["entity_id"]: a["after"]["source"] for a in json.loads(
        cli.ok("audit", "-f", "json").stdout) if a["action"] == "import"}
    assert audited == sources
    assert str(card).encode() not in raw(db_path)


def test_an_import_name_erased_goes_from_others_timelines_too(cli, db_path, tmp_path):
    """The entries an import stored on others' timelines ("merged from FILE",
    and "imported from FILE" kept by a merge) quote its file name: when the
    name is theirs it goes there too, not only from the import's record."""
    cli.ok("--no-rules", "add", "Ada", "-e", "ada@ex.org")
    cli.ok("--no-rules", "add", "Cy", "-e", "cy@ex.org")
    sheet = tmp_path / "Zebulon Quixotic referrals.csv"
    sheet.write_text(f"name,email,company\nZebulon Quixotic,{EMAIL},Xylo\n"
                     "Ada,ada@ex.org,Engines\nBo,bo@ex.org,\n")
    cli.ok("--no-rules", "import", str(sheet))
    cli.ok("merge", "Cy", "Bo", "--yes")

    def imports_on(ref):
        return [(e["text"], e["data"]["source"]) for e in json.loads(
            cli.ok("timeline", ref, "-f", "json").stdout) if e["kind"] == "import"]

    assert imports_on("Ada") == [(f"merged from {sheet} (batch 1): company", str(sheet))]
    cli.ok("privacy", "erase", EMAIL, "--yes")
    assert imports_on("Ada") == [("merged from [erased] (batch 1): company", "[erased]")]
    assert imports_on("Cy") == [("imported from [erased] (batch 1)", "[erased]")]
    assert b"Quixotic" not in raw(db_path)


def test_an_import_that_only_added_notes_to_others_too_keeps_its_name(cli, tmp_path):
    """customers.csv added a note to them and one to Bea, and kept no import
    record of either: the entry on Bea's timeline says it brought her, so
    the file name is not theirs alone (it went from the batch and her timeline)."""
    cli.ok("add", "Zebulon Quixotic", "-e", EMAIL)
    cli.ok("add", "Bea Other", "-e", "bea@example.test")
    sheet = tmp_path / "customers.csv"
    sheet.write_text(f"Name,Email,Notes\nZebulon Quixotic,{EMAIL},met at the fair\n"
                     "Bea Other,bea@example.test,called back\n")
    cli.ok("import", str(sheet))
    cli.ok("privacy", "erase", EMAIL, "--yes")
    [batch] = json.loads(cli.ok("imports", "list", "-f", "json").stdout)
    assert batch["source"] == str(sheet)
    [entry] = [e for e in json.loads(cli.ok("timeline", "Bea Other", "-f", "json").stdout)
               if e["kind"] == "import"]
    assert str(sheet) in entry["text"] and entry["data"]["source"] == str(sheet)


def test_an_import_name_erased_from_others_entries_leaves_their_other_words(
        cli, tmp_path, monkeypatch):
    """A short file name ("ed", imported from its folder) is part of other
    words in the entries quoting it: "merged", "imported". Only the name
    goes, from where the entry names the file."""
    monkeypatch.chdir(tmp_path)
    cli.ok("--no-rules", "add", "Bo", "-e", "bo@ex.org")
    cli.ok("--no-rules", "add", "Di", "-e", "di@ex.org")
    (tmp_path / "ed").write_text(f"name,email,company\nEd,{EMAIL},Edco\n"
                                 "Bo,bo@ex.org,Boco\nCy,cy@ex.org,\n")
    cli.ok("--no-rules", "import", "ed", "--format", "csv")
    cli.ok("merge", "Di", "Cy", "--yes")

    def imports_on(ref):
        return [(e["text"], e["data"]["source"]) for e in json.loads(
            cli.ok("timeline", ref, "-f", "json").stdout) if e["kind"] == "import"]

    assert imports_on("Bo") == [("merged from ed (batch 1): company", "ed")]
    cli.ok("privacy", "erase", EMAIL, "--yes")
    assert imports_on("Bo") == [("merged from [erased] (batch 1): company", "[erased]")]
    assert imports_on("Di") == [("imported from [erased] (batch 1)", "[erased]")]


@pytest.mark.parametrize("since", ["renamed", "merged"])
def test_an_import_named_after_a_name_they_had_before_keeps_no_name(
        cli, db_path, tmp_path, since):
    """Renamed since the import, or known now by the name of the contact it
    was merged into: the file name holds the name it brought them by."""
    cli.ok("--no-rules", "add", "Ada", "-e", "ada@ex.org")
    sheet = tmp_path / "Zebulon Quixotic referrals.csv"
    sheet.write_text(f"name,email\nZebulon Quixotic,{EMAIL}\nAda,ada@ex.org\nBo,bo@ex.org\n")
    cli.ok("--no-rules", "import", str(sheet))
    if since == "merged":
        cli.ok("--no-rules", "add", "Zeb Brandt", "-e", "zq-other@example.test")
        cli.ok("merge", "Zeb Brandt", EMAIL, "--yes")
    else:
        cli.ok("edit", EMAIL, "--name", "Zeb Brandt")
    cli.ok("privacy", "erase", "Zeb Brandt", "--yes")
    assert [b["source"] for b in json.loads(cli.ok("imports", "list", "-f", "json").stdout)] == [
        "[erased]"]
    assert b"Quixotic" not in raw(db_path)


def test_a_cards_short_uid_is_no_value_of_theirs_to_look_for(cli, tmp_path):
    """A card's UID:1 (a simple exporter's count) is in every note's numbers
    and every entry's JSON: the erase neither stops at the JSON nor erases
    others' ones."""
    cli.ok("--no-rules", "add", "Bea", "-e", "bea@ex.org")
    cli.ok("log", "Bea", "met 1 time at 1 Main St")
    card = tmp_path / "card.vcf"
    card.write_text(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card One\r\nEMAIL:{EMAIL}\r\n"
                    "UID:1\r\nEND:VCARD\r\n")
    cli.ok("--no-rules", "import", str(card))
    cli.ok("privacy", "erase", EMAIL, "--yes")
    assert [e["text"] for e in json.loads(cli.ok("timeline", "Bea", "-f", "json").stdout)
            if e["kind"] == "note"] == ["met 1 time at 1 Main St"]


def test_the_uid_of_a_card_merged_into_them_goes_from_others_notes(cli, tmp_path):
    cli.ok("--no-rules", "add", "Bea", "-e", "bea@ex.org")
    cli.ok("--no-rules", "add", "Zebulon Quixotic", "-e", EMAIL)
    card = tmp_path / "card.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zeb Q\r\nEMAIL:zq-card@example.test\r\n"
                    "UID:card-uid-4711\r\nEND:VCARD\r\n")
    cli.ok("--no-rules", "import", str(card))
    cli.ok("merge", EMAIL, "zq-card@example.test", "--yes")
    cli.ok("log", "Bea", "synced card-uid-4711 for her")
    cli.ok("privacy", "erase", EMAIL, "--yes")
    assert [e["text"] for e in json.loads(cli.ok("timeline", "Bea", "-f", "json").stdout)
            if e["kind"] == "note"] == ["synced [erased] for her"]
