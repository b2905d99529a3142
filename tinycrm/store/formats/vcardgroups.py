"""vCard group cards, whose members get the group's name as a tag.

Apple's and iCloud's 3.0 group card has ``X-ADDRESSBOOKSERVER-KIND:group``
and an ``X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:<UID>`` per member; 4.0's has
``KIND:group`` and ``MEMBER`` lines, by UID or by address (``mailto:``). A
group may come before or after its members, so ``VCardReader`` reads the
file once for its groups before it reads its cards; only the groups (a name
and its members' keys) are kept from that reading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Any

from ..contact_values import MAX_TAG, tag_form
from ..textutil import strip_controls
from .vcardlines import Property, parse_property, split_unescaped, unescape
from .vcardwriter import escape

# A group card's KIND, whatever its parameters: found in the raw text, a
# block at a time, it tells a file with no groups (most) from the rest without
# reading its lines a second time.
_GROUP_KIND = re.compile(r"KIND[^:\r\n]*:[ \t]*group", re.IGNORECASE)
_BLOCK = 256 * 1024
_OVERLAP = 64  # (a KIND line cut in two by a block's end is found in the next)

_KINDS = ("KIND", "X-ADDRESSBOOKSERVER-KIND")
_MEMBERS = ("MEMBER", "X-ADDRESSBOOKSERVER-MEMBER")
# The lines a group is made of; any other is not parsed at all.
_WANTED = re.compile(r"\s*(?:[^.:;]*\.)?(?:FN|N|X-ADDRESSBOOKSERVER-KIND|KIND"
                     r"|X-ADDRESSBOOKSERVER-MEMBER|MEMBER)[;:]", re.IGNORECASE)


class Groups:
    """The names of the groups each member is in, by the member's key
    (``_uid_key`` of its UID, or ``mailto:`` and its address)."""

    def __init__(self) -> None:
        self._names: dict[str, list[str]] = {}

    def __bool__(self) -> bool:
        return bool(self._names)

    def add(self, props: list[Property]) -> None:
        """A card's properties: its members, if it is a group with a name."""
        if not any(p.name in _KINDS and p.value.strip().lower() == "group" for p in props):
            return
        name = _group_name(props)
        if not name:
            return  # no tag to give its members
        for prop in props:
            key = _member_key(prop.value) if prop.name in _MEMBERS else None
            if key and name not in self._names.setdefault(key, []):
                self._names[key].append(name)

    def of(self, record: dict[str, Any]) -> list[str]:
        """The names of the groups a person's card (its record) is in."""
        keys = [f"mailto:{email.strip().lower()}" for email in record.get("emails", ())]
        if record.get("uid"):
            keys.append(_uid_key(record["uid"]))
        return list(dict.fromkeys(name for key in keys for name in self._names.get(key, ())))


def might_have_groups(text: IO[str]) -> bool:
    """Whether ``text`` (read to its end) has what looks like a group card's KIND."""
    tail = ""
    while block := text.read(_BLOCK):
        block = tail + block
        if _GROUP_KIND.search(block):
            return True
        tail = block[-_OVERLAP:]
    return False


def read_groups(lines: Iterable[tuple[int, str]]) -> Groups:
    """The groups of a file's logical lines (``vcardlines.logical_lines``)."""
    groups = Groups()
    card: list[tuple[int, str]] | None = None
    kind = False  # the card has a line that might be its KIND
    for number, line in lines:
        upper = line.strip().upper()
        if upper == "BEGIN:VCARD":
            card, kind = [], False  # (a 2.1 AGENT's nested card too: 2.1 has no groups)
        elif upper == "END:VCARD" and card is not None:
            if kind:  # only a group's lines are parsed: a person's are read with its card
                groups.add([prop for at, text in card if _WANTED.match(text)
                            and (prop := parse_property(text, at)) is not None])
            card = None
        elif card is not None:
            card.append((number, line))
            kind = kind or "KIND" in upper
    return groups


def with_groups(card: str, names: Iterable[str]) -> str:
    """A card's text with its groups as CATEGORIES, before its END:VCARD: so
    that a rejected card keeps its tags when its rejects file (which has no
    group cards) is fixed and imported again."""
    names = list(names)
    head, end, last = card.rpartition("\n")
    if not names or last.strip().upper() != "END:VCARD":
        return card
    return f"{head}{end}CATEGORIES:{','.join(map(escape, names))}\n{last}"


def _group_name(props: list[Property]) -> str:
    """A group's FN, else its N (Apple writes both, ``N:Investors``)."""
    for wanted in ("FN", "N"):
        for prop in props:
            if prop.name == wanted:
                parts = split_unescaped(prop.value, ";") if wanted == "N" else [prop.value]
                name = " ".join(text for part in parts if (text := unescape(part).strip()))
                # A name that clean_tag would find empty is none: as a tag it
                # would reject each member's card, for no fault of the card's.
                if strip_controls(name).strip():
                    # (Nor one longer than a tag may be: it is cut to a tag's length.)
                    return name if len(tag_form(name)) <= MAX_TAG else tag_form(name)[:MAX_TAG]
    return ""


def _member_key(value: str) -> str | None:
    """A MEMBER's key in ``Groups``: its address, else its UID."""
    text = value.strip()
    if text[:7].lower() == "mailto:":
        address = text[7:].strip().lower()
        return f"mailto:{address}" if address else None
    return _uid_key(text) or None


def _uid_key(uid: str) -> str:
    """A UID as a member names it, or a member as a UID: ``urn:uuid:`` is
    written on one side and not the other, and hex digits in either case."""
    return uid.strip().lower().removeprefix("urn:uuid:")
