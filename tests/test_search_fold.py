"""folded_words and SearchRows are the import's short ways to words(search_fold(text))
and haystack_for: they must agree on every text, or search would miss imported contacts."""

from __future__ import annotations

import random
import unicodedata
from collections import Counter

import pytest

from tinycrm.store.search import (
    SearchRows,
    folded_words,
    haystack_for,
    search_fold,
    words,
)
from tinycrm.store.textutil import fold

TRICKY = ["Ada  Lovelace", "O'Brien-Smith\tx", "JOSÉ Ñandú", "Łukasz Ørsted", "a_b c__d",
          "x.y@z.example", "", "  ", "İstanbul ß", "tab\there\nnl", "123-456", "ǅemal", "ﬁnance"]


@pytest.mark.parametrize("text", TRICKY)
def test_folded_words_agrees_with_the_long_way(text):
    assert folded_words(text) == words(search_fold(text))


def test_folded_words_agrees_on_random_text():
    rng = random.Random(7)
    alphabet = "abcXYZ _-.'\u00e9\u0141\t\n0123\u2019\u00df"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(5000)]
    assert [folded_words(t) for t in texts] == [words(search_fold(t)) for t in texts]
    assert any(folded_words(t) for t in texts)


def _rows_the_long_way(entries):
    rows = {cid: (cid, " ".join(words(search_fold(name))), haystack_for(name, emails, company, tags))
            for cid, name, emails, company, tags in entries}
    return list(rows.values())


@pytest.mark.parametrize("ascii_only", [True, False])
def test_search_rows_of_a_chunk_agree_with_each_contact_the_long_way(ascii_only):
    """SearchRows folds a chunk's ASCII text in one go; its rows and word
    counts must be the ones each contact gets on its own."""
    rng = random.Random(11)
    alphabet = "abcXYZ _-.'@0123+" + ("" if ascii_only else "\u00e9\u0141\u2019\u00df")
    pick = lambda n: "".join(rng.choice(alphabet) for _ in range(rng.randint(0, n)))  # noqa: E731
    entries = [(rng.randint(1, 400), pick(16), [pick(12) for _ in range(rng.randint(0, 2))],
                rng.choice([None, pick(10)]), [pick(6) for _ in range(rng.randint(0, 2))])
               for _ in range(800)]
    found = SearchRows(entries)
    expected = _rows_the_long_way(entries)
    assert found.rows == expected
    counts = Counter(w for _, _, haystack in expected for w in set(haystack.split()))
    assert dict(found.terms) == counts
    assert found.ids == [cid for cid, _, _ in expected]


def test_search_rows_take_the_long_way_for_a_newline():
    entries = [(1, "Ada\nLovelace", [], None, []), (2, "Grace-Hopper", ["g@x.example"], "Navy", [])]
    assert SearchRows(entries).rows == _rows_the_long_way(entries)


def _fold_whole(text: str) -> str:
    """textutil.fold as it was defined first: the whole text at once (with
    the letters Unicode doesn't decompose mapped since)."""
    from tinycrm.store.textutil import _LATIN

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.translate(_LATIN)
    if plain.casefold() != plain:
        decomposed = unicodedata.normalize("NFKD", plain.casefold())
        plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LATIN)
    return " ".join(plain.split())


def test_fold_word_by_word_agrees_with_folding_the_whole_text():
    # Combining accents after a space, compatibility letters that decompose
    # to a space and an accent (¨ ¯), separators that split() takes for
    # spaces (\x1c, NEL, NBSP, ideographic space), ligatures, final sigma.
    rng = random.Random(3)
    alphabet = ("aZ \u0301\u0308\u00a8\u00af\u00a0\u3000\x1c\x85\t\ufb01\u01c5"
                "\u03a3\u03c2\u00df\u0130\u1e9e\u00e9e\u0141\u2460\uff21")
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10))) for _ in range(20000)]
    assert [fold(t) for t in texts] == [_fold_whole(t) for t in texts]
    assert any(" " in fold(t) and not t.isascii() for t in texts)


@pytest.mark.parametrize("text,folded", [
    ("ACME™", "acmetm"), ("𝐉𝐨𝐡𝐧", "john"), ("№1", "no1"), ("₨", "rs"), ("ϲ", "σ"),
    ("İstanbul", "istanbul"), ("Łukasz Żółć", "lukasz zolc"),
])
def test_fold_leaves_no_capital_that_nfkd_makes(text, folded):
    """NFKD after casefold made capitals (™ is TM): the haystack kept them,
    FTS5 lowercases its words, and the two disagreed."""
    assert fold(text) == folded


def test_search_finds_styled_letters_as_typed_and_old_rows_are_folded_again(tmp_path):
    from tinycrm.store import Store

    from .import_helpers import database_before
    from .test_search import index_is_sound

    db_path = tmp_path / "old" / "crm.db"
    db = database_before(db_path, "m046_search_words_folded_twice")
    db.execute("INSERT INTO contacts (id, uid, name, owner, created_at, updated_at) VALUES"
               " (1, 'u1', '𝐉𝐨𝐡𝐧 ACME™', 'alice', '2026-11-23T09:30:00Z', '2026-11-23T09:30:00Z')")
    # What m002's index held for it before: the capitals NFKD made.
    db.execute("INSERT INTO contact_search VALUES (1, 'John acmeTM', 'John acmeTM')")
    db.execute("INSERT INTO contact_search_fts (rowid, haystack) VALUES (1, 'John acmeTM')")
    db.execute("INSERT INTO contact_search_terms VALUES ('John', 1), ('acmeTM', 1)")
    db.conn.commit()
    db.close()
    with Store(db_path, user="alice") as store:
        assert store.conn.execute("SELECT name, haystack FROM contact_search").fetchone() == (
            "john acmetm", "john acmetm")
        index_is_sound(store)
        [(found, score)] = store.search.search("john acme™")
        assert (found.id, score) == (1, 100.0)
        bold = store.contacts.add("𝐉𝐨𝐡𝐧 Smith")
        assert [c.id for c, _ in store.search.search("john smith")][:1] == [bold.id]
        store.contacts.delete(1)
        index_is_sound(store)  # (no word of it left behind)
