"""Checking imported rows: each record a format reader yields becomes an
``Incoming`` (a validated row, ready to match and write) or a ``Rejection``
naming the file's column and what is wrong. No database here: this is the
part of an import that runs while the writer thread writes the previous
chunk (``import_writer``)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from .contact_state import ContactState
from .contact_values import (
    MAX_TAG,
    MAX_TEXT,
    TooLong,
    birthday_value,
    check_cadence_days,
    check_lengths,
    field_values,
    no_date,
    split_name,
    tag_form,
)
from .dupes import name_shows
from .errors import ValidationError, quoted
from .file_times import file_time
from .formats import OWN_CARD, Row
from .formats.csvlayout import WHEN_COLUMNS, norm_header
from .formats.jsonfile import DEEPEST, too_deep
from .textutil import (
    BLANK,
    clean_email,
    clean_phone,
    number_ident,
    one_line,
    phone_key,
    strip_controls,
)
from .timeutil import to_db

# -- values ------------------------------------------------------------------------

# Files from another tool: a contact one creates has the layout as its source,
# unless its row gives one. vCard is every address book's, and tinycrm's own
# export's too: a card of that (``Incoming.own_card``) carries its own, or none.
FOREIGN_LAYOUTS = ("google", "google-old", "outlook", "linkedin", "hubspot", "vcard")
# Keys most rows carry; a row with others takes the slower path.
# Name parts a contact has no column for: kept as custom fields when its name
# does not show them (a nickname beside a name, a middle name beside a full name).
SPARE_NAME_PARTS = ("prefix", "middle_name", "suffix", "nickname")
_COMMON_KEYS = frozenset(("name", "first_name", "last_name", "emails", "phones", "company",
                          "title", "tags"))


def clean_birthday(value: str, *, day_first: bool = False,
                   shown: str | None = None) -> str | None:
    """``1985-03-15``, or ``--03-15`` without the year, from a date in a
    common spelling (``contact_values.birthday_value``); BadValue for anything
    else, so that the row is rejected naming its column (and quoting ``shown``,
    if given: the date as the file has it)."""
    try:
        return birthday_value(value, day_first=day_first, shown=shown)
    except ValidationError as exc:
        raise BadValue("birthday", value, exc.message) from None


def clean_text(value: Any) -> str | None:
    return None if value is None else one_line(str(value))


def clean_texts(values: list[Any]) -> list[str | None]:
    """``clean_text`` of each value; most columns are text that is clean
    already, which one look at all of it together can tell."""
    if all(v is None or type(v) is str for v in values):
        present = [v for v in values if v]
        text = "\x00".join(present)
        if (text.count("\x00") == len(present) - 1 and " ".join(text.split()) == text
                and " \x00" not in text and "\x00 " not in text
                and "".join(present).isprintable() and (text.isascii() or BLANK.isdisjoint(text))):
            return [v or None for v in values]
    return list(map(clean_text, values))


class BadValue(Exception):
    """A value of a record's ``key`` (emails, phones) that can't be taken."""

    def __init__(self, key: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.key, self.value, self.reason = key, value, reason


def clean_emails(values: list[str]) -> tuple[list[str], list[str]]:
    """A row's addresses, checked, and their match keys; one of each key."""
    emails: list[str] = []
    keys: list[str] = []
    seen: set[str] = set()  # (``keys`` in order; a list looked through was quadratic)
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            value = clean_email(value)
        except ValidationError as exc:
            raise BadValue("emails", value, exc.message) from None
        key = value.lower()
        if key not in seen:
            seen.add(key)
            keys.append(key)
            emails.append(value)
    return emails, keys


def clean_phones(values: list[str]) -> tuple[list[str], list[str | None]]:
    """A row's numbers, checked, and their match keys (None when too short to
    match); each number once (``textutil.number_ident``)."""
    phones: list[str] = []
    keys: list[str | None] = []
    seen: set[str] = set()
    for value in values:
        if not value.strip():
            continue
        try:
            value = clean_phone(value)
        except ValidationError as exc:
            raise BadValue("phones", value, exc.message) from None
        ident = number_ident(value)
        if ident not in seen:
            seen.add(ident)
            keys.append(phone_key(value))
            phones.append(value)
    return phones, keys


def full_name(first: str | None, last: str | None) -> str | None:
    return f"{first} {last}" if first and last else (first or last)


def clean_note(note: Any) -> str | None:
    return strip_controls(str(note), keep_newlines=True).strip() or None


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    for name, value in fields.items():
        if too_deep(value):
            raise BadValue("fields", value, f"{name}: nested too deeply (more than {DEEPEST} levels)")
        if _endless(value):
            # (JSON's 1e400, which Python reads as infinity): no JSON can hold it
            raise BadValue("fields", value, f"{name}: a number too large to keep")
    return field_values(fields)


def _endless(value: Any) -> bool:
    """Whether ``value`` is, or holds at any depth, a float that isn't finite."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(map(_endless, value.values()))
    if isinstance(value, list):
        return any(map(_endless, value))
    return False


class Incoming:
    """A validated row, ready to match and write. Attributes not set on an
    instance fall back to the class defaults below (most rows use few)."""

    line = 0
    row: Row | None = None
    name = ""
    named = False
    split_names = False  # first/last were split from the full name
    first_name = last_name = company = title = None
    stage = tier = owner = source = birthday = cadence_days = None
    uid = created_at = updated_at = last_contacted_at = note = None
    fields: dict[str, Any] = {}
    emails: list[str] = []
    email_keys: list[str] = []
    phones: list[str] = []
    phone_keys: list[str | None] = []
    tags: list[str] = []
    kept_fields: frozenset[str] = frozenset()
    own_card = False  # a card of tinycrm's vCard export (``OWN_CARD``)

    def state(self, default_stage: str, default_tier: str, user: str) -> ContactState:
        """The contact this row would create, as a state later rows can merge into."""
        return ContactState(
            id=None, name=self.name, first_name=self.first_name, last_name=self.last_name,
            company=self.company, title=self.title, stage=self.stage or default_stage,
            tier=self.tier or default_tier, owner=self.owner or user, source=self.source,
            birthday=self.birthday, cadence_days=self.cadence_days, fields=dict(self.fields),
            emails=list(self.emails), email_keys=set(self.email_keys),
            phones=list(self.phones),
            tags=list(self.tags), last_contacted_at=self.last_contacted_at, uid=self.uid,
            created_at=self.created_at, updated_at=self.updated_at, version=1, note=self.note,
        )



class Rejection:
    __slots__ = ("row", "reason")

    def __init__(self, row: Row, reason: str) -> None:
        self.row, self.reason = row, reason



class _Bad(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason



class RowChecker:
    """Turns a reader's rows into ``Incoming`` rows or ``Rejection``s."""

    def __init__(self, reader, *, extra_tags: list[str], stages: set[str], tiers: set[str],
                 day_first: bool = False, now: datetime | None = None) -> None:
        self.reader = reader
        self.layout = getattr(reader, "layout", None)
        self.day_first = day_first
        # A file's times may run a day ahead of the clock: a time written
        # without its zone, on the other side of the world, is read as ours.
        self.now = now
        self._latest = to_db(now + timedelta(days=1)) if now is not None else ""
        self.extra_tags = extra_tags
        self.stages = stages
        self.tiers = tiers
        self._tags: dict[str, str] = {}  # raw tag -> clean tag (files repeat a few tags)
        # A file with first or last name columns gives a name's parts itself
        # (so does a JSON object with those keys); only a full name alone is split.
        self.name_parts: bool = getattr(reader, "name_parts", False)
        # A reader that rewrites a value (a vCard's dates) says what its file had.
        self.written = getattr(reader, "written", None)

    def prepare(self, row: Row) -> Incoming | Rejection:
        """Validate one row: no database and no callbacks, so it can run while
        the writer thread holds the connection."""
        if row.error is not None:
            return Rejection(row, row.error)
        record = row.record or {}
        inc = Incoming()
        inc.line, inc.row = row.line, row
        try:
            values = record.get("emails")
            emails: list[str] = []
            if values:
                emails, inc.email_keys = clean_emails(values)
                inc.emails = emails
            values = record.get("phones")
            phones: list[str] = []
            if values:
                phones, inc.phone_keys = clean_phones(values)
                inc.phones = phones
            get = record.get
            value = get("company")
            if value:
                inc.company = clean_text(value)
            value = get("title")
            if value:
                inc.title = clean_text(value)
            first = clean_text(get("first_name"))
            last = clean_text(get("last_name"))
            name = clean_text(get("name"))
            named = bool(name)
            spare = SPARE_NAME_PARTS  # parts of a name that the name doesn't show
            if not name:
                if "middle_name" in record:
                    # (A prefix and suffix are no part of it: "Rear Admiral" and
                    # "PhD" are kept as fields, and the row named as others call her.)
                    parts = [clean_text(get(k)) for k in ("first_name", "middle_name",
                                                           "last_name")]
                    name = " ".join(p for p in parts if p)
                    spare = ("prefix", "suffix", "nickname")
                else:
                    name = full_name(first, last)
                named = bool(first or last)
                if not name:
                    name = clean_text(get("nickname"))
                    spare = ("prefix", "middle_name", "suffix")
                    if not name:
                        name = (inc.company or (emails[0] if emails else None)
                                or (phones[0] if phones else None))
                if not name:
                    raise _Bad(None, "no name, email or phone")
            elif first is None and last is None and not (
                    self.name_parts or "first_name" in record or "last_name" in record):
                first, last = split_name(name)
                inc.split_names = True
            inc.name, inc.named, inc.first_name, inc.last_name = name, named, first, last
            try:
                check_lengths({"name": name, "first_name": first, "last_name": last,
                               "company": inc.company, "title": inc.title})
            except TooLong as long:
                raise _Bad(self.field(row, long.key, long.value),
                           f"longer than {MAX_TEXT} characters ({len(long.value)})") from None
            values = get("tags")
            if values or self.extra_tags:
                inc.tags = self.clean_tags(values)
            if len(record) > 7 or not record.keys() <= _COMMON_KEYS:
                self._prepare_rare(inc, row, record)
                kept = {key: value for key in spare
                        if (value := clean_text(get(key))) and not name_shows(name, value)}
                if kept:
                    inc.fields = {**kept, **inc.fields}
        except _Bad as bad:
            return Rejection(row, f"{bad.field}: {bad.reason}" if bad.field else bad.reason)
        except BadValue as bad:
            return Rejection(row, f"{self.field(row, bad.key, bad.value)}: {bad.reason}")
        except ValidationError as exc:
            return Rejection(row, exc.message)
        row.record = None  # done with; the raw row stays for a late rejection
        return inc

    def _short(self, row: Row, key: str, value: str | None) -> str | None:
        """``value``, unless it is longer than typed text may be (as ``add``
        and ``edit`` refuse it)."""
        if value is not None and len(value) > MAX_TEXT:
            raise _Bad(self.field(row, key, value), f"longer than {MAX_TEXT} characters ({len(value)})")
        return value

    def _prepare_rare(self, inc: Incoming, row: Row, record: dict[str, Any]) -> None:
        get = record.get
        if "stage" in record:
            inc.stage = self._choice(row, get("stage"), self.stages, "stage")
        if "tier" in record:
            inc.tier = self._choice(row, get("tier"), self.tiers, "tier")
        if "owner" in record:
            inc.owner = self._short(row, "owner", clean_text(get("owner")))
        if "source" in record:
            inc.source = self._short(row, "source", clean_text(get("source")))
        if get("birthday"):
            inc.birthday = self._birthday(row, str(get("birthday")))
        if "cadence_days" in record:
            inc.cadence_days = self._cadence(row, get("cadence_days"))
        if "uid" in record:
            uid = clean_text(get("uid"))
            if uid is not None and len(uid) > 200:
                raise _Bad(self.field(row, "uid", uid), "a uid can't be longer than 200 characters")
            inc.uid = uid
            if record.get(OWN_CARD):
                inc.own_card = True
        kept: dict[str, str] = {}
        for key in ("created_at", "updated_at", "last_contacted_at"):
            if key in record:
                try:
                    setattr(inc, key, self._time(row, get(key), key))
                except _Bad as bad:
                    if norm_header(bad.field or "") not in WHEN_COLUMNS.get(self.layout, ()):
                        raise
                    # LinkedIn's Connected On says when, not who: a date it
                    # can't tell (another language's month) is kept as it
                    # was, a field, and the connection is no less imported.
                    kept[bad.field or key] = clean_text(get(key)) or ""
        note = get("note")
        if note:
            inc.note = clean_note(note)
        fields = get("fields")
        if fields:
            inc.fields = clean_fields(fields)
        if kept:
            inc.fields = {**inc.fields, **kept}
            inc.kept_fields = frozenset(kept)  # (bookkeeping: no news of the person)

    def _birthday(self, row: Row, value: str) -> str | None:
        try:
            return clean_birthday(value, day_first=self.day_first)
        except BadValue:
            # The message quotes the date as the file has it, to be found
            # there: a vCard reader rewrites 19851332 as 1985-13-32.
            written = self.written(row, "birthday", value) if self.written else None
            if written is None:
                raise
            return clean_birthday(value, day_first=self.day_first, shown=written)

    def clean_tags(self, values: list[str] | None) -> list[str]:
        """A row's tags and the import's ``--tag``s, cleaned, once each, sorted."""
        tags = set(self.extra_tags)
        known = self._tags
        for value in values or ():
            tag = known.get(value)
            if tag is None and value:
                # A tag of nothing visible (spaces, control characters) is
                # left out, as an empty item of the list is.
                tag = tag_form(value)
                if len(tag) > MAX_TAG:
                    raise BadValue("tags", value,
                                   f"a tag can't be longer than {MAX_TAG} characters ({len(tag):,})")
                if len(known) < 10_000:
                    known[value] = tag
            if tag:
                tags.add(tag)
        return sorted(tags)

    def field(self, row: Row, key: str, value: Any) -> str:
        return self.reader.field_name(row, key, value)

    def _choice(self, row: Row, value: Any, allowed: set[str], what: str) -> str | None:
        text = clean_text(value)
        if text is None:
            return None
        if text in allowed:
            return text
        if text.lower() in allowed:
            return text.lower()
        raise _Bad(self.field(row, what, text),
                   f"unknown {what} {quoted(text)} (use one of {', '.join(sorted(allowed))})")

    def _cadence(self, row: Row, value: Any) -> int | None:
        text = clean_text(value)
        if text is None:
            return None
        try:
            return check_cadence_days(text, what="a cadence")
        except ValidationError as exc:
            raise _Bad(self.field(row, "cadence_days", text), exc.message) from None

    def _time(self, row: Row, value: Any, what: str) -> str | None:
        """A time from the file, as stored; one later than a day from now is
        a mistake (2031 for 2021) that would put a new lead's response years
        off or keep a silent customer from ever coming due."""
        stamp = self._read_time(row, value, what)
        if stamp is not None and self.now is not None and stamp > self._latest:
            raise _Bad(self.field(row, what, clean_text(value)),
                       f"{quoted(clean_text(value))} is in the future")
        return stamp

    def _read_time(self, row: Row, value: Any, what: str) -> str | None:
        text = clean_text(value)
        if text is None or no_date(text):  # (.NET's 1/1/0001: no time at all)
            return None
        try:
            moment = file_time(text, day_first=self.day_first)
        except ValidationError as exc:  # out of range
            raise _Bad(self.field(row, what, text), exc.message) from None
        if moment is None:
            raise _Bad(self.field(row, what, text), f"not a date and time: {quoted(text)}")
        return to_db(moment)
