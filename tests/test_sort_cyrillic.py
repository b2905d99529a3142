"""Cyrillic letters of their own sort as letters of their own: й after every
и-word (Russian, Ukrainian, Bulgarian, Belarusian), Ukrainian і ї after и,
ґ after г, є after е, Serbian and Macedonian ђ ѓ ѕ ј љ њ ћ ќ џ, Belarusian ў;
ё as е, as Russian sorts it. Search still folds them (и finds Йоган), and an
older database has its keys worked out again by a migration that reads only
the contacts whose names can have another key."""

from __future__ import annotations

import json
import random
import sqlite3
import unicodedata

import pytest

from tinycrm.store import Store
from tinycrm.store.sortkeys import sort_key
from tinycrm.store.textutil import fold

from .test_migrations import older_database
from .test_sort_keys_check import keys_line
from .test_sort_names import add_shuffled, import_sorts_both_ways, keys_kept, listed
from .test_tui import keys, make_app, names, settle

# In the order of the alphabets, one after another (written out, not worked out).
IN_ORDER = [
    "Гнат Юра",        # г
    "Ґанна Бойко",     # ґ after г (Ukrainian)
    "Дарина Лис",      # д
    "Ђорђе Балашевић", # ђ after д (Serbian)
    "Ѓорѓи Попов",     # ѓ after д too (Macedonian)
    "Елена Ким",       # е
    "Ёлкин Пётр",      # ё as е (Russian): between елена and ефим
    "Ефим Шульц",
    "Євген Марченко",  # є after е (Ukrainian)
    "Зоран Илић",
    "Ѕвезда Ристова",  # ѕ after з (Macedonian)
    "Иван Петров",     # и
    "ия Орлова",       # (lower case: case aside)
    "Іван Франко",     # і after и (Ukrainian, Belarusian)
    "Їжак Олег",       # ї after і (Ukrainian)
    "Йоган Штраус",    # й after all of them
    "йоган Штраус",    # (alike but for case: as written)
    "Јован Јовић",     # ј after и too (Serbian, Macedonian)
    "Кира Ли",
    "Лука Мишић",
    "Љубица Ђурић",    # љ after л
    "Нина Рос",
    "Његош Петровић",  # њ after н
    "Тома Зец",
    "Ћирил Ћосић",     # ћ after т (Serbian)
    "Ќиро Глигоров",   # ќ after т too (Macedonian)
    "Уна Бел",
    "Ўладзімір Кароткі",  # ў after у (Belarusian)
    "Фома Гордеев",
    "Чедо Вук",
    "Џон Џонс",        # џ after ч
    "Ярослав Мудрый",
]


def test_the_key_keeps_the_letters_of_their_own_apart_and_folds_the_rest():
    assert sort_key("ЙОГАН") == sort_key("йоган") != sort_key("иоган") == fold("Йоган")
    assert sort_key("Ёлкин") == sort_key("елкин") == fold("Ёлкин")
    # (Written apart, as macOS may: и and a breve, і and a diaeresis, г and an acute.)
    for name in ("Йоган", "Їжак", "Ўладзімір", "Ѓорѓи", "Ќиро"):
        assert sort_key(unicodedata.normalize("NFD", name)) == sort_key(name) != fold(name)
    # Latin letters and the rest are as search folds them: å ä ö are a a o, ñ is n.
    for text in ("Åsa Öberg", "Ñandú", "Łukasz", "Ægir", "Ελένη", "Әлия", "ӑрам"):
        assert sort_key(text) == fold(text)


def test_the_list_sorts_by_the_alphabets_order(store, cli):
    add_shuffled(store, IN_ORDER)
    assert listed(store) == IN_ORDER
    assert [c["name"] for c in json.loads(cli.ok("list", "-f", "json").stdout)] == IN_ORDER
    keys_kept(store)
    assert keys_line(cli.ok("db", "check").stdout) == "sort keys:    ok"


def test_companies_too(store):
    for name, company in [("A", "Йота"), ("B", "Иртыш"), ("C", "Кедр"), ("D", None),
                          ("E", "Ізюм"), ("F", "Ия")]:
        store.contacts.add(name, company=company)
    assert listed(store, "company") == ["D", "B", "F", "E", "A", "C"]


def test_search_still_finds_a_letter_of_its_own_by_its_plain_one(store, cli):
    """Search compares folded text: и finds й, і finds ї, у finds ў."""
    add_shuffled(store, IN_ORDER)
    for typed, name in [("иоган", "Йоган Штраус"), ("Йоган", "Йоган Штраус"),
                        ("іжак", "Їжак Олег"), ("уладзімір", "Ўладзімір Кароткі"),
                        ("елкин", "Ёлкин Пётр"), ("горги", "Ѓорѓи Попов")]:
        found = [c["name"] for c in json.loads(cli.ok("search", typed, "-f", "json").stdout)]
        assert name in found, (typed, found)


def test_a_name_is_found_by_its_spelling_in_another_case(store, cli):
    jogan = store.contacts.add("Йоган Штраус").id
    store.contacts.add("Иоган Штраус")  # another name
    assert json.loads(cli.ok("show", "ЙОГАН штраус", "-f", "json").stdout)["id"] == jogan


@pytest.mark.parametrize("way", ["lane", "rows"])
def test_an_imports_contacts_sort_so_both_ways(tmp_path, monkeypatch, way):
    import_sorts_both_ways(tmp_path, monkeypatch, way, IN_ORDER)


async def test_the_app_lists_them_in_that_order_both_ways(store):
    add_shuffled(store, IN_ORDER)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert names(app) == IN_ORDER
        await keys(app, pilot, "O")
        assert names(app) == IN_ORDER[::-1]


# -- an older database -----------------------------------------------------------------

ROW = ("INSERT INTO contacts (uid, name, company, owner, created_at, updated_at)"
       " VALUES (?, ?, ?, 'alice', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')")
MIGRATION = "m056_sort_keys_keep_cyrillic_letters_apart"


def test_an_older_database_gets_the_new_keys_of_those_names_alone(db_path, cli):
    shuffled = list(IN_ORDER)
    random.Random(5).shuffle(shuffled)
    older_database(db_path, MIGRATION, *(
        (ROW, [f"u{i}", name, "Їжак і Йорж" if i % 3 else None])
        for i, name in enumerate(shuffled)),
        (ROW, ["nfd", unicodedata.normalize("NFD", "Йоган Штраус"), None]),  # (и and a breve)
        (ROW, ["blob", "Ћирил Ћосић".encode(), None]),  # (an edit in SQL left bytes)
        (ROW, ["ascii", "Zed Zeller", None]))
    conn = sqlite3.connect(db_path)
    with conn:  # the keys as the step before left them: folded, as search folds
        conn.executemany(
            "UPDATE contacts SET name_key = ?, company_key = ? WHERE id = ?",
            [(fold(n if isinstance(n, str) else n.decode()), c and fold(c), i)
             for i, n, c in conn.execute("SELECT id, name, company FROM contacts")])
        # A key a hand edit left wrong, on a name that no letter here is in: the
        # step reads only the contacts whose names can have another key.
        conn.execute("UPDATE contacts SET name_key = 'aaa' WHERE uid = 'ascii'")
        zed = conn.execute("SELECT id FROM contacts WHERE uid = 'ascii'").fetchone()[0]
    conn.close()
    with Store(db_path, user="alice") as store:
        assert store.migrated[0] == MIGRATION  # (and any that came after it)
        for uid, name, company, *stored in store.conn.execute(
                "SELECT uid, name, company, name_key, company_key FROM contacts"):
            if uid != "ascii":
                assert stored == [sort_key(name), sort_key(company)], uid
        # (The name left as bytes is listed as its text, beside its namesake.)
        blob = IN_ORDER.index("Ћирил Ћосић")
        assert [n for n in listed(store) if n in IN_ORDER] == (
            IN_ORDER[:blob + 1] + IN_ORDER[blob:])
    # db check agrees with the new keys: only the hand-edited one is out of date.
    assert keys_line(cli("db", "check").stdout) == (
        f"sort keys:    PROBLEM  1 contact's sort keys are out of date (id {zed}): out of place"
        " in the list and not found by name; work them out again: tinycrm db reindex")
