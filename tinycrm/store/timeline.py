"""Each contact's timeline: what happened, when, and who did it.

People log notes, calls, emails, meetings and satisfaction surveys with
``log()``; tinycrm records its own events (stage changes, edits, follow-ups,
imports, merges) with ``add()`` inside the transaction of the change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .errors import NotFound, ValidationError, quoted
from .models import Event
from .textutil import as_text, strip_controls
from .timeutil import from_db, to_db

if TYPE_CHECKING:
    from .store import Store

# Kinds a person logs; a call, email or meeting counts as contact made.
LOGGED_KINDS = ("note", "call", "email", "meeting", "survey")
INTERACTION_KINDS = ("call", "email", "meeting")

_COLUMNS = "id, contact_id, kind, text, at, author, score, data, created_at"
# A logged time may run this far ahead of the clock (a slow clock elsewhere).
FUTURE_SLACK = timedelta(minutes=5)

# The entry of a contact that an import created: "imported from FILE (batch
# N)", at the import's time, by whoever ran it. It is worked out from the
# contact's import_batch and the batch's row instead of stored: a large import
# would write the same row, with two index entries, for each of its contacts
# (a fifth of a freshly imported database). Its id is None. A merge stores it
# on the contact kept (``keep_import_entry``). Before m041 the importer stored
# exactly these rows. (The id range check is undo's: an id that comes round
# again after a delete is not the batch's.)
_IMPORTED = (
    "SELECT NULL AS id, c.id AS contact_id, 'import' AS kind,"
    " 'imported from ' || b.source || ' (batch ' || b.id || ')' AS text, b.started_at AS at,"
    " b.actor AS author, NULL AS score,"
    " json_object('batch', b.id, 'action', 'created', 'source', b.source) AS data,"
    " b.started_at AS created_at"
    " FROM contacts c JOIN import_batches b"
    " ON b.id = c.import_batch AND c.id >= coalesce(b.first_contact_id, 0)"
    " WHERE c.id = ?")


def _event(row) -> Event:
    return Event(
        id=row[0], contact_id=row[1], kind=row[2], text=as_text(row[3]), at=from_db(row[4]),
        author=row[5], score=row[6], data=json.loads(row[7]) if row[7] else None,
        created_at=from_db(row[8]),
    )


def stage_move(old: str | None, new: str | None) -> str:
    """A stage move's text on the timeline (``lead → customer``)."""
    return f"{old} → {new}"


def _shown_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item) for item in value)
    if value is None or value == "":
        return "(empty)"
    return strip_controls(str(value))


def edit_changes(data: Any) -> list[str] | None:
    """What an edit changed, one ``tier: standard → vip`` each (a custom
    field as ``fields.NAME``), from the values its entry's data holds; None
    when it holds no values (an entry recorded without them)."""
    if not isinstance(data, dict):
        return None
    names, before, after = data.get("fields"), data.get("before"), data.get("after")
    if not (isinstance(names, list) and isinstance(before, dict) and isinstance(after, dict)
            and all(name in before and name in after for name in names)):
        return None
    changes: list[str] = []
    for name in names:
        old, new = before[name], after[name]
        if name == "fields" and isinstance(old or {}, dict) and isinstance(new or {}, dict):
            old, new = old or {}, new or {}
            for key in [*old, *(k for k in new if k not in old)]:
                if old.get(key) != new.get(key):
                    changes.append(f"fields.{strip_controls(str(key))}: {_shown_value(old.get(key))}"
                                   f" → {_shown_value(new.get(key))}")
        else:
            changes.append(f"{name}: {_shown_value(old)} → {_shown_value(new)}")
    return changes or None


def shown_text(event: Event, *, lines: bool = False) -> str:
    """An entry's text as the timeline shows it: an edit's says what each
    field was and became (its stored text names only the fields), one
    change a line with ``lines``; any other entry's is its text."""
    if event.kind == "edit" and (changes := edit_changes(event.data)):
        return "changed:\n" + "\n".join(changes) if lines else "changed " + "; ".join(changes)
    return event.text


class Timeline:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        contact_id: int,
        kind: str,
        text: str = "",
        *,
        at: datetime | None = None,
        score: int | None = None,
        data: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> int:
        """Record an event (the caller holds the write transaction)."""
        now = now or self.store.now()
        cur = self.store.conn.execute(
            f"INSERT INTO events ({_COLUMNS.replace('id, ', '', 1)})"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                contact_id, kind, text, to_db(at or now), self.store.user, score,
                None if data is None else json.dumps(data, ensure_ascii=False, default=str),
                to_db(now),
            ],
        )
        return cur.lastrowid

    def stage_changed(self, contact_id: int, old: str | None, new: str | None, *,
                      now: datetime | None = None, **data: Any) -> int:
        """Record a move from stage ``old`` to ``new`` (reports count
        conversions by these); ``data`` says what moved it, if not a hand."""
        return self.add(contact_id, "stage", stage_move(old, new),
                        data={"from": old, "to": new, **data}, now=now)

    def list(self, contact_id: int, *, limit: int | None = None, offset: int = 0) -> list[Event]:
        """Newest first; the import that created the contact (if one did)
        comes after anything else at its time (a note from the same row)."""
        sql = (f"SELECT {_COLUMNS} FROM events WHERE contact_id = ?"
               f" UNION ALL {_IMPORTED} ORDER BY at DESC, id DESC")
        params: list[Any] = [contact_id, contact_id]
        if limit:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_event(r) for r in self.store.conn.execute(sql, params)]

    def get(self, event_id: int) -> Event:
        row = self.store.conn.execute(f"SELECT {_COLUMNS} FROM events WHERE id = ?", [event_id]).fetchone()
        if row is None:
            raise NotFound(f"no timeline event with id {event_id}")
        return _event(row)

    def notes_of(self, ids: Sequence[int]) -> dict[int, str]:
        """Each contact's notes, oldest first, as one text (paragraphs apart):
        what exports carry as a contact's note. Contacts with none are left out."""
        found: dict[int, list[str]] = {}
        for start in range(0, len(ids), 900):
            part = list(ids[start:start + 900])
            for contact_id, text in self.store.conn.execute(
                    # (+kind: these contacts' events, not every note by the (kind, at) index)
                    "SELECT contact_id, text FROM events WHERE +kind = 'note' AND contact_id IN"
                    f" ({','.join('?' * len(part))}) ORDER BY contact_id, at, id", part):
                if type(text) is not str:
                    text = as_text(text)
                if text and text.strip():
                    found.setdefault(contact_id, []).append(text.strip())
        return {contact_id: "\n\n".join(texts) for contact_id, texts in found.items()}

    def count(self, contact_id: int) -> int:
        return self.store.conn.execute(
            f"SELECT (SELECT count(*) FROM events WHERE contact_id = ?)"
            f" + (SELECT count(*) FROM ({_IMPORTED}))", [contact_id, contact_id]
        ).fetchone()[0]

    def keep_import_entry(self, from_id: int, to_id: int) -> int:
        """Store the import entry of ``from_id`` (if an import created it) on
        ``to_id``'s timeline: a merge moves a contact's history to the one
        kept, and this entry is worked out from the contact that goes.
        Returns how many were stored (0 or 1)."""
        return self.store.conn.execute(
            "INSERT INTO events (contact_id, kind, text, at, author, data, created_at)"
            f" SELECT ?, kind, text, at, author, data, created_at FROM ({_IMPORTED})",
            [to_id, from_id]).rowcount

    def log(
        self,
        contact_id: int,
        kind: str,
        text: str,
        *,
        at: datetime | None = None,
        score: int | None = None,
        now: datetime | None = None,
    ) -> Event:
        """Log what a person did: a note, call, email, meeting, or a survey
        with a 0-10 ``score``. A call, email or meeting moves the contact's
        ``last_contacted_at`` forward (which restarts its cadence). ``at``
        may be in the past, not in the future."""
        now = now or self.store.now()
        kind = (kind or "").strip().lower()
        if kind not in LOGGED_KINDS:
            raise ValidationError(f"unknown kind {quoted(kind)}: use one of {', '.join(LOGGED_KINDS)}")
        if kind == "survey":
            if score is None or isinstance(score, bool) or not isinstance(score, int):
                raise ValidationError("a survey needs a score from 0 to 10 (--score)")
            if not 0 <= score <= 10:
                raise ValidationError(f"a survey score is from 0 to 10, got {score}")
        elif score is not None:
            raise ValidationError("a score is only for --kind survey")
        text = strip_controls(text, keep_newlines=True).strip()
        if not text and kind != "survey":
            raise ValidationError("nothing to log: give the text of the note")
        at = at or now
        if at.tzinfo is None:
            raise ValidationError("a logged time needs a time zone")
        if at > now + FUTURE_SLACK:
            raise ValidationError(
                "can't log something in the future; add a follow-up for it instead"
            )
        with self.store.write():
            self.store.contacts.get(contact_id)
            event_id = self.add(contact_id, kind, text, at=at, score=score, now=now)
            if kind in INTERACTION_KINDS:
                self.store.contacts.touch_contacted(contact_id, at)
            self.store.audit.record(
                "log", "event", event_id, contact_id=contact_id,
                after={"kind": kind, "text": text, "at": to_db(at), "score": score}, now=now,
            )
            return self.get(event_id)
