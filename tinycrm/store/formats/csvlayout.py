"""Known CSV layouts, recognised and mapped by header name (never by column
position): tinycrm's own export, Google Contacts (old and new), Outlook,
LinkedIn's Connections.csv and HubSpot. Anything else is read by common
header names (``Name``, ``Email``, ``Phone``, ``Company``...).

A header the layout doesn't know becomes a custom field of that name
(``fields``); ``--map 'Header=target'`` sends a column anywhere else. A header
is only ever a dict key: it never reaches SQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from ..textutil import restore_cell, strip_controls
from . import add_field

# What --map may name (besides fields.NAME / custom.NAME and ignore).
TARGETS = {
    "name": "name", "first_name": "first_name", "middle_name": "middle_name",
    "last_name": "last_name", "prefix": "prefix", "suffix": "suffix", "nickname": "nickname",
    "email": "emails", "emails": "emails", "phone": "phones", "phones": "phones",
    "company": "company", "title": "title", "tag": "tags", "tags": "tags", "note": "note",
    "notes": "note", "birthday": "birthday", "stage": "stage", "tier": "tier", "owner": "owner",
    "source": "source", "uid": "uid", "cadence_days": "cadence_days",
    "created_at": "created_at", "updated_at": "updated_at",
    "last_contacted_at": "last_contacted_at", "ignore": "ignore", "-": "ignore",
}
LAYOUT_NAMES = {
    "tinycrm": "tinycrm export", "google": "Google Contacts", "google-old": "Google Contacts (old)",
    "outlook": "Outlook", "linkedin": "LinkedIn connections", "hubspot": "HubSpot", "csv": "CSV",
}
# Columns a rejects file adds; reading that file back (after fixing it) skips them.
REJECT_COLUMNS = ("reject_line", "reject_reason")

_REJECT_NAMES = {" ".join(c.split("_")) for c in REJECT_COLUMNS}

_GENERIC: dict[str, str] = {
    "name": "name", "full name": "name", "display name": "name", "contact name": "name",
    "contact": "name", "fn": "name",
    "first name": "first_name", "firstname": "first_name", "first": "first_name",
    "given name": "first_name", "forename": "first_name",
    "middle name": "middle_name", "additional name": "middle_name",
    "last name": "last_name", "lastname": "last_name", "last": "last_name", "surname": "last_name",
    "family name": "last_name",
    "name prefix": "prefix", "prefix": "prefix", "name suffix": "suffix", "suffix": "suffix",
    "nickname": "nickname",
    "emails": "emails", "mail": "emails",
    "phones": "phones", "phone": "phones",
    "company": "company", "company name": "company", "organization": "company",
    "organisation": "company", "organization name": "company", "org": "company",
    "account name": "company", "employer": "company",
    "title": "title", "job title": "title", "position": "title", "role": "title", "job": "title",
    "organization title": "title",
    "tags": "tags", "tag": "tags", "labels": "tags", "categories": "tags", "groups": "tags",
    "group membership": "tags",
    "notes": "note", "note": "note",
    "birthday": "birthday", "birth date": "birthday", "date of birth": "birthday",
    "dob": "birthday", "bday": "birthday",
    # Thunderbird (and others) keep a birthday in three columns.
    "birth year": "birthday:year", "birth month": "birthday:month", "birth day": "birthday:day",
    "stage": "stage", "tier": "tier", "owner": "owner", "source": "source", "uid": "uid",
    "cadence days": "cadence_days", "created at": "created_at", "updated at": "updated_at",
    "last contacted at": "last_contacted_at",
}
_EMAIL_HEADER = re.compile(
    r"^(?:(?:work|home|personal|other|primary|secondary|alternate|alternative|additional"
    r"|business|private)\s+)?e-?mail"
    r"(?:\s*address)?(?:\s*\d+)?(?:\s*address)?(?:\s*-\s*value)?$"
)
_PHONE_HEADER = re.compile(
    r"^(?:(?:work|home|mobile|cell|business|office|other|primary|secondary|alternate|direct"
    r"|main|private)\s+)?"
    r"(?:phone|telephone|tel|mobile|cell)(?:\s*number)?(?:\s*\d+)?(?:\s*-\s*value)?$"
)
_GOOGLE_VALUE = re.compile(r"^(e-mail|phone) (\d+) - value$")
_GOOGLE_LABEL = re.compile(r"^(e-mail|phone) (\d+) - (type|label)$")
_GOOGLE_PAIR = re.compile(r"^[a-z][a-z -]* \d+ - (?:value|label|formatted)$")

_LAYOUT_HEADERS: dict[str, dict[str, str]] = {
    "tinycrm": {
        "id": "ignore", "version": "ignore", "score": "ignore",  # `search -f csv`'s
        "emails": "emails:list", "phones": "phones:list",
        "tags": "tags:tinycrm", "fields": "fields:json", "first_name": "first_name",
        "last_name": "last_name", "cadence_days": "cadence_days", "created_at": "created_at",
        "updated_at": "updated_at", "last_contacted_at": "last_contacted_at",
    },
    "google": {
        "labels": "tags:google", "photo": "ignore", "file as": "ignore",
        "organization name": "company", "organization title": "title",
    },
    "google-old": {
        "group membership": "tags:google", "photo": "ignore", "organization 1 - name": "company",
        "organization 1 - title": "title", "organization 1 - type": "ignore",
    },
    "outlook": {
        "title": "prefix", "e-mail address": "emails", "e-mail 2 address": "emails",
        "e-mail 3 address": "emails", "e-mail type": "ignore", "e-mail display name": "ignore",
        "e-mail 2 type": "ignore", "e-mail 2 display name": "ignore", "e-mail 3 type": "ignore",
        "e-mail 3 display name": "ignore", "primary phone": "phones:primary",
        "mobile phone": "phones", "business phone": "phones", "business phone 2": "phones",
        "home phone": "phones", "home phone 2": "phones", "other phone": "phones",
        "company main phone": "phones", "car phone": "phones", "assistant's phone": "phones",
        "callback": "phones", "radio phone": "phones", "isdn": "phones", "pager": "phones",
        "tty/tdd phone": "phones", "categories": "tags:outlook", "job title": "title",
        "company": "company",
    },
    "linkedin": {"email address": "emails", "position": "title", "company": "company"},
    "hubspot": {
        "email": "emails", "phone number": "phones", "mobile phone number": "phones",
        "company name": "company", "associated company": "company", "job title": "title",
        "lifecycle stage": "stage:hubspot",
        "contact owner": "keep", "owner": "keep", "record id": "keep",
    },
}
_HUBSPOT_STAGES = {
    "subscriber": "lead", "lead": "lead", "marketingqualifiedlead": "qualified",
    "salesqualifiedlead": "qualified", "opportunity": "qualified", "customer": "customer",
    "evangelist": "customer",
}
# Outlook's placeholders for "not set": on every row of a desktop export, not data.
_OUTLOOK_PLACEHOLDERS = {
    "anniversary": frozenset(("0/0/00", "0/0/0000")), "gender": frozenset(("unspecified",)),
    "priority": frozenset(("normal",)), "private": frozenset(("false",)),
    "sensitivity": frozenset(("normal",)),
}
# Outlook's address columns, and the type and display-name columns beside each.
_OUTLOOK_EMAILS = {
    "e-mail address": ("e-mail type", "e-mail display name"),
    "e-mail 2 address": ("e-mail 2 type", "e-mail 2 display name"),
    "e-mail 3 address": ("e-mail 3 type", "e-mail 3 display name"),
}
# An address in a display name: "Ada Lovelace (ada@ex.org)".
_DISPLAY_ADDRESS = re.compile(r"\(\s*([^()\s]+@[^()\s]+)\s*\)\s*$")
# Google's label/value pairs whose label names the value: "Custom Field 1 - Label"
# "Shoe size" and "Custom Field 1 - Value" "38" are the custom field "Shoe size".
_GOOGLE_NAMED = re.compile(r"^(custom field|relation|event) (\d+) - (value|label|type)$")
_GOOGLE_SPLIT = " ::: "
_EMAIL_SPLIT = re.compile(r"[;,\s]+|\s:::\s")
_PHONE_SPLIT = re.compile(r";|\s:::\s")
_TAG_SPLIT = re.compile(r"[;,]|\s:::\s")
_UNESCAPED_SEMICOLON = re.compile(r"(?<!\\)((?:\\\\)*);")


def norm_header(header: str) -> str:
    return " ".join(header.strip().lstrip("\ufeff").lower().replace("_", " ").split())


def detect_layout(header: Sequence[str]) -> str:
    names = {norm_header(h) for h in header}
    if {"uid", "name", "emails", "phones", "tags", "fields"} <= names:
        return "tinycrm"
    if "group membership" in names or {"given name", "family name"} <= names:
        return "google-old"
    if "labels" in names and (names & {"organization name", "file as", "phonetic first name"}
                              or any(_GOOGLE_PAIR.match(n) for n in names)):
        return "google"
    if "e-mail address" in names or "e-mail 2 address" in names:
        return "outlook"
    if "connected on" in names or {"first name", "last name", "url", "email address"} <= names:
        return "linkedin"
    if "lifecycle stage" in names or ("record id" in names and "contact owner" in names):
        return "hubspot"
    return "csv"


# -- list cells ------------------------------------------------------------------


def join_tags(tags: Sequence[str]) -> str:
    """Tags in one CSV cell: ``a; b``, with ``\\`` and ``;`` inside a tag escaped by ``\\``."""
    return "; ".join(t.replace("\\", "\\\\").replace(";", "\\;") for t in tags)


def split_tags(cell: str) -> list[str]:
    """The inverse of ``join_tags``."""
    if "\\" not in cell:
        return [t.strip() for t in cell.split(";") if t.strip()]
    parts, current, i = [], [], 0
    while i < len(cell):
        ch = cell[i]
        if ch == "\\" and i + 1 < len(cell):
            current.append(cell[i + 1])
            i += 2
            continue
        if ch == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _google_values(cell: str) -> list[str]:
    if _GOOGLE_SPLIT not in cell:
        return [cell]  # most cells hold one value, and the mapper has stripped it
    return [v.strip() for v in cell.split(_GOOGLE_SPLIT) if v.strip()]


def _google_tags(cell: str) -> list[str]:
    if cell == "* myContacts":
        return []  # most rows of a Google export: in no group but "everyone"
    tags = []
    for value in _google_values(cell):
        if value.startswith("* "):
            value = value[2:].strip()
            if value.lower().replace(" ", "") == "mycontacts":
                # Google's "everyone" group ("* My Contacts" in the old
                # export), not a label anyone chose
                continue
        tags.append(value)
    return tags


def _primary_first(target: list[str], values: list[str], label: str | None) -> None:
    """Add ``values`` to ``target``, those whose Google label starts with ``*``
    (the primary) first: the label cell marks the whole cell (``* Work``), or
    each of its values (``Mobile ::: * Work`` beside ``a ::: b``)."""
    if label is None:
        target.extend(values)
        return
    if len(values) > 1 and _GOOGLE_SPLIT.strip() in label:
        labels = [part.strip() for part in label.split(":::")]
        if len(labels) == len(values):
            target[0:0] = [v for v, mark in zip(values, labels) if mark.startswith("*")]
            target.extend(v for v, mark in zip(values, labels) if not mark.startswith("*"))
            return
    if label.lstrip().startswith("*"):
        target[0:0] = values
    else:
        target.extend(values)


def _exchange_address(value: str, cells: Sequence[str], exchange: tuple[int, int]) -> str | None:
    """For an Outlook address that is an Exchange one (type ``EX``, a
    ``/o=...`` name rather than an address): the address its display name
    shows (``Ada Lovelace (ada@ex.org)``), else ``""``. None for an ordinary address."""
    type_index, display_index = exchange
    kind = cells[type_index].strip().upper() if 0 <= type_index < len(cells) else ""
    if kind != "EX" and not value[:3].lower() == "/o=":
        return None
    display = cells[display_index] if 0 <= display_index < len(cells) else ""
    found = _DISPLAY_ADDRESS.search(display)
    return found.group(1) if found else ""


def _field_value(value: str) -> str:
    """A custom field's text with a file's CRLF (or CR) line ends as LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


# -- the mapper ------------------------------------------------------------------

# Operation codes, one per mapped column.
_SET, _LIST, _FIELD, _TAGS, _FIELDS_JSON, _HUBSPOT, _BIRTH = range(7)


@dataclass
class Mapper:
    """Turns one row of cells into a record. Built once per file from its header."""

    layout: str
    header: list[str]
    ops: list[tuple[int, int, Any, Any]] = field(default_factory=list)
    targets: dict[int, str] = field(default_factory=dict)  # column -> what it fed, for messages
    identity: bool = False  # some column can name, mail or phone a person

    def __call__(self, cells: Sequence[str]) -> tuple[dict[str, Any], str | None]:
        record: dict[str, Any] = {}
        birth: dict[str, tuple[int, str]] = {}  # a birthday's year, month, day columns
        count = len(cells)
        for index, op, key, arg in self.ops:
            if index >= count:
                continue
            value = cells[index]
            if not value:
                continue
            value = value.strip()
            if not value:
                continue
            if value[0] == "'":
                value = restore_cell(value)
            if op == _SET:
                if key in record:
                    record.setdefault("fields", {}).setdefault(self.header[index], value)
                else:
                    record[key] = value
            elif op == _LIST:
                split, primary_column, exchange = arg
                if exchange is not None:
                    found = _exchange_address(value, cells, exchange)
                    if found == "":  # an Exchange name and no address: kept, not rejected
                        record.setdefault("fields", {})[self.header[index]] = value
                        continue
                    if found is not None:
                        value, split = found, None
                values = split(value) if split else [value]
                target = record.get(key)
                if target is None:
                    target = record[key] = []
                if primary_column is True:
                    target[0:0] = values
                else:
                    _primary_first(target, values, None if primary_column is None
                                   else cells[primary_column] if primary_column < count else "")
            elif op == _FIELD:
                if arg is None:
                    record.setdefault("fields", {})[key] = _field_value(value)
                elif isinstance(arg, int):  # named by the label in another column
                    label = cells[arg].strip().lstrip("* ").strip() if arg < count else ""
                    add_field(record.setdefault("fields", {}), label or key,
                                  _field_value(value))
                elif value.lower() not in arg:  # not one of the layout's placeholders
                    record.setdefault("fields", {})[key] = _field_value(value)
            elif op == _TAGS:
                record.setdefault("tags", []).extend(arg(value))
            elif op == _FIELDS_JSON:
                try:
                    data = json.loads(value)
                except ValueError:
                    return record, f"{self.header[index]}: not a JSON object: {value[:60]!r}"
                if not isinstance(data, dict):
                    return record, f"{self.header[index]}: not a JSON object: {value[:60]!r}"
                fields = record.setdefault("fields", {})
                for name, item in data.items():
                    fields.setdefault(str(name), item)
            elif op == _HUBSPOT:
                stage = _HUBSPOT_STAGES.get(value.lower().replace(" ", ""))
                if stage is not None:
                    record.setdefault("stage", stage)
                if stage is None or stage != value.lower():
                    record.setdefault("fields", {})[self.header[index]] = value
            elif op == _BIRTH:
                birth[key] = (index, value)
        if birth:
            _birthday_of_parts(record, birth, self.header)
        return record, None

    def columns(self, rows: Sequence[Sequence[str]]) -> dict[str, list] | None:
        """What ``__call__`` makes of each of ``rows``, as columns: {key: the
        row's value, or None, for each row}. The same steps in the same order,
        a column at a time, so most of the work is over runs of cells. None
        when a row's width is not the header's (the row path says why) or a
        JSON or HubSpot stage column has a value (only ``__call__`` reads those)."""
        count, width, header = len(rows), len(self.header), self.header
        if not count or any(len(cells) != width for cells in rows):
            return None
        cells_of = list(zip(*rows))
        out: dict[str, list] = {}
        kinds: dict[str, int] = {}  # the operation each key's column comes from
        for index, op, key, arg in self.ops:
            column = cells_of[index]
            filled = [i for i in compress(range(count), column) if not column[i].isspace()]
            if not filled:
                continue
            if op in (_FIELDS_JSON, _HUBSPOT, _BIRTH):
                return None
            values = [column[i].strip() for i in filled]
            for n, value in enumerate(values):
                if value[0] == "'":
                    values[n] = restore_cell(value)
            if op == _FIELD:
                for i, value in zip(filled, values):
                    if arg is None:
                        _fields_of(out, count, i)[key] = _field_value(value)
                    elif isinstance(arg, int):
                        label = rows[i][arg].strip().lstrip("* ").strip()
                        add_field(_fields_of(out, count, i), label or key, _field_value(value))
                    elif value.lower() not in arg:
                        _fields_of(out, count, i)[key] = _field_value(value)
                continue
            if kinds.setdefault(key, op) != op:
                return None
            column_out = out.get(key)
            if column_out is None:
                column_out = out[key] = [None] * count
            if op == _SET:
                for i, value in zip(filled, values):
                    if column_out[i] is None:
                        column_out[i] = value
                    else:
                        _fields_of(out, count, i).setdefault(header[index], value)
            elif op == _LIST:
                split, primary_column, exchange = arg
                if exchange is not None and any(
                        _exchange_address(value, rows[i], exchange) is not None
                        for i, value in zip(filled, values)):
                    return None  # an Exchange address: the row path reads those
                for i, value in zip(filled, values):
                    found = split(value) if split else [value]
                    target = column_out[i]
                    if target is None:
                        # Most rows: the first values of this key (one, with
                        # a label of one), in order or all first alike.
                        if primary_column is None or primary_column is True or (
                                len(found) == 1 and ":::" not in rows[i][primary_column]):
                            column_out[i] = found
                            continue
                        target = column_out[i] = []
                    if primary_column is True:
                        target[0:0] = found
                    else:
                        _primary_first(target, found, None if primary_column is None
                                       else rows[i][primary_column])
            else:  # _TAGS: a file repeats a few labels, so each is split once
                split_once: dict[str, list[str]] = {}
                for i, value in zip(filled, values):
                    tags = split_once.get(value)
                    if tags is None:
                        tags = split_once[value] = arg(value)
                    if column_out[i] is None:
                        column_out[i] = []
                    column_out[i].extend(tags)
        return out

    def column_of(self, cells: Sequence[str], key: str, value: str) -> str:
        """The header of the column that gave ``value`` to ``key`` (for messages)."""
        candidates = [i for i, target in self.targets.items() if target == key]
        for index in candidates:
            if index < len(cells) and str(value) in cells[index]:
                return self.header[index]
        return self.header[candidates[0]] if candidates else key


def _birthday_of_parts(record: dict[str, Any], parts: dict[str, tuple[int, str]],
                       header: Sequence[str]) -> None:
    """A birthday from its year, month and day columns (``--MM-DD`` without a
    year). Parts that make none (no month or day, text, a Birthday column
    besides) are kept as custom fields named after their headers."""
    year, month, day = (parts.get(k, (0, ""))[1] for k in ("year", "month", "day"))
    if ("birthday" not in record and month.isdigit() and day.isdigit()
            and (year.isdigit() or not year)):
        head = f"{int(year):04d}-" if year else "--"
        record["birthday"] = f"{head}{int(month):02d}-{int(day):02d}"
        return
    fields = record.setdefault("fields", {})
    for index, value in parts.values():
        fields.setdefault(header[index], value)


def _fields_of(out: dict[str, list], count: int, i: int) -> dict[str, Any]:
    """Row ``i``'s custom fields in ``Mapper.columns``' output, made on first use."""
    column = out.get("fields")
    if column is None:
        column = out["fields"] = [None] * count
    fields = column[i]
    if fields is None:
        fields = column[i] = {}
    return fields


def _split_for(layout: str, key: str):
    if layout in ("google", "google-old"):
        return _google_values
    if key == "emails":
        return _split_emails
    return _PHONE_SPLIT.split


def _split_emails(cell: str) -> list[str]:
    """The addresses in a cell: split on commas, semicolons and spaces, or,
    where a mail program wrote them with names (``Ada Lovelace
    <ada@ex.org>; "King, Ada" <ada@king.example>``), the addresses alone."""
    if "<" not in cell:
        return _EMAIL_SPLIT.split(cell)
    from email.utils import getaddresses

    found = [address for _, address in getaddresses([cell.replace(";", ",")])]
    if not found or not all("@" in address for address in found):
        return _EMAIL_SPLIT.split(cell)  # not that form: checked (and reported) as it is
    return found


def _tag_splitter(style: str):
    if style == "google":
        return _google_tags
    if style == "tinycrm":
        return split_tags
    return lambda cell: [t.strip() for t in _TAG_SPLIT.split(cell) if t.strip()]


def _field_name(header: str, index: int, used: set[str]) -> str:
    name = " ".join(strip_controls(header).split()) or f"column {index + 1}"
    base, n = name, 2
    while name in used:
        name = f"{base} ({n})"
        n += 1
    used.add(name)
    return name


def parse_map(items: Sequence[str]) -> dict[str, str]:
    """``["Header Name=field", ...]`` -> {normalised header: target}."""
    from ..errors import ValidationError

    mapping: dict[str, str] = {}
    for item in items:
        if "=" not in item:
            raise ValidationError(f"--map takes 'Header Name=field', got {item!r}")
        header, target = item.rsplit("=", 1)
        target = target.strip()
        low = target.lower()
        if low.startswith(("fields.", "custom.")) and target.split(".", 1)[1].strip():
            resolved = "field:" + target.split(".", 1)[1].strip()
        elif low in TARGETS:
            resolved = TARGETS[low]
        else:
            raise ValidationError(
                f"--map {item!r}: unknown field {target!r}; use one of "
                f"{', '.join(sorted(k for k in TARGETS if k != '-'))}, or fields.NAME"
            )
        if not header.strip():
            raise ValidationError(f"--map {item!r}: the header name is empty")
        mapping[norm_header(header)] = resolved
    return mapping


def build_mapper(header: Sequence[str], *, overrides: dict[str, str] | None = None,
                 layout: str | None = None) -> Mapper:
    """Decide, column by column, where each header's cells go."""
    header = [h if isinstance(h, str) else "" for h in header]
    layout = layout or detect_layout(header)
    overrides = dict(overrides or {})
    specific = _LAYOUT_HEADERS.get(layout, {})
    normalised = [norm_header(h) for h in header]
    if layout == "outlook" and "job title" not in normalised:
        # Outlook's Title is Mr or Dr, beside its Job Title; a file with an
        # "E-mail Address" column and no Job Title means the job.
        specific = {**specific, "title": "title"}
    mapper = Mapper(layout=layout, header=list(header))
    used: set[str] = set()
    labels: dict[tuple[str, str], int] = {}
    named: dict[tuple[str, str], list[int | None]] = {}  # Google's (kind, n): [value, label]
    for index, name in enumerate(normalised):
        match = _GOOGLE_LABEL.match(name)
        if match and layout in ("google", "google-old"):
            labels[(match.group(1), match.group(2))] = index
        match = _GOOGLE_NAMED.match(name)
        if match and layout in ("google", "google-old") and name not in overrides:
            pair = named.setdefault((match.group(1), match.group(2)), [None, None])
            pair[0 if match.group(3) == "value" else 1] = index
    label_of = {value: label for value, label in named.values()
                if value is not None and label is not None}
    position = {name: index for index, name in reversed(list(enumerate(normalised)))}
    for index, name in enumerate(normalised):
        target = overrides.pop(name, None)
        if target is None and name in _REJECT_NAMES:
            continue
        if target is None and index in label_of.values():
            continue  # the name of the field its value column makes
        default = target is None
        if target is None:
            target = _default_target(layout, specific, name, labels)
        if target == "ignore":
            continue
        if target is None and name.startswith(("fields.", "custom.")) and name.split(".", 1)[1]:
            target = "field:" + _field_name(header[index].split(".", 1)[1], index, used)
        elif target == "keep" or target is None:
            target = "field:" + _field_name(header[index], index, used)
        op = _op(layout, index, target, header[index])
        if op[1] == _FIELD and default and index in label_of:
            op = (index, _FIELD, op[2], label_of[index])
        elif op[1] == _FIELD and layout == "outlook" and name in _OUTLOOK_PLACEHOLDERS:
            op = (index, _FIELD, op[2], _OUTLOOK_PLACEHOLDERS[name])
        elif (op[1] == _LIST and op[2] == "emails" and layout == "outlook"
              and name in _OUTLOOK_EMAILS):
            beside = tuple(position.get(n, -1) for n in _OUTLOOK_EMAILS[name])
            op = (index, _LIST, "emails", (*op[3][:2], beside))
        mapper.ops.append(op)
        mapper.targets[index] = target.split(":")[0] if not target.startswith("field:") else "fields"
    if overrides:
        from ..errors import ValidationError

        missing = ", ".join(repr(h) for h in overrides)
        raise ValidationError(
            f"--map names {missing}, which is not a column here (columns: "
            f"{', '.join(h for h in header if h)})"
        )
    fed = set(mapper.targets.values())
    mapper.identity = bool(fed & {"name", "first_name", "last_name", "emails", "phones",
                                  "company", "nickname"})
    return mapper


def _default_target(layout: str, specific: dict[str, str], name: str,
                    labels: dict[tuple[str, str], int]) -> str | None:
    if name in specific:
        return specific[name]
    if layout in ("google", "google-old"):
        match = _GOOGLE_VALUE.match(name)
        if match:
            kind = "emails" if match.group(1) == "e-mail" else "phones"
            label = labels.get((match.group(1), match.group(2)))
            return f"{kind}:google:{label if label is not None else ''}"
        if _GOOGLE_LABEL.match(name):
            return "ignore"
        if layout == "google-old" and name.startswith("organization "):
            return None
    if layout == "tinycrm" and name in ("emails", "phones"):
        return f"{name}:list"
    if name in _GENERIC:
        return _GENERIC[name]
    if _EMAIL_HEADER.match(name):
        return "emails"
    if _PHONE_HEADER.match(name):
        return "phones"
    return None


def _op(layout: str, index: int, target: str, header: str) -> tuple[int, int, Any, Any]:
    if target.startswith("field:"):
        return (index, _FIELD, target[6:], None)
    kind, _, style = target.partition(":")
    if kind in ("emails", "phones"):
        if style.startswith("google"):
            label = style.split(":", 1)[1] if ":" in style else ""
            return (index, _LIST, kind, (_google_values, int(label) if label else None, None))
        if style == "list":
            return (index, _LIST, kind, (_PHONE_SPLIT.split, None, None))
        if style == "primary":
            return (index, _LIST, kind, (None, True, None))
        return (index, _LIST, kind, (_split_for(layout, kind), None, None))
    if kind == "tags":
        style = style or ("google" if layout.startswith("google") else "plain")
        return (index, _TAGS, "tags", _tag_splitter(style))
    if kind == "fields" and style == "json":
        return (index, _FIELDS_JSON, "fields", None)
    if kind == "stage" and style == "hubspot":
        return (index, _HUBSPOT, "stage", None)
    if kind == "birthday" and style:
        return (index, _BIRTH, style, None)
    return (index, _SET, kind, None)
