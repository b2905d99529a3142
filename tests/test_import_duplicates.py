"""Matching and --on-duplicate: merge (default), update, skip, create; by
email (any case), then normalised phone, then within the file itself."""

import io
import json

import pytest

from tinycrm.store import importer
from tinycrm.store.importer import ImportOptions, ImportRejected, import_contacts


def run(store, text: str, **options):
    rejects, plan = [], []
    summary = import_contacts(
        store, io.BytesIO(text.encode()), name="in.csv", options=ImportOptions(**options),
        on_reject=rejects.append, on_plan=plan.append if options.get("dry_run") else None,
    )
    return summary, rejects, plan


def counts(summary) -> dict:
    return {k: v for k, v in summary.to_dict().items()
            if k in ("created", "merged", "updated", "unchanged", "skipped", "rejected") and v}


@pytest.fixture
def ada(store):
    return store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], phones=["+1 (555) 010-2030"],
                              title="CEO", tags=["vip"], stage="customer")


def test_merge_fills_empty_fields_and_unions_lists_never_overwrites(store, ada):
    summary, rejects, _ = run(store, "Name,Email,Email 2,Phone,Company,Title,Tags,Plan\n"
                                     "A. Lovelace,ADA@EX.ORG,ada@work.example,+44 20 7946 0001,"
                                     "Engines,Engineer,investor,pro\n")
    assert counts(summary) == {"merged": 1} and rejects == []
    after = store.contacts.get(ada.id)
    assert after.name == "Ada Lovelace" and after.title == "CEO"  # typed values stay
    assert after.company == "Engines"  # the empty one is filled
    assert after.emails == ("ada@ex.org", "ada@work.example")
    assert after.phones == ("+1 (555) 010-2030", "+44 20 7946 0001")
    assert after.tags == ("investor", "vip") and after.fields == {"Plan": "pro"}
    assert after.stage == "customer" and after.version == ada.version + 1
    events = store.timeline.list(ada.id)
    assert events[0].kind == "import" and "merged from in.csv" in events[0].text
    audit = store.audit.list(ada.id)
    assert audit[0].action == "update" and audit[0].before["company"] is None


def test_a_name_that_stands_in_for_one_is_filled_by_a_merge(store):
    summary, _, _ = run(store, "Email,Phone\nnoname@ex.org,\n,+1 555 300 4000\n")
    assert counts(summary) == {"created": 2}
    assert sorted(c.name for c in store.contacts.list()) == ["+1 555 300 4000", "noname@ex.org"]
    summary, _, _ = run(store, "First Name,Last Name,Email,Phone\n"
                               "Real,Person,NONAME@ex.org,\nPhone,Person,,555 300 4000\n"
                               ",,noname@ex.org,\n")  # no name again: nothing to fill
    assert counts(summary) == {"merged": 2, "unchanged": 1}
    people = {c.name: c for c in store.contacts.list()}
    assert sorted(people) == ["Phone Person", "Real Person"]
    assert (people["Real Person"].first_name, people["Real Person"].last_name) == ("Real", "Person")


def test_a_typed_name_is_never_replaced_by_a_merge(store, ada):
    summary, _, _ = run(store, "Name,Email\nAda,ada@ex.org\nA. Lovelace,ADA@ex.org\n")
    assert counts(summary) == {"unchanged": 2}
    assert store.contacts.get(ada.id).name == "Ada Lovelace"


def test_match_by_normalised_phone(store, ada):
    summary, _, _ = run(store, "Name,Phone,Email\nAda L,555 010 2030,ada.l@ex.org\n")
    assert counts(summary) == {"merged": 1}
    assert store.contacts.get(ada.id).emails == ("ada@ex.org", "ada.l@ex.org")
    assert store.contacts.count() == 1


def test_a_number_matches_a_name_spelled_without_its_letters_that_dont_decompose(store):
    """Ł and ø have no accent to drop (Unicode doesn't decompose them): the
    names were taken as different, so the rows made duplicates, and dupes
    called the pair "same phone, different names"."""
    from tinycrm.store.dupes import find_duplicates

    store.contacts.add("Łukasz Żółć", phones=["+48 600 100 200"])
    store.contacts.add("Søren Kierkegaard", phones=["+45 20 12 34 56 7"])
    summary, _, _ = run(store, "Name,Phone,Email\nLukasz Zolc,600 100 200,lz@ex.org\n"
                               "Soren Kierkegaard,201234567,sk@ex.org\n")
    assert counts(summary) == {"merged": 2}
    assert store.contacts.count() == 2
    store.contacts.add("Lukasz Zolc", phones=["+48 600 100 200"])
    [pair] = find_duplicates(store)
    assert {pair.keep_name, pair.other_name} == {"Łukasz Żółć", "Lukasz Zolc"}
    assert not any("different names" in reason for reason in pair.reasons), pair.reasons


def test_a_shared_number_alone_does_not_merge_people_whose_names_differ(store, ada):
    summary, _, _ = run(store, "Name,Phone,Email\n"
                               "Ann Two,555 010 2030,ann@ex.org\n"      # Ada's switchboard
                               "Tom One,555 010 2030,\n"                 # no address at all
                               "A. Lovelace,+1 555 010 2030,\n"          # Ada, by her initial
                               ",555 010 2030,\n")                       # a number and nothing else
    assert counts(summary) == {"created": 2, "unchanged": 2}
    assert sorted(c.name for c in store.contacts.list()) == ["Ada Lovelace", "Ann Two", "Tom One"]
    assert store.contacts.get(ada.id).emails == ("ada@ex.org",)


def test_two_people_sharing_a_number_survive_a_round_trip(tmp_path):
    from tinycrm.store import Store
    from tinycrm.store.exporter import export

    with Store(tmp_path / "a.db", user="alice") as first:
        first.contacts.add("Tom One", emails=["tom@acme.example"], phones=["+1 212 555 0100"])
        first.contacts.add("Ann Two", emails=["ann@acme.example"], phones=["+1 212 555 0100"])
        out = io.StringIO()
        export(first, out, "csv")
    with Store(tmp_path / "b.db", user="alice") as second:
        summary, _, _ = run(second, out.getvalue())
        assert counts(summary) == {"created": 2}
        assert [(c.name, c.emails) for c in second.contacts.list(order_by="name")] == [
            ("Ann Two", ("ann@acme.example",)), ("Tom One", ("tom@acme.example",))]


def test_names_agree():
    from tinycrm.store.dupes import names_agree

    assert names_agree("Ada L", "Ada Lovelace") and names_agree("ADA LOVELACE", "Ada Lovelace")
    assert names_agree("Zoë Ø", "zoe ø") and names_agree("Lovelace", "Ada Lovelace")
    assert not names_agree("Ann Two", "Tom One") and not names_agree("Bob Smith", "Robert Smith")
    # As many words each: the initial may be in either, and in either order.
    for a, b in (("Zora Kalvin", "Z. Kalvin"), ("Zora K.", "Z. Kalvin"), ("A Lovelace", "Ada L")):
        assert names_agree(a, b) and names_agree(b, a)
    assert not names_agree("Zora Kalvin", "Y. Kalvin") and not names_agree("Ada Lovelace", "Ada B")
    assert not names_agree("Person 1", "Person 10") and not names_agree("Person 10", "Person 1")
    assert names_agree("Unit 7", "Unit 7 Ltd")
    # Whichever comes first: a word repeated doesn't stand for another.
    assert not names_agree("Ada Ada", "Ada Lovelace") and not names_agree("Ada Lovelace", "Ada Ada")


def test_update_replaces_values_but_never_drops_emails(store, ada):
    summary, _, _ = run(store, "Name,Email,Title,Stage,Company\n"
                               "Ada Lovelace King,ada@ex.org,Countess,qualified,\n",
                        on_duplicate="update")
    assert counts(summary) == {"updated": 1}
    after = store.contacts.get(ada.id)
    assert (after.name, after.title, after.stage) == ("Ada Lovelace King", "Countess", "qualified")
    assert after.emails == ("ada@ex.org",) and after.phones == ada.phones and after.tags == ("vip",)
    assert after.company is None  # an empty cell never erases


def test_skip_leaves_matches_alone(store, ada):
    summary, _, _ = run(store, "Name,Email,Company\nAda,ada@ex.org,Engines\nAlan,alan@ex.org,\n",
                        on_duplicate="skip")
    assert counts(summary) == {"created": 1, "skipped": 1}
    assert store.contacts.get(ada.id).company is None


def test_create_makes_a_new_contact_but_emails_stay_unique(store, ada):
    summary, rejects, _ = run(store, "Name,Email,Phone\nAda Twin,,555 010 2030\n"
                                     "Ada Again,ada@ex.org,\n", on_duplicate="create")
    assert counts(summary) == {"created": 1, "rejected": 1}
    assert store.contacts.count() == 2
    assert rejects[0].line == 3
    assert rejects[0].reason == f"Email: ada@ex.org already belongs to contact {ada.id} (Ada Lovelace)"


@pytest.mark.parametrize("mode, expected, title", [
    ("merge", {"created": 1, "merged": 1}, "First"),
    ("update", {"created": 1, "updated": 1}, "Second"),
    ("skip", {"created": 1, "skipped": 1}, "First"),
])
def test_duplicates_inside_one_file(store, mode, expected, title):
    summary, _, _ = run(store, "Name,Email,Phone,Title\nGrace,grace@ex.org,,First\n"
                               "Grace Hopper,GRACE@ex.org,+1 555 777 8888,Second\n",
                        on_duplicate=mode)
    assert counts(summary) == expected
    (grace,) = store.contacts.list()
    assert grace.title == title
    assert grace.phones == (() if mode == "skip" else ("+1 555 777 8888",))


def test_duplicates_across_chunks_of_one_file(store, monkeypatch):
    from tinycrm.store import importer

    monkeypatch.setattr(importer, "CHUNK", 3)
    rows = [f"P{i},p{i}@ex.org,+1 555 100 {i:04d}" for i in range(7)]
    rows += ["P3 again,P3@EX.ORG,+1 555 999 0003", "P5 phone,,555 100 0005"]
    summary, _, _ = run(store, "Name,Email,Phone\n" + "\n".join(rows) + "\n")
    assert counts(summary) == {"created": 7, "merged": 1, "unchanged": 1}
    assert store.contacts.count() == 7
    p3 = store.contacts.resolve("p3@ex.org")
    assert p3.phones == ("+1 555 100 0003", "+1 555 999 0003")
    assert p3.version == 1  # merged into while the batch created it: still its first version


def test_reimport_is_unchanged(store):
    text = "Name,Email,Tags\nAda,ada@ex.org,vip\nAlan,alan@ex.org,\n"
    first, _, _ = run(store, text)
    before = [c.to_dict() for c in store.contacts.list()]
    events = len(store.timeline.list(1))
    again, _, _ = run(store, text)
    assert counts(again) == {"unchanged": 2}
    assert [c.to_dict() for c in store.contacts.list()] == before
    assert len(store.timeline.list(1)) == events


def test_a_row_whose_emails_belong_to_two_contacts_is_rejected(store, ada):
    alan = store.contacts.add("Alan Turing", emails=["alan@ex.org"])
    summary, rejects, _ = run(store, "Name,Email 1,Email 2\nBoth,ada@ex.org,alan@ex.org\n")
    assert counts(summary) == {"rejected": 1}
    assert rejects[0].reason == (
        f"Email 2: alan@ex.org belongs to contact {alan.id} (Alan Turing) but this row matches "
        f"contact {ada.id} (Ada Lovelace); merge them first: tinycrm merge {ada.id} {alan.id}")


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_row_bringing_together_two_new_contacts_says_when_they_can_be_merged(store, dry_run):
    text = ("Name,Email 1,Email 2\nAda,ada@ex.org,\nAlan,alan@ex.org,\n"
            "Both,ada@ex.org,alan@ex.org\n")
    summary, rejects, _ = run(store, text, dry_run=dry_run)
    assert counts(summary) == {"created": 2, "rejected": 1}
    reason = rejects[0].reason
    assert reason.startswith("Email 2: alan@ex.org belongs to contact 2 (Alan) but this row"
                             " matches contact 1 (Ada); contacts 1 and 2 are new from this file: merge them ")
    if dry_run:
        # Neither exists: a merge command now would find nothing.
        assert reason.endswith("merge them once it is imported")
        assert "tinycrm merge" not in reason
    else:
        assert reason.endswith("merge them now: tinycrm merge 1 2")
        assert [c.name for c in store.contacts.get_many([1, 2])] == ["Ada", "Alan"]


def test_contacts_new_from_an_earlier_chunk_are_new_too(store, monkeypatch):
    from tinycrm.store import importer

    monkeypatch.setattr(importer, "CHUNK", 2)
    text = ("Name,Email 1,Email 2\nAda,ada@ex.org,\nAlan,alan@ex.org,\nCy,cy@ex.org,\n"
            "Dee,dee@ex.org,\nBoth,ada@ex.org,alan@ex.org\n")
    summary, rejects, _ = run(store, text, dry_run=True)
    assert counts(summary) == {"created": 4, "rejected": 1}
    assert rejects[0].reason.endswith("contacts 1 and 2 are new from this file:"
                                      " merge them once it is imported")


def test_create_mode_rejects_a_row_whose_uid_is_taken(store, ada):
    row = {"uid": ada.uid, "name": "Ada Again", "emails": ["again@ex.org"]}
    other = {"uid": "u-2", "name": "Bea"}
    text = "\n".join(json.dumps(r) for r in (row, other, {**other, "name": "Bea 2"})) + "\n"
    summary, rejects, _ = run(store, text, on_duplicate="create")
    assert counts(summary) == {"created": 1, "rejected": 2}
    assert [(r.line, r.reason) for r in rejects] == [
        (1, f"uid: {ada.uid} already belongs to contact {ada.id} (Ada Lovelace)"),
        (3, "uid: u-2 already belongs to contact 2 (Bea)")]
    assert [c.name for c in store.contacts.list()] == ["Ada Lovelace", "Bea"]


def test_a_strict_import_stopped_by_that_row_suggests_no_merge_of_contacts_it_never_made(store):
    rejects = []
    text = "Name,Email 1,Email 2\nAda,ada@ex.org,\nAlan,alan@ex.org,\nBoth,ada@ex.org,alan@ex.org\n"
    with pytest.raises(ImportRejected):
        import_contacts(store, io.BytesIO(text.encode()), name="in.csv",
                        options=ImportOptions(strict=True), on_reject=rejects.append)
    assert store.contacts.count() == 0
    assert rejects[0].reason.endswith("merge them once it is imported")


def test_uid_matches_before_email(store, ada):
    row = {"uid": ada.uid, "name": "Ada", "emails": ["new@ex.org"], "company": "Engines"}
    summary, _, _ = run(store, json.dumps(row) + "\n")
    assert counts(summary) == {"merged": 1}
    assert store.contacts.get(ada.id).emails == ("ada@ex.org", "new@ex.org")


def test_a_uid_on_two_plainly_different_people_is_rejected_not_merged(store, ada):
    # An exporter that gives every card one uid: each later card is someone
    # else, and merging would lose them.
    cards = "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:same\r\nFN:Person {i}\r\n"
                    f"EMAIL:p{i}@ex.org\r\nEND:VCARD\r\n" for i in range(3))
    summary, rejects, _ = run(store, cards)
    assert counts(summary) == {"created": 1, "rejected": 2}
    assert [r.line for r in rejects] == [7, 13]
    assert rejects[0].reason == (
        "UID (line 9): same is the uid of contact 2 (Person 0), as an earlier row of the file"
        " says, and this row is someone else (Person 1) with none of their addresses or numbers:"
        " two records with one uid? Take the uid out of the row to import Person 1 as a new"
        " contact, or make the names agree if they are one person")
    assert store.contacts.get(2).emails == ("p0@ex.org",)
    # Imported again: the first card is the contact again, the others are not.
    summary, rejects, _ = run(store, cards)
    assert counts(summary) == {"unchanged": 1, "rejected": 2}
    # A contact in the database, by a file that has its uid twice.
    rows = [{"uid": ada.uid, "name": "Ada Lovelace", "source": "file"},
            {"uid": ada.uid, "name": "Tom One", "title": "CTO"}]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    for mode in ("merge", "update"):
        summary, rejects, _ = run(store, text, on_duplicate=mode)
        assert [r.line for r in rejects] == [2] and "(Tom One)" in rejects[0].reason
    assert store.contacts.get(ada.id).title == "CEO"


@pytest.mark.parametrize("fmt", ["csv", "vcard"])
@pytest.mark.parametrize("chunk", [4, 2500])
def test_a_uid_again_in_a_later_chunk_is_rejected_on_every_import(store, monkeypatch, fmt,
                                                                    chunk):
    """Imported again, the first row of a uid leaves its contact unchanged,
    so nothing in the database says this import went to it: a later chunk's
    row of that uid and someone else's name was merged into it (Bob's address
    and number on Ann). In one chunk it was rejected, as on the first import."""
    monkeypatch.setattr(importer, "CHUNK", chunk)
    people = [("X", "Ann Archer", "ann@ex.org", "+1 555 010 0100")]
    people += [(f"u{i}", f"Person {i}", f"p{i}@ex.org", "") for i in range(8)]
    people += [("X", "Bob Zimmer", "bob@other.example", "+44 20 7946 0999")]
    if fmt == "csv":
        text = "uid,name,emails,phones\n" + "".join(",".join(p) + "\n" for p in people)
    else:
        text = "".join(f"BEGIN:VCARD\nVERSION:3.0\nUID:{uid}\nFN:{name}\nEMAIL:{email}\n"
                       + (f"TEL:{phone}\n" if phone else "") + "END:VCARD\n"
                       for uid, name, email, phone in people)
    first, rejects, _ = run(store, text)
    assert counts(first) == {"created": 9, "rejected": 1}
    (reason,) = [r.reason for r in rejects]
    assert "X is the uid of contact 1 (Ann Archer), as an earlier row of the file says" in reason
    for plan in (False, True):  # (and a dry run's plan says so too)
        again, rejects, _ = run(store, text, dry_run=plan)
        assert counts(again) == {"unchanged": 9, "rejected": 1}
        assert [r.reason for r in rejects] == [reason]
    ann = store.contacts.get(1)
    assert (ann.emails, ann.phones) == (("ann@ex.org",), ("+1 555 010 0100",))
    # A uid the file has once, in a later chunk, still names its contact,
    # renamed and readdressed.
    text = text.replace("Person 7", "Seven Sevens").replace("p7@ex.org", "seven@new.example")
    assert counts(run(store, text)[0]) == {"merged": 1, "unchanged": 8, "rejected": 1}
    assert store.contacts.get(9).emails == ("p7@ex.org", "seven@new.example")


def test_a_uid_the_file_has_once_names_its_contact_renamed_and_readdressed(store, ada):
    """The bulk edit of an export: a name and an address changed in the file,
    read back with --on-duplicate update, are the contact's new ones."""
    row = {"uid": ada.uid, "name": "Ada King", "emails": ["ada@new.example"]}
    summary, rejects, _ = run(store, json.dumps(row) + "\n", on_duplicate="update")
    assert rejects == [] and counts(summary) == {"updated": 1}
    after = store.contacts.get(ada.id)
    assert (after.name, after.emails) == ("Ada King", ("ada@ex.org", "ada@new.example"))


def test_a_uid_still_matches_a_renamed_card_that_keeps_an_address_or_number(store, ada):
    rows = [{"uid": ada.uid, "name": "Ada King", "emails": ["ada@ex.org"], "company": "Engines"},
            {"uid": ada.uid, "name": "Countess", "phones": ["555 010 2030"], "source": "card"},
            {"uid": ada.uid, "name": "A. Lovelace", "tags": ["poet"]}]
    summary, rejects, _ = run(store, "".join(json.dumps(r) + "\n" for r in rows))
    assert rejects == [] and counts(summary) == {"merged": 3}
    after = store.contacts.get(ada.id)
    assert (after.name, after.company, after.source) == ("Ada Lovelace", "Engines", "card")
    assert after.tags == ("poet", "vip")


def test_tags_option_and_rules_run_on_import(store):
    summary, _, _ = run(store, "Name,Email\nNew Lead,lead@ex.org\n", tags=("Conference", "2026"))
    (lead,) = store.contacts.list()
    assert lead.tags == ("2026", "conference")
    assert [f.rule for f in store.followups.list(view="all")] == ["new-lead"]


def test_dry_run_writes_nothing_and_reports_every_row(store, ada):
    dump = list(store.conn.iterdump())
    mtime = store.path.stat().st_mtime_ns
    summary, rejects, plan = run(store, "Name,Email,Company\nAda,ada@ex.org,Engines\n"
                                        "Alan,alan@ex.org,\nBad,nope,\nA. Lovelace,ada@ex.org,\n",
                                 dry_run=True)
    assert counts(summary) == {"created": 1, "merged": 1, "unchanged": 1, "rejected": 1}
    assert summary.batch_id is None and summary.dry_run
    assert [(p.line, p.action) for p in plan] == [(2, "merge"), (3, "create"), (4, "reject"),
                                                  (5, "unchanged")]
    assert plan[0].detail == "company" and plan[0].contact_id == ada.id
    assert list(store.conn.iterdump()) == dump
    assert store.path.stat().st_mtime_ns == mtime


def test_strict_imports_nothing_when_a_row_is_rejected(store):
    with pytest.raises(ImportRejected, match="1 row\\(s\\) rejected; nothing imported"):
        run(store, "Name,Email\nAda,ada@ex.org\nBad,nope\n", strict=True)
    assert store.contacts.count() == 0
    assert store.conn.execute("SELECT count(*) FROM import_batches").fetchone()[0] == 0
    summary, _, _ = run(store, "Name,Email\nAda,ada@ex.org\n", strict=True)
    assert counts(summary) == {"created": 1}


def test_a_number_many_contacts_share_matches_no_one(store, monkeypatch):
    from tinycrm.store import importer
    from tinycrm.store.dupes import PHONE_GROUP_LIMIT

    monkeypatch.setattr(importer, "CHUNK", 10)  # the database's holders and the file's, both
    many = PHONE_GROUP_LIMIT + 5
    rows = "".join(f"Person {i},000 000 0000\n" for i in range(many))
    summary, _, _ = run(store, "Name,Phone\n" + rows)
    assert counts(summary) == {"created": many}
    again, _, _ = run(store, "Name,Phone\nPerson 3,000 000 0000\n")
    assert counts(again) == {"created": 1}  # a placeholder number says nothing about who
    few, _, _ = run(store, "Name,Phone\nAnn Few,+1 555 600 0000\nAnn Few,555 600 0000\n")
    assert counts(few) == {"created": 1, "unchanged": 1}


def test_an_eight_digit_national_number_matches_with_its_country_code(store):
    """Denmark's numbers have eight digits: keyed by their last nine, the
    number with +45 and the number without never matched."""
    store.contacts.add("Søren Kierkegaard", phones=["+45 20 12 34 56"])
    summary, _, _ = run(store, "Name,Phone,Email\nSoren Kierkegaard,20 12 34 56,sk@ex.org\n")
    assert counts(summary) == {"merged": 1}
    assert store.contacts.count() == 1


def test_keys_of_nine_digits_from_before_m044_are_cut_to_eight(tmp_path):
    from tinycrm.store import Store

    from .import_helpers import database_before

    db_path = tmp_path / "old" / "crm.db"
    db = database_before(db_path, "m044_phone_keys_of_eight_digits")
    db.execute("INSERT INTO contacts (id, uid, name, owner, created_at, updated_at)"
               " VALUES (1, 'u1', 'Søren', 'alice', '2026-11-23T09:30:00Z', '2026-11-23T09:30:00Z')")
    db.execute("INSERT INTO contact_phones (contact_id, position, phone, phone_key)"
               " VALUES (1, 0, '+45 20 12 34 56', '520123456'), (1, 1, '555 0100', '5550100')")
    db.conn.commit()
    db.close()
    with Store(db_path, user="alice") as store:
        keys = [k for (k,) in store.conn.execute(
            "SELECT phone_key FROM contact_phones ORDER BY position")]
    assert keys == ["20123456", "5550100"]


def test_a_merge_fills_only_name_parts_the_contacts_name_has(store):
    """A contact known as "Stripe" got first name Patrick and last name
    Collison from a row with its address; "Madonna" got Ciccone."""
    run(store, "Company,Email\nStripe,billing@stripe.example\n")  # named by its company
    stripe = store.contacts.resolve("billing@stripe.example")
    madonna = store.contacts.add("Madonna", emails=["m@ex.org"])
    byron = store.contacts.add("Byron, Ada", emails=["byron@ex.org"])
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"])
    with store.write():
        store.conn.execute("UPDATE contacts SET first_name = NULL, last_name = NULL"
                           " WHERE id IN (?, ?)", [ada.id, byron.id])
    assert (stripe.name, stripe.first_name, madonna.last_name) == ("Stripe", None, None)
    summary, _, _ = run(store, "First Name,Last Name,E-mail Address\n"
                               "Patrick,Collison,BILLING@stripe.example\n"
                               "Madonna,Ciccone,m@ex.org\nAda,Lovelace,ada@ex.org\n"
                               "Ada,Byron,byron@ex.org\n")
    assert summary.rejected == 1  # Patrick Collison is not Stripe: their shared address
    parts = {c.id: (c.first_name, c.last_name) for c in store.contacts.list()}
    assert parts[stripe.id] == (None, None)
    assert parts[madonna.id] == ("Madonna", None)
    assert parts[ada.id] == ("Ada", "Lovelace")
    assert parts[byron.id] == ("Ada", "Byron")  # (the comma is no part of a word)
    run(store, "Email\nsean@ex.org\n")
    run(store, "Name,Email\nSeán O’Brien,sean@ex.org\n")  # (the name replaces the address)
    run(store, "First Name,Last Name,E-mail Address\nSeán,O'Brien,sean@ex.org\n")
    sean = store.contacts.resolve("sean@ex.org")
    assert (sean.name, sean.first_name, sean.last_name) == ("Seán O’Brien", "Seán", "O'Brien")
    summary, _, _ = run(store, "First Name,Last Name,E-mail Address\n-,.,billing@stripe.example\n")
    assert summary.merged == 0, "a placeholder is no part of any name"
    assert store.contacts.get(stripe.id).last_name is None


def test_two_numbers_whose_match_keys_agree_are_both_kept(store):
    """A match key is the last eight digits: +1 415 555 0100 and +1 425 555
    0100 share it, and the second was dropped without a word. The same
    number written two ways is still kept once."""
    sam = store.contacts.add("Sam Lee", phones=["+1 415 555 0100", "+1 425 555 0100",
                                                "(415) 555-0100", "+44 20 7946 0001",
                                                "020 7946 0001"])
    assert sam.phones == ("+1 415 555 0100", "+1 425 555 0100", "+44 20 7946 0001")
    summary, _, _ = run(store, "Name,Phone,Mobile Phone\nSam Lee,+1 435 555 0100,415 555 0100\n")
    assert counts(summary) == {"merged": 1}
    assert store.contacts.get(sam.id).phones[-1] == "+1 435 555 0100"
    assert len(store.contacts.get(sam.id).phones) == 4


def test_a_local_number_is_no_full_number_and_keeps_the_rows_match(store):
    """A 7-digit local number is not the same as each full number ending in
    it: they have different match keys, and the row matches by the full one."""
    ada = store.contacts.add("Ada", phones=["555 0100", "+1 415 555 0100", "+1 425 555 0100"])
    assert ada.phones == ("555 0100", "+1 415 555 0100", "+1 425 555 0100")
    bob = store.contacts.add("Bob Stone", phones=["+1 415 555 0200"])
    summary, _, _ = run(store, "Name,Phone\nBob Stone,555 0200; +1 415 555 0200\n")
    assert counts(summary) == {"merged": 1}
    assert store.contacts.get(bob.id).phones == ("+1 415 555 0200", "555 0200")


def test_undo_takes_back_a_number_whose_key_the_contact_had(store):
    from tinycrm.store.import_undo import undo_batch

    cy = store.contacts.add("Cy Twain", emails=["cy@ex.org"], phones=["+1 415 555 0300"])
    summary, _, _ = run(store, "Name,Email,Phone\nCy Twain,cy@ex.org,+1 425 555 0300\n")
    assert store.contacts.get(cy.id).phones == ("+1 415 555 0300", "+1 425 555 0300")
    undo_batch(store, summary.batch_id)
    assert store.contacts.get(cy.id).phones == ("+1 415 555 0300",)


def test_numbers_of_one_contact_by_their_last_nine_digits(store):
    """A national number with its trunk 0 is its international form; short
    numbers are only themselves; a local number is no full number; the order
    they come in changes nothing."""
    phones = ["+44 20 7946 0001", "020 7946 0001", "555 0100", "+1 415 555 0100",
              "+1 425 555 0100", "12 34", "1234"]
    ann = store.contacts.add("Ann", phones=phones)
    assert ann.phones == ("+44 20 7946 0001", "555 0100", "+1 415 555 0100", "+1 425 555 0100",
                          "12 34", "1234")
    assert len(store.contacts.add("Ann Again", phones=phones[::-1]).phones) == 6


@pytest.mark.parametrize("had,added", [("12 34", "1234"), ("555 0100", "+1 555 555 0100")])
def test_undo_takes_back_a_number_the_contact_tells_apart_from_its_own(store, had, added):
    from tinycrm.store.import_undo import undo_batch

    bo = store.contacts.add("Bo", emails=["bo@ex.org"], phones=[had])
    summary, _, _ = run(store, f"Name,Email,Phone\nBo,bo@ex.org,{added}\n")
    assert store.contacts.get(bo.id).phones == (had, added)
    undo_batch(store, summary.batch_id)
    assert store.contacts.get(bo.id).phones == (had,)


@pytest.mark.parametrize("mode", ["merge", "update", "skip"])
def test_a_shared_address_does_not_make_two_people_one(store, mode):
    """A family's or a team's one inbox: Ann is not Tom, and gets none of his fields."""
    tom = store.contacts.add("Tom Smith", emails=["smiths@family.example"])
    summary, rejects, _ = run(store, "Name,Email,Email 2,Phone,Birthday\n"
                                     "Ann Smith,ann@job.example,Smiths@Family.example,"
                                     "+1 555 0150,1982-03-03\n"
                                     "Billing Dept,billing@vendor.example,,,\n"
                                     "Support Desk,billing@vendor.example,,,\n", on_duplicate=mode)
    assert counts(summary) == {"created": 1, "rejected": 2}
    assert [(r.line, r.reason) for r in rejects] == [
        (2, f"Email 2: Smiths@Family.example is contact {tom.id}'s (Tom Smith), and this row is"
            " someone else (Ann Smith): a shared address? Take it out of the row to import"
            " Ann Smith alone, or make the names agree if they are one person"),
        (4, f"Email: billing@vendor.example is contact {tom.id + 1}'s (Billing Dept), and this"
            " row is someone else (Support Desk): a shared address? Take it out of the row to"
            " import Support Desk alone, or make the names agree if they are one person"),
    ]
    after = store.contacts.get(tom.id)
    assert (after.name, after.emails, after.phones, after.birthday) == (
        "Tom Smith", ("smiths@family.example",), (), None)
    assert store.contacts.count() == 2


def test_an_address_still_finds_a_contact_renamed_since_the_file_was_made(store, ada):
    store.contacts.edit(ada.id, {"name": "Ada King"})
    summary, rejects, _ = run(store, "Name,Email,Company\nAda Lovelace,ada@ex.org,Engines\n"
                                     "Ada,ada@ex.org,\nAugusta Byron,ada@ex.org,\n")
    assert counts(summary) == {"merged": 1, "unchanged": 1, "rejected": 1}
    assert rejects[0].line == 4 and "(Augusta Byron)" in rejects[0].reason
    after = store.contacts.get(ada.id)
    assert (after.name, after.company) == ("Ada King", "Engines")


NAMES_ONLY = ("Name,Company,Title,Birthday,Notes,Tags\n"
              "Grandma Rose,,,1941-05-02,Likes tulips,family\n"
              "Bob Smith,,,,,\n"
              ",Acme Plumbing,,,,\n"
              "Carol Diaz,Acme,Engineer,,,\n")


def test_rows_known_by_their_name_alone_import_again_unchanged(store):
    assert counts(run(store, NAMES_ONLY)[0]) == {"created": 4}
    summary, _, _ = run(store, NAMES_ONLY)
    assert counts(summary) == {"unchanged": 4}
    assert store.contacts.count() == 4
    summary, _, _ = run(store, NAMES_ONLY.replace("Grandma Rose", "GRANDMA ROSE"),
                        tags=("again",))  # case aside; tags add
    assert counts(summary) == {"merged": 4} and store.contacts.count() == 4
    assert {c.name: c.tags for c in store.contacts.list()}["Grandma Rose"] == ("again", "family")


def test_a_name_alone_matches_whatever_the_case_of_its_accented_letters(store):
    text = "Name,Company\nÉmile Zola,Éditions Charpentier\nÅsa Öberg,\n"
    assert counts(run(store, text)[0]) == {"created": 2}
    for spelling in (text.upper(), text.lower(), text.title()):
        summary, _, _ = run(store, spelling)
        assert counts(summary) == {"unchanged": 2}, spelling
    assert store.contacts.count() == 2


def test_a_namesake_who_brings_anything_new_is_someone_new(store):
    run(store, NAMES_ONLY)
    summary, _, plan = run(store, "Name,Company,Title,Notes\n"
                                  "Carol Diaz,Globex,,\n"  # another company
                                  "Carol Diaz,,Designer,\n"  # another job
                                  "Bob Smith,,,Met at the fair\n"  # a note Bob hasn't got
                                  "Bob Smith,,,\n", dry_run=True)
    assert [(p.line, p.action) for p in plan] == [(2, "create"), (3, "create"), (4, "create"),
                                                  (5, "unchanged")]
    assert counts(summary) == {"created": 3, "unchanged": 1}


def test_rows_of_one_file_known_by_their_name_alone_are_one_contact(store):
    summary, _, _ = run(store, "Name,Notes\nBob Smith,\nbob smith,\nBob Smith,Likes jazz\n"
                               "Bob Smith,Likes jazz\n")
    assert counts(summary) == {"created": 2, "unchanged": 2}
    assert store.contacts.count() == 2


def test_a_whole_file_of_names_alone_imports_again_unchanged(store):
    """Chunks of such rows leave the fast lane, which looks for no one."""
    text = "Name,Company\n" + "".join(f"Person {i},Company {i % 7}\n" for i in range(2500))
    assert counts(run(store, text)[0]) == {"created": 2500}
    assert counts(run(store, text)[0]) == {"unchanged": 2500}
    assert store.contacts.count() == 2500


def test_a_number_a_household_shares_goes_to_the_one_the_row_names(store):
    summary, rejects, _ = run(store, "First Name,Last Name,Home Phone,Birthday\n"
                                     "John,Smith,+1 555 0160,1970-01-01\n"
                                     "Jane,Smith,+1 555 0160,1972-02-02\n"  # names disagree
                                     "J.,Smith,+1 555 0160,\n"  # John or Jane?
                                     "John,Smith Jr.,+1 555 0160,2000-05-05\n"  # born otherwise
                                     "jane,smith,+1 555 0160,\n")  # the very name
    assert counts(summary) == {"created": 3, "unchanged": 1, "rejected": 1}
    assert [(r.line, r.reason) for r in rejects] == [
        (4, "Home Phone: +1 555 0160 is the number of contacts 1 (John Smith) and 2 (Jane Smith),"
            " and this row could be either: give its full name or an address")]
    people = {c.name: c.birthday for c in store.contacts.list()}
    assert people == {"John Smith": "1970-01-01", "Jane Smith": "1972-02-02",
                      "John Smith Jr.": "2000-05-05"}
    again, rejects, _ = run(store, "Name,Phone\nJohn Smith,+1 555 0160\n")
    assert counts(again) == {"unchanged": 1}


def test_household_numbers_in_the_other_modes_and_across_a_rows_numbers(store):
    household = ("First Name,Last Name,Home Phone,Mobile Phone,Birthday\n"
                 "John,Smith,+1 555 0160,,1970-01-01\nJane,Smith,+1 555 0160,+1 555 0199,\n")
    run(store, household)
    # Its first number is either's, its second only Jane's: Jane.
    second, rejects, _ = run(store, "Name,Home Phone,Mobile Phone,Company\n"
                                    "J. Smith,+1 555 0160,+1 555 0199,Acme\n")
    assert counts(second) == {"merged": 1} and rejects == []
    assert store.contacts.resolve("Jane Smith").company == "Acme"
    skipped, _, _ = run(store, "Name,Phone\nJ. Smith,+1 555 0160\n", on_duplicate="skip")
    assert counts(skipped) == {"skipped": 1}
    created, _, _ = run(store, "Name,Phone\nJ. Smith,+1 555 0160\n", on_duplicate="create")
    assert counts(created) == {"created": 1}  # a new contact anyway
    # A birthday without its year is the same day.
    yearless, _, _ = run(store, "Name,Phone,Birthday,Title\nJohn Smith,+1 555 0160,--01-01,CEO\n")
    assert counts(yearless) == {"merged": 1}
    assert store.contacts.resolve("John Smith").title == "CEO"


def test_a_name_many_contacts_have_matches_none_of_them(store):
    text = "Name,Company\n" + "".join(f"Guest,Company {i}\n" for i in range(3000))
    assert counts(run(store, text)[0]) == {"created": 3000}
    assert counts(run(store, "Name\nGuest\n")[0]) == {"created": 1}


def test_a_row_known_by_its_name_still_matches_after_the_crm_moved_the_contact_on(store):
    run(store, NAMES_ONLY)
    rose = store.contacts.resolve("Grandma Rose")
    store.contacts.edit(rose.id, {"stage": "customer", "owner": "bob"})
    assert counts(run(store, NAMES_ONLY)[0]) == {"unchanged": 4}


def test_a_row_known_by_its_name_matches_a_row_of_the_same_chunk_with_an_address(store):
    text = "Name,Email,Company\nAnn Ex,ann@ex.org,Acme\nAnn Ex,,Acme\n"
    planned = counts(run(store, text, dry_run=True)[0])
    assert planned == counts(run(store, text)[0]) == {"created": 1, "unchanged": 1}
    assert store.contacts.count() == 1


def test_many_namesakes_with_their_companies_import_again_unchanged(store):
    text = "Name,Company\n" + "".join(f"Guest,Company {i}\n" for i in range(60))
    assert counts(run(store, text)[0]) == {"created": 60}
    assert counts(run(store, text)[0]) == {"unchanged": 60}
    # With nothing but the name, one of 60 Guests is no one in particular.
    assert counts(run(store, "Name\nGuest\n")[0]) == {"created": 1}


def test_rows_of_one_file_add_a_note_paragraph_to_a_contact_once(store):
    ada = store.contacts.add("Ada", emails=["ada@ex.org"])
    run(store, 'Email,Notes\nada@ex.org,"a\n\nb"\nada@ex.org,"b\n\nc"\nada@ex.org,a\n')
    notes = sorted(e.text for e in store.timeline.list(ada.id) if e.kind == "note")
    assert notes == ["a\n\nb", "c"]


@pytest.mark.parametrize("chunk", [3, 2500])
def test_a_new_contacts_rows_each_add_their_note_wherever_the_chunks_end(store, monkeypatch,
                                                                          chunk):
    """A log of one person's notes, a row each: as many notes on the timeline,
    whether the rows fall in the chunk that made the contact or a later one
    (before, the first chunk's rows made one long note, the others one each)."""
    monkeypatch.setattr(importer, "CHUNK", chunk)
    rows = "".join(f"Ada,ada@ex.org,note {i}\n" for i in range(7))
    summary, _, _ = run(store, "Name,Email,Notes\n" + rows + "Ada,ada@ex.org,note 2\n")
    assert counts(summary) == {"created": 1, "merged": 6, "unchanged": 1}
    (ada,) = store.contacts.list()
    notes = [e.text for e in store.timeline.list(ada.id) if e.kind == "note"]
    assert sorted(notes) == [f"note {i}" for i in range(7)]


@pytest.mark.parametrize("chunk", [4, 2500])
def test_rows_of_one_person_each_bring_a_tag_and_all_are_kept_in_order(store, ada, monkeypatch,
                                                                        chunk):
    monkeypatch.setattr(importer, "CHUNK", chunk)
    tags = ["zeta", "alpha", "vip", "mid", "beta", "omega", "alpha"]
    rows = "".join(f"Ada Lovelace,ada@ex.org,{t}\n" for t in tags)
    rows += "New Person,new@ex.org,b\n" + "".join(f"New Person,new@ex.org,{t}\n" for t in tags)
    summary, _, _ = run(store, "Name,Email,Labels\n" + rows)
    assert summary.rejected == 0
    expected = ("alpha", "beta", "mid", "omega", "vip", "zeta")
    assert store.contacts.get(ada.id).tags == expected
    assert store.contacts.resolve("New Person").tags == tuple(sorted({"b", *tags}))


def test_rejects_are_told_in_the_files_order(cli, tmp_path):
    cli.ok("add", "Tom Smith", "--email", "smiths@family.example")
    path = tmp_path / "people.csv"
    path.write_text("name,email,birthday\n"
                    "Ann Smith,smiths@family.example,\n"       # a clash, found when matching
                    "Bo Bad,bo@ex.org,someday\n"                 # a bad value, found when read
                    "Cy Fine,cy@ex.org,\n")
    rejects = tmp_path / "rejects.csv"
    result = cli("import", str(path), "--rejects", str(rejects))
    assert result.exit_code == 1
    told = [line.split(":")[1] for line in result.stderr.splitlines() if "people.csv:" in line]
    assert told == ["2", "3"]
    assert [row.split(",")[0] for row in rejects.read_text().splitlines()[1:]] == ["2", "3"]


@pytest.mark.parametrize("column, value", [("Phone", "+44 7700 900555"),
                                           ("Email", "chuck@engine.org")])
def test_a_name_merged_into_a_contact_is_one_it_had(cli, tmp_path, column, value):
    """The monthly re-import after a clean-up: Chuck was merged into Charles."""
    sheet = tmp_path / "chuck.csv"
    sheet.write_text(f"Name,{column},Company\nChuck Babbage,{value},Engine Ltd\n")
    cli.ok("--no-rules", "add", "Charles Babbage", "--email", "cb@engine.org",
           "--company", "Engine Ltd")
    cli.ok("--no-rules", "import", str(sheet))
    cli.ok("merge", "1", "2", "--yes")
    again = cli.ok("--no-rules", "import", str(sheet))
    assert "0 created, 0 merged, 1 unchanged" in again.stderr
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == [
        "Charles Babbage"]
