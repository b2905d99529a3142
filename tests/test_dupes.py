"""`tinycrm dupes` and `tinycrm merge KEEP OTHER`."""

import itertools
import json
import random

import pytest
from rapidfuzz import fuzz

from tinycrm.store.dupes import company_key, email_canon, find_duplicates
from tinycrm.store.merge import merge_contacts


def test_email_and_company_keys():
    assert email_canon("john.doe+crm@googlemail.com") == "johndoe@gmail.com"
    assert email_canon("john.doe+crm@acme.example") == "john.doe@acme.example"
    assert company_key("ACME, Inc.") == company_key("Acme") == "acme"
    assert company_key("Société Générale SA") == "societe generale"


def test_find_duplicates_best_first(store):
    c = store.contacts
    a = c.add("John Doe", emails=["john.doe@gmail.com"], company="Acme Inc")
    b = c.add("Johnny Doe", emails=["johndoe+news@gmail.com"])
    d = c.add("Jon Smith", phones=["+1 (555) 010-2030"], company="Globex")
    e = c.add("Jane Roe", phones=["555.010.2030"])
    f = c.add("Katherine Johnson", company="ACME")
    g = c.add("Katharine Johnson", company="Acme, Inc.")
    c.add("Katherine Johnson", company="Initech")  # another company: not a pair with f
    c.add("Zed Zulu", company="Acme Inc")
    h = c.add("A. Lovelace", phones=["+44 20 7946 0001"])
    i = c.add("Ada Lovelace", phones=["020 7946 0001"])
    pairs = find_duplicates(store)
    assert [(p.keep_id, p.other_id, p.reasons) for p in pairs] == [
        (a.id, b.id, ("same email",)),
        (h.id, i.id, ("same phone",)),
        (f.id, g.id, ("similar name at acme",)),
    ]
    assert pairs[2].score < 100
    assert [p.other_id for p in find_duplicates(store, threshold=96)] == [b.id]
    assert len(find_duplicates(store, limit=1)) == 1
    # One number, names that disagree: a switchboard as likely as a duplicate,
    # so it is shown only below the default threshold.
    weak = [(p.keep_id, p.other_id, p.score, p.reasons) for p in find_duplicates(store, threshold=60)]
    assert (d.id, e.id, 60.0, ("same phone, different names",)) in weak


def test_similar_names_in_a_big_company(store):
    """Names are compared as their sorted, folded words: word order and
    punctuation don't keep a pair apart, and the score is the token-sort
    ratio of the folded names. Colleagues with unrelated names (some sharing a
    first or a last name) are not pairs."""
    c = store.contacts
    firsts = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Ken", "Dennis",
              "Margaret", "Linus", "Frances", "Niklaus"]
    lasts = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Thompson",
             "Ritchie", "Hamilton", "Torvalds", "Allen", "Wirth"]
    for shift in (0, 4, 8):
        for first, last in zip(firsts, lasts[shift:] + lasts[:shift]):
            c.add(f"{first} {last}", company="Initech Ltd")
    a = c.add("Sophie Wilson", company="Initech")
    b = c.add("Wilson, Sophie", company="INITECH LTD.")
    d = c.add("Jean-Luc O'Neil", company="Initech Ltd")
    e = c.add("O Neil Jean Luc", company="initech")
    f = c.add("Katherine Johnson", company="Initech")
    g = c.add("Johnson, Katharine", company="Initech Ltd")
    pairs = find_duplicates(store)
    assert [(p.keep_id, p.other_id, p.reasons) for p in pairs] == [
        (a.id, b.id, ("similar name at initech",)),
        (d.id, e.id, ("similar name at initech",)),
        (f.id, g.id, ("similar name at initech",)),
    ]
    assert [p.score for p in pairs] == [
        100.0, 100.0, fuzz.token_sort_ratio("katherine johnson", "johnson katharine")]


def test_same_mailbox_however_written(store):
    c = store.contacts
    a = c.add("Ada", emails=["ada@ex.org"])
    b = c.add("Ada L", emails=["Ada+crm@Ex.org"])
    d = c.add("Bob", emails=["bob.b@googlemail.com"])
    e = c.add("Bobby", emails=["b.o.b.b+x@gmail.com"])
    c.add("Cy", emails=["cy+a@ex.org", "cy+b@ex.org"])  # one contact: not a pair with itself
    g = c.add("Di", emails=["di+a@ex.org"])
    h = c.add("Di Dee", emails=["di+b@ex.org"])  # neither written plainly
    c.add("Fay", emails=["fay@xgmail.com"])
    c.add("Fay F", emails=["f.ay@gmail.com"])  # another mailbox
    c.add("Gus", emails=["gus@gmail.com.example"])
    c.add("Gus G", emails=["g.us@gmail.com.example"])  # dots matter outside Gmail
    pairs = find_duplicates(store)
    assert [(p.keep_id, p.other_id, p.score, p.reasons) for p in pairs] == [
        (a.id, b.id, 100.0, ("same email",)),
        (d.id, e.id, 100.0, ("same email",)),
        (g.id, h.id, 100.0, ("same email",)),
    ]


def test_merge_moves_everything_to_keep(store):
    c = store.contacts
    keep = c.add("Ada Lovelace", emails=["ada@ex.org"], title="Countess", tags=["vip"])
    other = c.add("Ada L.", emails=["ada@engines.example"], phones=["+44 20 7946 0001"],
                  company="Engines", title="Engineer", tags=["investor"],
                  fields={"plan": "pro"}, note="met at the society")
    store.followups.add(other.id, store.now(), note="call back")
    merged, changed, moved, cancelled = merge_contacts(store, keep.id, other.id)
    assert changed == ["company", "emails", "phones", "tags", "fields"]
    # Its note and two follow-ups (the call, and the rule's for a new lead), each on its timeline.
    assert moved == {"events": 3, "followups": 2}
    # KEEP had the new-lead rule's follow-up too: OTHER's (due no sooner) is cancelled.
    assert [store.followups.get(i).status for i in cancelled] == ["cancelled"]
    assert merged.name == "Ada Lovelace" and merged.title == "Countess"
    assert merged.emails == ("ada@ex.org", "ada@engines.example")
    assert merged.phones == ("+44 20 7946 0001",) and merged.tags == ("investor", "vip")
    assert merged.fields == {"plan": "pro"} and merged.company == "Engines"
    assert c.count() == 1
    kinds = [e.kind for e in store.timeline.list(keep.id)]
    assert kinds[0] == "merge" and "note" in kinds
    assert any(e.text == "met at the society" for e in store.timeline.list(keep.id))
    assert [f.note for f in store.followups.list(view="all", contact_id=keep.id)
            if f.rule is None] == ["call back"]
    merges = [a for a in store.audit.list(keep.id) if a.action == "merge"]
    assert merges and merges[0].entity_id == other.id
    assert merges[0].before["merged"]["emails"] == ["ada@engines.example"]
    assert [found.id for found, _ in store.search.search("engines.example")] == [keep.id]



def _everything(store) -> dict:
    """Every row of every table but SQLite's own: what a dry run must leave as it was."""
    tables = [t for (t,) in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND sql NOT LIKE 'CREATE VIRTUAL%'")]
    return {t: store.conn.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


def test_a_dry_run_merge_tells_what_the_merge_does_and_changes_nothing(store):
    c = store.contacts
    keep = c.add("Ada Lovelace", emails=["ada@ex.org"], stage="lead")
    other = c.add("Ada L.", emails=["ada@engines.example"], company="Engines", stage="customer")
    store.followups.add(other.id, store.now(), note="call back")
    store.timeline.add(other.id, "call", "about the engine", now=store.now())
    before = _everything(store)
    would = merge_contacts(store, keep.id, other.id, dry_run=True)
    assert _everything(store) == before
    assert c.count() == 2 and not store.conn.in_transaction
    done = merge_contacts(store, keep.id, other.id)
    assert would.changed == done.changed == ["company", "stage", "emails"]
    assert would.moved == done.moved == {"events": 2, "followups": 1}
    assert would.cancelled == done.cancelled == []  # (a customer had no new-lead follow-up)
    assert would.contact.emails == done.contact.emails == ("ada@ex.org", "ada@engines.example")
    assert would.contact.stage == done.contact.stage == "customer"


def test_cli_merge_dry_run(cli):
    cli.ok("add", "John Doe", "-e", "john.doe@gmail.com", "--tag", "vip")
    cli.ok("add", "Johnny [bold]", "-e", "johndoe@gmail.com", "--company", "Acme",
           "--tag", "beta")
    cli.ok("log", "2", "left a message", "--kind", "call")
    result = cli.ok("merge", "--dry-run", "1", "2")
    assert result.stdout.splitlines() == [
        "would merge 2 (Johnny [bold]) into 1 (John Doe)",
        "  company: (empty) -> Acme",
        "  last_contacted_at: (empty) -> 2026-11-23 09:30",
        "  emails: john.doe@gmail.com -> john.doe@gmail.com, johndoe@gmail.com",
        "  tags: vip -> beta, vip",
        "  moves: 2 timeline entries, 1 follow-up",
        "  cancels: follow-up 2, a second open one of a rule",
        "  removes: contact 2",
    ]
    assert len(json.loads(cli.ok("list", "-f", "json").stdout)) == 2
    assert "merged" not in cli.ok("audit", "1").stdout
    # A custom field may hold an escape sequence: the terminal never gets it.
    cli.ok("--no-rules", "add", "Mal")
    cli.ok("edit", "Mal", "--set", "fields.x=a\x1b[2Jb\x07")
    shown = cli.ok("merge", "--dry-run", "1", "Mal").stdout
    assert "  fields: (empty) -> x=ab" in shown.splitlines() and "\x1b" not in shown
    merged = cli.ok("merge", "1", "2", "--yes")
    assert merged.stdout == ""
    assert merged.stderr == (
        "merged 2 (Johnny [bold]) into 1 (John Doe): company, last_contacted_at, emails, tags;"
        " moved 2 timeline entries, 1 follow-up; cancelled follow-up 2 (a second open one of a"
        " rule)\n")
    assert cli("merge", "--dry-run", "1", "2").exit_code == 3  # 2 is gone now


def test_a_pairs_reason_is_its_strongest_whatever_the_threshold(cli):
    """One inbox and one number, names that disagree (90 and 60), and one
    number with names that disagree but read alike at one company (60 and
    95): each pair gives one reason, the one that gives its score, at every
    threshold that lists it. A lower threshold listed the weaker reason too."""
    cli.ok("add", "Ada Lovelace", "-e", "ada.king@gmail.com", "-p", "+44 20 7946 0001")
    cli.ok("add", "Countess King", "-e", "adaking@gmail.com", "-p", "+44 20 7946 0001")
    cli.ok("add", "Jon Smith", "-p", "+1 555 010 2030", "--company", "Acme")
    cli.ok("add", "John Smith", "-p", "+1 555 010 2030", "--company", "Acme Inc")
    for threshold in ("50", "60", "85", "90"):
        rows = json.loads(cli.ok("dupes", "--threshold", threshold, "-f", "json").stdout)
        assert [(r["keep_id"], r["other_id"], r["reason"]) for r in rows] == [
            (3, 4, "similar name at acme"), (1, 2, "same email, different names")], threshold


def test_cli_dupes_and_merge(cli):
    cli.ok("add", "John Doe", "-e", "john.doe@gmail.com")
    cli.ok("add", "Johnny", "-e", "johndoe@gmail.com", "--company", "Acme")
    rows = json.loads(cli.ok("dupes", "-f", "json").stdout)
    assert rows == [{"score": 100.0, "keep_id": 1, "keep_name": "John Doe", "keep_email": "john.doe@gmail.com",
                     "other_id": 2, "other_name": "Johnny", "other_email": "johndoe@gmail.com",
                     "reason": "same email"}]
    table = cli.ok("dupes").stdout.splitlines()
    assert table[0].split() == ["SCORE", "KEEP", "NAME", "OTHER", "NAME", "REASON"]
    result = cli("merge", "john.doe@gmail.com", "2", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "merged 2 (Johnny) into 1 (John Doe): company, emails" in result.stderr
    (john,) = json.loads(cli.ok("list", "-f", "json").stdout)
    assert john["emails"] == ["john.doe@gmail.com", "johndoe@gmail.com"]
    assert cli.ok("dupes", "-f", "json").stdout == "[]\n"
    assert cli("merge", "1", "1").exit_code == 2  # before any question
    assert cli("merge", "1", "99").exit_code == 3


def test_a_shared_inbox_of_two_names_is_not_a_sure_pair(store):
    c = store.contacts
    jane = c.add("Jane Smith", emails=["smithfamily+jane@gmail.com"])
    john = c.add("John Smith", emails=["smith.family@gmail.com"])
    ada = c.add("Ada Lovelace", emails=["ada@ex.org"])
    ada2 = c.add("A. Lovelace", emails=["Ada+crm@ex.org"])
    assert [(p.keep_id, p.other_id, p.score, p.reasons) for p in find_duplicates(store)] == [
        (ada.id, ada2.id, 100.0, ("same email",)),
        (jane.id, john.id, 90.0, ("same email, different names",))]   # after the sure ones


def test_every_pair_of_a_shared_number_is_scored(store):
    c = store.contacts
    c.add("Tom Smith", phones=["+1 415 555 0100"])
    ann = c.add("Ann Smith", phones=["+1 415 555 0100"])
    ann2 = c.add("Ann Smith", phones=["(415) 555-0100"])
    assert [(p.keep_id, p.other_id, p.score) for p in find_duplicates(store)] == [
        (ann.id, ann2.id, 95.0)]


def test_names_that_agree_at_one_company_pair_and_birthdays_part_them(store):
    c = store.contacts
    j = c.add("J. Smith", company="Smith & Sons")
    john = c.add("John Smith", company="Smith & Sons Ltd")
    jane = c.add("Dr. Jane Doe", company="Acme S.A.")
    doe = c.add("Jane Doe", company="ACME SA")
    c.add("Ed Stone", company="Stone plc", birthday="1950-05-05")
    c.add("Ed Stone", company="Stone plc", birthday="1980-05-05")   # father and son
    c.add("William Łukaszewicz", company="Monarch")
    c.add("Łukasz Williams", company="Monarch")                      # words only start alike
    c.add("S. Stone", company="Quarry")
    c.add("John Stone", company="Quarry")                            # S. is not Stone again
    jon = c.add("J. Jones", company="Jones & Co")
    jonathan = c.add("Jonathan Jones", company="Jones & Co")         # 67 alike, but abbreviated
    c.add("Zed Quux", company="Jones & Co")
    c.add("Zora Quip", company="Jones & Co")                         # alike, but below 60
    kim = c.add("Kim Park", company="Initech")
    k = c.add("K. Park", company="Initech")                          # the full name came first
    pairs = {(p.keep_id, p.other_id): (p.score, p.reasons) for p in find_duplicates(store)}
    assert pairs == {
        (j.id, john.id): (90.0, ("names agree at smith sons",)),
        (jane.id, doe.id): (90.0, ("names agree at acme",)),
        (jon.id, jonathan.id): (90.0, ("names agree at jones",)),
        (kim.id, k.id): (90.0, ("names agree at initech",)),
    }
    low = {(p.keep_id, p.other_id) for p in find_duplicates(store, threshold=0)}
    assert all(store.contacts.get(b).name != "Zora Quip" for _, b in low)


@pytest.mark.parametrize("company, key", [
    ("Acme S.A.", "acme"), ("ACME SA", "acme"), ("N.A.S.A.", "nasa"), ("Acme N.V.", "acme"),
    ("Acme Pte. Ltd.", "acme"), ("The Acme Company", "acme"), ("Acme Incorporated", "acme"),
    ("Acme LLP", "acme"), ("The Company", "the"),
])
def test_company_keys_drop_dotted_and_longer_legal_forms(company, key):
    from tinycrm.store.dupes import company_key

    assert company_key(company) == key


def test_a_merge_leaves_one_open_follow_up_per_rule_and_no_cadence_reminder_twice(cli):
    cli.ok("add", "Ann Lee", "-e", "ann@a.com")                 # each a new-lead follow-up
    cli.ok("add", "Ann Lee", "-e", "ann.lee@gmail.com")
    cli.ok("cadence", "2", "30d")
    cli.ok("log", "2", "call", "--kind", "call", "--at", "2026-10-01")
    assert cli.ok("remind", "--all").stdout.count("[contact 2]") == 1
    cli.ok("merge", "1", "2", "--yes")
    followups = json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)
    assert sorted(f["status"] for f in followups if f["rule"] == "new-lead") == [
        "cancelled", "open"]
    assert cli.ok("remind", "--all").stdout == ""


def test_an_id_merged_away_says_where_it_went(cli):
    cli.ok("--no-rules", "add", "Ada", "-e", "ada@ex.org")
    cli.ok("--no-rules", "add", "Ada L", "-e", "ada@work.example")
    cli.ok("merge", "1", "2", "--yes")
    for args in (("show", "2"), ("tag", "2", "vip"), ("merge", "1", "2")):
        result = cli(*args)
        assert result.exit_code == 3 and "contact 2 was merged into contact 1" in result.stderr


def test_different_birthdays_part_a_shared_address_and_a_day_without_a_year_is_compared(store):
    c = store.contacts
    c.add("John Smith", emails=["js@ex.org"], birthday="1950-05-05")
    c.add("John Smith Jr.", emails=["JS+jr@ex.org"], birthday="1980-05-05")
    day = c.add("Ann Lee", phones=["+1 415 555 0199"], birthday="--05-06")
    year = c.add("Ann Lee", phones=["(415) 555-0199"], birthday="1970-05-06")
    c.add("Ann Lee", phones=["415 555 0199"], birthday="--07-01")
    assert [(p.keep_id, p.other_id) for p in find_duplicates(store, threshold=0)] == [
        (day.id, year.id)]


@pytest.mark.parametrize("later", [1, 2])
def test_a_merge_keeps_the_rule_follow_up_due_first(cli, later):
    for n, email in ((1, "ann@a.com"), (2, "ann.lee@gmail.com")):
        at = "2026-11-23T12:00:00Z" if n == later else "2026-11-23T09:30:00Z"
        assert cli("add", "Ann Lee", "-e", email, env={"TINYCRM_NOW": at}).exit_code == 0
    cli.ok("merge", "1", "2", "--yes")
    states = {f["id"]: f["status"]
              for f in json.loads(cli.ok("follow-up", "list", "--all", "-f", "json").stdout)}
    assert states == {later: "cancelled", 3 - later: "open"}


def test_a_profile_many_contacts_hold_pairs_none_of_them(store):
    for i in range(26):   # a "referred by" field, not who they are
        store.contacts.add(f"Person {i}", fields={"referred_by": "https://linkedin.com/in/the-boss"})
    a = store.contacts.add("Ada L", fields={"linkedin": "https://linkedin.com/in/ada-1815"})
    b = store.contacts.add("Ada Lovelace", fields={"url": "linkedin.com/in/Ada-1815/"})
    assert [(p.keep_id, p.other_id) for p in find_duplicates(store)] == [(a.id, b.id)]



def test_a_profile_or_a_number_25_contacts_hold_still_pairs_them(store):
    """More than 25 is a "referred by" field or a switchboard; 25 is not yet."""
    people, anns = set(), set()
    for i in range(25):
        people.add(store.contacts.add(
            f"Person {i}", fields={"referred_by": "https://linkedin.com/in/the-boss"}).id)
        anns.add(store.contacts.add("Ann Smith", phones=["+1 415 555 0100"]).id)
    pairs = {(p.keep_id, p.other_id) for p in find_duplicates(store, threshold=0)}
    assert len([p for p in pairs if set(p) <= people]) == 25 * 24 // 2
    assert len([p for p in pairs if set(p) <= anns]) == 25 * 24 // 2


# -- names at one company, against every pair compared by hand ----------------------


def _name_pairs_by_brute_force(people, threshold: float) -> dict:
    """What ``find_duplicates`` lists for names, from every two people at one
    company, by the rule the README gives: the token-sort ratio of the folded
    names, two names meeting only when a word of each starts with the same
    letter; a name with an initial looked at down to 60, the others down to 70
    (or to the threshold when it is over 90, where no abbreviation counts); one
    name that abbreviates the other scores 90 at least; none under 60; different
    birthdays part a pair."""
    from tinycrm.store.dupes import (
        NAME_FLOOR,
        _abbreviates,
        born_apart,
        company_key,
        name_words,
    )

    floor = max(threshold, NAME_FLOOR)
    abbreviations = threshold <= 90
    expected = {}
    for a, b in itertools.combinations(people, 2):
        company = company_key(a.company)
        if company is None or company != company_key(b.company):
            continue
        name_a, name_b = (" ".join(sorted(name_words(p.name))) for p in (a, b))
        words_a, words_b = name_a.split(), name_b.split()
        if not ({w[0] for w in words_a} or {""}) & ({w[0] for w in words_b} or {""}):
            continue
        if abbreviations and any(len(w) == 1 for w in words_a + words_b):
            cutoff = NAME_FLOOR
        else:
            cutoff = min(floor, 70) if abbreviations else floor
        score, reason = fuzz.ratio(name_a, name_b), f"similar name at {company}"
        if score < cutoff:
            continue
        if score < 90 and _abbreviates(name_a, name_b):
            score, reason = 90.0, f"names agree at {company}"
        if score >= floor and not born_apart(a.birthday, b.birthday):
            expected[(min(a.id, b.id), max(a.id, b.id))] = (score, (reason,))
    return expected


def _listed(store, threshold: float) -> list:
    return [((p.keep_id, p.other_id), (p.score, p.reasons))
            for p in find_duplicates(store, threshold=threshold)]


def _best_first(pairs: dict) -> list:
    return sorted(pairs.items(), key=lambda item: (-item[1][0], item[0]))


FIRSTS = ["Ada", "Ana", "Anna", "Jon", "John", "Joan", "Jane", "Janet", "Kim", "Kai", "Zoë"]
LASTS = ["Smith", "Smyth", "Smithson", "Lee", "Li", "Park", "Parks", "Doe", "Dow", "Łukasz"]


def _a_name(rng: random.Random) -> str:
    first, last = rng.choice(FIRSTS), rng.choice(LASTS)
    return rng.choice([
        f"{first} {last}", f"{first} {last}", f"{first[0]}. {last}", f"{last}, {first}",
        f"Dr. {first} {last}", f"{first} {rng.choice('ABJK')}. {last}", first,
        f"{first} {last[0]}.", f"{first} {last}-{rng.choice(LASTS)}", f"{first}{last}",
        f"{first[0]}. {last[0]}.", "???", f"Agent {rng.choice(['7', '07', '007'])}",
    ])


@pytest.mark.parametrize("threshold", [0, 60, 70, 84, 85, 90, 91, 95, 100])
def test_names_at_one_company_pair_as_comparing_every_two_would(store, threshold):
    """A few companies (each spelt several ways) of people whose names are
    near one another in every way the rule knows: the same, a letter off,
    words in another order, cut to initials, a word more, a birthday apart."""
    rng = random.Random(threshold)
    companies = ["Initech Ltd", "INITECH", "Globex Inc", "globex", "Umbrella"]
    birthdays = [None, None, None, "1980-01-02", "1990-03-04", "--01-02"]
    for _ in range(220):
        store.contacts.add(_a_name(rng), company=rng.choice(companies),
                           birthday=rng.choice(birthdays))
    people = store.contacts.get_many(range(1, 221))
    expected = _name_pairs_by_brute_force(people, threshold)
    assert expected   # (the case is not empty at any threshold)
    assert _listed(store, threshold) == _best_first(expected)


def _fill_company(store, count: int, company: str, seed: int) -> None:
    """``count`` people at one company, named from a few common first and last
    names, so that many share a name and most share a word with many."""
    from tinycrm.store.bulk import NewContact, insert_contacts
    from tinycrm.store.demo import FIRST, LAST

    rng = random.Random(seed)
    stamp = "2026-01-01T00:00:00Z"
    with store.write() as conn:
        insert_contacts(conn, [
            NewContact(name=f"{rng.choice(FIRST[:25])} {rng.choice(LAST[:25])}", owner="alice",
                       created_at=stamp, company=company)
            for _ in range(count)
        ], updated_at=stamp)


def test_a_big_company_still_finds_its_near_duplicate_names(store):
    """The shape that was slow: hundreds of people at one company (spelt two
    ways), many of them with the same name. Planted pairs are found with the
    score they had at a small company, and every pair listed is the one
    comparing every two people would list."""
    _fill_company(store, 400, "Google", seed=1)
    _fill_company(store, 200, "Google LLC", seed=2)
    c = store.contacts
    planted = {
        "typo": (c.add("Zorava Kelvinson", company="Google"),
                 c.add("Zorava Kelvinsno", company="GOOGLE LLC")),
        "order": (c.add("Zora Kelvin-Del", company="Google"),
                  c.add("Kelvin Del, Zora", company="Google")),
        "initial": (c.add("Z. Quillane", company="Google"),
                    c.add("Zebadiah Quillane", company="Google, LLC")),
        "word left out": (c.add("Dr. Mirela Tosk", company="Google"),
                          c.add("Mirela Tosk", company="Google")),
        "same name": (c.add("Ivo Brandt", company="Google"),
                      c.add("Ivo Brandt", company="Google")),
    }
    c.add("Ivo Brandt", company="Google", birthday="1950-01-01")
    c.add("Ivo Brandt", company="Google", birthday="1990-01-01")   # father and son
    c.add("Zorava Kelvinson", company="Globex")                    # another company
    pairs = {(p.keep_id, p.other_id): (p.score, p.reasons) for p in find_duplicates(store)}
    assert {kind: pairs.get((a.id, b.id)) for kind, (a, b) in planted.items()} == {
        "typo": (fuzz.ratio("kelvinson zorava", "kelvinsno zorava"), ("similar name at google",)),
        "order": (100.0, ("similar name at google",)),
        "initial": (90.0, ("names agree at google",)),
        "word left out": (90.0, ("names agree at google",)),
        "same name": (100.0, ("similar name at google",)),
    }
    people = c.get_many(range(1, c.count() + 1))
    assert sum(company_key(p.company) == "google" for p in people) == 612
    for threshold in (85, 60):
        expected = _name_pairs_by_brute_force(people, threshold)
        assert _listed(store, threshold) == _best_first(expected)


def test_more_people_with_the_same_names_are_not_compared_again(store, monkeypatch):
    """A company's names are compared once per name: four times the people
    with the same names take as many comparisons as before (sixteen times as
    many when every person was compared with every other). Counted, not timed."""
    import rapidfuzz.fuzz

    ratio, calls = rapidfuzz.fuzz.ratio, [0]

    def counted(*args, **kwargs):
        calls[0] += 1
        return ratio(*args, **kwargs)

    monkeypatch.setattr(rapidfuzz.fuzz, "ratio", counted)
    names = [f"{first} {last}" for first in ("Ann", "Anna", "John", "J.", "Kim")
             for last in ("Smith", "Smyth", "Lee", "Park")]

    def comparisons(people: int) -> tuple[int, int]:
        for i in range(people - store.contacts.count()):
            store.contacts.add(names[i % len(names)], company="Initech")
        calls[0] = 0
        found = len(find_duplicates(store))
        return calls[0], found

    few, few_pairs = comparisons(60)
    many, many_pairs = comparisons(240)
    assert many_pairs > 10 * few_pairs   # (the same names pair four times as many people)
    assert many < 2 * few, (few, many)


@pytest.mark.parametrize("typed, meant", [(".85", "85"), ("0.9", "90"), ("0.875", "87.5"),
                                          ("0.07", "7")])
def test_a_threshold_given_as_a_fraction_is_refused_with_the_score_it_may_mean(cli, typed, meant):
    """--threshold is 0-100: .85 read as a score showed nearly every pair."""
    cli.ok("--no-rules", "add", "Ada Lovelace", "-p", "+1 555 010 2030")
    cli.ok("--no-rules", "add", "Bob Stone", "-p", "555 010 2030")  # (60: a switchboard)
    result = cli("dupes", "--threshold", typed)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith(f"--threshold is 0-100: did you mean {meant}?\n")
    cli.ok("dupes", "--threshold", meant)  # (what it suggests is taken)
    assert len(json.loads(cli.ok("dupes", "--threshold", "0", "-f", "json").stdout)) == 1


def test_a_threshold_that_is_no_number_is_shown_examples_the_option_takes(cli):
    """It said "like 10, 2.5 or .5", and .5 is then refused as a fraction."""
    result = cli("dupes", "--threshold", "abc")
    assert result.exit_code == 2
    assert "(like 10 or 2.5)" in result.stderr
    assert cli("dupes", "--threshold", "2.5").exit_code == 0
