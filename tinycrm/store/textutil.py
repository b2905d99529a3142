"""Pure text helpers: folding for search, control-character stripping,
email and phone normalisation, and spreadsheet-formula neutralisation."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

from .errors import ValidationError, quoted

# C0 and C1 controls, DEL, and the bidi overrides that can disguise text.
# (U+FEFF: a byte order mark, from a file joined onto another mid-line, say.)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_NON_DIGITS = re.compile(r"\D")
_DIGIT = re.compile(r"\d")
NOT_PHONE = re.compile(r"[^\d\s+().\-/x#*ext]", re.I)
# Letters in a number only as its extension, at the end: "555 0100 x12", "ext. 12".
_EXTENSION = re.compile(r"\s*(?:ext\.?|x)\s*\d+$", re.I)
LETTER = re.compile(r"[a-z]", re.I)
# A character an address part may hold: not a separator, a control
# character, or an invisible one (zero-width, bidi): look-alikes of another
# address would get round "one address, one contact".
EMAIL_CHAR = ("[^@\\s<>(),;:\"\\[\\]\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e"
              "\u2060-\u2064\u2066-\u2069\ufeff]")
_EMAIL = re.compile(f"^{EMAIL_CHAR}+@{EMAIL_CHAR}+\\.{EMAIL_CHAR}+$")


# Controls but the line ends and the tab, which a CSV cell keeps (quoted).
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_terminal_codes(text: str) -> str:
    """``text`` without escape sequences and control characters, line ends
    and tabs kept as they are: a CSV cell that can't drive a terminal."""
    if text.isprintable():
        return text
    return _CONTROLS_BUT_LINES.sub("", _ANSI.sub("", text))


_HALF = re.compile("[\ud800-\udfff]")


def has_half_character(text: str) -> bool:
    """Whether ``text`` holds half of a character (a lone surrogate), which
    no database or UTF-8 file can hold: JSON's \\u escapes and some codecs
    (UTF-7's '+2AA-', the escape codecs) can make one."""
    return not text.isascii() and _HALF.search(text) is not None


def undecodable(text: str) -> bool:
    """Whether ``text`` holds bytes that were not UTF-8 (an argument, a
    variable, stdin): Python keeps them as lone surrogates, U+DC80..U+DCFF."""
    return any("\udc80" <= c <= "\udcff" for c in text)


def path_text(path: object) -> str:
    """A file's path as text a database, a JSON note or a UTF-8 file can
    hold: a name's bytes that are not UTF-8 (a Latin-1 folder, kept by Python
    as lone surrogates) as ``\\xe9``, the rest as it is."""
    return bytes_shown(str(path))


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def bytes_shown(text: str) -> str:
    """``text`` with the bytes that were not UTF-8 (Python keeps them as lone
    surrogates) written ``\\xe9``: a message quoting a path, as ``path_text``
    gives it (printed as is, they came out as ``\\udce9``)."""
    if text.isascii() or not undecodable(text):
        return text
    return _ESCAPED_BYTE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def as_text(value: object) -> str | None:
    """A text column's value as text. An edit in SQL can leave bytes (a
    BLOB: ``CAST('Ada' AS BLOB)``) or a number where text belongs; they are
    read as their text (bytes as UTF-8, any that aren't replaced), so that
    every command sees what sort keys and search see. None stays None."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def strip_controls(text: str | None, *, keep_newlines: bool = False) -> str:
    """Remove escape sequences and control characters so data can't drive a terminal."""
    if not text:
        return ""
    text = _ANSI.sub("", text)
    if keep_newlines:
        text = text.replace("\r\n", "\n")
        return "\n".join(_CONTROLS.sub("", line) for line in text.split("\n"))
    return _CONTROLS.sub("", text.replace("\t", " ").replace("\r\n", " ").replace("\n", " "))


def fold(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced: the form search and matching
    compare (Łukasz is Lukasz, Søren is Soren)."""
    if not text:
        return ""
    if text.isascii():
        return " ".join(text.lower().split())
    # Word by word, as names repeat their words (a file of 100k people has
    # a few thousand first and last names; a small cache holds them, as the
    # words that don't repeat, an address say, would fill a large one: 23 MiB
    # more at the peak of a 1M-row import with 65,536). Nothing crosses a space:
    # casefold and NFKD work a character at a time and reorder accents only
    # up to the letter before them.
    return " ".join(filter(None, map(_fold_word, text.split())))


# Letters that Unicode does not decompose into a base letter and an accent.
_LATIN = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i",
    "ħ": "h", "ŧ": "t", "ŀ": "l",
})


@lru_cache(maxsize=1 << 12)
def _fold_word(word: str) -> str:
    plain = _plain(word.casefold()).translate(_LATIN)
    folded = plain.casefold()
    if folded != plain:
        # NFKD can make capitals (™ is TM, 𝐉𝐨𝐡𝐧 is John, № is No): once
        # more, so "𝐉𝐨𝐡𝐧" is "john", as typed (and as FTS5 lowercases it).
        plain = _plain(folded).translate(_LATIN)
    return " ".join(plain.split())


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_email(email: str) -> str:
    """The key an address is unique by: trimmed and lower-cased."""
    return email.strip().lower()


MAX_EMAIL, MAX_EMAIL_LOCAL = 254, 64
MAX_PHONE = 64  # characters, extension and all ("+1 (555) 010-2030 ext. 12" is 25)


def clean_email(email: str, *, new: bool = True) -> str:
    """An address as kept; a ``new`` one (not one a contact has already,
    from before the limits) no longer than SMTP allows."""
    value = email.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    if not _EMAIL.match(value):
        raise ValidationError(f"not an email address: {quoted(value)}")
    if new and (len(value) > MAX_EMAIL or value.index("@") > MAX_EMAIL_LOCAL):
        # (SMTP's limits, RFC 5321: no mail reaches a longer one.)
        raise ValidationError(f"not an email address: longer than {MAX_EMAIL_LOCAL} characters"
                              f" before the @ or {MAX_EMAIL} in all: {quoted(value)}")
    return value


def phone_digits(phone: str) -> str:
    value = phone.strip()
    digits = _NON_DIGITS.sub("", value)
    if value.startswith("00"):
        digits = digits[2:]
    return digits


# Digits of a number that matching compares: a national number without its
# country code has 8 or more in most countries (Denmark, Norway and Singapore
# have 8), so +45 20 12 34 56 and 20 12 34 56 match. (Names must agree too.)
PHONE_KEY_DIGITS = 8


def phone_key(phone: str) -> str | None:
    """Match key for phones: the last eight digits, so ``+1 (555) 010-2030`` and
    ``555 010 2030`` match. None for numbers too short to compare safely."""
    digits = phone_digits(phone)
    if len(digits) < 7:
        return None
    return digits[-PHONE_KEY_DIGITS:]


def number_ident(phone: str) -> str:
    """What tells a contact's numbers apart: their last nine digits, so +44 20
    7946 0001 is 020 7946 0001, and +1 425 555 0100 is not +1 415 555 0100
    (which share a match key, ``phone_key``); a number of fewer than 7
    digits is its text."""
    digits = phone_digits(phone)
    return digits[-9:] if len(digits) >= 7 else phone.strip()


def clean_phone(phone: str, *, new: bool = True) -> str:
    """A number as kept; a ``new`` one no longer than ``MAX_PHONE``."""
    value = " ".join(phone.split())
    if (not _DIGIT.search(value) or NOT_PHONE.search(value)
            or LETTER.search(_EXTENSION.sub("", value))):
        raise ValidationError(f"not a phone number: {quoted(phone)}")
    if new and len(value) > MAX_PHONE:
        raise ValidationError(f"not a phone number: longer than {MAX_PHONE} characters:"
                              f" {quoted(value)}")
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: str) -> str:
    """A cell a spreadsheet takes as it is: OWASP's CSV injection defence (a
    leading apostrophe stops it evaluating ``=...``), and the same apostrophe
    before digits it would read as a number and change (``0770090012`` loses
    its zero, 16 digits their last ones). ``restore_cell`` undoes it on import;
    a value that starts with an apostrophe already gets another, so that
    every value comes back as it was."""
    if value and (_guarded(value) or value.startswith("'") and (
            value[1:2] == "'" or _guarded(value[1:]))):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    if value.startswith("'") and (value[1:2] == "'" or _guarded(value[1:])):
        return value[1:]
    return value


def _guarded(value: str) -> bool:
    """Whether a spreadsheet would run ``value`` or change it as a number."""
    if value.startswith(_FORMULA_START):
        return True
    return (value.isdigit() and value.isascii()
            and (len(value) > 15 or len(value) > 1 and value[0] == "0"))


def names_a_person(name: str) -> bool:
    """False for an address or a number standing in for a name."""
    return "@" not in name and any(ch.isalpha() for ch in name)


def one_line(text: str | None) -> str | None:
    """A name, company, title or user as it is kept: on one line, single-spaced,
    without escape sequences or control characters; None when nothing visible
    is left (a name of zero-width spaces is no name)."""
    if not text:
        return None
    value = " ".join(text.split())  # line breaks and tabs become spaces first
    if not value.isprintable():
        value = " ".join(strip_controls(value).split())
    if value and not value.isascii() and not any(
            unicodedata.category(c)[0] not in "CZM" and c not in BLANK for c in value):
        return None  # only spaces, controls, marks with nothing to mark, and blanks
    return value or None


# Letters and symbols that show nothing: Braille's blank, Hangul's fillers,
# the combining grapheme joiner, Khmer's inherent vowels, Mongolian's separator.
BLANK = frozenset("\u2800\u3164\u115f\u1160\uffa0\u034f\u17b4\u17b5\u180e")


# What a terminal acts on, or a line reader (str.splitlines, JavaScript) splits
# at, that json.dumps(ensure_ascii=False) leaves raw (it escapes only C0).
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_json(text: str) -> str:
    """JSON text with C1 controls, DEL, bidi overrides and line/paragraph
    separators written as ``\\uXXXX``: the same JSON value (they only ever
    occur inside its strings), safe to print and to split into lines."""
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def json_text(value: object) -> str:
    """``value`` as one line of JSON (keys sorted), safe to print."""
    return escape_json(json.dumps(value, ensure_ascii=False, sort_keys=True))


def nocase_spellings(name: str) -> tuple[str, ...]:
    """What to look a name up as with NOCASE, which folds ASCII letters
    only: "émile zola" as Émile Zola and ÉMILE ZOLA too (what is found is
    compared casefolded)."""
    if name.isascii():
        return (name,)
    # (Some are one to NOCASE, differing in ASCII letters alone: a NOCASE
    # key takes them once.)
    return tuple(dict.fromkeys((name, name.lower(), name.upper(), name.title())))
