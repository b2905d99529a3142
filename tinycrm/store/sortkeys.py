"""The keys names and companies sort by, kept in their own columns.

A contact list sorts as an address book does: Émile beside Emil, Łukasz
among the L's, "ada" beside "Ada". SQLite's NOCASE folds ASCII letters only
(Émile came after Zoe), and a collation of our own would make the file
unreadable to the sqlite3 CLI and sqlite-utils, which don't have it. So the
key is worked out in Python (``sort_key``) and stored beside the text, in
``contacts.name_key`` and ``contacts.company_key`` (migration m054), by every
writer of a name or company: ``key_values`` gives the columns to write with
them. The list orders by the key, then the text as it is, then the id: a
total order, the same on every read.

The key is search's folding (``textutil.fold``: case folded, accents
dropped, ł ø æ ß đ þ œ ı as l o ae ss d th oe i) but for the Cyrillic
letters that every alphabet writing them counts as letters of their own,
which fold merges into another (й into и, ї into і, ў into у) or leaves
after я, where their code points are (і, є, ґ, ђ, ј, љ, њ...). Each sorts
after the letter its alphabet puts it after (``_AFTER``): и, і, ї, й, ј, so
Йоган comes after every name in И (and І and Ї). In the key such a letter
is that letter and the last code point once or more (``и`` and U+10FFFF for
і, twice for ї...), which comes after anything that can follow the letter.
Russian sorts ё as е, and so does the key. Search still compares by
``fold``: "и" finds Йоган, as it did; only the order and lookups by name
(through the name index) use the key.

One order for every language, not a locale's: the accents of Latin letters
are dropped whatever a language makes of them (Swedish and Finnish put å ä
ö after z, Danish and Norwegian æ ø å, Spanish ñ after n), as the Unicode
Collation Algorithm's default order drops them; and the Cyrillic letters of
other alphabets (Kazakh ә қ ң ө ү ұ һ, Chuvash ӑ ӗ ҫ ӳ) are left as fold
leaves them.

A change to ``fold`` or to ``_AFTER`` changes the keys: a new migration then
works them out again (``fill_keys``, m056 for the Cyrillic letters). The
sqlite3 shell and sqlite-utils don't write the keys: ``db check`` finds the
contacts they added or renamed (``key_drift``), and ``db reindex`` fills them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .textutil import as_text, fold

# The text columns that have a key, and the column that holds it.
KEYED = {"name": "name_key", "company": "company_key"}
# Rows worked out at a time by ``fill_keys``.
_CHUNK = 5000

# Cyrillic letters of their own that fold would merge into another or leave
# after я, by the letter they follow, in their order: Ukrainian г ґ, е є,
# и і ї й; Belarusian і й, у ў; Serbian д ђ, и ј, л љ, н њ, т ћ, ч џ;
# Macedonian д ѓ, з ѕ, и ј, т ќ. (No alphabet has both ђ and ѓ, or ћ and ќ.)
_AFTER = {"г": "ґ", "д": "ђѓ", "е": "є", "з": "ѕ", "и": "іїйј", "л": "љ", "н": "њ",
          "т": "ћќ", "у": "ў", "ч": "џ"}
_LAST = "\U0010ffff"  # (the last code point: after any letter that can follow)
_APART = str.maketrans({
    letter: base + _LAST * n
    for base, letters in _AFTER.items() for n, own in enumerate(letters, 1)
    for letter in (own, own.upper())
})
# Them, and the accents that make some of them written apart (decomposed, as
# macOS may write a name: и and a breve for й): a text without any of them
# has fold's form as its key.
_ANY_KEPT_APART = re.compile("[" + "".join(map(chr, _APART)) + "\u0301\u0306\u0308]")


def sort_key(text: Any) -> str | None:
    """What ``text`` sorts by: ``fold``'s form (lower case, accents removed,
    spaces single), which search compares by, with Cyrillic letters of their
    own kept apart (see above). None for no text. A value an edit in SQL left
    as bytes (or a number) sorts as its text."""
    if text is None:
        return None
    return _key(text if type(text) is str else as_text(text))


def _key(text: str) -> str:
    if text.isascii() or not _ANY_KEPT_APART.search(text):
        return fold(text)
    # (Composed first: и and a breve are й.)
    return fold(unicodedata.normalize("NFC", text).translate(_APART))


def key_values(values: Mapping[str, Any]) -> dict[str, str | None]:
    """The key columns to write with ``values`` (column: new value): one for
    each keyed column among them."""
    return {key: sort_key(values[column]) for column, key in KEYED.items() if column in values}


def sort_keys(texts: Iterable[str | None]) -> list[str | None]:
    """``sort_key`` of each of many texts (an import's names)."""
    # (ASCII, most names, without a call more: an import's million.)
    return [None if t is None else fold(t) if t.isascii() else _key(t) for t in texts]


def fill_keys(conn, *, only: str | None = None) -> int:
    """Work out every contact's keys again, a chunk at a time, and write
    those that differ; returns how many contacts that was. ``only``: those
    whose name or company has a character in this set of GLOB's (``й-к``,
    say), found in SQL, the others not read: when the keys of a few
    letters change, a million contacts are not worked out again in Python."""
    changed = 0
    for wrong in _out_of_step(conn, only=only):
        conn.executemany("UPDATE contacts SET name_key = ?, company_key = ? WHERE id = ?", wrong)
        changed += len(wrong)
    return changed


def key_drift(conn, *, quick: bool = False) -> list[int]:
    """The contacts whose stored keys are not their name's and company's (a
    contact added or renamed with the sqlite3 shell or sqlite-utils, which
    don't write them). ``quick`` looks in SQL for missing keys only, without
    working anyone's out."""
    if quick:
        return [r[0] for r in conn.execute(
            "SELECT id FROM contacts WHERE (name_key IS NULL) <> (name IS NULL)"
            " OR (company_key IS NULL) <> (company IS NULL) ORDER BY id")]
    return [contact_id for wrong in _out_of_step(conn) for *_, contact_id in wrong]


def _out_of_step(conn, *, only: str | None = None
                 ) -> Iterator[list[tuple[str | None, str | None, int]]]:
    """For each chunk of contacts, those whose stored keys differ from theirs
    worked out now: (name key, company key, id), the keys as they should be.
    (Each chunk is read whole before it is yielded: the caller may write it.)"""
    last = -(1 << 63)
    where, params = ("id > ?", []) if only is None else _having(only)
    while True:
        rows = conn.execute(
            "SELECT id, name, company, name_key, company_key FROM contacts"
            f" WHERE {where} ORDER BY id LIMIT ?", [last, *params, _CHUNK]).fetchall()
        if not rows:
            return
        wrong = []
        for contact_id, name, company, *stored in rows:
            keys = [sort_key(name), sort_key(company)]
            if keys != stored:
                wrong.append((*keys, contact_id))
        if wrong:
            yield wrong
        last = rows[-1][0]


def _having(chars: str) -> tuple[str, list[str]]:
    """The condition for the contacts after an id whose name or company has
    a character in GLOB's set ``chars``, and its parameters bar the id."""
    # Most names are ASCII, and GLOB with a set is slow: a text whose length
    # in characters is its length in bytes is passed over first. (The casts:
    # a name an edit in SQL left as bytes is text here too; GLOB would not
    # match it.)
    either = " OR ".join(
        f"length(CAST({c} AS TEXT)) <> length(CAST({c} AS BLOB)) AND CAST({c} AS TEXT) GLOB ?"
        for c in KEYED)
    return f"id > ? AND ({either})", [f"*[{chars}]*"] * len(KEYED)
