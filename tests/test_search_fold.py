"""folded_words is the import's short way to words(search_fold(text)): the two
must agree on every text, or search would miss imported contacts."""

from __future__ import annotations

import random

import pytest

from tinycrm.store.search import folded_words, search_fold, words

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
