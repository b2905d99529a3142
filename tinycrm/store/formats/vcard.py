"""vCard in (2.1, 3.0 and 4.0); ``vcardwriter`` writes 3.0.

Read: folded lines, QUOTED-PRINTABLE with CHARSET (2.1), bare TYPE params
(``TEL;WORK;VOICE:``), Apple's ``item1.EMAIL`` groups, escaped ``\\,`` ``\\;``
``\\n``, PREF in its three spellings, ``tel:`` URIs (4.0), several cards per
file. N, FN, EMAIL, TEL, ORG, TITLE, NOTE, BDAY, CATEGORIES (as tags), UID,
NICKNAME, URL and ADR are read (a fax's TEL as a custom field, not a
phone: ``vcardprops.fax_field``); tinycrm's own ``X-TINYCRM-*`` properties
carry what vCard has no place for, so an export reads back losslessly.
Group cards (``KIND:group``, iCloud's ``X-ADDRESSBOOKSERVER-KIND:group``) are
not people and give no row, but their members get the group's name as a tag
(``vcardgroups``); a 2.1 ``AGENT``'s nested card stays part of its card.

A rejected card names its own first line (``Row.line``) and, through
``VCardReader.field_name``, the line of the property at fault: the card's
text carries the physical line each of its lines started on (``CardText``),
and is read again only for a row that is rejected.

tinycrm's own properties and the custom fields that also go out as standard
properties are named in ``vcardprops``, which the writer shares; the text
below the cards (lines, properties, escapes) is ``vcardlines``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from . import OWN_CARD, FormatError, Row, add_field
from .source import Source
from .vcardgroups import Groups, might_have_groups, read_groups, with_groups
from .vcardlines import Property, logical_lines, parse_property, split_unescaped, unescape
from .vcardprops import COPIED, X_FIELDS, X_PREFIX, X_SCALARS, fax_field, standard_copies

# -- reading ---------------------------------------------------------------------


def _date(value: str, omit_year: str | None = None) -> str:
    value = value.strip()
    if omit_year is not None:
        # Apple's year of no year; some files give the parameter without it.
        omit_year = omit_year.strip() or "1604"
    if omit_year and value.startswith(omit_year):
        # Apple writes a birthday without a year as 1604-03-15 with
        # X-APPLE-OMIT-YEAR=1604: vCard's own form for it is --03-15.
        value = "--" + value[len(omit_year):].lstrip("-")
    elif value[:4] in _NO_YEAR and (value[4:5] == "-" or value[4:8].isdigit()):
        # Without the parameter too: iOS drops it when a card is edited over
        # CardDAV, and 0000 is no year of any calendar (both seen in files).
        value = "--" + value[4:].lstrip("-")
    if value.startswith("--"):
        digits = value[2:].replace("-", "")
        return f"--{digits[:2]}-{digits[2:4]}" if len(digits) >= 4 else value
    head = value.split("T")[0]
    digits = head.replace("-", "")
    if len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    return value


_NO_YEAR = ("1604", "0000")
_LONE_BACKSLASH = re.compile(r"\\(?!;)")

# vCard 4.0's dates of reduced accuracy (a year, a year and month, a month,
# a day): no birthday tinycrm can hold, so kept as text rather than rejected.
_PARTIAL_DATE = re.compile(r"\d{4}(-?\d{2})?|--\d{2}|---\d{2}")

# Google's group of everyone in the account, not a label anyone chose (as in
# its CSV export); tinycrm's own export writes tags lowercase, so it keeps them.
_NOT_TAGS = ("myContacts",)


def _tel(value: str) -> str:
    """A 4.0 ``tel:`` URI as a number: ``tel:+1-555-0100;ext=12`` is
    ``+1-555-0100 ext. 12``; its other parameters are dropped."""
    number, *params = value[4:].split(";")
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "ext" and val.strip():
            number += f" ext. {val.strip()}"
    return number


def _without_copies(props: list[Property]) -> list[Property]:
    """The card's properties less the standard copies of its X-TINYCRM-FIELDS
    (``COPIED``): those whose text is that of a field the JSON holds under
    the name the property is copied from (a fax's TEL, that of a fax field).
    Any other (a URL added in another address book, a NICKNAME that names
    the card, a number to call) is the card's own."""
    copies = _copied_texts(props)
    if not copies:
        return props
    return [p for p in props if not _may_be_copy(p) or (p.name, _text_of(p)) not in copies]


def _may_be_copy(prop: Property) -> bool:
    return prop.name in COPIED or (prop.name == "TEL" and fax_field(prop.types) is not None)


def _copied_texts(props: list[Property]) -> set[tuple[str, str]]:
    """(property, text) of each copy the writer made of the card's
    X-TINYCRM-FIELDS (``_copies``)."""
    found = next((p for p in props if p.name == X_FIELDS), None)
    if found is None:
        return set()
    try:
        data = json.loads(unescape(found.value))
    except (ValueError, RecursionError):
        return set()
    if not isinstance(data, dict):
        return set()
    # (A fax's property is written with its TYPE: ``TEL;TYPE=WORK,FAX``.)
    return {(prop.partition(";")[0], text) for prop, _, text in standard_copies(data)}


def _text_of(prop: Property) -> str | None:
    """A URL's, NICKNAME's, ROLE's or TEL's text; an ADR's street when it
    holds nothing else (as the writer's copies do)."""
    if prop.name != "ADR":
        return unescape(prop.value).strip()
    parts = [unescape(p) for p in split_unescaped(prop.value, ";")]
    street = parts[2] if len(parts) > 2 else ""
    return street.strip() if not "".join(parts[:2] + parts[3:]).strip() else None


def _one_name(props: list[Property]) -> tuple[Property, ...]:
    """The card's FN and N, when it has several (4.0's ALTID forms in other
    languages, or a writer's slip): the most preferred FN, else the first,
    and the N of the same ALTID, else the most preferred N, else the first."""
    def best(found: list[Property]) -> Property | None:
        return min(found, key=lambda prop: prop.rank) if found else None  # (min: the first of equals)

    full = best([p for p in props if p.name == "FN"])
    parts = [p for p in props if p.name == "N"]
    altid = full.params.get("ALTID") if full is not None else None
    same = [p for p in parts if altid is not None and p.params.get("ALTID") == altid]
    return tuple(p for p in (full, best(same) or best(parts)) if p is not None)


def card_record(props: list[Property]) -> dict[str, Any]:
    # X-TINYCRM-FIELDS first: its names are the card's fields', and a property
    # added in another address book (a second URL) is numbered after them.
    props = sorted(_without_copies(props), key=lambda p: p.name != X_FIELDS)
    if any(p.name == "VERSION" and p.value.strip() == "2.1" for p in props):
        # vCard 2.1 escapes only a semicolon: Outlook's CORP\netadmin and
        # \\server\new are backslashes, not a line break. Escaped as 3.0
        # would be, they read the same from here on.
        for prop in props:
            if "\\" in prop.value:
                prop.value = _LONE_BACKSLASH.sub(r"\\\\", prop.value)
    # Apple names a group's value by an X-ABLabel in the group ("_$!<Spouse>!$_").
    labels = {p.group: _label(p.value) for p in props if p.name == "X-ABLABEL" and p.group}
    record: dict[str, Any] = {}
    emails: list[tuple[int, str]] = []
    phones: list[tuple[int, str]] = []
    notes: list[str] = []
    fields: dict[str, Any] = {}
    names = _one_name(props)
    own = any(p.name.startswith(X_PREFIX) for p in props)  # a card of tinycrm's export
    for prop in props:
        name, value = prop.name, prop.value
        if prop.problem is not None:
            record.setdefault("_error", f"{name} (line {prop.line}): {prop.problem}")
            continue
        if name in ("FN", "N") and prop not in names:
            continue  # another of the card's names (another language, say)
        if name == "FN":
            record["name"] = unescape(value).strip()
        elif name == "N":
            # Family;Given;Additional;Prefix;Suffix, each maybe a comma list.
            parts = [
                " ".join(v for v in (unescape(x).strip() for x in split_unescaped(p, ",")) if v)
                for p in split_unescaped(value, ";")
            ] + [""] * 5
            family, given, additional, prefix, suffix = parts[:5]
            if own:
                # tinycrm wrote the N it has, empty ones too (a "Mom"): FN
                # is not then split into first and last names.
                record["last_name"], record["first_name"] = family, given
            for key, part in (("last_name", family), ("first_name", given),
                              ("middle_name", additional), ("prefix", prefix), ("suffix", suffix)):
                if part:
                    record[key] = part
        elif name in ("EMAIL", "TEL", "X-MS-TEL"):
            # Outlook's 2.1 cards put the numbers 2.1 has no type for in
            # X-MS-TEL: a callback number is the person's, an assistant's is not.
            item = unescape(value).strip()
            if name == "TEL" and item.lower().startswith("tel:"):
                item = _tel(item).strip()
            if name == "EMAIL" and item.lower().startswith("mailto:"):
                item = item[7:]
            fax = fax_field(prop.types, labels.get(prop.group, "")) if name == "TEL" else None
            if item and name == "X-MS-TEL" and "ASSISTANT" in prop.types:
                add_field(fields, "assistant's phone", item)
            elif item and fax:
                add_field(fields, fax, item)  # no number to call, nor to match people by
            elif item:
                (emails if name == "EMAIL" else phones).append((prop.rank, item))
        elif name == "ORG":
            company, *units = (unescape(part).strip() for part in split_unescaped(value, ";"))
            if company and "company" in record:
                add_field(fields, "company", company)  # another ORG: kept, the first is the company
            elif company:
                record["company"] = company
            units = [unit for unit in units if unit]
            if units:  # the organizational units: a department, a team
                add_field(fields, "department", ", ".join(units))
        elif name == "NOTE":
            text = unescape(value).strip()
            if text:
                notes.append(text)
        elif name in ("TITLE", "UID", "NICKNAME"):
            text = unescape(value).strip()
            key = {"TITLE": "title", "UID": "uid", "NICKNAME": "nickname"}[name]
            if text and key not in record:
                record[key] = text
            elif text and key == "title" and text != record[key]:
                add_field(fields, "title", text)  # another TITLE, kept as the other ORGs
        elif name == "BDAY":
            if value.strip():
                day = _date(value, prop.params.get("X-APPLE-OMIT-YEAR"))
                if (prop.params.get("VALUE", "").lower() == "text"
                        or _PARTIAL_DATE.fullmatch(day)):
                    add_field(fields, "birthday", unescape(value).strip())
                else:
                    record["birthday"] = day
        elif name == "CATEGORIES":
            tags = [unescape(t).strip() for t in split_unescaped(value, ",")]
            record.setdefault("tags", []).extend(t for t in tags if t and t not in _NOT_TAGS)
        elif name in ("KIND", "X-ADDRESSBOOKSERVER-KIND"):
            if value.strip().lower() == "group":
                record["_group"] = True  # 4.0's (and iCloud's) group card: not a person
        elif name == "X-ANDROID-CUSTOM":
            # Android's 2.1 export writes what 2.1 has no property for here:
            # vnd.android.cursor.item/nickname;Jo;1;;;...
            kind, _, rest = value.partition(";")
            kind = kind.strip().lower()
            data = [unescape(part).strip() for part in split_unescaped(rest, ";")] + ["", "", ""]
            text, kind_type, label = data[:3]
            if not text:
                pass
            elif kind == "vnd.android.cursor.item/nickname":
                record.setdefault("nickname", text)
            elif kind == "vnd.android.cursor.item/contact_event":
                # ...;2010-06-12;1;: its type by number (3 a birthday, 1 an anniversary).
                if kind_type == "3" and "birthday" not in record:
                    record["birthday"] = _date(text)
                elif kind_type != "3":
                    add_field(fields, label if kind_type == "0" and label else
                              _ANDROID_EVENTS.get(kind_type, "date"), text)
            elif kind == "vnd.android.cursor.item/relation":  # ...;John Doe;14; (a spouse)
                add_field(fields, label if kind_type == "0" and label else
                          _ANDROID_RELATIONS.get(kind_type, "related"), text)
        elif name == "URL":
            text = unescape(value).strip()
            if text:
                add_field(fields, "url", text)
        elif name == "ADR":
            parts = [unescape(p).strip() for p in split_unescaped(value, ";")]
            text = ", ".join(p for p in parts if p)
            if text:
                add_field(fields, "address", text)
        elif name.startswith(X_PREFIX):
            key = name[len(X_PREFIX):]
            text = unescape(value)
            if key in X_SCALARS:
                record[X_SCALARS[key]] = text.strip()
            elif key == "FIELDS":
                try:
                    data = json.loads(text)
                except (ValueError, RecursionError):
                    data = None
                if not isinstance(data, dict):
                    record["_error"] = f"{name} (line {prop.line}): not a JSON object"
                else:
                    for k, v in data.items():
                        fields.setdefault(str(k), v)
        elif _kept_as_field(name):
            # Anything else a person's card holds (an anniversary, a social
            # profile, a spouse, a messaging handle) is kept as a custom
            # field, as a CSV column no layout knows is: never dropped. What
            # a card says of itself (VERSION, REV, PHOTO, ...) is not.
            text = unescape(value).strip()
            if text:
                add_field(fields, _field_name(prop, labels), text)
    if emails:
        record["emails"] = [item for _, item in sorted(emails, key=lambda e: e[0])]
    if phones:
        record["phones"] = [item for _, item in sorted(phones, key=lambda e: e[0])]
    if notes:
        record["note"] = "\n\n".join(notes)
    if fields:
        record["fields"] = fields
    if own:
        record[OWN_CARD] = True
    name, company = record.get("name"), record.get("company")
    if (name and company and name.casefold() == company.casefold()
            and not (own and record.keys() & _NAME_PARTS)):
        # A company's card (Apple's X-ABShowAs:COMPANY, 4.0's KIND:org, or
        # tinycrm's export of a contact known by its company alone): named
        # after the company, as a CSV row with only a company is, so "Acme
        # Corp" is not taken apart into a first name Acme and a last name Corp;
        # or, when another tool's N names someone there (Apple's company card
        # for John Doe at Acme), after them.
        del record["name"]
    return record


_NAME_PARTS = frozenset(("first_name", "last_name", "middle_name", "prefix", "suffix"))

# Properties about the card, not the person, or that no field could hold.
_NOT_FIELDS = frozenset((
    "VERSION", "PRODID", "REV", "PHOTO", "LOGO", "SOUND", "KEY", "AGENT", "MEMBER", "SOURCE",
    "NAME", "LABEL", "SORT-STRING", "CLIENTPIDMAP", "X-ABLABEL", "X-ABSHOWAS", "X-ABUID",
    "X-ABADR", "X-ABPERSONFLAGS", "X-IMAGETYPE", "X-IMAGEHASH", "X-SHARED-PHOTO-DISPLAY-PREF",
    "X-ACTIVITY-ALERT", "X-MOZILLA-HTML", "X-ADDRESSBOOKSERVER-MEMBER",
))
_NOT_FIELD_PREFIXES = ("X-MS-", "X-WAB-", "X-EVOLUTION-", "X-ADDRESSBOOKSERVER-", "X-ANDROID-")
# Outlook's X-MS-* lines that are about the person, not the card (its CSV
# export keeps the same as Anniversary, Spouse, Manager's Name...).
_OUTLOOK_PERSON = {
    "X-MS-ANNIVERSARY": "anniversary", "X-MS-SPOUSE": "spouse", "X-MS-MANAGER": "manager",
    "X-MS-ASSISTANT": "assistant", "X-MS-IMADDRESS": "im",
}
# Field names of common properties ("X-SOCIALPROFILE" reads badly).
_FIELD_NAMES = {
    "ANNIVERSARY": "anniversary", "X-ANNIVERSARY": "anniversary", "X-ABDATE": "date",
    "X-ABRELATEDNAMES": "related", "RELATED": "related", "X-SOCIALPROFILE": "social profile",
    "IMPP": "im", "ROLE": "role", "GENDER": "gender", "LANG": "language", "TZ": "time zone",
    "GEO": "location", "X-SPOUSE": "spouse", "X-ASSISTANT": "assistant",
    "X-MANAGER": "manager", "X-PHONETIC-FIRST-NAME": "phonetic first name",
    "X-PHONETIC-LAST-NAME": "phonetic last name", "X-PHONETIC-ORG": "phonetic company",
    **_OUTLOOK_PERSON,
}
# Android's numbers for an event's and a relation's type (ContactsContract).
_ANDROID_EVENTS = {"1": "anniversary", "2": "date"}
_ANDROID_RELATIONS = {
    "1": "assistant", "2": "brother", "3": "child", "4": "domestic partner", "5": "father",
    "6": "friend", "7": "manager", "8": "mother", "9": "parent", "10": "partner",
    "11": "referred by", "12": "relative", "13": "sister", "14": "spouse",
}
_GENERIC_TYPES = frozenset(("PREF", "INTERNET", "X-SERVICE-TYPE", "WORK", "HOME", "OTHER"))


def _kept_as_field(name: str) -> bool:
    return name in _OUTLOOK_PERSON or (
        name not in _NOT_FIELDS and not name.startswith(_NOT_FIELD_PREFIXES))


def _label(value: str) -> str:
    """Apple's label text: ``_$!<Spouse>!$_`` is Spouse; a label typed by hand is itself."""
    text = unescape(value).strip()
    if text.startswith("_$!<") and text.endswith(">!$_"):
        text = text[4:-4]
    return text


def _field_name(prop: Property, labels: dict[str, str]) -> str:
    """A custom field's name for a property no other key takes: its Apple
    label, else its service or type (``twitter``, ``skype``), else what the
    property is (``anniversary``, ``im``, or its own name in lower case)."""
    label = labels.get(prop.group, "") if prop.group else ""
    if label:
        return label
    service = prop.params.get("X-SERVICE-TYPE", "").strip()
    kinds = sorted(t.lower() for t in prop.types if t not in _GENERIC_TYPES)
    if service or (kinds and prop.name in ("X-SOCIALPROFILE", "IMPP")):
        return (service or kinds[0]).lower()
    if prop.name == "IMPP":  # 4.0 names the service by the URI's scheme: skype:ada, xmpp:a@b
        scheme = _IMPP_SCHEME.match(prop.value.strip())
        if scheme and scheme.group(1).lower() not in ("im", "http", "https"):
            return scheme.group(1).lower()
    return _FIELD_NAMES.get(prop.name) or prop.name.lower().removeprefix("x-").replace("-", " ")


_IMPP_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


class CardText(str):
    """A card's text as read (its unfolded lines, which a rejects file gets
    back), knowing where it was: ``start``, the line of its BEGIN:VCARD, and
    ``lines``, the physical line each of its lines starts on (0 for those
    that are not its own properties: BEGIN, END, an AGENT's nested card).
    ``Row`` has no room for them; the text goes wherever the row goes, and
    no longer than it does."""

    start: int
    lines: tuple[int, ...]
    groups: tuple[str, ...] = ()  # the names of the groups the card is in (``vcardgroups``)


def _card_text(lines: list[str], numbers: list[int], start: int) -> CardText:
    text = CardText("\n".join(lines))
    text.start, text.lines = start, tuple(numbers)
    return text


# Where a name the card doesn't give came from, in the order the importer
# makes one (``import_rows.RowChecker.prepare``): N's parts, the nickname,
# then the company, an address, a number.
_NAME_FROM = (_NAME_PARTS, ("nickname",), ("company",), ("emails",), ("phones",))


def _property_of(card: str, key: str, value: Any) -> Property | None:
    """The property of ``card`` (a ``CardText``) that gave its record's
    ``key``: of several (two EMAILs, two BDAYs), the one that gave ``value``,
    else the first. None for text that doesn't know its lines."""
    numbers = getattr(card, "lines", None)
    if numbers is None:
        return None
    props = _without_copies([prop for text, number in zip(card.split("\n"), numbers)
                             if number and (prop := parse_property(text, number)) is not None])
    for keys in ((key,), *(_NAME_FROM if key == "name" else ())):
        # Each property alone makes the part of the record it gives: the
        # same code as the whole card's, so the two can't disagree.
        found: list[tuple[Property, Any]] = []
        for prop in props:
            part = card_record([prop])
            found.extend((prop, part[k]) for k in keys if k in part)
        if found:
            return next((prop for prop, got in found if _gave(got, value)), found[0][0])
    return None


def _gave(got: Any, value: Any) -> bool:
    """Whether a property's part of a record (one value, or a list) holds
    ``value``, which the importer may have single-spaced."""
    wanted = " ".join(str(value).split())
    return any(" ".join(str(item).split()) == wanted
               for item in (got if isinstance(got, list) else [got]))


# What a key is called when its property can't be found.
_KEY_PROPERTIES = {
    "emails": "EMAIL", "phones": "TEL", "company": "ORG", "title": "TITLE", "birthday": "BDAY",
    "tags": "CATEGORIES", "name": "FN", "uid": "UID", "nickname": "NICKNAME", "note": "NOTE",
    **dict.fromkeys(_NAME_PARTS, "N"), **{key: X_PREFIX + prop for prop, key in X_SCALARS.items()},
}


class VCardReader:
    format = "vcard"
    layout = "vcard"
    description = "vCard"

    def __init__(self, source: Source) -> None:
        self.source = source

    def rows(self) -> Iterator[Row]:
        name = self.source.name
        props: list[Property] | None = None
        lines: list[str] = []
        numbers: list[int] = []  # where each of lines starts; 0 if not the card's own property
        start = 0
        seen = False
        agent = False  # the last property was a 2.1 AGENT whose card follows
        depth = 0  # inside an AGENT's card: part of the card around it, not a person
        number = 0
        try:
            groups = self._groups()
            for number, line in logical_lines(self.source.text):
                upper = line.strip().upper()
                if upper == "BEGIN:VCARD":
                    if props is not None and (agent or depth):
                        lines.append(line)
                        numbers.append(0)
                        depth += 1
                        agent = False
                        continue
                    if props is not None:
                        yield Row(start, None, "\n".join(lines), "card has no END:VCARD")
                    props, lines, numbers, start, seen = [], [line], [0], number, True
                    agent, depth = False, 0
                    continue
                if props is None:
                    continue
                lines.append(line)
                numbers.append(0 if depth or upper == "END:VCARD" else number)
                agent = False
                if depth:
                    depth -= upper == "END:VCARD"
                    continue
                if upper == "END:VCARD":
                    record = card_record(props)
                    error = record.pop("_error", None)
                    if not record.pop("_group", False):
                        text = _card_text(lines, numbers, start)
                        if groups:
                            _add_groups(record, text, groups)
                        yield Row(start, record, text, error)
                    props = None
                    continue
                prop = parse_property(line, number)
                if prop is not None:
                    props.append(prop)
                    if prop.name == "AGENT":
                        agent = not prop.value.strip()
                        depth = int(prop.value.strip().upper() == "BEGIN:VCARD")
        except UnicodeDecodeError as exc:
            # (Text is decoded a block ahead of the lines read: the bad byte
            # is somewhere after the last line that was.)
            raise FormatError(f"{name}: after line {number}: can't be decoded as"
                              f" {self.source.encoding} ({exc.reason}); try another --encoding"
                              ) from None
        if props is not None:
            yield Row(start, None, "\n".join(lines), "card has no END:VCARD")
        if not seen:
            raise FormatError(f"{name}: not a vCard file (no BEGIN:VCARD)")

    def _groups(self) -> Groups:
        """The file's groups, read before its cards (a group may follow its
        members); ``source.text`` is then at the file's start again."""
        source = self.source
        source.rewind()
        try:
            if not might_have_groups(source.text):
                return Groups()
            source.rewind()
            return read_groups(logical_lines(source.text))
        except UnicodeDecodeError:
            return Groups()  # the cards' reading fails there too, and says after which line
        finally:
            source.rewind()

    def field_name(self, row: Row, key: str, value: Any) -> str:
        """The property a record's ``key`` came from, and its own line:
        ``EMAIL (line 7)``."""
        prop = _property_of(row.raw, key, value)
        if prop is None:
            return _KEY_PROPERTIES.get(key) or X_PREFIX + key.upper().replace("_", "-")
        # Lines count from the row's own: a card read again from a rejects
        # file (``formats.rejects``) is filed under the line its cell starts on.
        return f"{prop.name} (line {row.line + prop.line - row.raw.start})"

    def written(self, row: Row, key: str, value: Any) -> str | None:
        """The text of the property that gave a record's birthday, as the
        card has it (``19851332``, not the ``1985-13-32`` read from it); None
        for another key, or when the property can't be found."""
        prop = _property_of(row.raw, key, value) if key == "birthday" else None
        if prop is None:
            return None
        if prop.name == "X-ANDROID-CUSTOM":  # ...contact_event;1985-13-01;3;...
            return split_unescaped(prop.value.partition(";")[2], ";")[0].strip()
        return prop.value.strip()

    def reject_header(self) -> list[str]:
        return ["vcard"]

    def reject_cells(self, row: Row) -> list[str]:
        return [with_groups(row.raw, getattr(row.raw, "groups", ()))]


def _add_groups(record: dict[str, Any], text: CardText, groups: Groups) -> None:
    """The groups a person's card is in, as its tags (cleaned later as its
    CATEGORIES are) and on its text, for a rejects file."""
    names = groups.of(record)
    if names:
        record.setdefault("tags", []).extend(names)
        text.groups = tuple(names)
