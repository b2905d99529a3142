"""Undoing an import batch: removing the contacts it created, which name it
in ``contacts.import_batch``, and putting back the ones it merged into, from
the records ``import_items`` kept and the batch's audit entries (those after
``import_batches.audit_start``, up to ``audit_mark``). What was changed since,
by hand or by a later batch still in place, stays."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .busy import ImportNote
from .contact_state import ContactState
from .errors import Conflict, NotFound
from .followups_gone import settle as settle_gone
from .import_batches import STATE_COLUMNS, ImportBatch, get_batch, write_state
from .team import hand_over_followups
from .textutil import as_text, normalize_email, number_ident
from .timeutil import to_db

if TYPE_CHECKING:
    from .store import Store


@dataclass(frozen=True)
class UndoSummary:
    batch_id: int
    removed: int
    restored: int
    missing: int
    kept: tuple[int, ...] = ()  # created by the batch, but other contacts were merged into them




def undo_batch(store: Store, batch_id: int, *, now: datetime | None = None,
               force: bool = False) -> UndoSummary:
    """Remove the contacts batch ``batch_id`` created and put back the ones it
    merged into. Refused (Conflict) when someone changed them since, unless
    ``force``."""
    now = now or store.now()
    # As long as the import itself: others who wait for the lock are told what holds it.
    note = ImportNote(store.path, user=store.user, source=f"import batch {batch_id}",
                      started_at=to_db(now), action="undo")
    with store.write(), note.held():
        began = store.conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]
        batch, undo, changed, absorbed = _checked(store, batch_id, now, force=force)
        kept = undo.keep(absorbed)
        undo.remove_created()
        undo.restore_merged()
        undo.drop_notes()
        # A contact of the batch merged into another since: its rule-made
        # follow-ups went there with it (a second "new lead" for someone known).
        # (Not on a contact of the batch that stays, whose own are among them,
        # nor for a batch older than its audit window's record.)
        for into in dict.fromkeys(c[1] for c in changed if isinstance(c, tuple)):
            if undo.start and into not in kept:
                _drop_rule_followups(store, into, undo.started, undo.start, undo.mark, now)
        settle_gone(store.conn, now)  # (the follow-ups removed leave calendars)
        store.conn.execute(
            "UPDATE import_batches SET undone_at = ?, undo_audit_start = ? WHERE id = ?",
            [to_db(now), began, batch_id])
        store.audit.record("undo", "import", batch_id,
                           after={"removed": undo.removed, "restored": undo.restored,
                                  **({"kept": kept} if kept else {})}, now=now)
    missing = batch.created - undo.removed - len(kept)
    return UndoSummary(batch_id=batch_id, removed=undo.removed, restored=undo.restored,
                       missing=max(0, missing), kept=tuple(kept))


def check_undo(store: Store, batch_id: int, *, force: bool = False) -> ImportBatch:
    """The batch, if ``undo_batch`` would undo it now: else what it would
    refuse with (NotFound, Conflict), found in one read, with nothing written
    (for a question before the undo, which checks again in its write)."""
    with store.read():
        return _checked(store, batch_id, store.now(), force=force)[0]


def _checked(store: Store, batch_id: int, now: datetime, *, force: bool,
             ) -> tuple[ImportBatch, _Undo, list[int | tuple[int, int]], set[int]]:
    """The batch, its undo's steps, and ``_changed_since``'s findings; or the
    refusal: no such batch, undone already, never finished, or contacts of
    it changed since (unless ``force``)."""
    batch = get_batch(store, batch_id)
    if batch.undone_at is not None:
        raise Conflict(f"import batch {batch_id} was already undone")
    if batch.finished_at is None:
        raise Conflict(f"import batch {batch_id} never finished")
    undo = _Undo(store, batch_id, to_db(batch.started_at), now)
    changed, absorbed = _changed_since(store.conn, batch_id, undo.mark, undo.first, undo.machine)
    if changed and not force:
        shown = _shown(store.conn, changed[:20])
        merged = any(isinstance(c, tuple) for c in changed)
        raise Conflict(
            f"contacts of import batch {batch_id} were changed since the import: {shown}"
            f"{'; ...' if len(changed) > 20 else ''}. Undo with --force to drop those changes"
            + (" (what a contact brought to the one it was merged into stays there, but"
               " the follow-ups the batch's rules made)" if merged else ""))
    return batch, undo, changed, absorbed


class _Undo:
    """The steps of one batch's undo, inside its write."""

    def __init__(self, store: Store, batch_id: int, started: str, now: datetime) -> None:
        self.store, self.conn, self.batch_id = store, store.conn, batch_id
        self.started, self.now = started, now  # the batch's start, as stored; the undo's
        self.start, self.mark, self.first = self.conn.execute(
            "SELECT coalesce(audit_start, 0), coalesce(audit_mark, 0),"
            " coalesce(first_contact_id, 0) FROM import_batches WHERE id = ?",
            [batch_id]).fetchone()
        self.removed = self.restored = 0
        self.ids: list[int] = []  # the contacts it merged into, put back
        self.machine = _MachineEntries(self.conn, batch_id)

    def keep(self, absorbed: set[int]) -> list[int]:
        """The contacts the batch created that stay: those that have taken
        another in (``tinycrm merge``), or that a later import still in place
        merged into. They hold what the batch didn't bring."""
        conn, batch_id = self.conn, self.batch_id
        merged_later = {contact_id for (contact_id,) in conn.execute(
            "SELECT DISTINCT i.contact_id FROM import_items i"
            " JOIN import_batches b ON b.id = i.batch_id"
            " JOIN contacts c ON c.id = i.contact_id"
            " WHERE i.batch_id > ? AND b.undone_at IS NULL AND i.action != 'created'"
            " AND c.import_batch = ? AND c.id >= ?", [batch_id, batch_id, self.first])}
        kept = sorted(absorbed | merged_later)
        for contact_id in merged_later:
            _hand_on(conn, contact_id, batch_id)
        conn.executemany("UPDATE contacts SET import_batch = NULL WHERE id = ?",
                         [(c,) for c in kept])
        for contact_id in kept:
            why = ("other contacts were merged into it" if contact_id in absorbed
                   else "a later import merged into it")
            self.store.timeline.add(
                contact_id, "import", f"import batch {batch_id} undone; kept: {why}",
                data={"batch": batch_id, "action": "kept"}, now=self.now)
        return kept

    def remove_created(self) -> None:
        self.removed += self.conn.execute(
            "DELETE FROM contacts WHERE id >= ? AND import_batch = ?",
            [self.first, self.batch_id]).rowcount

    def restore_merged(self) -> None:
        """Put back what the batch did to the contacts it merged into."""
        rows = self.conn.execute(
            "SELECT contact_id, before FROM import_items WHERE batch_id = ? AND action != 'created'",
            [self.batch_id]).fetchall()
        for contact_id, before_json in rows:
            try:
                current = self.store.contacts.get(contact_id)
            except NotFound:
                continue
            self._restore(current, json.loads(before_json))
        if self.ids:
            self.store.search.reindex(self.ids)
            self.store.contacts_changed(self.ids, self.now)

    def _restore(self, current, snapshot: dict[str, Any]) -> None:
        store, conn, contact_id = self.store, self.conn, current.id
        if snapshot.get(_BROUGHT_BY) is not None:
            # Before this batch the contact was an undone batch's: with this
            # one undone too, no one's left to own it, unless a later batch
            # still in place merged into it as well. (As a contact a batch
            # created, it goes even if changed since: this undo got here only
            # with --force then.)
            if _hand_on(conn, contact_id, self.batch_id) == 0:
                conn.execute("DELETE FROM contacts WHERE id = ?", [contact_id])
                self.removed += 1
                return
        before = ContactState.from_snapshot(contact_id, snapshot)
        state = ContactState.from_contact(current)
        ours = _batch_values(conn, contact_id, self.start, self.mark, self.started)
        later = _later_batches(conn, contact_id, self.batch_id)
        if ours is None:
            target = before
        else:
            kept = _later_values(conn, contact_id, later) | _hand_values(
                conn, contact_id, self.mark, self.machine)
            target = _taken_back(before, state, ours, kept=kept)
            _rebase(conn, contact_id, later, before, ours)
        keys = [k for k in (*STATE_COLUMNS, "fields", "emails", "phones", "tags")
                if getattr(target, k) != getattr(state, k)]
        for email in target.emails:
            owner = store.contacts.email_owner(email)
            if owner not in (None, contact_id):
                raise Conflict(f"can't restore contact {contact_id}: {email} now belongs to"
                               f" contact {owner}")
        if keys:
            write_state(conn, state, target, keys, to_db(self.now))
            diff_before, diff_after = state.diff(target, keys)
            store.audit.record("update", "contact", contact_id, contact_id=contact_id,
                               before=diff_before, after=diff_after, now=self.now)
            if state.owner != target.owner:  # handed back, with what the batch handed over
                # (Whoever they went from: an earlier batch's undo may have
                # rebased this one's before-state since.)
                handed = [entity_id for (entity_id,) in conn.execute(
                    "SELECT entity_id FROM audit WHERE contact_id = ? AND entity = 'followup'"
                    " AND action = 'update' AND id > ? AND id <= ?"
                    " AND json_extract(after, '$.owner') IS NOT NULL",
                    [contact_id, self.start, self.mark])]
                hand_over_followups(store, contact_id, state.owner, target.owner, self.now,
                                    only=handed)
        _drop_rule_followups(store, contact_id, self.started, self.start, self.mark, self.now)
        conn.execute(
            "DELETE FROM events WHERE contact_id = ? AND kind IN ('import', 'stage')"
            " AND json_extract(data, '$.batch') = ?", [contact_id, self.batch_id])
        self._say_undone(contact_id)
        self.ids.append(contact_id)

    def drop_notes(self) -> None:
        """The notes the batch added to contacts it merged into (even where it
        changed nothing else, with the entry that says so): written at the
        batch's start, which the (kind, at) index finds without reading every
        note there is."""
        conn, started, batch_id = self.conn, self.started, self.batch_id
        conn.execute("DELETE FROM events WHERE kind = 'note' AND at = ? AND data IS NOT NULL"
                     " AND json_extract(data, '$.batch') = ?", [started, batch_id])
        noted = {contact_id for (contact_id,) in conn.execute(
            "DELETE FROM events WHERE kind = 'import' AND at = ? AND data IS NOT NULL"
            " AND json_extract(data, '$.batch') = ? AND json_extract(data, '$.fields') = '[\"note\"]'"
            " RETURNING contact_id", [started, batch_id])}
        for contact_id in sorted(noted - set(self.ids)):
            self._say_undone(contact_id)

    def _say_undone(self, contact_id: int) -> None:
        self.store.timeline.add(contact_id, "import", f"import batch {self.batch_id} undone",
                                data={"batch": self.batch_id, "action": "undone"}, now=self.now)
        self.restored += 1


def _drop_rule_followups(store: Store, contact_id: int, started: str, start: int, mark: int,
                         now: datetime) -> None:
    """The open follow-ups that response-time rules made of what the batch
    (audited after ``start``, up to ``mark``) did to a contact it merged into
    (a new lead's, a complaint tag's): they go with it, as they go with a
    contact it created. One that was reminded, snoozed or rescheduled since
    is someone's to do now, and stays."""
    conn = store.conn
    found = conn.execute(
        "SELECT f.id, f.due_at, f.owner, f.note, f.rule FROM audit a"
        " JOIN followups f ON f.id = a.entity_id AND f.contact_id = a.contact_id"
        " WHERE a.contact_id = :contact AND a.entity = 'followup' AND a.action = 'create'"
        " AND a.at = :at AND a.id > :start AND a.id <= :mark"
        " AND json_extract(a.after, '$.rule') IS NOT NULL AND f.status = 'open'"
        # (By the contact's own audit entries: audit_contact finds them.)
        " AND NOT EXISTS (SELECT 1 FROM audit b WHERE b.contact_id = :contact"
        "  AND b.entity = 'followup' AND b.entity_id = f.id AND b.id > :mark)"
        " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.followup_id = f.id)",
        {"contact": contact_id, "at": started, "start": start, "mark": mark}).fetchall()
    for followup_id, due_at, owner, note, rule in found:
        # (+kind: by the contact's entries at the batch's time, events_contact_at,
        # not by every follow-up entry there is.)
        conn.execute("DELETE FROM events WHERE contact_id = ? AND at = ? AND +kind = 'followup'"
                     " AND json_extract(data, '$.followup_id') = ?",
                     [contact_id, started, followup_id])
        conn.execute("DELETE FROM followups WHERE id = ?", [followup_id])
        store.audit.record("delete", "followup", followup_id, contact_id=contact_id,
                           before={"due_at": due_at, "owner": owner, "note": note, "rule": rule,
                                   "status": "open"}, now=now)


def _batch_values(conn, contact_id: int, start: int, mark: int,
                  started: str) -> dict[str, Any] | None:
    """What the batch (audited after ``start``, up to ``mark``, at
    ``started``) left in the fields it changed on a contact it merged into;
    None when its audit entries aren't there to say."""
    values: dict[str, Any] = {}
    for (after,) in conn.execute(
            "SELECT after FROM audit WHERE contact_id = ? AND at = ? AND id > ? AND id <= ?"
            " AND entity = 'contact' AND action = 'update' ORDER BY id",
            [contact_id, started, start, mark]):
        values.update(json.loads(after) if after else {})
    return values or None


class _MachineEntries:
    """The audit entries written since a batch by later batches and by their
    undos (by ids: each wrote a run of them in one transaction). Any other
    change to a contact is someone's edit, even one that ends where it began."""

    def __init__(self, conn, batch_id: int) -> None:
        runs = []
        for start, mark, started, undo_start, undo_mark, undone_at in conn.execute(
                "SELECT b.audit_start, b.audit_mark, b.started_at, b.undo_audit_start,"
                # (The undo's own entry, by its time: audit_at finds it.)
                " CASE WHEN b.undone_at IS NOT NULL THEN (SELECT max(u.id) FROM audit u"
                "  WHERE u.at = b.undone_at AND u.entity = 'import' AND u.action = 'undo'"
                "  AND u.entity_id = b.id) END, b.undone_at"
                " FROM import_batches b WHERE b.id > ? AND b.audit_mark IS NOT NULL",
                [batch_id]):
            # Batches from before m042 and undos from before m043 don't say
            # where they began: their entries are those of their own time.
            runs.append((_run_start(conn, mark, started) if start is None else start, mark))
            if undo_mark is not None:
                runs.append((_run_start(conn, undo_mark, undone_at) if undo_start is None
                             else undo_start, undo_mark))
        self._runs = sorted(runs)

    def __contains__(self, audit_id: int) -> bool:
        return any(start < audit_id <= end for start, end in self._runs)


def _run_start(conn, end: int, at: str) -> int:
    """The id before the run of audit entries of time ``at`` that ends at ``end``."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit WHERE id <= ? AND at != ?",
                        [end, at]).fetchone()[0]


def _changed_since(conn, batch_id: int, mark: int, first: int, machine: _MachineEntries,
                   ) -> tuple[list[int | tuple[int, int]], set[int]]:
    """The batch's contacts that someone changed since it (audited after
    ``mark``): their ids, then (id, the contact it went into) for those it
    created that were merged into others; and those it created that have
    taken other contacts in since (``tinycrm merge``).

    Changes that cancel out (a later import merged into a contact and was
    undone again) are no change; an edit by hand is one, even when it ends
    where it began (a tag taken off and put back). A contact the batch created would go with
    what was added to it since (notes, follow-ups but those rules make); one
    it merged into keeps them, and only its own fields count."""
    dirty: set[int] = set()
    # field -> (value before the first change, value after the last), per contact
    net: dict[int, dict[str, list[Any]]] = {}
    takers: dict[int, set[int]] = {}  # contact the batch created -> those merged into it
    rows = conn.execute(
        "SELECT a.id, a.contact_id, a.entity, a.entity_id, a.action, a.before, a.after,"
        " c.id IS NOT NULL,"
        " c.id >= ? AND c.import_batch IS ?"
        " FROM audit a LEFT JOIN contacts c ON c.id = a.contact_id"
        " WHERE a.id > ? AND a.contact_id IN (SELECT id FROM contacts WHERE id >= ?"
        " AND import_batch = ? UNION SELECT contact_id FROM import_items WHERE batch_id = ?)"
        " ORDER BY a.id",
        [first, batch_id, mark, first, batch_id, batch_id])
    for audit_id, contact_id, entity, entity_id, action, before_json, after_json, there, ours in rows:
        if not there:
            continue  # gone since: nothing of it to take away or put back
        if entity == "contact":
            if action in ("create", "privacy-export"):
                continue
            if action == "update" and contact_id not in dirty and audit_id in machine:
                before = json.loads(before_json) if before_json else {}
                after = json.loads(after_json) if after_json else {}
                fields = net.setdefault(contact_id, {})
                for key in after.keys() | before.keys():
                    pair = fields.setdefault(key, [before.get(key), None])
                    pair[1] = after.get(key)
                continue
            if action == "merge" and ours:
                takers.setdefault(contact_id, set()).add(entity_id)
            dirty.add(contact_id)
        elif ours:
            after = json.loads(after_json) if after_json else {}
            if entity == "followup" and action == "create" and after.get("rule"):
                continue  # a response-time rule's: it goes with its contact
            if entity == "followup" and action == "delete" and before_json and json.loads(
                    before_json).get("rule"):
                continue  # and one that a later batch's undo took away again
            dirty.add(contact_id)
    for contact_id, fields in net.items():
        if any(first_value != last_value for first_value, last_value in fields.values()):
            dirty.add(contact_id)
    changed: list[int | tuple[int, int]] = sorted(dirty)
    # Contacts the batch created that were merged into others since: undo
    # can't take back what they brought there.
    ours_merged: set[int] = set()
    for other, into in conn.execute(
            "SELECT m.entity_id, m.contact_id FROM audit m WHERE m.id > ? AND m.entity = 'contact'"
            " AND m.action = 'merge' AND m.entity_id >= ? AND EXISTS (SELECT 1 FROM audit c"
            " WHERE c.entity = 'contact' AND c.action = 'create' AND c.entity_id = m.entity_id"
            # (by audit_contact: the merged contact's rows are its keeper's now,
            # or still its own, not read from the start of the log per merge)
            " AND c.contact_id IN (m.entity_id, m.contact_id)"
            " AND c.id <= ? AND json_extract(c.after, '$.import_batch') = ?) ORDER BY m.id",
            [mark, first, mark, batch_id]):
        ours_merged.add(other)
        changed.append((other, into))
    # And contacts it merged into that were merged into others since: what it
    # set there went along, out of its reach (the merge took their records).
    start, started = conn.execute("SELECT audit_start, started_at FROM import_batches WHERE id = ?",
                                  [batch_id]).fetchone()
    if start is None:  # (a batch from before m042: its entries are those of its time)
        start = _run_start(conn, mark, started)
    for other, into in conn.execute(
            "SELECT m.entity_id, m.contact_id FROM audit m WHERE m.id > :mark"
            " AND m.entity = 'contact' AND m.action = 'merge' AND m.entity_id IN ("
            " SELECT u.entity_id FROM audit u WHERE u.id > :start AND u.id <= :mark"
            " AND u.entity = 'contact' AND u.action = 'update') ORDER BY m.id",
            {"mark": mark, "start": start}):
        if other not in ours_merged:
            changed.append((other, into))
    absorbed = {c for c, others in takers.items() if others - ours_merged}
    return changed, absorbed


def _shown(conn, changed: list[int | tuple[int, int]]) -> str:
    """``_changed_since``'s contacts as a refusal names them: id and name."""
    ids = {c if isinstance(c, int) else c[1] for c in changed}
    marks = ", ".join("?" * len(ids))
    names = {cid: as_text(name) for cid, name in conn.execute(
        f"SELECT id, name FROM contacts WHERE id IN ({marks})", list(ids))}

    def named(contact_id: int) -> str:
        return f"{names.get(contact_id, '?')} ({contact_id})"

    return "; ".join(named(c) if isinstance(c, int) else f"{c[0]}, merged into {named(c[1])}"
                     for c in changed)


# In a later batch's before-state of a contact: the undone batch that created
# it (the contact was there before the later batch only because of it).
_BROUGHT_BY = "brought_by_undone_batch"


def _hand_on(conn, contact_id: int, batch_id: int) -> int:
    """Mark the later batches still in place that merged into a contact that
    ``batch_id`` created (and that is now undone): the last of them to be
    undone takes the contact away. How many there are."""
    return conn.execute(
        "UPDATE import_items SET before = json_set(before, '$." + _BROUGHT_BY + "', ?)"
        " WHERE contact_id = ? AND batch_id > ? AND action != 'created'"
        " AND batch_id IN (SELECT id FROM import_batches WHERE undone_at IS NULL)",
        [batch_id, contact_id, batch_id]).rowcount


def _later_batches(conn, contact_id: int, batch_id: int) -> list[tuple]:
    """(id, audit start, audit mark, start time, before) of the batches after
    ``batch_id`` that merged into the contact and are still in place."""
    return conn.execute(
        "SELECT b.id, coalesce(b.audit_start, 0), coalesce(b.audit_mark, 0), b.started_at,"
        " i.before FROM import_items i JOIN import_batches b ON b.id = i.batch_id"
        " WHERE i.contact_id = ? AND i.batch_id > ? AND b.undone_at IS NULL"
        " AND i.action != 'created' ORDER BY b.id", [contact_id, batch_id]).fetchall()


def _later_values(conn, contact_id: int, later: list[tuple]) -> set[str]:
    """What later batches still in place set on the contact: theirs, whatever
    an earlier batch's undo does. Fields by name, custom fields as
    ``fields.NAME``, and an address, number or tag they added as
    ``emails:KEY`` (``phones:``, ``tags:``)."""
    keys: set[str] = set()
    for _, start, mark, started, before_json in later:
        before = json.loads(before_json)
        for key, value in (_batch_values(conn, contact_id, start, mark, started) or {}).items():
            if key == "fields":
                keys.update(f"fields.{name}" for name in (value or {}))
            elif key in _LIST_KEYS:
                ident = _LIST_KEYS[key]
                had = {ident(v) for v in before.get(key) or ()}
                keys.update(f"{key}:{ident(v)}" for v in value or () if ident(v) not in had)
            else:
                keys.add(key)
    return keys


def _hand_values(conn, contact_id: int, mark: int, machine: _MachineEntries) -> set[str]:
    """What edits by hand since the batch (audited after ``mark``) touched on
    the contact, named as ``_later_values`` names them: a field set, even to
    the value it had, and an address, number or tag taken off or put on."""
    keys: set[str] = set()
    for audit_id, before_json, after_json in conn.execute(
            "SELECT id, before, after FROM audit WHERE contact_id = ? AND id > ?"
            " AND entity = 'contact' AND action = 'update'", [contact_id, mark]):
        if audit_id in machine:
            continue
        before = json.loads(before_json) if before_json else {}
        after = json.loads(after_json) if after_json else {}
        for key in before.keys() | after.keys():
            old, new = before.get(key), after.get(key)
            if key == "fields":
                old, new = old or {}, new or {}
                keys.update(f"fields.{name}" for name in old.keys() | new.keys()
                            if old.get(name) != new.get(name))
            elif key in _LIST_KEYS:
                ident = _LIST_KEYS[key]
                keys.update(f"{key}:{v}" for v in {ident(v) for v in old or ()}
                            ^ {ident(v) for v in new or ()})
            else:
                keys.add(key)
    return keys


# Numbers as a contact tells them apart, not by their match keys: two of its
# numbers may share a key (textutil.number_ident).
_LISTS = (("emails", normalize_email), ("phones", number_ident), ("tags", str))
_LIST_KEYS = dict(_LISTS)


def _rebase(conn, contact_id: int, later: list[tuple], before: ContactState,
            ours: dict[str, Any]) -> None:
    """Once a batch is undone, what later batches found there before them is
    what the contact had before it: their own undo then puts that back, not
    the undone batch's values."""
    for later_id, _, _, _, before_json in later:
        snap = json.loads(before_json)
        old = json.dumps(snap, sort_keys=True)
        for key in STATE_COLUMNS:
            if key in ours and key in snap and snap[key] == ours[key]:
                snap[key] = getattr(before, key)
        for key, ident in _LISTS:
            if key in ours and key in snap:
                had = {ident(v) for v in getattr(before, key)}
                added = {ident(v) for v in ours[key] or ()} - had
                snap[key] = [v for v in snap[key] if ident(v) not in added]
        fields = snap.get("fields") or {}
        for name, value in (ours.get("fields") or {}).items():
            if name in fields and fields[name] == value:
                if name in before.fields:
                    fields[name] = before.fields[name]
                else:
                    del fields[name]
        if json.dumps(snap, sort_keys=True) != old:
            conn.execute("UPDATE import_items SET before = ? WHERE batch_id = ? AND contact_id = ?",
                         [json.dumps(snap, ensure_ascii=False), later_id, contact_id])


def _taken_back(before: ContactState, now: ContactState, ours: dict[str, Any], *,
                kept: frozenset[str] | set[str] = frozenset()) -> ContactState:
    """The contact as it is ``now`` with what the batch did to it taken away:
    each field it set, and that still holds what it set, has its value from
    ``before`` again (one changed since, by hand or by a later import, or a
    last contact time moved on by a call logged, stays); emails, phones, tags
    and custom fields lose what it added and keep what came since (another
    contact merged in, a tag typed by hand)."""
    target = now.restored({})
    for key in STATE_COLUMNS:
        # A value set since (by hand, or by a later import still in place, even
        # to the same value) is not the batch's to take back.
        if key in ours and ours[key] == getattr(now, key) and key not in kept:
            setattr(target, key, getattr(before, key))
    for key, ident in _LISTS:
        if key in ours:
            had = {ident(v) for v in getattr(before, key)}
            added = {ident(v) for v in ours[key] or ()} - had
            added = {v for v in added if f"{key}:{v}" not in kept}
            setattr(target, key, [v for v in getattr(now, key) if ident(v) not in added])
    if "fields" in ours:
        for key, value in (ours["fields"] or {}).items():
            if (before.fields.get(key) == value or now.fields.get(key) != value
                    or f"fields.{key}" in kept):
                continue
            if key in before.fields:
                target.fields[key] = before.fields[key]
            else:
                target.fields.pop(key, None)
    return target
