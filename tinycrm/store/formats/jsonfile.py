"""JSON and NDJSON in and out, in the shape ``tinycrm list --format json`` prints.

Reading streams: a JSON list is decoded one object at a time, so a large
file is never held whole; NDJSON is one object per line, and a bad line is
rejected on its own. Keys outside the contact shape become custom fields;
``id``, ``_id``, ``version`` and ``score`` are ignored.

JSON that is not contacts at all (a package.json, a tsconfig.json, GeoJSON,
an API response wrapping its data, a list of numbers) is refused whole, with
nothing written. An object is a contact when it has a name (or a part of
one), a company, an email or a phone, and each key outside the contact shape
holds what a custom field holds: text, a number, true/false or a list of
those. An object or a list of objects under such a key (``scripts``,
``dependencies``, ``features``, ``meta``) is a document's structure: the
object is rejected for it, unless an email or phone says it is someone (an
``address`` object beside an email is that contact's custom field). A
package.json has a ``name``, so a name alone doesn't say so. (Inside
``fields`` any JSON value is kept, as tinycrm's own exports carry it.) A file
in which no object is a contact is a FormatError; otherwise the objects that
are not are rejected rows, as any bad row is.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..textutil import has_half_character
from . import FormatError, Row
from .source import Source

_STRINGS = ("name", "first_name", "middle_name", "last_name", "prefix", "suffix", "nickname",
            "company", "title", "note", "birthday", "stage", "tier", "owner", "source", "uid",
            "created_at", "updated_at", "last_contacted_at")
_ALIASES = {"email": "emails", "phone": "phones", "notes": "note", "tag": "tags",
            "custom": "fields"}
_IGNORED = ("id", "_id", "version", "score")
# What names someone: a contact with none of these has no name (the importer's rule).
_NAMING = ("name", "first_name", "last_name", "middle_name", "prefix", "suffix", "nickname",
           "company", "emails", "phones")
_CHUNK = 64 * 1024
# Objects that are no contact are held back until one that is comes, so that a
# file with none is refused before any of them is reported as a rejected row;
# past this many (or this much text) they go on as rejects, and the file is
# still refused at its end if no contact ever comes.
_HOLD_ROWS = 1000
_HOLD_CHARS = 1024 * 1024


def _not_a_json_number(name: str) -> Any:
    # Python's json reads NaN and Infinity, which JSON has not (nor SQLite's json_valid).
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", name, 0)


def _whole_number(digits: str) -> int | float:
    try:
        return int(digits)
    except ValueError:
        # More digits than Python converts (4,300): as large as 1e400, which
        # is infinity, and the row is rejected for it like that.
        return math.inf


def _decoder() -> json.JSONDecoder:
    return json.JSONDecoder(parse_constant=_not_a_json_number, parse_int=_whole_number)


def _more(size: int) -> int:
    """How much to read when a value of ``size`` characters so far goes on past
    them: as much again, so that one large value is decoded a few times, not
    once per chunk."""
    return max(_CHUNK, size)


def _why(exc: json.JSONDecodeError) -> str:
    """json's reason, without its dangling "at" ("Invalid control character
    at"), and whether the input ends in the middle of the value."""
    if exc.msg.startswith("Unterminated string"):  # a string runs to the end of the input
        return "a string is never closed; the input ends inside it, cut short?"
    why = exc.msg.removesuffix(" at")
    return why if exc.pos < len(exc.doc) else why + "; the input ends there, cut short?"


_NAME_PARTS = ("first_name", "last_name")
_GAP = re.compile("[ \t\r\n,\ufeff]*")  # what lies between NDJSON objects
_SPACE = re.compile("[ \t\r\n]*")
# Another value of a JSON list after this one, on the same line.
_ANOTHER_ON_THE_LINE = re.compile("[ \t]*,[ \t]*[^ \t\r\n]")


DEEPEST = 32  # levels of lists and objects in one value: a custom field is no document


def too_deep(value: Any, room: int = DEEPEST) -> bool:
    """Whether ``value`` nests lists and objects more than ``room`` deep (each
    step below is checked the same way, so the check itself never goes deeper)."""
    if isinstance(value, dict):
        return room == 0 or any(too_deep(v, room - 1) for v in value.values())
    if isinstance(value, list):
        return room == 0 or any(too_deep(v, room - 1) for v in value)
    return False


def _lone_surrogate(value: Any) -> bool:
    """Whether a JSON value holds half of a character (which JSON's \\u
    escapes can write and UTF-8 can't)."""
    if isinstance(value, str):
        return has_half_character(value)
    if isinstance(value, dict):
        return any(map(_lone_surrogate, value.keys())) or any(map(_lone_surrogate, value.values()))
    if isinstance(value, list):
        return any(map(_lone_surrogate, value))
    return False


def object_record(data: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The record of a JSON object, and the first of its values that can't be
    taken (the row is rejected for it). No record at all when the object is no
    contact: a key outside the contact shape holds an object or a list of
    them, and no email or phone says it is someone (see the module's notes)."""
    record: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    error = nested = None
    for given, value in data.items():
        key = _ALIASES.get(given, given)
        # ("fields" is the object of the custom fields: each of them may go DEEPEST.)
        if too_deep(value, DEEPEST + (key == "fields")):
            error = error or f"{given}: nested too deeply (more than {DEEPEST} levels)"
            continue
        if _lone_surrogate(value):
            # JSON's \ud83d with no partner: no text at all, and no file or
            # database can hold it.
            error = error or f"{given}: not text (a \\u escape of half a character)"
            continue
        if value is None and key in _NAME_PARTS:
            record.setdefault(key, None)  # no such part: the name is not to be split
            continue
        if key in _IGNORED or value is None:
            continue
        if key in _STRINGS:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                error = error or f"{key}: expected text, got {type(value).__name__}"
                continue
            if isinstance(value, float) and not math.isfinite(value):
                error = error or f"{key}: a number too large to keep"
                continue
            record[key] = str(value)
        elif key in ("emails", "phones", "tags"):
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in items):
                error = error or f"{given}: expected text or a list of it"
                continue
            # A number is its digits (a phone number written without quotes).
            record.setdefault(key, []).extend(map(str, items))
        elif key == "cadence_days":
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                error = error or "cadence_days: expected a whole number"
                continue
            record[key] = str(value)
        elif key == "fields":
            if not isinstance(value, dict):
                error = error or "fields: expected an object"
                continue
            for name, item in value.items():
                if item is not None and item != "":
                    fields[str(name)] = item
        elif isinstance(value, (dict, list)):
            what = _structure(value)
            if what and nested is None:
                nested = (f"{key}: expected text, a number, true/false or a list of them,"
                          f" got {what}")
            if value:  # (an empty list is nothing, as "" or null)
                fields.setdefault(str(key), value)
        elif value != "":
            fields.setdefault(str(key), value)
    if nested is not None and not (record.get("emails") or record.get("phones")):
        return None, nested
    if fields:
        record["fields"] = fields
    return record, error


def _structure(value: dict | list) -> str | None:
    """What a custom field can't hold in ``value`` (an object, even an empty
    one, a list of objects or of lists), or None for a list of text, numbers
    and true/false."""
    if isinstance(value, dict):
        return "an object"
    for item in value:
        if isinstance(item, dict):
            return "a list of objects"
        if isinstance(item, list):
            return "a list of lists"
    return None


def _unreadable(row: Row) -> bool:
    return row.record is None and (row.error or "").startswith("not valid JSON")


def _names_someone(record: dict[str, Any]) -> bool:
    return any(record.get(key) for key in _NAMING)


class JSONReader:
    layout = "json"
    description = "JSON"

    def __init__(self, source: Source, *, whole_file: bool = True) -> None:
        """``whole_file``: the source is a file of its own, refused when no
        object in it is a contact. Not so a rejects file's cell (one object
        of a file that had contacts), whose object is a rejected row or not."""
        self.source = source
        self.format = source.format
        self.whole_file = whole_file

    def rows(self) -> Iterator[Row]:
        start = self.source.head.lstrip(" \t\r\n")[:1]
        if start in ("[", "{"):
            rows = self._array() if start == "[" else self._lines()
            yield from self._contacts(rows) if self.whole_file else rows
        else:
            raise FormatError(f"{self.source.name}:1: not JSON (expected a list or objects)")

    def _contacts(self, rows: Iterator[Row]) -> Iterator[Row]:
        """``rows``, once one of them is a contact; a FormatError when none is.

        The rows before the first contact are held back (a few, see
        ``_HOLD_ROWS``), so that a file with none fails before any is passed
        on; from the first contact on, rows pass straight through."""
        held: list[Row] | None = []
        size = 0
        first: Row | None = None
        read = False  # whether an object was read at all, not only text JSON can't read
        for row in rows:
            read = read or not _unreadable(row)
            if row.record is not None and _names_someone(row.record):
                if held:
                    yield from held
                yield row
                yield from rows
                return
            if first is None:
                first = row
            if held is None:
                yield row
                continue
            held.append(row)
            size += len(row.raw)
            if len(held) >= _HOLD_ROWS or size >= _HOLD_CHARS:
                yield from held  # (the import is rolled back if no contact comes)
                held = None
        if first is None:
            return  # an empty list: the importer says no contacts were found
        if not read:
            # Objects cut short or mistyped say nothing of what they hold: the
            # rows are rejected for what they are, as any bad row is.
            yield from held or ()
            return
        if first.record is None:
            why = first.error
        else:
            why = "no name, email or phone" + (f"; {first.error}" if first.error else "")
        raise FormatError(f"{self.source.name}: not a contacts file: no object in it is a contact"
                          f" (line {first.line}: {why})")

    def _row(self, line: int, value: Any, raw: str, where: str = "") -> Row:
        """``where``: which object of its line it is, for its messages, when
        the line has several (minified JSON)."""
        if not isinstance(value, dict):
            return Row(line, None, raw, f"not a JSON object: {raw[:60]!r}")
        record, error = object_record(value)
        if where:
            raw = _ObjectText(raw)
            raw.where = where
        return Row(line, record, raw, error and where + error)

    def _lines(self) -> Iterator[Row]:
        """NDJSON, or objects one after another (pretty-printed, say)."""
        decoder = _decoder()
        # ``pos`` is where the next object starts in ``buffer``: the rows are
        # not cut off the front of a buffer that may hold much of the file
        # (after one large value), which would copy what is left for each row.
        buffer, pos, line, text = "", 0, 1, self.source.text
        eof = False
        while True:
            # Between objects: blank lines, and what `cat`-ing files or copying
            # a list's items leaves there (a BOM, a comma), which are no rows.
            gap = _GAP.match(buffer, pos).end()
            line += buffer.count("\n", pos, gap)
            pos = gap
            if pos == len(buffer):
                if eof:
                    return
                chunk = text.read(_CHUNK)
                if not chunk:
                    return
                buffer, pos = chunk, 0
                continue
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except (json.JSONDecodeError, RecursionError) as exc:
                # More text helps only a value that the buffer cuts short: none
                # goes on past a line end after the place it failed (no string,
                # number or word of JSON holds one), so a line broken in the
                # middle of a file doesn't read the rest of it in.
                if (not eof and not isinstance(exc, RecursionError)
                        and buffer.find("\n", exc.pos) < 0):
                    chunk = text.read(_more(len(buffer) - pos))
                    if chunk:
                        buffer, pos = buffer[pos:] + chunk, 0
                        continue
                    eof = True
                # A broken object: reject its line and carry on from the next one.
                cut = buffer.find("\n", pos)
                if cut < 0 and not eof:  # (a line longer than what was read so far)
                    parts = [buffer[pos:]]
                    while not eof and "\n" not in parts[-1]:
                        parts.append(text.read(_CHUNK))
                        eof = not parts[-1]
                    buffer, pos = "".join(parts), 0
                    cut = buffer.find("\n")
                bad = buffer[pos:] if cut < 0 else buffer[pos:cut]
                why = "nested too deeply" if isinstance(exc, RecursionError) else _why(exc)
                yield Row(line, None, bad, f"not valid JSON ({why})")
                pos = len(buffer) if cut < 0 else cut
                continue
            if end == len(buffer) and not eof:
                more = text.read(_more(len(buffer) - pos))
                if more:
                    buffer, pos = buffer[pos:] + more, 0  # the value may go on (a number cut in two)
                    continue
                eof = True
            raw = buffer[pos:end]
            yield self._row(line, value, raw)
            line += raw.count("\n")
            pos = end

    def _array(self) -> Iterator[Row]:
        decoder = _decoder()
        text, name = self.source.text, self.source.name
        buffer = text.read(_CHUNK).lstrip("\ufeff \t\r\n")
        head = self.source.head
        line = 1 + head[: len(head) - len(head.lstrip("\ufeff \t\r\n"))].count("\n")
        pos = 1  # past the "[" (and ``pos`` as in ``_lines``)
        expect_value = True
        eof = False
        number, ended = 0, 0  # objects so far, and the line the last one ended on
        while True:
            gap = _SPACE.match(buffer, pos).end()
            line += buffer.count("\n", pos, gap)
            pos = gap
            if pos == len(buffer) or (len(buffer) - pos < _CHUNK // 2 and not eof):
                chunk = "" if eof else text.read(_CHUNK)
                if chunk:
                    buffer, pos = buffer[pos:] + chunk, 0
                    continue
                eof = True
                if pos == len(buffer):
                    raise FormatError(f"{name}:{line}: the JSON list is not closed with ]")
            if buffer[pos] == "]":
                rest = buffer[pos + 1:] + ("" if eof else text.read())
                if rest.strip(" \t\r\n"):
                    raise FormatError(f"{name}:{line}: more text after the JSON list's closing ]")
                return
            if not expect_value:
                if buffer[pos] != ",":
                    raise FormatError(f"{name}:{line}: expected , or ] in the JSON list")
                pos += 1
                expect_value = True
                continue
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except RecursionError:
                raise FormatError(f"{name}:{line}: not valid JSON (nested too deeply)") from None
            except json.JSONDecodeError as exc:
                if not eof:
                    chunk = text.read(_more(len(buffer) - pos))
                    if chunk:
                        buffer, pos = buffer[pos:] + chunk, 0
                        continue
                    eof = True
                at = line + buffer.count("\n", pos, exc.pos)
                raise FormatError(f"{name}:{at}: not valid JSON ({_why(exc)})") from None
            raw = buffer[pos:end]
            number += 1
            # Several objects on one line (minified JSON): say which.
            shared = line == ended or _ANOTHER_ON_THE_LINE.match(buffer, end) is not None
            yield self._row(line, value, raw, f"object {number}: " if shared else "")
            line += raw.count("\n")
            ended = line
            pos = end
            expect_value = False

    def field_name(self, row: Row, key: str, value: Any) -> str:
        return getattr(row.raw, "where", "") + key

    def reject_header(self) -> list[str]:
        return ["json"]

    def reject_cells(self, row: Row) -> list[str]:
        return [row.raw]


class _ObjectText(str):
    """An object's text that knows which object of its line it is."""

    where = ""


# -- writing ---------------------------------------------------------------------


def write_json(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """A JSON list, one object per line (exactly what ``list --format json`` prints)."""
    count = 0
    out.write("[")
    for count, record in enumerate(records, 1):
        out.write(("\n" if count == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
    out.write("\n]\n" if count else "]\n")
    return count


def write_ndjson(records: Iterable[dict[str, Any]], out: IO[str]) -> int:
    count = 0
    for count, record in enumerate(records, 1):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return count
