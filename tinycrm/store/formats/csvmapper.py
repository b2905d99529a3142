"""The mapper: what a CSV layout (``csvlayout.build_mapper``) makes of a
file's cells. One operation per mapped column, applied a row at a time
(``Mapper.__call__``: the row path) or a column at a time over a chunk
(``Mapper.columns``: the import's fast lane), with the same result."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from ..textutil import restore_cell
from . import add_field

GOOGLE_SPLIT = " ::: "  # Google's several values in one cell
# An address in a display name: "Ada Lovelace (ada@ex.org)".
_DISPLAY_ADDRESS = re.compile(r"\(\s*([^()\s]+@[^()\s]+)\s*\)\s*$")

# Operation codes, one per mapped column.
SET, LIST, FIELD, TAGS, FIELDS_JSON, HUBSPOT, BIRTH = range(7)


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
            if op == SET:
                if key in record:
                    record.setdefault("fields", {}).setdefault(self.header[index], value)
                else:
                    record[key] = value
            elif op == LIST:
                split, primary_column, exchange = arg
                if exchange is not None:
                    found = _exchange_address(value, cells, exchange)
                    if found == "":  # an Exchange name and no address: kept, not rejected
                        record.setdefault("fields", {})[self.header[index]] = value
                        continue
                    if found is not None:
                        value, split = found, None
                values = split(value) if split else [value]
                label = (None if primary_column is None or primary_column is True
                         else cells[primary_column] if primary_column < count else "")
                if key == "phones" and label and "fax" in label.lower():
                    values, label = _apart_faxes(
                        values, label, lambda: record.setdefault("fields", {}))
                    if not values:
                        continue
                target = record.get(key)
                if target is None:
                    target = record[key] = []
                if primary_column is True:
                    target[0:0] = values
                else:
                    _primary_first(target, values, label)
            elif op == FIELD:
                if arg is None:
                    record.setdefault("fields", {})[key] = _field_value(value)
                elif isinstance(arg, int):  # named by the label in another column
                    label = cells[arg].strip().lstrip("* ").strip() if arg < count else ""
                    add_field(record.setdefault("fields", {}), label or key,
                                  _field_value(value))
                elif value.lower() not in arg:  # not one of the layout's placeholders
                    record.setdefault("fields", {})[key] = _field_value(value)
            elif op == TAGS:
                record.setdefault("tags", []).extend(arg(value))
            elif op == FIELDS_JSON:
                try:
                    data = json.loads(value)
                except (ValueError, RecursionError):
                    return record, f"{self.header[index]}: not a JSON object: {value[:60]!r}"
                if not isinstance(data, dict):
                    return record, f"{self.header[index]}: not a JSON object: {value[:60]!r}"
                fields = record.setdefault("fields", {})
                for name, item in data.items():
                    fields.setdefault(str(name), item)
            elif op == HUBSPOT:
                stage = arg.get(value.lower().replace(" ", ""))  # the layout's stage names
                if stage is not None:
                    record.setdefault("stage", stage)
                if stage is None or stage != value.lower():
                    record.setdefault("fields", {})[self.header[index]] = value
            elif op == BIRTH:
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
            if op in (FIELDS_JSON, HUBSPOT, BIRTH):
                return None
            values = [column[i].strip() for i in filled]
            for n, value in enumerate(values):
                if value[0] == "'":
                    values[n] = restore_cell(value)
            if op == FIELD:
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
            if op == SET:
                for i, value in zip(filled, values):
                    if column_out[i] is None:
                        column_out[i] = value
                    else:
                        _fields_of(out, count, i).setdefault(header[index], value)
            elif op == LIST:
                split, primary_column, exchange = arg
                if exchange is not None and any(
                        _exchange_address(value, rows[i], exchange) is not None
                        for i, value in zip(filled, values)):
                    return None  # an Exchange address: the row path reads those
                labelled = primary_column is not None and primary_column is not True
                for i, value in zip(filled, values):
                    found = split(value) if split else [value]
                    label = rows[i][primary_column] if labelled else None
                    if key == "phones" and label and "fax" in label.lower():
                        found, label = _apart_faxes(
                            found, label, lambda: _fields_of(out, count, i))
                        if not found:
                            continue
                    target = column_out[i]
                    if target is None:
                        # Most rows: the first values of this key (one, with
                        # a label of one), in order or all first alike.
                        if not labelled or (len(found) == 1 and ":::" not in label):
                            column_out[i] = found
                            continue
                        target = column_out[i] = []
                    if primary_column is True:
                        target[0:0] = found
                    else:
                        _primary_first(target, found, label)
            else:  # TAGS: a file repeats a few labels, so each is split once
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


# Google's label of a fax: ``Work Fax``, ``Home Fax``, or one typed as ``Fax``
# (not a label cell of several, ``Mobile ::: Work Fax``, beside one value).
_FAX_LABEL = re.compile(r"(?:[^:]*\s)?fax", re.IGNORECASE)


def _apart_faxes(values: list[str], label: str, fields: Callable[[], dict[str, Any]]
                 ) -> tuple[list[str], str]:
    """Google's numbers whose label names a fax, taken out of ``values`` into
    the custom fields that label names (``Work Fax``; ``Work Fax 2`` for a
    second): a fax is no number to call, nor one to match people by
    (Outlook's ``Business Fax`` column is a custom field too). The numbers
    left, and their label."""
    labels = _labels_of(values, label)
    names = [mark.lstrip("* ").strip() for mark in labels]
    if not any(_FAX_LABEL.fullmatch(name) for name in names):
        return values, label
    kept = []
    for value, mark, name in zip(values, labels, names):
        if _FAX_LABEL.fullmatch(name):
            add_field(fields(), name, value)
        else:
            kept.append((value, mark))
    return [value for value, _ in kept], GOOGLE_SPLIT.join(mark for _, mark in kept)


def _labels_of(values: list[str], label: str) -> list[str]:
    """Each value's label: in a label cell of several (``Mobile ::: * Work``)
    the one beside it, else the cell's."""
    if len(values) > 1 and GOOGLE_SPLIT.strip() in label:
        labels = [part.strip() for part in label.split(":::")]
        if len(labels) == len(values):
            return labels
    return [label.strip()] * len(values)


def _primary_first(target: list[str], values: list[str], label: str | None) -> None:
    """Add ``values`` to ``target``, those whose Google label starts with ``*``
    (the primary) first: the label cell marks the whole cell (``* Work``), or
    each of its values (``Mobile ::: * Work`` beside ``a ::: b``)."""
    if label is None:
        target.extend(values)
        return
    if len(values) > 1 and GOOGLE_SPLIT.strip() in label:
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
