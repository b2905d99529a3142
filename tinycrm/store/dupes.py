"""Duplicates: finding probable pairs (merging two is ``merge``).

Probable pairs (``find_duplicates``), scored 0–100:

- the same email once ``+tags`` (and dots, at Gmail) are ignored: 100 when
  the names agree, else 90 (a family's or a team's shared inbox, or a nickname);
- the same LinkedIn profile URL: 100;
- the same phone (last eight digits): 95 when the names agree, else 60;
- names that read alike (rapidfuzz token-sort ratio) within one company,
  the company compared without case, accents or a legal suffix (Inc, Ltd...);
  a name that is the other with words left out or cut to initials
  ("J. Smith", "Dr. Jane Doe") at least 90.

A pair's reason is its strongest, whatever the threshold: the one that
gives its score, and of two that score alike, the same email before the same
profile, phone, then names.

Any pair whose birthdays differ is two people (John Smith Jr. and his
father) and is not listed. Every pair of a group that shares an address or
number is scored, not only those with its first contact.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product
from typing import TYPE_CHECKING, Any, ClassVar

from .db import sql_functions
from .profiles import profiles_in_use
from .textutil import as_text, fold, names_a_person

if TYPE_CHECKING:
    from .store import Store

EMAIL_SCORE = 100.0
PHONE_SCORE = 95.0
PHONE_OTHER_NAME_SCORE = 60.0  # the same number, names that disagree: below the default cut
PROFILE_SCORE = 100.0  # a LinkedIn profile is one member's
# One inbox, names that disagree: a family's or a team's, or one person's
# nickname ("Bob", "Robert") or typo. Shown, but after the sure pairs.
EMAIL_OTHER_NAME_SCORE = 90.0
AGREEING_NAMES_SCORE = 90.0  # "J. Smith" and "John Smith" at one company
NAME_FLOOR = 60.0  # names less alike than this are never a pair, whatever --threshold says
PHONE_GROUP_LIMIT = 25  # a shared switchboard number is not a duplicate signal
_SUFFIXES = {"inc", "ltd", "llc", "llp", "lp", "gmbh", "ag", "kg", "sa", "sas", "sarl", "co",
             "corp", "corporation", "incorporated", "company", "limited", "plc", "bv", "nv",
             "oy", "ab", "as", "srl", "spa", "pty", "pte", "pvt", "bhd", "sdn", "the"}


# -- finding probable pairs ---------------------------------------------------------


@dataclass(frozen=True)
class DuplicatePair:
    score: float
    keep_id: int
    keep_name: str
    other_id: int
    other_name: str
    reasons: tuple[str, ...]
    keep_email: str | None = None
    other_email: str | None = None

    FIELDS: ClassVar[tuple[str, ...]] = (
        "score", "keep_id", "keep_name", "keep_email", "other_id", "other_name", "other_email",
        "reason")

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 1), "keep_id": self.keep_id, "keep_name": self.keep_name,
            "keep_email": self.keep_email, "other_id": self.other_id,
            "other_name": self.other_name, "other_email": self.other_email,
            "reason": "; ".join(self.reasons),
        }


_NAME_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=4096)
def name_words(name: str) -> tuple[str, ...]:
    """A name's words, folded (an import compares the same names again and again)."""
    return tuple(_NAME_WORD.findall(fold(name)))


def name_shows(name: str, part: str) -> bool:
    """Whether every word of ``part`` (a nickname, a prefix) is a word of ``name``."""
    words = name_words(name)
    return all(w in words for w in name_words(part))


def names_agree(a: str, b: str) -> bool:
    """Whether two names may be the same person's: each word of the one with
    fewer words and a word of the other start alike (one is the start of the
    other), without regard to case or accents ("Ada L", "A. Lovelace" and
    "Ada Lovelace" agree, whichever comes first; "Ann Two" does not with "Tom
    One"). A number is no abbreviation: "Person 1" is not "Person 10". Of
    as many words each, both ways: "Ada Ada" has no word for "Lovelace"."""
    words_a, words_b = name_words(a), name_words(b)
    if len(words_a) > len(words_b):
        words_a, words_b = words_b, words_a
    return _covered(words_a, words_b) and (
        len(words_a) < len(words_b) or _covered(words_b, words_a))


def _covered(words: tuple[str, ...], by: tuple[str, ...]) -> bool:
    return all(any(_start_alike(part, w) for w in by) for part in words)


def _start_alike(a: str, b: str) -> bool:
    if a.isalpha() and b.isalpha():
        return a.startswith(b) or b.startswith(a)
    return a == b


def email_canon(key: str | None) -> str | None:
    """``John.Doe+crm@GMail.com`` and ``johndoe@gmail.com`` are one mailbox."""
    if not key or "@" not in key:
        return key
    local, domain = key.rsplit("@", 1)
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


# Contacts sharing a mailbox (``email_canon``), grouped in one pass. Only an
# address with a +tag or at Gmail may change (the others are their own
# canonical form), so only those are passed through Python.
_SAME_MAILBOX_SQL = (
    "SELECT group_concat(contact_id) FROM (SELECT CASE WHEN instr(email_key, '+')"
    " OR email_key LIKE '%@gmail.com' OR email_key LIKE '%@googlemail.com'"
    " THEN tinycrm_email_canon(email_key) ELSE email_key END AS k, contact_id"
    " FROM contact_emails) GROUP BY k HAVING count(DISTINCT contact_id) > 1")


# Letters with dots after each (S.A., N.V., A.C.M.E.): an abbreviation, one word.
_DOTTED = re.compile(r"(?<![\w.])(?:\w\.){2,}(?!\w)")


def company_key(company: str | None) -> str | None:
    text = _DOTTED.sub(lambda m: m.group().replace(".", "") + " ", fold(company))
    words = re.sub(r"[^\w\s]", " ", text).split()
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words) or None


def _pairs_by_key(conn, sql: str) -> Iterator[list[int]]:
    for (group,) in conn.execute(sql):
        ids = sorted({int(i) for i in group.split(",")})
        if 1 < len(ids) <= PHONE_GROUP_LIMIT:
            yield ids


def _names_of(conn, ids: set[int]) -> dict[int, tuple[str, str | None]]:
    """Each contact's name and birthday."""
    return {r[0]: (as_text(r[1]), r[2]) for r in conn.execute(
        "SELECT id, name, birthday FROM contacts WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(ids))])}


def born_apart(a: str | None, b: str | None) -> bool:
    """Whether two birthdays say two people (a day without its year: the day)."""
    if not a or not b:
        return False
    if a.startswith("--") or b.startswith("--"):
        return a[-5:] != b[-5:]
    return a != b


def _same_profiles(conn) -> Iterator[list[int]]:
    """Contacts whose custom fields hold the same profile URL (``profiles``):
    one person twice (an import of LinkedIn's connections made before
    imports matched by profile)."""
    holders: dict[str, list[int]] = {}
    for key, contact_id in profiles_in_use(conn):
        holders.setdefault(key, []).append(contact_id)
    # (A profile many contacts hold is a field such as "referred by", not who they are.)
    return (ids for ids in holders.values() if 1 < len(ids) <= PHONE_GROUP_LIMIT)


def find_duplicates(store: Store, *, threshold: float = 85.0,
                    limit: int | None = None) -> list[DuplicatePair]:
    """Probable duplicate pairs scoring at least ``threshold``, best first."""
    from rapidfuzz import fuzz, process

    conn = store.conn
    company_keys: dict[str, str | None] = {}

    def key_of(company: str) -> str | None:
        # A company's key is worked out once, not once for each of its people.
        try:
            return company_keys[company]
        except KeyError:
            key = company_keys[company] = company_key(as_text(company))
            return key

    # Each pair's strongest reason, kept whatever its score: a pair's reason
    # is the pair's, not the threshold's (one left out below --threshold
    # named a weaker one at a lower threshold, or several).
    found: dict[tuple[int, int], tuple[float, int, str]] = {}

    def add(a: int, b: int, score: float, reason: str) -> None:
        key = (min(a, b), max(a, b))
        strength = (score, -_rank(reason))
        if key not in found or strength > found[key][:2]:
            found[key] = (*strength, reason)

    with store.read():
        with sql_functions(conn, tinycrm_email_canon=email_canon):
            email_groups = list(_pairs_by_key(conn, _SAME_MAILBOX_SQL))
        phone_groups = list(_pairs_by_key(conn,
                "SELECT group_concat(contact_id) FROM (SELECT DISTINCT phone_key AS k, contact_id"
                " FROM contact_phones WHERE phone_key IS NOT NULL) GROUP BY k HAVING count(*) > 1"))
        profile_groups = list(_same_profiles(conn))
        people = _names_of(conn, {i for groups in (email_groups, phone_groups, profile_groups)
                                  for ids in groups for i in ids})
        # (A profile is one member's, whatever names its contacts have.)
        for groups, score, other_names, reason in (
                (email_groups, EMAIL_SCORE, EMAIL_OTHER_NAME_SCORE, "same email"),
                (phone_groups, PHONE_SCORE, PHONE_OTHER_NAME_SCORE, "same phone"),
                (profile_groups, PROFILE_SCORE, None, "same LinkedIn profile")):
            for ids in groups:
                for i, a in enumerate(ids):
                    for b in ids[i + 1:]:
                        # As import has it: a family shares an inbox, colleagues a
                        # switchboard, a household a landline.
                        (name_a, born_a), (name_b, born_b) = people.get(a, ("", None)), \
                            people.get(b, ("", None))
                        if born_apart(born_a, born_b):
                            continue
                        if (other_names is None or not names_a_person(name_a)
                                or not names_a_person(name_b) or names_agree(name_a, name_b)):
                            add(a, b, score, reason)
                        else:
                            add(a, b, other_names, f"{reason}, different names")
        group: list[tuple[int, str, str | None]] = []
        current = None
        with sql_functions(conn, tinycrm_company_key=key_of):
            rows = conn.execute(
                "SELECT tinycrm_company_key(company) AS k, id, name, birthday FROM contacts"
                " WHERE company IS NOT NULL AND company != '' ORDER BY k, id").fetchall()
        for company, contact_id, name, birthday in [*rows, (None, 0, "", None)]:
            if company != current:
                _similar_names(group, current, threshold, add, fuzz, process)
                group, current = [], company
            if company is not None:
                group.append((contact_id, " ".join(sorted(name_words(as_text(name)))), birthday))
        ranked = sorted(((pair, (score, reason)) for pair, (score, _, reason) in found.items()
                         if score >= threshold), key=lambda item: (-item[1][0], item[0]))
        if limit is not None:
            ranked = ranked[:limit]
        people = {c.id: c for c in store.contacts.get_many(
            sorted({i for (a, b), _ in ranked for i in (a, b)}))}
    pairs = []
    for (a, b), (score, reason) in ranked:
        if a in people and b in people:
            pairs.append(DuplicatePair(
                score=score, keep_id=a, keep_name=people[a].name, other_id=b,
                other_name=people[b].name, reasons=(reason,),
                keep_email=people[a].email, other_email=people[b].email,
            ))
    return pairs


# Of two reasons that score alike, the first kind here is the stronger; names last.
_KINDS = ("same email", "same LinkedIn profile", "same phone")


def _rank(reason: str) -> int:
    return next((i for i, kind in enumerate(_KINDS) if reason.startswith(kind)), len(_KINDS))


def _abbreviates(a: str, b: str) -> bool:
    """Whether one name (of two words or more) is the other with words left
    out or cut to their initial: "J. Smith" and "Dr. Jane Doe" are "John
    Smith" and "Jane Doe"; "William Lukaszewicz" is not "Lukasz Williams",
    whose words only start alike. Either may come first."""
    words_a, words_b = name_words(a), name_words(b)
    if len(words_a) > len(words_b):
        words_a, words_b = words_b, words_a
    if len(words_a) < 2:
        return False
    # (Of two names as long, either may be the one cut short: "J. Smith", "John Smith".)
    return _cut_from(words_a, words_b) or (
        len(words_a) == len(words_b) and _cut_from(words_b, words_a))


def _cut_from(short: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Whether each word of ``short`` is a word of ``full``, or the initial of
    one not taken already ("S. Smith" is not "John Smith")."""
    left = list(full)
    for word in sorted(short, key=len, reverse=True):
        taken = word if word in left else next(
            (o for o in left if len(word) == 1 and o[:1] == word), None)
        if taken is None:
            return False
        left.remove(taken)
    return True


def _similar_names(group, company, threshold, add, fuzz, process) -> None:
    """Pairs of the names at one company that read alike (token-sort ratio),
    or of which one abbreviates the other ("J. Smith", "John Smith"):
    ``AGREEING_NAMES_SCORE`` at least. Each name comes as its folded words
    in sorted order, so the plain ratio of two is their token-sort ratio
    (which is that ratio of the words sorted), without sorting the other
    name's words again at every one of its comparisons. Two names meet only
    if they share the first letter of one of their words: the words' order
    doesn't matter to the score ("Smith John" is "John Smith"), nor may it
    to which names meet. Names less alike than ``NAME_FLOOR`` never pair
    (all of a company's people with all, at --threshold 0, would be millions).

    A name with an initial may abbreviate another however little alike they
    read ("j smith", "jonathan smith": 67): its pairs are looked for down to
    NAME_FLOOR; the others' down to 70 (a word left out: "dr jane doe",
    "jane doe": 84). What a pair scores is ``_NameRule.score``'s alone.

    A company's names are compared once per name, not per person (a big one
    has its John Smiths), and only the pairs that may be listed reach Python:
    those alike at the floor, found by rapidfuzz (``_alike``), and those that
    may abbreviate one another, found by the words they share
    (``_may_abbreviate``). Every pair 70 alike (60 with an initial) went
    through Python before, few of them listed: 30,000 people at one company
    took 18 s, four times the people sixteen times as long."""
    if len(group) < 2:
        return
    rule = _NameRule(threshold, company, fuzz)
    people: dict[str, list[tuple[int, str | None]]] = {}
    for contact_id, name, born in group:
        people.setdefault(name, []).append((contact_id, born))
    names = list(people)
    for name, members in people.items():
        if len(members) > 1:
            scored = rule.score(name, name)
            if scored:
                _pair_people(add, members, None, *scored)
    candidates = _alike(names, rule.floor, fuzz, process)
    if rule.abbreviations:
        candidates |= _may_abbreviate(names)
    for i, j in candidates:
        scored = rule.score(names[i], names[j])
        if scored:
            _pair_people(add, people[names[i]], people[names[j]], *scored)


class _NameRule:
    """What two names at one company score, if they are a pair at all: two
    that share a word's first letter, as all that ``_alike`` and
    ``_may_abbreviate`` find do (and a name with itself)."""

    def __init__(self, threshold: float, company: str, fuzz) -> None:
        self.floor = max(threshold, NAME_FLOOR)
        self.abbreviations = threshold <= AGREEING_NAMES_SCORE
        self.high = min(self.floor, 70.0) if self.abbreviations else self.floor
        self.company = company
        self.ratio = fuzz.ratio

    def score(self, a: str, b: str) -> tuple[float, str] | None:
        # Either name's initial lowers the cutoff: each name with one was
        # compared with all of its letters' names down to NAME_FLOOR.
        cutoff = NAME_FLOOR if self.abbreviations and (
            _has_initial(a) or _has_initial(b)) else self.high
        score = self.ratio(a, b, score_cutoff=cutoff)
        if score < cutoff:
            return None
        score, reason = float(score), f"similar name at {self.company}"
        if score < AGREEING_NAMES_SCORE and _abbreviates(a, b):
            score, reason = AGREEING_NAMES_SCORE, f"names agree at {self.company}"
        return (score, reason) if score >= self.floor else None


def _initials(name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(word[:1] for word in name.split())) or ("",)


def _has_initial(name: str) -> bool:
    return any(len(word) == 1 for word in name.split())


def _pair_people(add, people, others, score: float, reason: str) -> None:
    """Each of ``people`` with each of ``others`` (with one another if None),
    but for those born apart."""
    pairs = combinations(people, 2) if others is None else product(people, others)
    for (a, born_a), (b, born_b) in pairs:
        if not born_apart(born_a, born_b):
            add(a, b, score, reason)


def _alike(names: list[str], floor: float, fuzz, process) -> set[tuple[int, int]]:
    """Pairs (of indexes) of the names sharing a word's first letter whose
    ratio is ``floor`` or more, each name compared in rapidfuzz with those
    after it of its letters' names, by length, up to the longest that could
    read that alike: twice the shorter's length over both is the most two
    names' ratio can be."""
    blocks: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        for letter in _initials(name):
            blocks.setdefault(letter, []).append(i)
    found = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: len(names[i]))
        texts = [names[i] for i in members]
        lengths = [len(text) for text in texts]
        for k, text in enumerate(texts):
            end = bisect_right(lengths, _longest_alike(len(text), floor), k + 1)
            if end <= k + 1:
                continue
            for _, _, j in process.extract(text, texts[k + 1:end], scorer=fuzz.ratio,
                                           score_cutoff=floor, limit=None):
                a, b = members[k], members[k + 1 + j]
                found.add((a, b) if a < b else (b, a))
    return found


def _longest_alike(length: int, floor: float) -> int:
    # (A hair under the floor: a bound a rounding error can't make too tight.)
    floor -= 1e-6
    return int(length * (200 - floor) / floor)


def _may_abbreviate(names: list[str]) -> set[tuple[int, int]]:
    """Pairs (of indexes) of the names of which one, of two words or more,
    has each of its whole words among the other's words and each of its
    one-letter words among the other's initials: those ``_abbreviates`` may
    accept (it decides), found from the names holding those words."""
    holding: dict[str, set[int]] = {}  # a whole word: the names that have it
    starting: dict[str, set[int]] = {}  # a letter: the names with a word it starts
    words_of = [name_words(name) for name in names]
    for i, words in enumerate(words_of):
        for word in words:
            starting.setdefault(word[:1], set()).add(i)
            if len(word) > 1:
                holding.setdefault(word, set()).add(i)
    found = set()
    for i, words in enumerate(words_of):
        if len(words) < 2:
            continue
        sets = sorted((holding[w] if len(w) > 1 else starting[w] for w in set(words)), key=len)
        for j in sets[0].intersection(*sets[1:]):
            if j != i:
                found.add((i, j) if i < j else (j, i))
    return found
