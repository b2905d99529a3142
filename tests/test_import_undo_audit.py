"""Acceptance audit of import batches, undo, --on-duplicate skip and dupes:
sequences a user runs, through the CLI where it matters."""

from __future__ import annotations

import io
import json

import pytest

from tinycrm.store import importer
from tinycrm.store.dupes import find_duplicates
from tinycrm.store.import_undo import undo_batch
from tinycrm.store.importer import ImportOptions, import_contacts

A = "Name,Email,Phone,Company,Title,Tags\nAda Lovelace,ada@ex.org,+1 555 010 2030,,CEO,vip\n" \
    "Grace Hopper,grace@ex.org,,Navy,,\n"
B = "Name,Email,Phone,Company,Tags,Stage\nA. Lovelace,ADA@EX.ORG,+44 20 7946 0001,Engines," \
    "investor,customer\nAlan Turing,alan@ex.org,,,,\n"


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def people(cli) -> dict[int, dict]:
    return {c["id"]: c for c in json.loads(cli.ok("list", "-f", "json").stdout)}


def run(store, text: str, **options):
    return import_contacts(store, io.BytesIO(text.encode()), name="in.csv",
                           options=ImportOptions(**options))


def test_undoing_the_later_batch_then_the_earlier_needs_no_force(cli, tmp_path):
    cli.ok("import", write(tmp_path, "a.csv", A))
    cli.ok("import", write(tmp_path, "b.csv", B))  # merges into Ada, whom batch 1 created
    assert cli("imports", "undo", "1", "--yes").exit_code == 4  # batch 2's merge is still there
    cli.ok("imports", "undo", "2", "--yes")
    undo = cli("imports", "undo", "1", "--yes")
    assert undo.exit_code == 0, undo.stderr
    assert people(cli) == {}


def test_undo_refuses_to_drop_a_follow_up_or_note_added_to_a_created_contact(cli, tmp_path):
    path = write(tmp_path, "a.csv", A)
    cli.ok("import", path)
    cli.ok("follow-up", "add", "grace@ex.org", "-d", "tomorrow", "-m", "send the demo")
    refused = cli("imports", "undo", "1", "--yes")
    assert refused.exit_code == 4
    assert "were changed since the import: Grace Hopper (2). Undo with --force" in refused.stderr
    assert len(people(cli)) == 2
    cli.ok("log", "ada@ex.org", "called, wants a demo")
    refused = cli("imports", "undo", "1", "--yes")
    assert refused.exit_code == 4 and ": Ada Lovelace (1); Grace Hopper (2)." in refused.stderr
    cli.ok("imports", "undo", "1", "--force", "--yes")
    assert people(cli) == {}


def test_undo_refuses_when_a_contact_it_created_was_merged_into_another(cli, tmp_path):
    cli.ok("add", "Grace Hopper", "-e", "gh@navy.mil")
    cli.ok("import", write(tmp_path, "a.csv", A))  # creates Ada (2) and Grace (3)
    cli.ok("merge", "1", "3", "--yes")
    rules = {f["id"]: f["rule"]
             for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)}
    assert sorted(rules.values()) == ["new-lead", "new-lead", "new-lead"]  # 1's, Ada's, 3's
    refused = cli("imports", "undo", "1", "--yes")
    assert refused.exit_code == 4 and ": 3, merged into Grace Hopper (1)." in refused.stderr
    assert "what a contact brought to the one it was merged into stays there" in refused.stderr
    cli.ok("imports", "undo", "1", "--force", "--yes")
    assert [c["emails"] for c in people(cli).values()] == [["gh@navy.mil", "grace@ex.org"]]
    # The new-lead follow-up the imported Grace brought with her was cancelled by
    # the merge (one open per rule) and stays as that; Grace's own stays open.
    left = json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
    assert [(f["id"], f["contact_id"], f["status"]) for f in left] == [
        (1, 1, "open"), (3, 1, "cancelled")]


def test_forced_undo_keeps_a_created_contact_another_was_merged_into(cli, tmp_path):
    cli.ok("add", "Grace Hopper", "-e", "gh@navy.mil")
    cli.ok("log", "1", "met at the conference")
    cli.ok("import", write(tmp_path, "a.csv", A))
    cli.ok("merge", "3", "1", "--yes")  # the imported Grace is kept: the typed one is in her now
    assert cli("imports", "undo", "1", "--yes").exit_code == 4
    undo = cli("imports", "undo", "1", "--force", "--yes")
    assert "removed 1 contact" in undo.stderr and "already gone" not in undo.stderr
    assert "kept 3: other contacts or a later import merged into it" in undo.stderr
    left = people(cli)
    assert list(left) == [3] and "gh@navy.mil" in left[3]["emails"]
    notes = [e["text"] for e in json.loads(cli.ok("timeline", "3", "-f", "json").stdout)]
    assert "met at the conference" in notes


def test_undo_keeps_the_last_contact_time_a_call_logged_since_set(cli, tmp_path):
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org")
    cli.ok("import", write(tmp_path, "b.csv", B))
    cli.ok("log", "1", "-k", "call", "long call")
    contacted = people(cli)[1]["last_contacted_at"]
    assert contacted is not None
    cli.ok("imports", "undo", "1", "--yes")  # a logged call is no edit: no --force needed
    ada = people(cli)[1]
    assert (ada["company"], ada["stage"], ada["phones"]) == (None, "lead", [])
    assert ada["last_contacted_at"] == contacted


def test_forced_undo_takes_back_what_the_batch_added_and_keeps_the_rest(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], tags=["vip"])
    summary = run(store, "Name,Email,Email 2,Tags\nAda,ada@ex.org,ada@work.example,investor\n")
    store.contacts.edit(ada.id, {"tags": ["vip", "investor", "hot"],
                                 "emails": ["ada@ex.org", "ada@work.example", "ada@home.example"]})
    undo_batch(store, summary.batch_id, force=True)
    after = store.contacts.get(ada.id)
    assert after.tags == ("hot", "vip")
    assert after.emails == ("ada@ex.org", "ada@home.example")


def test_forced_undo_keeps_values_set_since_by_hand_or_by_a_later_import(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    first = run(store, "Name,Email,Title,Company,Plan,Team\nAda,ada@ex.org,CTO,Engines,pro,core\n")
    store.contacts.edit(ada.id, {"title": "CEO", "fields": {"Plan": "max", "Team": "core"}})
    later = run(store, "Name,Email,Company\nAda,ada@ex.org,Difference Engines\n",
                on_duplicate="update")
    undo_batch(store, first.batch_id, force=True)
    after = store.contacts.get(ada.id)
    # Changed since: kept. Still what the batch set: taken back.
    assert (after.title, after.company) == ("CEO", "Difference Engines")
    assert after.fields == {"Plan": "max"}
    assert later.merged + later.updated == 1


def test_a_hand_edit_that_ends_where_it_began_is_an_edit_undo_names(cli, tmp_path):
    """A tag taken off and put back, a title changed and changed back: undo
    refused nothing and took them away (they match what the batch set); now
    it refuses, and --force keeps them while taking back the rest."""
    cli.ok("add", "Xe Ray", "-e", "xe@r.example")
    cli.ok("import", write(tmp_path, "w.csv", "Name,Email,Tags,Phone,Title\n"
                                              "Xe Ray,xe@r.example,investors,+1 415 555 6161,CTO\n"))
    cli.ok("untag", "1", "investors")
    cli.ok("tag", "1", "investors")
    cli.ok("edit", "1", "--title", "CEO")
    cli.ok("edit", "1", "--title", "CTO")
    refused = cli("imports", "undo", "1", "--yes")
    assert refused.exit_code == 4 and "Xe Ray (1)" in refused.stderr
    cli.ok("imports", "undo", "1", "--force", "--yes")
    xe = people(cli)[1]
    assert (xe["tags"], xe["title"], xe["phones"]) == (["investors"], "CTO", [])


def test_an_undone_later_batch_is_no_edit_even_when_undone_before_its_start_was_kept(
        cli, tmp_path, db_path):
    """A later batch and its undo cancel out. Undos from before m043 don't
    say where their entries begin: their own time tells."""
    import sqlite3

    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org")
    cli.ok("import", write(tmp_path, "a.csv", "Name,Email,Title\nAda,ada@ex.org,CTO\n"))
    cli.ok("import", "--on-duplicate", "update",
           write(tmp_path, "b.csv", "Name,Email,Title\nAda,ada@ex.org,CEO\n"))
    cli.ok("imports", "undo", "2", "--yes")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE import_batches SET undo_audit_start = NULL")
    conn.close()
    undo = cli("imports", "undo", "1", "--yes")
    assert undo.exit_code == 0, undo.stderr
    assert people(cli)[1]["title"] is None


def test_undo_takes_away_the_rule_follow_ups_a_merge_brought(cli, tmp_path):
    cli.ok("add", "Old Friend", "-e", "of@ex.org")

    def followups() -> list[str]:
        return sorted(f["note"] for f in json.loads(
            cli.ok("follow-up", "list", "--all", "-f", "json").stdout))

    def timeline() -> list[str]:
        return [e["text"] for e in json.loads(cli.ok("timeline", "1", "-f", "json").stdout)]

    before = (followups(), timeline())
    cli.ok("import", write(tmp_path, "c.csv", "Name,Email,Tags\nOld Friend,of@ex.org,complaint\n"))
    assert len(followups()) == len(before[0]) + 1  # the complaint rule's
    cli.ok("imports", "undo", "1", "--yes")
    assert followups() == before[0]
    assert sorted(timeline()) == sorted(["import batch 1 undone", *before[1]])
    audit = json.loads(cli.ok("audit", "1", "-f", "json").stdout)
    assert any(a["action"] == "delete" and a["entity"] == "followup" for a in audit)


def test_undo_leaves_rule_follow_ups_it_did_not_bring_or_that_were_snoozed_since(cli, tmp_path):
    cli.ok("add", "Old Friend", "-e", "of@ex.org")
    cli.ok("add", "New Friend", "-e", "nf@ex.org")
    cli.ok("tag", "1", "complaint")  # by hand, in the second the import runs (a frozen clock)

    def open_ones(ref: str) -> list[tuple]:  # (the same follow-up, not one made again)
        return sorted((f["id"], f["due_at"]) for f in json.loads(
            cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
            if str(f["contact_id"]) == ref and f["status"] == "open")

    hand = open_ones("1")
    cli.ok("import", write(tmp_path, "c.csv", "Name,Email,Company,Tags\n"
                           "Old Friend,of@ex.org,Acme,\nNew Friend,nf@ex.org,,complaint\n"))
    brought = [f for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
               if f["contact_id"] == 2 and "omplaint" in f["note"]]
    assert len(brought) == 1
    cli.ok("follow-up", "snooze", str(brought[0]["id"]), "--until", "2026-12-01")
    cli.ok("imports", "undo", "1", "--yes")
    assert open_ones("1") == hand  # the tag typed by hand brought it: it stays
    assert [f for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
            if f["id"] == brought[0]["id"]], "snoozed since: someone's to do now"


def test_undoing_batches_out_of_order_ends_where_it_began(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    first = run(store, "Name,Email,Title,Cadence Days,Tags,Plan\n"
                       "Ada,ada@ex.org,CTO,30,investor,pro\n")
    later = run(store, "Name,Email,Title,Cadence Days,Tags,Plan\n"
                       "Ada,ada@ex.org,CEO,14,investor; board,max\n", on_duplicate="update")
    undo_batch(store, first.batch_id, force=True)
    after = store.contacts.get(ada.id)  # the later batch's values are its own
    assert (after.title, after.cadence_days, after.fields) == ("CEO", 14, {"Plan": "max"})
    assert after.tags == ("board",)  # investor was the first batch's; the later one found it
    # (--force: the first undo took a tag away since; nothing this undo puts back)
    undo_batch(store, later.batch_id, force=True)
    after = store.contacts.get(ada.id)  # not the undone first batch's values again
    assert (after.title, after.cadence_days, after.fields, after.tags) == (None, None, {}, ())


def test_forced_undo_keeps_what_a_later_batch_set_again_after_a_hand_edit(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    first = run(store, "Name,Email,Title,Plan\nAda,ada@ex.org,CTO,pro\n")
    store.contacts.edit(ada.id, {"title": "CEO", "fields": {"Plan": "max"}})
    later = run(store, "Name,Email,Title,Plan\nAda,ada@ex.org,CTO,pro\n", on_duplicate="update")
    undo_batch(store, first.batch_id, force=True)
    after = store.contacts.get(ada.id)
    assert (after.title, after.fields) == ("CTO", {"Plan": "pro"})  # the later batch's
    undo_batch(store, later.batch_id)
    after = store.contacts.get(ada.id)
    assert (after.title, after.fields) == ("CEO", {"Plan": "max"})  # the hand edit's


def test_forced_undo_keeps_a_created_contact_a_later_import_merged_into(cli, tmp_path):
    cli.ok("import", write(tmp_path, "a.csv", "Name,Email\nHannah Weber,hannah@ex.org\n"
                                              "Ivo Brandt,ivo@ex.org\n"))
    cli.ok("import", write(tmp_path, "b.csv", "Name,Email,Phone,Tags\n"
                                              "Hannah Weber,hannah@ex.org,+49 30 1234567,outlook\n"))
    assert cli("imports", "undo", "1", "--yes").exit_code == 4  # batch 2 merged into Hannah since
    undo = cli("imports", "undo", "1", "--force", "--yes")
    assert "removed 1 contact" in undo.stderr and "kept 1: " in undo.stderr, undo.stderr
    (hannah,) = people(cli).values()  # Ivo went with batch 1; Hannah holds batch 2's too
    assert (hannah["name"], hannah["phones"], hannah["tags"]) == (
        "Hannah Weber", ["+49 30 1234567"], ["outlook"])
    # Batch 2 owns her now: its undo takes her away, as undoing 2 then 1 would.
    undo = cli("imports", "undo", "2", "--yes")
    assert undo.exit_code == 0 and "removed 1 contact" in undo.stderr, undo.stderr
    assert people(cli) == {}


def test_a_contact_two_later_imports_merged_into_goes_with_the_last_of_their_undos(cli, tmp_path):
    cli.ok("import", write(tmp_path, "a.csv", "Name,Email\nAda,ada@ex.org\n"))
    cli.ok("import", write(tmp_path, "b.csv", "Name,Email,Title\nAda,ada@ex.org,CEO\n"))
    cli.ok("import", write(tmp_path, "c.csv", "Name,Email,Company\nAda,ada@ex.org,Engines\n"))
    cli.ok("imports", "undo", "1", "--force", "--yes")
    cli.ok("imports", "undo", "2", "--force", "--yes")
    (ada,) = people(cli).values()
    assert (ada["title"], ada["company"]) == (None, "Engines")  # batch 3's stays
    assert cli("imports", "undo", "3", "--yes").exit_code == 4  # undo 2 took her title away since
    cli.ok("imports", "undo", "3", "--force", "--yes")
    assert people(cli) == {}


CHAIN = ("Name,Email,Phone\nPat Doe,a@ex.org,\nPat Doe,a@ex.org; b@ex.org,\n"
         "Pat Doe,b@ex.org,+1 555 123 4567\nPat Doe,,555-123-4567\n")


def test_skip_keeps_a_chain_of_rows_of_one_person_one_contact(store):
    dry = run(store, CHAIN, on_duplicate="skip", dry_run=True)
    summary = run(store, CHAIN, on_duplicate="skip")
    for s in (dry, summary):
        assert (s.created, s.skipped) == (1, 3)
    (pat,) = store.contacts.list()
    assert pat.emails == ("a@ex.org",)


def test_skip_sends_a_row_that_matches_a_skipped_one_to_the_same_contact(store):
    store.contacts.add("Grace Hopper", emails=["grace@ex.org"])
    text = ("Name,Email,Phone\nGrace Hopper,grace@ex.org; gh@navy.mil,555 777 8888\n"
            "Grace H,gh@navy.mil,\nGrace,,+1 555 777 8888\n")
    dry = run(store, text, on_duplicate="skip", dry_run=True)
    summary = run(store, text, on_duplicate="skip")
    for s in (dry, summary):
        assert (s.created, s.skipped) == (0, 3)
    assert [c.name for c in store.contacts.list()] == ["Grace Hopper"]


@pytest.mark.parametrize("dry_run", [False, True])
def test_skip_remembers_what_skipped_rows_brought_in_later_chunks(store, monkeypatch, dry_run):
    monkeypatch.setattr(importer, "CHUNK", 2)  # each row below its own chunk, or nearly
    store.contacts.add("Grace Hopper", emails=["grace@ex.org"])
    text = ("Name,Email,Phone\nGrace Hopper,grace@ex.org; gh@navy.mil,555 777 8888\n"
            "Ada Lovelace,ada@ex.org,\nGrace H,gh@navy.mil,\nAlan Turing,alan@ex.org,\n"
            "Grace,,+1 555 777 8888\n")
    summary = run(store, text, on_duplicate="skip", dry_run=dry_run)
    assert (summary.created, summary.skipped) == (2, 3)
    if not dry_run:
        assert sorted(c.name for c in store.contacts.list()) == [
            "Ada Lovelace", "Alan Turing", "Grace Hopper"]


def test_dupes_finds_swapped_and_punctuated_names_at_one_company(store):
    c = store.contacts
    john = c.add("John Smith", company="Umbrella")
    swapped = c.add("Smith John", company="Umbrella Corp")
    comma = c.add("Smith, John", company="umbrella")
    doctor = c.add("Dr. John Smith", company="Umbrella")
    bob = c.add("Bob Smith", company="Acme Inc")
    robert = c.add("Robert Smith", company="Acme, Inc.")
    pairs = {(p.keep_id, p.other_id): p.score for p in find_duplicates(store)}
    assert pairs[(john.id, swapped.id)] == pairs[(john.id, comma.id)] == 100.0
    assert pairs[(swapped.id, comma.id)] == 100.0
    assert 85 <= pairs[(john.id, doctor.id)] < 100
    assert (bob.id, robert.id) not in pairs
    low = find_duplicates(store, threshold=70)
    assert [(p.keep_id, p.other_id) for p in low][-1] == (bob.id, robert.id)
    assert [p.score for p in low] == sorted((p.score for p in low), reverse=True)


def test_undo_says_how_many_contacts_were_already_gone(cli, tmp_path):
    cli.ok("import", write(tmp_path, "a.csv", A))
    cli.ok("rm", "1", "--yes")
    undo = cli("imports", "undo", "1", "--yes")
    assert undo.exit_code == 0, undo.stderr
    assert "removed 1 contact, restored 0 (1 was already gone)" in undo.stderr


def test_undo_refuses_when_a_contact_it_merged_into_was_merged_away_by_hand(cli, tmp_path):
    """What the batch set went with the merge: a plain undo can't take it
    back, so it says so instead of succeeding with nothing undone."""
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org")
    cli.ok("add", "Ada Lovelace", "-e", "ada.work@ex.org", "--company", "Acme")
    path = tmp_path / "a.csv"
    path.write_text("Name,Email,Title,Tags\nAda Lovelace,ada@ex.org,CTO,vip\n")
    cli.ok("import", str(path))
    cli.ok("merge", "2", "1", "--yes")
    refused = cli("imports", "undo", "1", "--yes")
    assert refused.exit_code == 4
    assert "1, merged into Ada Lovelace (2)" in refused.stderr
    [batch] = json.loads(cli.ok("imports", "list", "-f", "json").stdout)
    assert batch["undone_at"] is None


def test_a_forced_undo_leaves_a_kept_batch_contacts_own_follow_up(cli, tmp_path):
    cli.ok("add", "Hank Hill", "-e", "hank@ex.org")                 # 1, and follow-up 1
    cli.ok("import", write(tmp_path, "a.csv", A))                   # Ada 2, Grace 3: 2 and 3
    cli.ok("merge", "3", "1", "--yes")   # Grace takes Hank in: she stays after an undo
    cli.ok("merge", "3", "2", "--yes")   # and Ada
    cli.ok("imports", "undo", "1", "--force", "--yes")
    left = json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
    assert {f["contact_id"] for f in left} == {3}
    assert 3 in {f["id"] for f in left}, "Grace's own new-lead follow-up stays with her"
