"""What an import adds to a contact's notes: only the paragraphs (apart by a
blank line) that its notes haven't got, so that an export read back, which
carries all of a contact's notes as one, changes nothing, and a file that
brings a paragraph twice adds it once."""

from __future__ import annotations

import re

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str) -> list[str]:
    """A note's paragraphs (apart by a blank line), each stripped."""
    return [p.strip() for p in _BLANK_LINE.split(text) if p.strip()]


def new_in_note(conn, contact_id: int, note: str,
                had: dict[int, set[str] | None] | None = None) -> str | None:
    """The paragraphs of ``note`` the contact's notes haven't got (None when
    it has them all). (``+kind``: the contact's own events, not every note
    there is by the (kind, at) index.) ``had`` keeps the paragraphs once
    read, for the contact's next rows: read for each, a file of thousands of
    rows of one person's notes took time in the square of their number. (A
    contact's first row is looked for by SQL alone, and marked in ``had``;
    its second reads them.)"""
    known = None if had is None else had.get(contact_id)
    if known is None:
        first = had is None or contact_id not in had
        if had is not None:
            had[contact_id] = None
        if first and conn.execute(
                "SELECT 1 FROM events WHERE contact_id = :id AND +kind = 'note' AND (text = :note"
                " OR instr(char(10, 10) || text || char(10, 10),"
                " char(10, 10) || :note || char(10, 10))) LIMIT 1",
                {"id": contact_id, "note": note}).fetchone() is not None:
            return None  # (the whole of it: the common case, without reading every note)
        known = {p for (text,) in conn.execute(
            "SELECT text FROM events WHERE contact_id = ? AND +kind = 'note'", [contact_id])
            for p in paragraphs(text or "")}
        if had is not None:
            had[contact_id] = known
    new = [p for p in dict.fromkeys(paragraphs(note)) if p not in known]
    return "\n\n".join(new) if new else None
