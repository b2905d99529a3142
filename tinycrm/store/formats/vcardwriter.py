"""vCard out: one 3.0 card per contact with its stable UID, CRLF line ends,
lines folded at 75 octets. tinycrm's own ``X-TINYCRM-*`` properties carry
what vCard has no place for, so the file reads back losslessly (``vcard``).
The custom fields other address books have a property for (url, address,
nickname, role, a fax) go out as that property too, beside the
``X-TINYCRM-FIELDS`` that tinycrm reads back (see ``vcardprops.COPIED``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from ..textutil import json_text
from .vcardprops import X_FIELDS, X_PREFIX, X_SCALARS, standard_copies


def escape(value: str) -> str:
    # A bare CR is a line break too: left raw, it would end the content line.
    return (value.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n")
            .replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;"))


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line at ``limit`` octets (never inside a UTF-8 sequence)."""
    data = line.encode("utf-8")
    if len(data) <= limit:
        return line + "\r\n"
    out, chunk, size, first = [], [], 0, True
    for ch in line:
        width = len(ch.encode("utf-8"))
        room = limit if first else limit - 1
        if size + width > room:
            out.append(("" if first else " ") + "".join(chunk))
            chunk, size, first = [], 0, False
        chunk.append(ch)
        size += width
    out.append(("" if first else " ") + "".join(chunk))
    return "\r\n".join(out) + "\r\n"


def _stamp(value: str | None) -> str | None:
    if not value:
        return None
    return value.replace("+00:00", "Z")


def card_lines(record: dict[str, Any]) -> list[str]:
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:{escape(record['uid'])}"]
    lines.append(f"FN:{escape(record['name'])}")
    lines.append("N:" + ";".join(escape(record.get(k) or "") for k in ("last_name", "first_name"))
                 + ";;;")
    for i, email in enumerate(record.get("emails") or ()):
        lines.append(f"EMAIL;TYPE=INTERNET{',PREF' if i == 0 else ''}:{escape(email)}")
    for i, phone in enumerate(record.get("phones") or ()):
        lines.append(f"TEL{';TYPE=PREF' if i == 0 else ''}:{escape(phone)}")
    if record.get("company"):
        lines.append(f"ORG:{escape(record['company'])}")
    if record.get("title"):
        lines.append(f"TITLE:{escape(record['title'])}")
    if record.get("tags"):
        lines.append("CATEGORIES:" + ",".join(escape(t) for t in record["tags"]))
    if record.get("birthday"):
        lines.append(f"BDAY:{escape(record['birthday'])}")
    if record.get("note"):
        lines.append(f"NOTE:{escape(record['note'])}")
    if record.get("updated_at"):
        lines.append(f"REV:{_stamp(record['updated_at'])}")
    for prop, key in X_SCALARS.items():
        value = record.get(key)
        if value not in (None, ""):
            lines.append(f"{X_PREFIX}{prop}:{escape(str(value))}")
    if record.get("fields"):
        lines.extend(_copies(record["fields"]))
        # Escaped like the JSON export: no C1 control, bidi override or
        # U+2028 raw in the file (nor on a terminal it is printed to).
        text = json_text(record["fields"])
        lines.append(f"{X_FIELDS}:{escape(text)}")
    lines.append("END:VCARD")
    return lines


def _copies(fields: dict[str, Any]) -> list[str]:
    """The custom fields that other address books have a property for, as
    that property (``vcardprops.standard_copies``): Apple, Google, Outlook and
    Thunderbird show nothing of X-TINYCRM-FIELDS. ``url`` before ``url 2``;
    a fax (``work fax``, Outlook's ``Business Fax``) as ``TEL;TYPE=WORK,FAX``.
    An address is one text: it goes in ADR's street, which reads back as it
    was, where a guess at its city and postcode might split it wrongly."""
    return [f"ADR:;;{escape(text)};;;;" if prop == "ADR" else f"{prop}:{escape(text)}"
            for prop, _, text in sorted(standard_copies(fields))]


def write_vcards(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for count, record in enumerate(records, 1):
        out.write("".join(fold(line) for line in card_lines(record)))
    return count
