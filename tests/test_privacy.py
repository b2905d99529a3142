"""A person's data: export all of it; erase it so that not a byte is left in
the database file (its -wal included), with only a tombstone in the audit log."""

import json
import os
import stat
from pathlib import Path

import pytest

from tinycrm.store import Store
from tinycrm.store.privacy import erase, export

from .conftest import FROZEN, run_tinycrm

# Values that exist nowhere else, so finding any of them in the file is a leak.
SECRETS = {
    "name": "Zebulon Quixotewright",
    "email": "zeb.quixote@hidden-example.org",
    "phone": "+44 7911 123456",
    "company": "Quuxplosion Ventures",
    "note": "prefers calls after the ferry crossing",
    "followup": "send the walrus contract",
    "field": "passport-77AB19",
    "call": "discussed the gyroscope order",
}


def file_bytes(db_path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            data += path.read_bytes()
    return data


def leaks(db_path: Path) -> list[str]:
    data = file_bytes(db_path)
    found = []
    for key, value in SECRETS.items():
        for variant in {value, value.lower(), value.upper()}:
            if variant.encode() in data:
                found.append(key)
    return found


def make_person(store) -> int:
    s = SECRETS
    person = store.contacts.add(
        s["name"], emails=[s["email"]], phones=[s["phone"]], company=s["company"],
        tags=["complaint"], note=s["note"], fields={"passport": s["field"]},
    )
    store.contacts.edit(person.id, {"stage": "customer", "title": "Chief Quixote"})
    followup = store.followups.add(person.id, FROZEN, note=s["followup"])
    store.timeline.log(person.id, "call", s["call"])
    store.timeline.log(person.id, "survey", "", score=9)
    with store.write() as conn:
        conn.execute(
            "INSERT INTO deliveries (item, contact_id, followup_id, due_at, channel, recipient,"
            " delivered_at, owner) VALUES (?, ?, ?, ?, 'stdout', NULL, ?, 'alice')",
            [f"followup:{followup.id}", person.id, followup.id, "2026-11-23T09:30:00Z",
             "2026-11-23T09:31:00Z"],
        )
        # An import that merged into them kept their before-image ...
        conn.execute(
            "INSERT INTO import_batches (id, started_at, actor, source, format)"
            " VALUES (7, '2026-11-23T09:00:00Z', 'alice', 'contacts.csv', 'csv')"
        )
        conn.execute(
            "INSERT INTO import_items (batch_id, contact_id, action, before) VALUES (7, ?, 'merged', ?)",
            [person.id, json.dumps({"name": s["name"], "emails": [s["email"]]})],
        )
        # ... and a duplicate of them, merged away earlier, left its history.
        store.audit.record("create", "contact", 999, contact_id=999,
                           after={"name": s["name"], "emails": [s["email"]], "phones": [s["phone"]]})
    return person.id


@pytest.fixture
def person(store):
    bystander = store.contacts.add("Beatrix Bystander", emails=["bea@ex.org"],
                                   note=f"introduced by {SECRETS['email']}")
    store.followups.add(bystander.id, FROZEN, note="ask about the intro")
    return make_person(store)


def test_export_has_everything_about_them(store, person):
    data = export(store, person)
    assert data["contact"]["name"] == SECRETS["name"]
    assert data["contact"]["fields"] == {"passport": SECRETS["field"]}
    assert {e["kind"] for e in data["timeline"]} >= {"note", "stage", "call", "survey", "followup"}
    assert [e["score"] for e in data["timeline"] if e["kind"] == "survey"] == [9]
    assert {f["note"] for f in data["followups"]} >= {SECRETS["followup"]}
    assert {f["rule"] for f in data["followups"]} == {"new-lead", "complaint", None}
    assert [(d["channel"], d["item"]) for d in data["deliveries"]] == [("stdout", "followup:5")]
    assert data["imports"][0]["before"]["emails"] == [SECRETS["email"]]
    assert data["audit"][0]["action"] == "create" and data["audit"][0]["entity"] == "contact"
    assert {"update", "log"} <= {a["action"] for a in data["audit"]}
    # The request itself is audited, without personal data in it.
    last = store.audit.list(person, limit=1)[0]
    assert (last.action, last.before, last.after) == ("privacy-export", None, None)


def test_erase_leaves_no_trace_in_the_file(store, db_path, person):
    store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    assert set(leaks(db_path)) == set(SECRETS), "the test data must be in the file to begin with"
    result = erase(store, person)
    assert result.wiped
    assert result.removed["follow-ups"] == 3 and result.removed["deliveries"] == 1
    assert result.redacted >= 1  # the bystander's note
    assert leaks(db_path) == []
    # Not in the search index either, and the file is sound.
    assert store.search.search("Zebulon") == [] and store.search.search("Quixotewright") == []
    from tinycrm.store.maintenance import check

    assert check(store).ok


def test_erase_keeps_only_a_tombstone_and_the_bystander(store, person):
    erase(store, person)
    history = store.audit.list(person)
    assert [(a.action, a.entity, a.entity_id, a.actor, a.before, a.after) for a in history] == [
        # (The ids of their other records, the duplicate's: a restore of an
        # older backup, where it may be a contact still, erases it too.)
        ("erase", "contact", person, "alice", None, {"records": [999]})]
    assert store.audit.list(999) == []
    counts = {t: store.conn.execute(f"SELECT count(*) FROM {t} WHERE contact_id = ?", [person]).fetchone()[0]
              for t in ("events", "followups", "deliveries", "import_items", "contact_tags",
                        "contact_emails", "contact_phones", "contact_search")}
    assert set(counts.values()) == {0}, counts
    bystander = store.contacts.resolve("bea@ex.org")
    note = [e.text for e in store.timeline.list(bystander.id) if e.kind == "note"]
    assert note == ["introduced by [erased]"]
    assert len(store.followups.list(contact_id=bystander.id)) == 2  # theirs, and their new-lead


def test_erase_while_another_process_holds_the_file(store, db_path, person):
    # A second connection that has read the file earlier (the TUI, say) keeps
    # nothing alive once it's idle: the WAL can still be emptied.
    other = Store(db_path, user="bob")
    try:
        other.contacts.get(person)
        result = erase(store, person)
        assert result.wiped and leaks(db_path) == []
    finally:
        other.close()


def test_cli_erase_asks_first(cli, db_path):
    cli.ok("add", SECRETS["name"], "-e", SECRETS["email"])
    refused = cli("privacy", "erase", SECRETS["email"], input="n\n")
    assert refused.exit_code == 1 and "nothing erased" in refused.stderr
    done = cli("privacy", "erase", SECRETS["email"], "--yes")
    assert done.exit_code == 0, done.stderr
    assert done.stderr.startswith(f"erased contact 1 ({SECRETS['name']}); removed ")
    assert "no trace is left" in done.stderr
    assert cli("show", "1").exit_code == 3
    assert json.loads(cli.ok("audit", "1", "-f", "json").stdout)[0]["action"] == "erase"


def test_cli_export_to_a_private_file(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    out = tmp_path / "ada.json"
    cli.ok("privacy", "export", "ada@ex.org", "--output", str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["contact"]["emails"] == ["ada@ex.org"]
    assert json.loads(cli.ok("privacy", "export", "1", "--output", "-").stdout)["contact"][
        "emails"] == ["ada@ex.org"]
    assert not Path("-").exists()
    printed = json.loads(cli.ok("privacy", "export", "1").stdout)
    assert set(printed) == {"exported_at", "exported_by", "contact", "timeline", "followups",
                            "deliveries", "imports", "audit", "earlier_records", "mentions"}


def test_erase_in_a_real_process_then_grep(db_path):
    with Store(db_path, user="alice") as store:
        store.contacts.add(SECRETS["name"], emails=[SECRETS["email"]], phones=[SECRETS["phone"]],
                           company=SECRETS["company"], note=SECRETS["note"])
        store.contacts.add("Someone Else")
    erased = run_tinycrm("privacy", "erase", "1", "--yes", db=db_path)
    assert erased.returncode == 0, erased.stderr
    assert leaks(db_path) == []
    assert not os.path.exists(str(db_path) + "-wal") or os.path.getsize(str(db_path) + "-wal") == 0


def test_erase_after_a_merge_takes_the_merged_duplicate_too(cli, db_path):
    cli.ok("add", SECRETS["name"], "-e", SECRETS["email"])
    cli.ok("add", "Zeb Q.", "-e", "zeb.q@hidden-example.org", "-p", SECRETS["phone"])
    cli.ok("edit", "2", "--name", "Zebulon Q. Duplicate")     # history only the duplicate has
    cli.ok("merge", "1", "2", "--yes")
    done = cli("privacy", "erase", "1", "--yes")
    assert done.exit_code == 0, done.stderr
    data = file_bytes(db_path)
    for value in (SECRETS["name"], SECRETS["email"], SECRETS["phone"], "zeb.q@hidden-example.org",
                  "Zebulon Q. Duplicate", "Zeb Q."):
        assert value.encode() not in data, value
    assert [(a["action"], a["entity_id"]) for a in json.loads(cli.ok("audit", "-f", "json").stdout)] == [
        ("erase", 1)]


def test_a_new_contact_never_gets_a_deleted_ones_id(store, tmp_path):
    """SQLite gives a new row the largest id plus one: after the last contact
    was deleted (or undone, or merged away) the next one took its id, and
    its privacy export held the other person's audit entries."""
    import io

    from tinycrm.store.importer import import_contacts
    from tinycrm.store.merge import merge_contacts
    from tinycrm.store.privacy import gather

    store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    gone = store.contacts.add("Old Secret", emails=["secret@ex.org"])
    store.contacts.delete(gone.id)
    new = store.contacts.add("Bo New", emails=["bo@ex.org"])
    assert new.id == gone.id + 1
    data = gather(store, new.id, now=store.now())
    assert "secret@ex.org" not in json.dumps(data) and "Old Secret" not in json.dumps(data)
    store.contacts.delete(new.id)
    summary = import_contacts(store, io.BytesIO(b"name,email\nCy,cy@ex.org\n"), name="in.csv")
    assert summary.created == 1
    cy = store.contacts.resolve("cy@ex.org")
    assert [c.id for c in store.contacts.list()] == [1, new.id + 1]
    # A merge moves the other's audit entries to the one kept: its id must
    # still not come round (erasing the kept one would take the newcomer's).
    dee = store.contacts.add("Dee", emails=["dee@ex.org"])
    merge_contacts(store, cy.id, dee.id)
    assert store.contacts.add("Eve").id == dee.id + 1


def test_a_database_from_before_m045_gives_no_id_its_audit_log_names(tmp_path):
    from tinycrm.store import Store

    from .import_helpers import database_before

    db_path = tmp_path / "old" / "crm.db"
    db = database_before(db_path, "m045_contact_id_mark")
    db.execute("INSERT INTO audit (at, actor, action, entity, entity_id, contact_id)"
               " VALUES ('2026-11-23T09:30:00Z', 'alice', 'merge', 'contact', 7, 3)")
    db.conn.commit()
    db.close()
    with Store(db_path, user="alice") as store:
        assert store.contacts.add("Fay").id == 8


def test_erase_takes_their_values_whole_and_leaves_everyone_elses(store):
    """li@acme.example is not in eli@acme.example, "12" is not in 2026-12-01,
    and a number a colleague shares (a switchboard) is the colleague's too."""
    eli = store.contacts.add("Eli Stays", emails=["eli@acme.example"], phones=["+1 202 555 0112"])
    store.timeline.log(eli.id, "note", "cc eli@acme.example, budget 120k; ask li@acme.example."
                                       " Desk +1 202 555 0199, or +1 202 555 01991")
    store.followups.add(eli.id, FROZEN, note="Call Eli at 12 noon")
    li = store.contacts.add("Li Goes", emails=["li@acme.example"],
                            phones=["12", "+1 202 555 0199", "+1 202 555 0112"])
    erase(store, li.id)
    after = store.contacts.get(eli.id)
    assert (after.emails, after.phones) == (("eli@acme.example",), ("+1 202 555 0112",))
    [note] = [e.text for e in store.timeline.list(eli.id) if e.kind == "note"]
    assert note == ("cc eli@acme.example, budget 120k; ask [erased]. Desk [erased],"
                    " or +1 202 555 01991")
    assert {f.note for f in store.followups.list(contact_id=eli.id)} >= {"Call Eli at 12 noon"}
    [created] = [a for a in store.audit.list(eli.id) if (a.action, a.entity) == ("create", "contact")]
    assert (created.after["emails"], created.after["phones"]) == (
        ["eli@acme.example"], ["+1 202 555 0112"])


def test_a_deleted_contacts_history_can_be_seen_and_erased(cli, db_path):
    """`rm` keeps the audit log's record of them: it is still theirs to ask for."""
    cli.ok("add", SECRETS["name"], "-e", SECRETS["email"], "-p", SECRETS["phone"])
    cli.ok("add", "Beatrix Bystander", "-e", "bea@ex.org", "--note", f"knows {SECRETS['email']}")
    cli.ok("rm", "1", "--yes")
    for ref in ("1", SECRETS["email"].upper()):
        data = json.loads(cli.ok("privacy", "export", ref).stdout)
        assert data["contact"]["deleted"] is True and data["contact"]["id"] == 1
        assert data["contact"]["emails"] == [SECRETS["email"]]
        assert {a["action"] for a in data["audit"]} >= {"create", "delete"}
    cli.ok("privacy", "erase", SECRETS["email"], "--yes")
    assert [a["action"] for a in json.loads(cli.ok("audit", "1", "-f", "json").stdout)] == ["erase"]
    assert cli("privacy", "export", "1").exit_code == 3  # nothing of them is left to give
    assert leaks(db_path) == []
    notes = [e["text"] for e in json.loads(cli.ok("timeline", "2", "-f", "json").stdout)
             if e["kind"] == "note"]
    assert notes == ["knows [erased]"]


def test_a_deleted_contacts_address_someone_has_since_is_theirs(cli):
    cli.ok("add", "Old Ada", "-e", "ada@ex.org")
    cli.ok("rm", "1", "--yes")
    cli.ok("add", "New Ada", "-e", "ada@ex.org", "--note", "wrote from ada@ex.org")
    cli.ok("privacy", "erase", "1", "--yes")
    assert json.loads(cli.ok("show", "ada@ex.org", "-f", "json").stdout)["name"] == "New Ada"
    notes = [e["text"] for e in json.loads(cli.ok("timeline", "2", "-f", "json").stdout)
             if e["kind"] == "note"]
    assert notes == ["wrote from ada@ex.org"]



def test_a_merged_away_contact_is_the_one_it_went_into(cli):
    cli.ok("add", "Ada Lovelace", "-e", "ada@home.example")
    cli.ok("add", "Ada King", "-e", "ada@work.example")
    cli.ok("merge", "1", "2", "--yes")
    for command in ("export", "erase"):
        result = cli("privacy", command, "2", *(["--yes"] if command == "erase" else []))
        assert result.exit_code == 3
        assert "contact 2 was merged into contact 1; export or erase that one" in result.stderr
    assert json.loads(cli.ok("show", "1", "-f", "json").stdout)["emails"] == [
        "ada@home.example", "ada@work.example"]


def test_erase_leaves_a_longer_number_that_ends_like_theirs(store):
    eli = store.contacts.add("Eli", phones=["+1 202 555 0112"])
    store.timeline.log(eli.id, "note", "desk +1 202 555 0112, or 555 0112 from inside;"
                                       " rang 555 0112 3 times on 2024-05-01 555 0112")
    li = store.contacts.add("Li", phones=["555 0112"])
    erase(store, li.id)
    assert store.contacts.get(eli.id).phones == ("+1 202 555 0112",)
    [note] = [e.text for e in store.timeline.list(eli.id) if e.kind == "note"]
    assert note == ("desk +1 202 555 0112, or [erased] from inside;"
                    " rang [erased] 3 times on 2024-05-01 [erased]")


def test_a_deleted_colleague_who_shared_their_number_keeps_her_history(cli):
    cli.ok("add", "Colleague Cora", "-e", "cora@acme.example", "-p", "+44 20 7946 0000")
    cli.ok("log", "1", "Cora signed the contract")
    cli.ok("rm", "1", "--yes")
    cli.ok("add", "Person Pia", "-e", "pia@acme.example", "-p", "+44 20 7946 0000")
    before = [a["action"] for a in json.loads(cli.ok("audit", "1", "-f", "json").stdout)]
    cli.ok("privacy", "erase", "2", "--yes")
    actions = [a["action"] for a in json.loads(cli.ok("audit", "1", "-f", "json").stdout)]
    assert actions == before and {"create", "log", "delete"} <= set(actions)
    assert json.loads(cli.ok("privacy", "export", "1").stdout)["contact"]["name"] == "Colleague Cora"


def test_an_earlier_deleted_record_of_theirs_goes_whole_and_is_exported(cli, db_path):
    cli.ok("add", "R. Featherstonehaugh", "-e", SECRETS["email"])
    cli.ok("log", "1", f"told me about {SECRETS['call']}")
    cli.ok("follow-up", "add", "1", "--due", "tomorrow", "--note", SECRETS["followup"])
    cli.ok("tag", "1", "quuxtag")
    cli.ok("rm", "1", "--yes")
    cli.ok("add", SECRETS["name"], "-e", SECRETS["email"].upper())
    data = json.loads(cli.ok("privacy", "export", "2").stdout)
    [earlier] = data["earlier_records"]
    assert earlier["contact_id"] == 1
    assert {"create", "log", "update", "delete"} <= {a["action"] for a in earlier["audit"]}
    cli.ok("privacy", "erase", SECRETS["email"], "--yes")
    assert leaks(db_path) == []
    assert b"quuxtag" not in file_bytes(db_path)
    assert cli("privacy", "export", "1").exit_code == 3


def test_erase_finds_their_values_in_other_contacts_and_their_old_addresses(cli, db_path):
    cli.ok("add", SECRETS["name"], "-e", SECRETS["email"], "-e", "zeb.old@hidden-example.org")
    cli.ok("add", "Carl Colleague", "-e", "carl@ex.com", "--company", SECRETS["email"],
           "--note", "her old address ZEB.OLD@hidden-example.org")
    cli.ok("edit", "2", "--set", f"fields.assistant_of={SECRETS['email'].upper()}",
           "--set", f"source=ref {SECRETS['email']}")
    cli.ok("edit", "1", "--email", SECRETS["email"])   # the old address goes
    cli.ok("privacy", "erase", "1", "--yes")
    carl = json.loads(cli.ok("show", "2", "-f", "json").stdout)
    assert (carl["company"], carl["source"], carl["fields"]) == (
        "[erased]", "ref [erased]", {"assistant_of": "[erased]"})
    assert carl["version"] > 1
    assert cli("search", "hidden").stdout == ""   # its search words are gone too
    assert json.loads(cli.ok("search", "carl", "-f", "json").stdout)[0]["id"] == 2
    assert leaks(db_path) == [] and b"zeb.old" not in file_bytes(db_path).lower()


def test_export_lists_other_records_that_mention_them_as_erase_finds_them(cli):
    """What erase replaces with [erased] in others' records, the export shows
    (a subject access request covers it): which record, which field, the
    text. Their own records are not mentions; nor is their name elsewhere."""
    cli.ok("add", SECRETS["name"], "-e", SECRETS["email"], "-e", "zeb.old@hidden-example.org")
    cli.ok("add", "Carl Colleague", "-e", "carl@ex.com", "--company", SECRETS["email"],
           "--note", f"her old address ZEB.OLD@hidden-example.org; {SECRETS['name']}")
    cli.ok("edit", "1", "--email", SECRETS["email"])   # the old address goes
    cli.ok("log", "1", f"wrote from {SECRETS['email']}")   # her own
    data = json.loads(cli.ok("privacy", "export", "1").stdout)
    found = {(m["record"], m["field"], m["text"]) for m in data["mentions"]}
    assert ("contacts", "company", SECRETS["email"]) in found
    assert ("events", "text",
            f"her old address ZEB.OLD@hidden-example.org; {SECRETS['name']}") in found
    assert {m["record"] for m in data["mentions"]} == {"contacts", "events", "audit"}
    assert not any("wrote from" in m["text"] for m in data["mentions"])
    cli.ok("privacy", "erase", "1", "--yes")
    carl = json.loads(cli.ok("show", "2", "-f", "json").stdout)
    assert carl["company"] == "[erased]"


def test_a_mention_in_someone_elses_record_is_the_text_that_quotes_them_not_their_record(cli):
    """An audit entry of someone else, or their custom fields, holds the whole
    of that person (their address, number, company): the export names the
    part that quotes the person asking (by its path), not the rest of it."""
    cli.ok("add", SECRETS["name"], "-e", SECRETS["email"])
    cli.ok("add", "Bob Private", "-e", "bob@elsewhere.example", "-p", "+44 20 7946 0999",
           "--company", "Bobco", "--note", f"referred by {SECRETS['email']}")
    cli.ok("rm", "2", "--yes")
    cli.ok("add", "Carl Colleague", "-e", "carl@elsewhere.example")
    cli.ok("import", "-", input="name,email,referrer,salary\n"
           f"Carl Colleague,carl@elsewhere.example,{SECRETS['email']},200k\n")
    data = json.loads(cli.ok("privacy", "export", "1").stdout)
    found = {(m["record"], m["field"], m["text"]) for m in data["mentions"]}
    assert ("audit", "after.note", f"referred by {SECRETS['email']}") in found
    assert ("contacts", "fields.referrer", SECRETS["email"]) in found
    shown = json.dumps(data["mentions"])
    for theirs in ("bob@elsewhere.example", "7946 0999", "Bobco", "200k"):
        assert theirs not in shown


@pytest.mark.parametrize("file_name", ["Zebulon Quixotewright.vcf", "zeb@hidden-example.org.vcf"])
def test_an_import_named_after_them_keeps_no_name(cli, tmp_path, file_name):
    card = tmp_path / file_name
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Zebulon Quixotewright\n"
                    "EMAIL:zeb@hidden-example.org\nEND:VCARD\n")
    cli.ok("import", str(card))
    cli.ok("privacy", "erase", "zeb@hidden-example.org", "--yes")
    [batch] = json.loads(cli.ok("imports", "list", "-f", "json").stdout)
    assert batch["source"] == "[erased]"
    imports = [a for a in json.loads(cli.ok("audit", "-f", "json").stdout) if a["action"] == "import"]
    assert [a["after"]["source"] for a in imports] == ["[erased]"]


def test_an_import_of_others_keeps_its_name(cli, tmp_path):
    people = tmp_path / "leads.csv"
    people.write_text("name,email\nZeb,zeb@hidden-example.org\nAda,ada@ex.org\n")
    cli.ok("import", str(people))
    cli.ok("privacy", "erase", "zeb@hidden-example.org", "--yes")
    [batch] = json.loads(cli.ok("imports", "list", "-f", "json").stdout)
    assert batch["source"].endswith("leads.csv")


def test_erase_leaves_the_connections_secure_delete_as_it_found_it(store):
    store.conn.execute("PRAGMA secure_delete = ON")
    erase(store, store.contacts.add("Ada", emails=["ada@ex.org"]).id)
    assert store.conn.execute("PRAGMA secure_delete").fetchone() == (1,)


def test_erase_finds_their_number_however_it_was_written(store):
    carl = store.contacts.add("Carl", phones=["+44 20 7946 0000"])
    for text in ("her desk: 020 555 1234", "mobile +31205551234 after six",
                 "NL office +31 (0)20 555-1234", "wrong one: +44 20 555 1234"):
        store.timeline.log(carl.id, "note", text)
    pia = store.contacts.add("Pia", phones=["+31 20 555 1234"])
    erase(store, pia.id)
    notes = sorted(e.text for e in store.timeline.list(carl.id) if e.kind == "note")
    assert notes == ["NL office [erased]", "her desk: [erased]", "mobile [erased] after six",
                     "wrong one: +44 20 555 1234"]


def test_a_shared_import_keeps_its_name_unless_it_has_theirs_as_a_word(cli, tmp_path):
    for n, file_name in enumerate(("customers.csv", "Tom and others.csv")):
        sheet = tmp_path / file_name
        sheet.write_text(f"name,email\nTom,tom@{n}.example\nAda,ada@{n}.example\n")
        cli.ok("import", str(sheet))
    cli.ok("privacy", "erase", "tom@0.example", "--yes")   # the customers.csv Tom
    cli.ok("privacy", "erase", "tom@1.example", "--yes")
    sources = [b["source"] for b in json.loads(cli.ok("imports", "list", "-f", "json").stdout)]
    assert [s.endswith("customers.csv") for s in sources[::-1]] == [True, False]
    assert sources[0] == "[erased]"


def test_redacting_another_contact_gives_it_a_new_version_and_leaves_their_dates(cli):
    cli.ok("--no-rules", "add", "Lars Holm", "-p", "25 03 20 25", "-e", "lars@holm.example")
    cli.ok("--no-rules", "add", "Other", "--company", "LARS@holm.example")
    cli.ok("log", "Other", "Signed on 25.03.2025; Lars: 25 03 20 25, or +45 25032025")
    cli.ok("edit", "Other", "--set", "fields.renewal=25.03.2025")
    before = json.loads(cli.ok("show", "Other", "-f", "json").stdout)["version"]
    cli.ok("privacy", "erase", "Lars Holm", "--yes")
    other = json.loads(cli.ok("show", "Other", "-f", "json").stdout)
    assert (other["company"], other["fields"]) == ("[erased]", {"renewal": "25.03.2025"})
    assert other["version"] == before + 1
    notes = [e["text"] for e in json.loads(cli.ok("timeline", "Other", "-f", "json").stdout)
             if e["kind"] == "note"]
    assert notes == ["Signed on 25.03.2025; Lars: [erased], or [erased]"]


def test_erase_finds_a_capitalised_address_beyond_ascii_and_a_number_in_pairs(store):
    carl = store.contacts.add("Carl")
    store.timeline.log(carl.id, "note", "Introduced by Élodie@Exemple.fr; Pia: 020 555 12 34")
    erase(store, store.contacts.add("Élodie", emails=["élodie@exemple.fr"]).id)
    erase(store, store.contacts.add("Pia", phones=["+31 20 555 1234"]).id)
    [note] = [e.text for e in store.timeline.list(carl.id) if e.kind == "note"]
    assert note == "Introduced by [erased]; Pia: [erased]"


def test_a_deleted_contact_the_address_moved_on_from_keeps_its_history(cli):
    cli.ok("--no-rules", "add", "Front Desk", "-e", "info@acme.example")
    cli.ok("edit", "Front Desk", "-e", "desk@acme.example")
    cli.ok("--no-rules", "add", "Pat Lee", "-e", "info@acme.example")
    cli.ok("rm", "Front Desk", "--yes")
    before = [a["id"] for a in json.loads(cli.ok("audit", "1", "-f", "json").stdout)]
    cli.ok("privacy", "erase", "Pat Lee", "--yes")
    assert [a["id"] for a in json.loads(cli.ok("audit", "1", "-f", "json").stdout)] == before


def test_a_number_written_like_a_date_is_erased_and_a_real_date_kept(store):
    other = store.contacts.add("Other Person")
    store.timeline.log(other.id, "note", "Erin: 555-12-34, 555.12.34, 2079/46/0958;"
                                         " met 12-03-2024 and 2024-03-12")
    with store.write() as conn:   # a hand edit's BLOB doesn't stop an erase
        conn.execute("INSERT INTO events (contact_id, kind, text, at, author, created_at)"
                     " VALUES (?, 'note', x'616263', '2026-01-01T00:00:00Z', 'x',"
                     " '2026-01-01T00:00:00Z')", [other.id])
    erin = store.contacts.add("Erin Erase", phones=["555-12-34", "+44 20 7946 0958"])
    erase(store, erin.id)
    texts = [e.text for e in store.timeline.list(other.id) if e.kind == "note"]
    assert "Erin: [erased], [erased], [erased]; met 12-03-2024 and 2024-03-12" in texts


def test_a_name_in_a_file_name_is_a_word_between_any_non_letters(cli, tmp_path):
    sheet = tmp_path / "tom_leads.csv"
    sheet.write_text("name,email\nTom,tom@ex.org\nAda,ada@ex.org\n")
    cli.ok("import", str(sheet))
    cli.ok("privacy", "erase", "tom@ex.org", "--yes")
    assert json.loads(cli.ok("imports", "list", "-f", "json").stdout)[0]["source"] == "[erased]"


def test_their_number_is_erased_however_like_a_date_and_a_blob_too(store):
    other = store.contacts.add("Other Person")
    store.timeline.log(other.id, "note", "Erin: 31.02.2025, or 12.03.2024; met 12.03.2023")
    with store.write() as conn:
        conn.execute("INSERT INTO events (contact_id, kind, text, at, author, created_at)"
                     " VALUES (?, 'note', CAST('mail erin@ex.org' AS BLOB),"
                     " '2026-01-01T00:00:00Z', 'x', '2026-01-01T00:00:00Z')", [other.id])
    erin = store.contacts.add("Erin", emails=["erin@ex.org"],
                              phones=["3102 2025", "12.03.2024"])
    erase(store, erin.id)
    texts = sorted(str(e.text) for e in store.timeline.list(other.id) if e.kind == "note")
    assert texts == ["Erin: [erased], or [erased]; met 12.03.2023", "mail [erased]"]


def test_the_export_names_the_import_that_brought_a_duplicate_since_merged_into_them(cli, tmp_path):
    """The duplicate's row, which named its import, went with the merge."""
    cli.ok("add", SECRETS["name"], "-e", SECRETS["email"])
    people = tmp_path / "fair-leads.csv"
    people.write_text("name,email\nZeb Q.,zeb.q@hidden-example.org\n")
    cli.ok("import", str(people))
    cli.ok("merge", "1", "2", "--yes")
    imports = json.loads(cli.ok("privacy", "export", "1").stdout)["imports"]
    assert [(i["batch_id"], i["action"], i["source"], i["contact_id"]) for i in imports] == [
        (1, "created", str(people), 2)]


def test_the_export_names_the_import_that_created_them_once(cli, tmp_path):
    people = tmp_path / "fair-leads.csv"
    people.write_text("name,email\nZeb Q.,zeb.q@hidden-example.org\n")
    cli.ok("import", str(people))
    imports = json.loads(cli.ok("privacy", "export", "1").stdout)["imports"]
    assert [(i["batch_id"], i["action"], i["source"], i["contact_id"]) for i in imports] == [
        (1, "created", str(people), 1)]


def test_an_address_two_deleted_contacts_had_names_the_later(cli):
    cli.ok("add", "First Holder", "-e", "desk@ex.org")
    cli.ok("rm", "1", "--yes")
    cli.ok("add", "Second Holder", "-e", "desk@ex.org")
    cli.ok("rm", "2", "--yes")
    contact = json.loads(cli.ok("privacy", "export", "desk@ex.org").stdout)["contact"]
    assert (contact["id"], contact["name"], contact["deleted"]) == (2, "Second Holder", True)


def test_a_deleted_contacts_id_is_ascii_digits_only(cli):
    cli.ok("add", "Gone Gert", "-e", "gert@ex.org")
    cli.ok("rm", "1", "--yes")
    assert json.loads(cli.ok("privacy", "export", "1").stdout)["contact"]["id"] == 1
    assert cli("privacy", "export", "\u0661").exit_code == 3   # ARABIC-INDIC DIGIT ONE


def test_an_earlier_deleted_record_with_their_uid_is_theirs(cli, tmp_path):
    """A card's UID names the person as an address does (no address here)."""
    card = tmp_path / "quentin.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Quentin Q\r\nUID:card-uid-77\r\n"
                    "END:VCARD\r\n")
    cli.ok("import", str(card))
    cli.ok("rm", "1", "--yes")
    cli.ok("import", str(card))
    data = json.loads(cli.ok("privacy", "export", "2").stdout)
    assert [e["contact_id"] for e in data["earlier_records"]] == [1]
    cli.ok("privacy", "erase", "2", "--yes")
    assert cli("privacy", "export", "1").exit_code == 3   # its history went with them


def test_a_kill_while_erase_looks_through_others_records_stops_it_as_a_kill(store, person):
    """`kill` (or Ctrl-C) lands in whatever Python code runs: while erase
    looks through thousands of rows for their values, that is the SQL
    function it gives SQLite, and sqlite3 turned it into "database error:
    user-defined function raised exception", exit 1. It stops the command
    as a kill anywhere else does (143), with nothing erased."""
    import signal
    import threading

    from tinycrm.store.stopping import unwind_on

    with store.write() as conn:
        conn.executemany("INSERT INTO audit (at, actor, action, entity, entity_id, contact_id,"
                         " after) VALUES ('2026-11-23T09:00:00Z', 'alice', 'update', 'contact',"
                         " 1, 1, ?)", [[json.dumps({"note": f"note {i} " * 20})]
                                       for i in range(20_000)])
    looking, sent = threading.Event(), threading.Event()
    main = threading.main_thread().ident

    def kill_when_looking() -> None:
        looking.wait()
        signal.pthread_kill(main, signal.SIGTERM)
        sent.set()

    store.conn.set_trace_callback(
        lambda sql: looking.set() if "tinycrm_may_hold" in sql else None)
    killer = threading.Thread(target=kill_when_looking, daemon=True)
    before = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    unwind_on(signal.SIGTERM)
    try:
        killer.start()
        with pytest.raises(SystemExit) as stopped:
            erase(store, person)
            sent.wait()  # (had the kill come only once erase was done)
    finally:
        signal.signal(signal.SIGTERM, before)
        store.conn.set_trace_callback(None)
    assert stopped.value.code == 128 + signal.SIGTERM
    assert store.contacts.get(person).name == SECRETS["name"]


def test_an_import_that_only_added_a_note_to_them_is_theirs(cli, tmp_path):
    """A card imported again with a note and nothing else new: that import
    merged into them (their timeline says so) but kept no import record, so
    the export left it out and erase kept its file name, which is theirs."""
    card = tmp_path / "Zebulon Quixotewright.vcf"
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{SECRETS['name']}", f"EMAIL:{SECRETS['email']}"]
    card.write_text("\n".join([*lines, "END:VCARD", ""]))
    cli.ok("import", str(card))
    card.write_text("\n".join([*lines, f"NOTE:{SECRETS['note']}", "END:VCARD", ""]))
    cli.ok("import", str(card))
    imports = json.loads(cli.ok("privacy", "export", SECRETS["email"]).stdout)["imports"]
    assert [(i["batch_id"], i["action"], i["source"], i["contact_id"]) for i in imports] == [
        (1, "created", str(card), 1), (2, "merged", str(card), 1)]
    cli.ok("privacy", "erase", SECRETS["email"], "--yes")
    assert [b["source"] for b in json.loads(cli.ok("imports", "list", "-f", "json").stdout)] == [
        "[erased]", "[erased]"]
