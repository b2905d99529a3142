"""Contact file formats, one module per format: a reader that yields plain
records and a writer that takes them.

- ``source``: opening a file or stdin, guessing its encoding and format.
- ``csvfile``: CSV reading (delimiter, preamble, line numbers) and tinycrm's
  own contact CSV writer; ``csvlayout`` maps known CSV layouts by header name
  into a ``csvmapper.Mapper``, which makes records of the cells.
- ``vcard``: vCard 2.1, 3.0 and 4.0 in; ``vcardwriter``: 3.0 out; ``vcardprops``:
  the properties both know (tinycrm's own, and the custom fields copied out);
  ``vcardgroups``: group cards, whose members get the group's name as a tag.
- ``jsonfile``: JSON lists and NDJSON, in the shape ``list --format json`` prints.
- ``ics``: open follow-ups as iCalendar (written by the follow-ups work).

A *record* is a plain dict; every key is optional and values are text as read
(lists for ``emails``, ``phones`` and ``tags``, a dict for ``fields``). The
importer validates records; formats never touch the database.

Record keys: name, first_name, middle_name, last_name, prefix, suffix,
nickname, emails, phones, company, title, tags, fields, note, birthday, stage,
tier, owner, source, uid, cadence_days, created_at, updated_at,
last_contacted_at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import TinyCRMError

RECORD_KEYS = (
    "name", "first_name", "middle_name", "last_name", "prefix", "suffix", "nickname",
    "emails", "phones", "company", "title", "tags", "fields", "note", "birthday", "stage",
    "tier", "owner", "source", "uid", "cadence_days", "created_at", "updated_at",
    "last_contacted_at",
)
LIST_KEYS = ("emails", "phones", "tags")
# A record's mark of a card of tinycrm's vCard export, whose UID names one
# contact: two of one name on one number there are two people, as in its CSV.
OWN_CARD = "_tinycrm"


class FormatError(TinyCRMError):
    """The file can't be read as contacts at all (empty, binary, not the
    format it claims, undecodable). The message names the file and line."""


@dataclass(slots=True)
class Row:
    """One record read from a file, with where it came from.

    ``raw`` is the input as read (a list of cells for CSV, the card or JSON
    text otherwise), written back to the rejects file. ``error`` is set when
    the reader could not make a record out of it."""

    line: int
    record: dict[str, Any] | None
    raw: Any
    error: str | None = None


def add_field(fields: dict[str, Any], name: str, value: Any) -> None:
    """Put a custom field a file names itself (a vCard property, a label in a
    CSV row) without overwriting one: a second ``url`` is ``url 2``."""
    key, n = name, 2
    while key in fields:
        key = f"{name} {n}"
        n += 1
    fields[key] = value
