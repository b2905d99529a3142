"""A contact's values as they are kept: names guessed into first and last,
text within its length, birthdays in one of two forms, a cadence in its
range, tags and custom fields cleaned. Shared by ``Contacts`` (add, edit) and
the importer (``import_rows``, ``import_lane``), so that both keep the same."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from .errors import ValidationError, quoted
from .textutil import BLANK, names_a_person, one_line, strip_controls
from .timeutil import in_range, out_of_range
from .when import MAX_PERIOD_DAYS

# A name, company or title longer than this is a mistake (a whole file in one cell).
MAX_TEXT = 500
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
BIRTHDAY_FORMS = "YYYY-MM-DD, or --MM-DD without the year"


def split_name(name: str) -> tuple[str | None, str | None]:
    """(first name, last name) guessed from a full name; none from an address
    or a number in a name's place."""
    parts = _words(name)
    if not parts or not names_a_person(name):
        return None, None
    if name.count(",") == 1:
        head, tail = (" ".join(_words(part)) for part in name.split(","))
        if head and tail and tail.lower().rstrip(".") not in _NAME_SUFFIXES:
            return tail, head  # "Lovelace, Ada", as address books file people
        parts = head.split() or tail.split()  # "Ada Lovelace, PhD"
    if len(parts) == 1:
        return parts[0], None
    return parts[0], " ".join(parts[1:])


def _words(text: str) -> list[str]:
    """The words of a name, less those with nothing visible (a zero-width
    space): kept as a first name, it would be none (``one_line``), and the
    import, which drops it, could not give it back."""
    words = text.split()
    if text.isascii():
        return words
    # (A word that starts with a letter or digit shows it: one_line, slower,
    # only for the rest. The import splits the names of a whole file.)
    return [w for w in words if w[0].isalnum() and w[0] not in BLANK or one_line(w)]


# What follows a comma after a name and is not a first name.
_NAME_SUFFIXES = frozenset((
    "jr", "sr", "ii", "iii", "iv", "phd", "ph.d", "md", "m.d", "esq", "mba", "cpa", "dds",
    "rn", "obe", "mbe", "cbe", "kc", "qc",
))


# .NET's "no date" (DateTime.MinValue) as its tools' exports show it:
# 1/1/0001 12:00:00 AM. (In ISO form, 0001-01-01, it is out of range, as typed.)
_NO_DATE = re.compile(r"0?1/0?1/0001(?:\s+12:00(?::00)?\s*AM|\s+0?0:00(?::00)?)?",
                      re.IGNORECASE)


def no_date(text: str) -> bool:
    """Whether ``text`` is a file's way of saying it has no date."""
    text = text.strip()
    return text.strip("0/-. ") == "" or _NO_DATE.fullmatch(text) is not None


def birthday_value(value: str, *, day_first: bool = False,
                   shown: str | None = None) -> str | None:
    """A birthday as it is kept: ``1985-03-15``, or ``--03-15`` without the
    year (vCard's form), from those or another common spelling (``19850315``,
    ``1985/03/15``, US ``3/15/1985``, European ``15/03/1985`` and
    ``15.03.1985``, ``15 Mar 1985``, ``March 15, 1985``). A slash date that
    could be read either way (``03/04/1985``) is read month first, or day
    first with ``day_first``. Empty, or Outlook's ``0/0/00``, is None;
    anything else is a ValidationError, which quotes ``shown`` if given (the
    text as a file has it, where a reader changed it to ``value``)."""
    text = value.strip()
    if not text or no_date(text):
        return None
    try:
        day = _birthday(text, day_first)
    except (ValueError, KeyError, OverflowError):
        day = None
    if day is None:
        raise ValidationError(f"not a date: {quoted(text if shown is None else shown)}")
    if isinstance(day, str):
        return day
    if not in_range(day):
        raise out_of_range(text if shown is None else shown)
    return day.isoformat()


def _birthday(text: str, day_first: bool) -> date | str | None:
    """The date a birthday's text spells (``--MM-DD`` as text), or None."""
    if text.startswith("--"):
        digits = text[2:].replace("-", "")
        if len(digits) != 4 or not digits.isdigit():
            return None
        date(2000, int(digits[:2]), int(digits[2:]))  # a leap year: --02-29 is a birthday
        return f"--{digits[:2]}-{digits[2:]}"
    head = text.split("T")[0].split(" ")[0] if text[:4].isdigit() else text
    if len(head) == 8 and head.isdigit():
        return date(int(head[:4]), int(head[4:6]), int(head[6:]))
    if len(head) == 10 and head[4] == "-":
        return date.fromisoformat(head)
    for mark in "/.":
        if mark in text:
            parts = text.split(mark)
            first, second, third = map(int, parts)
            if len(parts[0].strip()) == 4:  # 1985/03/15: year first
                return date(first, second, third)
            # Day first always with dots (15.03.1985, German and most of
            # Europe). With slashes, the order asked for (US 3/15/1985 or
            # British 15/3/1985), unless a number can't be a month.
            if mark == "." or first > 12 or (day_first and second <= 12):
                first, second = second, first
            if third < 100 and len(parts[2].strip()) <= 2:  # (0099 is year 99, as written)
                third += 1900 if third > 30 else 2000
            return date(third, first, second)
    words = text.replace(",", " ").split()
    if len(words) == 3:
        if words[0][:3].lower() in _MONTHS:
            month, day, year = _MONTHS[words[0][:3].lower()], int(words[1]), int(words[2])
        else:
            day, month, year = int(words[0]), _MONTHS[words[1][:3].lower()], int(words[2])
        return date(year, month, day)
    return None


def check_cadence_days(value: Any, *, what: str = "cadence_days") -> int:
    """A contact's own cadence in days: a whole number from 1 to ``MAX_PERIOD_DAYS``."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must be a whole number, got {quoted(value)}") from None
    if not 0 < days <= MAX_PERIOD_DAYS:
        raise ValidationError(
            f"{what} must be from 1 to {MAX_PERIOD_DAYS} days (10 years), got {quoted(value)}")
    return days


def tag_form(tag: str) -> str:
    """A tag as it is kept (and looked for): one line, single-spaced, lower-case."""
    return " ".join(strip_controls(tag).split()).lower()


MAX_TAG = 100  # characters a tag may have (one to add; any to look for or take off)


def clean_tag(tag: str, *, new: bool = True) -> str:
    """A tag as kept; a ``new`` one (to add, not to look for or take off, which
    a tag from before the limit may need) no longer than ``MAX_TAG``."""
    value = tag_form(tag)
    if not value:
        raise ValidationError("a tag can't be empty")
    if new and len(value) > MAX_TAG:
        raise ValidationError(f"a tag can't be longer than {MAX_TAG} characters: {quoted(value)}")
    return value


def split_tags(text: str, known: Sequence[str] = ()) -> list[str]:
    """Tags typed as a list separated by commas or semicolons. A tag the
    contact has that holds one itself (``smith, jones & co``, from an import
    or the CLI) stays whole wherever it stands as an item of the list."""
    items: list[str] = []
    for tag in sorted((t for t in known if _TAG_SEPARATOR.search(t)), key=len, reverse=True):
        whole = re.compile(rf"(?:^|(?<=[,;]))\s*{re.escape(tag)}\s*(?=[,;]|$)", re.IGNORECASE)
        if whole.search(text):
            items.append(tag)
            text = whole.sub("", text, count=1)
    return items + [part.strip() for part in _TAG_SEPARATOR.split(text) if part.strip()]


_TAG_SEPARATOR = re.compile(r"[,;]")


def checked_birthday(value: Any, *, day_first: bool = False) -> str | None:
    """A birthday typed (add, edit): empty clears it; a file's no-birthday
    placeholder (Outlook's 0/0/00) is no date for a person to type."""
    text = str(value).strip()
    try:
        if text and no_date(text):
            raise ValidationError(f"not a date: {quoted(text)}")
        return birthday_value(text, day_first=day_first)
    except ValidationError as exc:
        raise ValidationError(f"birthday: {exc.message} (use {BIRTHDAY_FORMS})") from None


class TooLong(ValidationError):
    def __init__(self, key: str, value: str) -> None:
        super().__init__(f"{key} can be at most {MAX_TEXT} characters, got {len(value)}")
        self.key, self.value = key, value


def check_lengths(values: dict[str, str | None]) -> None:
    """Names, companies and titles are kept to ``MAX_TEXT`` characters."""
    for key, value in values.items():
        if value is not None and len(value) > MAX_TEXT:
            raise TooLong(key, value)


def field_key(key: str) -> str:
    return strip_controls(str(key)).strip() or "field"


def field_values(fields: dict[str, Any]) -> dict[str, Any]:
    """Custom fields as they are kept: keys without control characters or
    surrounding space, text values stripped, empty ones left out."""
    return {
        field_key(k): (v.strip() if isinstance(v, str) else v)
        for k, v in fields.items() if v is not None and (not isinstance(v, str) or v.strip())
    }
