"""vCard's text, below the cards: logical lines (unfolded, QUOTED-PRINTABLE
soft breaks joined), properties with their group, parameters and types, and
the escapes of values. ``vcard`` makes cards and records of them."""

from __future__ import annotations

import base64
import quopri
import re
from collections.abc import Iterator
from typing import IO

from ..textutil import has_half_character


def split_unescaped(value: str, sep: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            current.append(value[i:i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def unescape(value: str) -> str:
    if "\\" not in value:
        return value
    out, i = [], 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _split_params(text: str) -> list[str]:
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
            continue
        if ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _find_colon(line: str) -> int:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return i
    # A parameter's quote that never closes (TYPE="work:ada@ex.org) ends at
    # the first colon, rather than the property being lost.
    return line.find(":")


class Property:
    __slots__ = ("name", "params", "types", "value", "line", "group", "problem")

    def __init__(self, name: str, params: dict[str, str], types: set[str], value: str, line: int,
                 group: str = "", problem: str | None = None) -> None:
        self.name, self.params, self.types, self.value, self.line = name, params, types, value, line
        self.group = group  # Apple's item1 of item1.EMAIL, which its X-ABLabel names
        self.problem = problem  # why the value can't be read (the card is rejected for it)

    @property
    def preferred(self) -> bool:
        return "PREF" in self.types or "PREF" in self.params

    @property
    def rank(self) -> int:
        """1 for the most preferred: 4.0's ``PREF=1``..``PREF=100``, or
        ``TYPE=pref`` (3.0) and a bare ``PREF`` (2.1); 101 for none."""
        pref = self.params.get("PREF", "").strip()
        if pref.isdigit():
            return min(max(int(pref), 1), 100)
        return 1 if self.preferred else 101


def parse_property(line: str, number: int) -> Property | None:
    colon = _find_colon(line)
    if colon < 0:
        return None
    head, value = line[:colon], line[colon + 1:]
    parts = _split_params(head)
    name, group = parts[0].strip().upper(), ""
    if "." in name:
        group, name = name.rsplit(".", 1)  # Apple's item1.EMAIL groups
    params: dict[str, str] = {}
    types: set[str] = set()
    for part in parts[1:]:
        if "=" in part:
            key, val = part.split("=", 1)
            key = key.strip().upper()
            if key == "TYPE":
                types.update(v.strip().upper() for v in val.split(",") if v.strip())
            else:
                params[key] = val.strip()
        elif part.strip():
            bare = part.strip().upper()  # 2.1: TEL;WORK;VOICE or ;QUOTED-PRINTABLE
            if bare in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT"):
                params["ENCODING"] = bare
            else:
                types.add(bare)
    encoding = params.get("ENCODING", "").upper()
    if encoding == "QUOTED-PRINTABLE":
        data = quopri.decodestring(value.encode("latin-1", "replace") if value.isascii()
                                   else value.encode("utf-8"))
        value = _decoded(data, params.get("CHARSET", "utf-8"))
    elif encoding in ("BASE64", "B"):
        if name not in TEXT:
            value = ""  # a picture, a key (Outlook's X-MS-CARDPICTURE): not kept
        else:  # text, in base64 (2.1 writers do it for a note in another alphabet)
            try:
                data = base64.b64decode("".join(value.split()), validate=True)
            except ValueError:
                return Property(name, params, types, "", number, group, "not valid base64")
            value = _decoded(data, params.get("CHARSET", "utf-8"))
    return Property(name, params, types, value, number, group)


# Properties of text that a writer may put in base64 (any other's base64 is
# taken for binary data: a photo, a key, a sound).
TEXT = frozenset(("FN", "N", "NOTE", "ORG", "TITLE", "ROLE", "ADR", "NICKNAME", "CATEGORIES"))


def _decoded(data: bytes, charset: str) -> str:
    """A QUOTED-PRINTABLE value's text: in its CHARSET; failing that (a
    charset Python doesn't know, bytes it can't hold) UTF-8, which most such
    files are, and Windows-1252, which reads any byte, last. Text that is
    UTF-8 but for a stray byte or two (as many letters read as bytes don't)
    stays UTF-8, each stray byte read alone, as in the rest of the file."""
    for name in (charset, "utf-8"):
        try:
            text = data.decode(name)
        except (LookupError, UnicodeError):  # ('undefined', 'punycode': a UnicodeError)
            continue
        # UTF-7 and the escape codecs can make half a character, which no
        # database or file can hold.
        if not has_half_character(text):
            return text
    text = data.decode("utf-8", "surrogateescape")
    stray = sum(0xDC80 <= ord(ch) <= 0xDCFF for ch in text)
    letters = sum(ord(ch) > 0x7F for ch in text) - stray
    if letters >= stray:
        return "".join(bytes([ord(ch) - 0xDC00]).decode("cp1252", "replace")
                       if 0xDC80 <= ord(ch) <= 0xDCFF else ch for ch in text)
    return data.decode("cp1252", "replace")


_KEPT_BYTE = re.compile("[\udc80-\udcff]")


def resolved(line: str) -> str:
    """A logical line whose bytes UTF-8 couldn't read (kept as surrogates,
    see ``source.open_source``) read again now that it is whole: a character
    a writer folded in two is one again, and a byte that is still no UTF-8 is
    read as Windows-1252, as elsewhere."""
    if line.isascii() or not _KEPT_BYTE.search(line):
        return line
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "tinycrm-cp1252")


def logical_lines(text: IO[str]) -> Iterator[tuple[int, str]]:
    """Unfolded lines with the number of the physical line each starts on."""
    # The current logical line's pieces, joined once it is whole: joined at
    # each soft break, a long QUOTED-PRINTABLE note was copied once per line.
    parts: list[str] | None = None
    start = 0
    qp_soft = False
    for number, line in _physical_lines(text):
        if not line and not qp_soft:
            continue  # (a blank line is nothing, not a line a fold could continue)
        if parts is not None and (line[:1] in (" ", "\t")) and not qp_soft:
            parts.append(line[1:])
            continue
        if parts is not None and qp_soft and line.strip().upper() not in _CARD_EDGES:
            # The soft break's "=" goes. (No piece is left empty, so that the
            # last one ends as the whole line does; its property was
            # QUOTED-PRINTABLE when the first soft break came.)
            parts[-1] = parts[-1][:-1]
            if not parts[-1]:
                parts.pop()
            if line:
                parts.append(line)
            qp_soft = bool(parts) and parts[-1].endswith("=")
            continue
        if parts is not None:
            yield start, resolved("".join(parts))
        parts, start = [line], number
        qp_soft = line.endswith("=") and _is_qp(line)
    if parts is not None:
        yield start, resolved("".join(parts))


_CARD_EDGES = ("BEGIN:VCARD", "END:VCARD")  # never the rest of a soft-broken value
_GLUED = re.compile(r"(END:VCARD)[\ufeff \t]*(?=BEGIN:VCARD)", re.IGNORECASE)


def _physical_lines(text: IO[str]) -> Iterator[tuple[int, str]]:
    """The file's lines, numbered, without their ends; as files joined by
    ``cat`` leave them, too: a BOM that began a file now starts a line, and
    a file with no newline at its end runs its END:VCARD into the next
    file's BEGIN:VCARD. A line end written as CR CR LF (CRLF text saved in
    Windows text mode) is one line end, not a blank line between."""
    after_cr = False
    for number, raw in enumerate(text, 1):
        if raw == "\r\n" and after_cr:
            after_cr = False
            continue
        after_cr = raw.endswith("\r")
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if len(line) > 9 and line[:9].upper() == "END:VCARD" and _GLUED.match(line):
            end, rest = _GLUED.split(line, maxsplit=1)[1:]
            yield number, end
            yield number, rest
            continue
        yield number, line


def _is_qp(line: str) -> bool:
    colon = _find_colon(line)
    return colon > 0 and "QUOTED-PRINTABLE" in line[:colon].upper()
