"""Known CSV layouts, recognised and mapped by header name (never by column
position): tinycrm's own export, Google Contacts (old and new), Outlook,
LinkedIn's Connections.csv and HubSpot. Anything else is read by common
header names (``Name``, ``Email``, ``Phone``, ``Company``...).

A header the layout doesn't know becomes a custom field of that name
(``fields``); ``--map 'Header=target'`` sends a column anywhere else. A header
is only ever a dict key: it never reaches SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..errors import listed, quoted
from ..textutil import strip_controls
from .csvmapper import (
    BIRTH,
    FIELD,
    FIELDS_JSON,
    GOOGLE_SPLIT,
    HUBSPOT,
    LIST,
    SET,
    TAGS,
    Mapper,
)
from .outlook_locales import english_headers

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
# Columns that say when a row was made, not who it is about. LinkedIn's rows of
# members who hide their details hold nothing but the date you connected: with
# nothing else in them they are left out like blank lines, not rejected.
BOOKKEEPING = {"linkedin": frozenset(("connected on",))}
# Columns that say when, not who: a time in them that can't be read (another
# language's month) or is in the future is kept as a custom field under its
# header, and its row imported, rather than rejected.
WHEN_COLUMNS = {"linkedin": frozenset(("connected on",)),
                "hubspot": frozenset(("create date", "last contacted"))}
# Columns a rejects file adds; reading that file back (after fixing it) skips them.
REJECT_COLUMNS = ("reject_line", "reject_reason")

REJECT_NAMES = frozenset(" ".join(c.split("_")) for c in REJECT_COLUMNS)

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
        "company main phone": "phones", "car phone": "phones",
        # The assistant's number, beside the assistant's name: not the
        # contact's (desktop Outlook's first phone column, so it came first).
        "assistant's phone": "keep", "callback": "phones", "radio phone": "phones",
        "isdn": "phones", "pager": "phones", "tty/tdd phone": "phones",
        "categories": "tags:outlook", "job title": "title",
        "company": "company",
    },
    # When you connected is when you have known them: an old connection is no
    # new lead to answer within a day (the new-lead rule looks at creation).
    "linkedin": {"email address": "emails", "position": "title", "company": "company",
                 "connected on": "created_at"},
    "hubspot": {
        "email": "emails", "phone number": "phones", "mobile phone number": "phones",
        # hs_additional_emails: addresses of duplicates merged into this one
        "additional email addresses": "emails",
        "company name": "company", "associated company": "company", "job title": "title",
        "lifecycle stage": "stage:hubspot",
        "contact owner": "keep", "owner": "keep", "record id": "keep",
        # When HubSpot got them, and last called, mailed or met them: an old
        # lead is no new one to answer within a day (the new-lead rule looks
        # at creation), nor a customer called last week one gone silent.
        "create date": "created_at", "last contacted": "last_contacted_at",
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
# Google's label/value pairs whose label names the value: "Custom Field 1 - Label"
# "Shoe size" and "Custom Field 1 - Value" "38" are the custom field "Shoe size".
_GOOGLE_NAMED = re.compile(r"^(custom field|relation|event) (\d+) - (value|label|type)$")
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
    if GOOGLE_SPLIT not in cell:
        return [cell]  # most cells hold one value, and the mapper has stripped it
    return [v.strip() for v in cell.split(GOOGLE_SPLIT) if v.strip()]


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
            raise ValidationError(f"--map takes 'Header Name=field', got {quoted(item)}")
        header, target = item.rsplit("=", 1)
        target = target.strip()
        low = target.lower()
        if low.startswith(("fields.", "custom.")) and target.split(".", 1)[1].strip():
            resolved = "field:" + target.split(".", 1)[1].strip()
        elif low in TARGETS:
            resolved = TARGETS[low]
        else:
            raise ValidationError(
                f"--map {quoted(item)}: unknown field {quoted(target)}; use one of "
                f"{', '.join(sorted(k for k in TARGETS if k != '-'))}, or fields.NAME"
            )
        if not header.strip():
            raise ValidationError(f"--map {quoted(item)}: the header name is empty")
        mapping[norm_header(header)] = resolved
    return mapping


def build_mapper(header: Sequence[str], *, overrides: dict[str, str] | None = None,
                 layout: str | None = None) -> Mapper:
    """Decide, column by column, where each header's cells go."""
    header = [h if isinstance(h, str) else "" for h in header]
    overrides = dict(overrides or {})
    normalised = [norm_header(h) for h in header]
    if layout is None:
        layout = detect_layout(header)
        english = english_headers(normalised) if layout in ("csv", "outlook") else None
        if english is not None:  # Outlook in another language: its headers read in English
            normalised = [n if n in overrides else e for n, e in zip(normalised, english)]
            layout = detect_layout(normalised)
    specific = _LAYOUT_HEADERS.get(layout, {})
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
    # A field that --map fills holds one value: the mapped column's. A column
    # that would have filled it by its header is kept as a custom field.
    mapped = {overrides[name].split(":")[0] for name in normalised if name in overrides} - {
        "emails", "phones", "tags", "keep", "ignore", "field"}
    for index, name in enumerate(normalised):
        target = overrides.pop(name, None)
        if target is None and name in REJECT_NAMES:
            continue
        if target is None and index in label_of.values():
            continue  # the name of the field its value column makes
        default = target is None
        if target is None:
            target = _default_target(layout, specific, name, labels)
            if target is not None and target.split(":")[0] in mapped:
                target = "keep"
        if target == "ignore":
            continue
        if target is None and name.startswith(("fields.", "custom.")) and name.split(".", 1)[1]:
            target = "field:" + _field_name(header[index].split(".", 1)[1], index, used)
        elif target == "keep" or target is None:
            target = "field:" + _field_name(header[index], index, used)
        elif target.startswith("field:"):  # --map H=fields.NAME: numbered like any other
            target = "field:" + _field_name(target[6:], index, used)
        op = _op(layout, index, target, header[index])
        if op[1] == FIELD and default and index in label_of:
            op = (index, FIELD, op[2], label_of[index])
        elif op[1] == FIELD and layout == "outlook" and name in _OUTLOOK_PLACEHOLDERS:
            op = (index, FIELD, op[2], _OUTLOOK_PLACEHOLDERS[name])
        elif (op[1] == LIST and op[2] == "emails" and layout == "outlook"
              and name in _OUTLOOK_EMAILS):
            beside = tuple(position.get(n, -1) for n in _OUTLOOK_EMAILS[name])
            op = (index, LIST, "emails", (*op[3][:2], beside))
        mapper.ops.append(op)
        mapper.targets[index] = target.split(":")[0] if not target.startswith("field:") else "fields"
    if overrides:
        from ..errors import ValidationError

        missing = ", ".join(map(quoted, overrides))
        raise ValidationError(
            f"--map names {missing}, which is not a column here (columns: "
            f"{listed([h for h in header if h])})"
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
        return (index, FIELD, target[6:], None)
    kind, _, style = target.partition(":")
    if kind in ("emails", "phones"):
        if style.startswith("google"):
            label = style.split(":", 1)[1] if ":" in style else ""
            return (index, LIST, kind, (_google_values, int(label) if label else None, None))
        if style == "list":
            return (index, LIST, kind, (_PHONE_SPLIT.split, None, None))
        if style == "primary":
            return (index, LIST, kind, (None, True, None))
        return (index, LIST, kind, (_split_for(layout, kind), None, None))
    if kind == "tags":
        style = style or ("google" if layout.startswith("google") else "plain")
        return (index, TAGS, "tags", _tag_splitter(style))
    if kind == "fields" and style == "json":
        return (index, FIELDS_JSON, "fields", None)
    if kind == "stage" and style == "hubspot":
        return (index, HUBSPOT, "stage", _HUBSPOT_STAGES)
    if kind == "birthday" and style:
        return (index, BIRTH, style, None)
    return (index, SET, kind, None)
