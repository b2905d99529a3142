"""Names and companies sort as an address book sorts them: case and accents
aside (Émile beside Emil, Łukasz among the L's, "ada" beside "Ada"), then as
written, then by id. The keys are stored beside the text (store/sortkeys.py)
by every writer: adding, editing, an import's two lanes, merging, erasing
and undoing an import; and an old database gets them when it is upgraded."""

from __future__ import annotations

import io
import json
import random
import sqlite3

import pytest

from tinycrm.store import ContactFilter, Store, StoreSettings, importer
from tinycrm.store.browse import Browse
from tinycrm.store.import_types import ImportOptions
from tinycrm.store.sortkeys import sort_key

from .conftest import FROZEN
from .test_migrations import older_database, schema
from .test_tui import keys, make_app, names, settle, table

# In the order an address book gives them (written out, not worked out).
IN_ORDER = [
    "Ada Lovelace",     # ada lovelace
    "Æsir Dahl",        # aesir dahl
    "ángel Ruiz",       # angel ruiz (a lower-case accented initial)
    "Ängström Anders",  # angstrom anders
    "Đorđe Petrović",   # dorde petrovic
    "Emil Berg",        # emil berg: three alike but for case and accent,
    "emil Berg",        # then as written (code point order),
    "Émil Berg",
    "Émile Zola",       # emile zola
    "ıpek Yılmaz",      # ipek yilmaz (a dotless i)
    "Isaac Newton",
    "Lucas Moreau",
    "Łukasz Nowak",     # lukasz nowak
    "Ørsted Hansen",    # orsted hansen
    "Oscar Wilde",
    "Straße Karl",      # strasse karl
    "Þóra Jónsdóttir",  # thora jonsdottir
    "Zoe Adams",
    "zoë Brown",
]


def add_shuffled(store: Store, names: list[str], **fields) -> dict[str, int]:
    shuffled = list(names)
    random.Random(7).shuffle(shuffled)
    return {name: store.contacts.add(name, **fields).id for name in shuffled}


def listed(store: Store, order: str = "name", **kw) -> list[str]:
    return [c.name for c in store.contacts.list(order_by=order, **kw)]


def keys_kept(store: Store) -> None:
    """Every contact's stored keys are its name's and company's."""
    for cid, name, company, name_key, company_key in store.conn.execute(
            "SELECT id, name, company, name_key, company_key FROM contacts"):
        assert (name_key, company_key) == (sort_key(name), sort_key(company)), (cid, name, company)


def test_the_key_folds_case_and_accents_and_letters_that_dont_decompose():
    assert [sort_key(t) for t in ("Émile", "ŁÓDŹ", "Ørsted", "Æbleskiver", "Straße", "Đakovo",
                                  "Þór", "Œuvre", "ıpek", "İstanbul", "ACME™", " Ada  King ")] == [
        "emile", "lodz", "orsted", "aebleskiver", "strasse", "dakovo", "thor", "oeuvre", "ipek",
        "istanbul", "acmetm", "ada king"]
    assert sort_key(None) is None
    assert sort_key(b"Caf\xc3\xa9") == "cafe"  # (a BLOB an edit in SQL left)


def test_the_list_sorts_by_name_as_an_address_book_does(store):
    ids = add_shuffled(store, IN_ORDER)
    twin = store.contacts.add("Oscar Wilde").id  # the same name again: by id
    expected = [*IN_ORDER]
    expected.insert(IN_ORDER.index("Oscar Wilde") + 1, "Oscar Wilde")
    assert listed(store) == expected
    wildes = [c.id for c in store.contacts.list() if c.name == "Oscar Wilde"]
    assert wildes == sorted([ids["Oscar Wilde"], twin])
    keys_kept(store)


def test_companies_sort_the_same_way_then_by_name(store):
    for name, company in [("Bea", "Ørsted A/S"), ("Al", "oracle"), ("Cy", "Élan"),
                          ("Di", "ORACLE"), ("Ed", "Acme"), ("Flo", None), ("Ann", "élan")]:
        store.contacts.add(name, company=company)
    # (Without a company first, as before; companies alike but for case mix, by name.)
    assert listed(store, "company") == ["Flo", "Ed", "Ann", "Cy", "Al", "Di", "Bea"]
    assert listed(store, "stage") == ["Al", "Ann", "Bea", "Cy", "Di", "Ed", "Flo"]


def test_the_cli_lists_in_that_order(store, cli):
    add_shuffled(store, IN_ORDER, company="Ørsted A/S")
    store.contacts.add("Bo Zed", company="Oracle")
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == sorted(
        [*IN_ORDER, "Bo Zed"], key=lambda n: (sort_key(n), n))
    by_company = json.loads(cli.ok("list", "--sort", "company", "-f", "json").stdout)
    assert [c["name"] for c in by_company] == ["Bo Zed", *IN_ORDER]
    table_lines = cli.ok("list", "-n", "3").stdout.splitlines()[1:]
    assert [line.split("  ")[1].strip() for line in table_lines] == IN_ORDER[:3]


def test_an_edit_sorts_the_contact_again(store, cli):
    add_shuffled(store, IN_ORDER)
    zoe = store.contacts.resolve("Zoe Adams")
    cli.ok("edit", str(zoe.id), "--name", "Åsa Adams")
    assert listed(store)[:5] == [
        "Ada Lovelace", "Æsir Dahl", "ángel Ruiz", "Ängström Anders", "Åsa Adams"]
    store.contacts.edit(zoe.id, {"name": "Zygmunt Ørsted", "company": "Łódź Co"})
    assert listed(store)[-1] == "Zygmunt Ørsted"
    keys_kept(store)


def test_a_name_is_found_by_its_spelling_in_another_case(store, cli):
    """Lookups by name go through the name index, which holds the keys now."""
    emile = store.contacts.add("Émile Zola").id
    store.contacts.add("Emile Zola")  # alike but for the accent: another name
    assert store.contacts.resolve("ÉMILE ZOLA").id == emile
    assert store.contacts.resolve("émile zola").id == emile
    assert json.loads(cli.ok("show", "ÉMILE zola", "-f", "json").stdout)["id"] == emile


def test_lookups_by_name_read_the_name_index_not_every_contact(store):
    """The name index is by key now: a lookup by name (a REF, an import's
    row known by its name alone) goes through the key, not a scan."""
    from tinycrm.store.demo import fill
    from tinycrm.store.import_namesakes import contacts_named

    fill(store, 3000, seed=3)
    someone = store.contacts.add("Ærøskøbing Ferry")
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    store.conn.set_progress_handler(tick, 100)
    try:
        found = store.contacts.resolve("ÆRØSKØBING ferry")
        named = contacts_named(store.conn, ["ærøskøbing FERRY", "Nobody Of That Name"])
    finally:
        store.conn.set_progress_handler(None, 0)
    assert found.id == someone.id and [cid for cid, _, _ in named] == [someone.id]
    # (In hundreds of SQLite VM steps: a few here; over 300 reading every contact.)
    assert steps[0] < 50, steps[0]


# -- imports -------------------------------------------------------------------------


def _csv(names: list[str], *, uids: bool = False) -> bytes:
    lines = ["name,email,company" + (",uid" if uids else "")]
    for i, name in enumerate(names):
        lines.append(f"{name},p{i}@example.com,{'Ørsted A/S' if i % 2 else 'acme'}"
                     + (f",uid-{i}" if uids else ""))
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("way", ["lane", "rows"])
def test_an_imports_contacts_sort_by_name_both_ways(tmp_path, monkeypatch, way):
    import_sorts_both_ways(tmp_path, monkeypatch, way, IN_ORDER)


def import_sorts_both_ways(tmp_path, monkeypatch, way: str, in_order: list[str]) -> None:
    """``in_order`` imported shuffled, by the import's fast lane or row by
    row (``way``), lists in that order, its keys kept."""
    taken = []
    real = importer.plain_chunk

    def plain_chunk(*args):
        chunk = real(*args) if way == "lane" else None
        taken.append(chunk is not None)
        return chunk

    monkeypatch.setattr(importer, "plain_chunk", plain_chunk)
    shuffled = list(in_order)
    random.Random(3).shuffle(shuffled)
    with Store(tmp_path / "crm.db", user="alice", clock=lambda: FROZEN,
               settings=StoreSettings()) as store:
        importer.import_contacts(store, io.BytesIO(_csv(shuffled)), name="people.csv",
                                 options=ImportOptions())
        assert taken and all(taken) == (way == "lane")
        assert listed(store) == in_order
        keys_kept(store)


def test_an_import_that_renames_and_its_undo_sort_again(store, cli, tmp_path):
    first = tmp_path / "first.csv"
    first.write_bytes(_csv(IN_ORDER, uids=True))
    cli.ok("import", str(first))
    # (The same uid: the same person, renamed; the row path's update.)
    renamed = tmp_path / "renamed.csv"
    renamed.write_bytes(_csv(["Åke Zander" if n == "Zoe Adams" else n for n in IN_ORDER],
                             uids=True))
    cli.ok("import", str(renamed), "--on-duplicate", "update")
    assert listed(store)[:4] == ["Ada Lovelace", "Æsir Dahl", "Åke Zander", "ángel Ruiz"]
    keys_kept(store)
    cli.ok("imports", "undo", "2", "--yes")  # the old name back
    assert listed(store) == IN_ORDER
    keys_kept(store)


def test_a_merge_that_fills_the_company_sorts_by_it(store):
    from tinycrm.store.merge import merge_contacts

    keep = store.contacts.add("Ada Lovelace")
    other = store.contacts.add("Ada L.", company="Ørsted A/S")
    store.contacts.add("Bob", company="Pear")
    store.contacts.add("Cy", company="Oracle")
    merge_contacts(store, keep.id, other.id)
    assert listed(store, "company") == ["Cy", "Ada Lovelace", "Bob"]
    keys_kept(store)


def test_an_erased_address_in_a_name_leaves_it_sorted_by_what_it_says_now(store):
    from tinycrm.store.privacy import erase

    pat = store.contacts.add("Pat 0044 7700 900871", company="Call 0044 7700 900871")
    them = store.contacts.add("Zebulon Quixotic", phones=["0044 7700 900871"])
    erase(store, them.id)
    assert store.contacts.get(pat.id).name == "Pat [erased]"
    keys_kept(store)


# -- the app ---------------------------------------------------------------------------


async def test_the_app_lists_names_in_that_order_both_ways(store):
    add_shuffled(store, IN_ORDER, company="Acme")
    store.contacts.add("Bo", company="Ørsted A/S")
    store.contacts.add("Cy", company="oracle")
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert names(app) == sorted([*IN_ORDER, "Bo", "Cy"], key=lambda n: (sort_key(n), n))
        await keys(app, pilot, "O")  # reversed
        assert names(app)[:3] == ["zoë Brown", "Zoe Adams", "Þóra Jónsdóttir"]
        await keys(app, pilot, "O", "o")  # by company
        assert names(app)[len(IN_ORDER):] == ["Cy", "Bo"]
        assert names(app)[:len(IN_ORDER)] == IN_ORDER


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
async def test_the_apps_pages_meet_in_the_same_order(store, descending):
    """The list reads blocks of 64 rows, the far half from the other end
    (the order reversed): they must meet exactly, with names alike but for
    case, accent or id on either side of a block's edge."""
    from tinycrm.store.bulk import NewContact, insert_contacts

    rng = random.Random(11)
    firsts = ["Émile", "emile", "Emile", "Łukasz", "Lukasz", "Ørsted", "Oscar", "ángel", "Zoë"]
    lasts = ["Zola", "ZOLA", "Nowak", "Ängström", "Adams"]
    people = [NewContact(name=f"{rng.choice(firsts)} {rng.choice(lasts)}", owner="alice",
                         created_at="2026-01-01T00:00:00Z") for _ in range(700)]
    with store.write():
        ids = insert_contacts(store.conn, people, updated_at="2026-01-01T00:00:00Z")
    expected = [n for _, n, _ in sorted((sort_key(p.name), p.name, i)
                                        for p, i in zip(people, ids))]
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        if descending:
            await keys(app, pilot, "O")
        source = table(app).source
        assert type(source).__name__ == "ContactWindow" and len(source) == 700
        assert names(app) == (expected[::-1] if descending else expected)
        await keys(app, pilot, "end")
        assert table(app).current.name == (expected[0] if descending else expected[-1])
    browse = Browse(store)
    assert [browse.position("name", i, descending=descending) for i in ids] == [
        (699 - k if descending else k) for k in _ranks(people, ids)]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_a_contact_without_keys_stands_where_the_page_shows_it(store, descending):
    """Keys a hand edit left NULL sort first (last, reversed): the position
    the app puts its cursor back on counts them where the page has them."""
    add_shuffled(store, ["Ada", "bob", "Émile", "Zed", "carl", "Dora"])
    with store.write():  # (as the sqlite3 shell leaves a contact it renamed)
        store.conn.execute("UPDATE contacts SET name_key = NULL WHERE name IN ('Zed', 'carl')")
    browse = Browse(store)
    page = browse.page(ContactFilter(), "name", descending=descending, limit=10, offset=0)
    assert [browse.position("name", r.id, descending=descending) for r in page] == list(range(6))


def _ranks(people, ids) -> list[int]:
    order = sorted(range(len(ids)), key=lambda k: (sort_key(people[k].name), people[k].name, ids[k]))
    rank = [0] * len(ids)
    for place, k in enumerate(order):
        rank[k] = place
    return rank


# -- an old database -------------------------------------------------------------------

ROW = ("INSERT INTO contacts (uid, name, company, owner, created_at, updated_at)"
       " VALUES (?, ?, ?, 'alice', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')")


def test_an_older_database_gets_the_keys_and_the_index(db_path):
    shuffled = list(IN_ORDER)
    random.Random(5).shuffle(shuffled)
    older_database(db_path, "m054_contact_sort_keys", *(
        (ROW, [f"u{i}", name, None if i % 3 else "Ørsted A/S"]) for i, name in enumerate(shuffled)),
        # (A name an edit in SQL left as bytes.)
        (ROW, ["blob", b"Caf\xc3\xa9 Bleu", "ACME"]))
    fresh = db_path.with_name("fresh.db")
    Store(fresh, user="alice").close()
    with Store(db_path, user="alice") as store:
        assert "m054_contact_sort_keys" in store.migrated
        keys_kept(store)
        assert listed(store)[:3] == ["Ada Lovelace", "Æsir Dahl", "ángel Ruiz"]
        assert [r.name for r in Browse(store).page(ContactFilter(), "name", limit=30, offset=0)
                if r.name in IN_ORDER] == IN_ORDER
        plan = store.conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM contacts c ORDER BY c.name_key, c.name, c.id"
            " LIMIT 50").fetchall()
        assert "USING COVERING INDEX contacts_name" in plan[0][3]
    assert schema(db_path) == schema(fresh)
    assert name_index(db_path) == name_index(fresh) == (
        "CREATE INDEX contacts_name ON contacts(name_key, name)")


def name_index(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT sql FROM sqlite_master WHERE name = 'contacts_name'").fetchone()[0]
    finally:
        conn.close()
