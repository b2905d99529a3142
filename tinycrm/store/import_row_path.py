"""The import's row path: a chunk that the fast lane (``import_lane``) can't
take, worked out row by row. Each row is checked (``RowChecker.prepare``),
matched by uid, then email, then phone, then a profile URL (``profiles``),
then, for a row of a name alone, its name (``import_namesakes``),
against the database and the rows before it, and created, merged, updated
or skipped as ``--on-duplicate`` says. A number alone doesn't make a row the
same person as a contact whose name reads otherwise, nor does an address:
colleagues share a switchboard, a household a landline, a family an inbox.
Merges into existing contacts keep their before-state in ``import_items``
for undo.

``RowPath`` is a part of ``importer._Import`` (which it works on: the
connection, the counts, the writer thread, the batch), kept apart because it
is a concern of its own; so are the reasons it gives for a rejected row
(``import_reasons``) and what a row adds to a contact's notes (``import_notes``)."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from .bulk import ContactRows
from .contact_state import ContactState, combine, load_states
from .dupes import PHONE_GROUP_LIMIT, born_apart, names_agree
from .import_batches import write_state
from .import_namesakes import (
    Namesakes,
    brings_nothing,
    name_candidates,
    namesakes,
    too_many,
    without_profiles,
)
from .import_namesakes import add as add_namesake
from .import_notes import new_in_note, paragraphs
from .import_reasons import RejectReasons
from .import_rows import Incoming, Rejection
from .import_types import LOOKUP_KEYS
from .profiles import profile_key, profile_keys
from .search import index_rows
from .team import hand_over_followups
from .textutil import as_text, names_a_person

if TYPE_CHECKING:
    from .formats.csvfile import CellChunk
    from .import_lane import RowChunk


class RowPath(RejectReasons):
    """The row-by-row half of ``importer._Import``."""

    def flush(self, rows: CellChunk | RowChunk) -> None:
        """One chunk the row path's way: row by row."""
        chunk: list[Incoming] = []
        prepare = self.checker.prepare
        # A chunk's rejects are told in the file's order: a bad value is
        # found while it is read, a clash with a contact after.
        self._held = []
        try:
            for row in rows.rows():
                item = prepare(row)
                if type(item) is Rejection:
                    self.reject(item.row, item.reason)
                else:
                    chunk.append(item)
            if chunk:
                self._decide_and_write(chunk)
        finally:
            held, self._held = self._held, None
            for reject in sorted(held, key=lambda r: r.line):
                self.on_reject(reject)
        if self._plans:
            self._plans.sort(key=lambda item: item.line)
            for item in self._plans:
                self.on_plan(item)
            self._plans = []

    def _decide_and_write(self, chunk: list[Incoming]) -> None:
        self.writer.wait()  # earlier rows are in: they match like any other contact
        uid_hits = self._lookup("SELECT uid, id FROM contacts WHERE uid IN ({})",
                                (i.uid for i in chunk))
        email_hits, hit_names = self._email_hits(k for i in chunk for k in i.email_keys)
        phone_hits = self._phone_candidates(k for i in chunk for k in i.phone_keys)
        nameless = [i for i in chunk if not (i.uid or i.email_keys or any(i.phone_keys))]
        name_hits = name_candidates(self.conn, nameless) if nameless else {}
        by_name: Namesakes = {}  # the file's own new contacts by name and company
        if self.skipped_keys:
            # What rows skipped in earlier chunks brought: their contact's still.
            for inc in chunk:
                for key in inc.email_keys:
                    if key not in email_hits and key in self.skipped_keys:
                        email_hits[key] = self.skipped_keys[key]
                for key in inc.phone_keys:
                    if key is not None and key not in phone_hits and key in self.skipped_keys:
                        phone_hits[key] = [self.skipped_keys[key]]
        by_uid: dict[str, int] = {}
        by_email: dict[str, int] = {}
        by_phone: dict[str, list[int]] = {}  # the file's own numbers: who took them
        pending: dict[int, Incoming | ContactState] = {}
        # New contacts made by a card of tinycrm's export: its source, or none, stays.
        own_cards: set[int] = set()
        # The notes of a new contact's rows, one each, once a second row adds one:
        # a note per row, as rows merged into a contact already there give.
        row_notes: dict[int, list[str]] = {}
        merges: dict[int, list[Incoming]] = {}
        plan = self.on_plan is not None
        mode = self.mode
        first_new = self.next_id

        for inc in chunk:
            target = None
            if inc.uid:
                target = by_uid.get(inc.uid) or uid_hits.get(inc.uid)
                if target is not None and mode == "create":
                    # A uid names one contact: a new one can't take it too.
                    self.reject(inc.row, self._uid_taken(inc, target, pending))
                    continue
                if target is not None and self._uid_of_someone_else(
                        inc, target, pending, merges, hit_names,
                        {k: by_email.get(k) or email_hits.get(k) for k in inc.email_keys},
                        [(*phone_hits.get(k, ()), *by_phone.get(k, ()))
                         for k in inc.phone_keys if k is not None]):
                    self.reject(inc.row, self._uid_of_another(inc, target, pending))
                    continue
            shared = None  # an address of the row whose contact is, by name, someone else
            if target is None:
                for email, key in zip(inc.emails, inc.email_keys):
                    target = by_email.get(key) or email_hits.get(key)
                    if target is not None:
                        if mode != "create" and not self._may_be(inc, target, pending,
                                                                 hit_names):
                            shared = email
                        break
            if target is None:
                unsure = None  # (a number, its contacts): another of the row's may still tell
                for key in inc.phone_keys:
                    if key is not None:
                        try:
                            target = self._same_number(inc, key, phone_hits, by_phone, pending)
                        except _Ambiguous as many:
                            unsure = unsure or (key, many.ids)
                            continue
                        if target is not None:
                            break
                if target is None and unsure is not None:
                    if mode in ("create", "skip"):
                        target = unsure[1][0]  # a new contact anyway, or left alone: either is
                    else:
                        self.reject(inc.row, self._ambiguous(inc, *unsure, pending))
                        continue
            profiles = profile_keys(inc.fields) if inc.fields else ()
            if target is None and profiles:
                target = self.profiles.owner(profiles)
                if target is None and mode != "create" and inc.company and not (
                        inc.uid or inc.email_keys or any(inc.phone_keys)):
                    # Typed in by hand before the LinkedIn connection came:
                    # the same name and company, nothing new but the profile,
                    # and no profile of their own.
                    target = self._same_entry(
                        without_profiles(inc),
                        (*namesakes(name_hits, inc), *namesakes(by_name, inc)), pending,
                        profile_fields={k for k, v in inc.fields.items() if profile_key(v)})
            if target is None and mode != "create" and not (
                    profiles or inc.uid or inc.email_keys or any(inc.phone_keys)):
                target = self._same_entry(
                    without_profiles(inc) if inc.kept_fields else inc,
                    (*namesakes(name_hits, inc), *namesakes(by_name, inc)), pending)
            if shared is not None and all(
                    (by_email.get(key) or email_hits.get(key)) in (None, target)
                    for key in inc.email_keys):
                # (An address of yet another contact: that message says more.)
                self.reject(inc.row, self._shared(inc, shared, target, pending))
                continue
            if target is not None and mode == "skip":
                self.counts["skipped"] += 1
                if plan:
                    self.plan(inc, "skip", target, self.contact_name(target, pending),
                              "matches an existing contact")
                # The row is that contact's still: a later row of the file
                # that matches it only by an address or number it brought is
                # that contact too, not someone new.
                self._remember(inc, target, by_email, email_hits, by_phone, phone_hits)
                self.profiles.add(profiles, target)
                continue
            # Emails are unique: one that belongs to someone other than the
            # contact this row goes to can't follow it.
            owner_elsewhere = None
            for email, key in zip(inc.emails, inc.email_keys):
                owner = by_email.get(key) or email_hits.get(key)
                if owner is not None and (owner != target or mode == "create"):
                    owner_elsewhere = (email, owner)
                    break
            if owner_elsewhere is not None:
                email, owner = owner_elsewhere
                other = self.contact_name(owner, pending)
                if mode == "create":
                    reason = f"{email} already belongs to contact {owner} ({other})"
                else:
                    reason = (f"{email} belongs to contact {owner} ({other}) but this row matches"
                              f" contact {target} ({self.contact_name(target, pending)});"
                              + self._merge_hint(target, owner))
                self.reject(inc.row, f"{self.checker.field(inc.row, 'emails', email)}: {reason}")
                continue
            if target is None or mode == "create":
                contact_id = self.next_id
                self.next_id += 1
                pending[contact_id] = inc
                if inc.own_card:
                    own_cards.add(contact_id)
                self.counts["created"] += 1
                if plan:
                    self.plan(inc, "create", contact_id, inc.name,
                              " ".join(f"<{e}>" for e in inc.emails[:2]))
                target = contact_id
                add_namesake(by_name, inc.name, inc.company, contact_id)
            elif target in pending:
                state = pending[target]
                if isinstance(state, Incoming):
                    state = pending[target] = state.state(
                        self.default_stage, self.default_tier, self.user)
                changed = combine(state, inc, overwrite=mode == "update", stages=self.stages)
                had = set(paragraphs(state.note or "")) if inc.note else set()
                new = [p for p in dict.fromkeys(paragraphs(inc.note or "")) if p not in had]
                if new:
                    added = "\n\n".join(new)
                    row_notes.setdefault(target, [state.note] if state.note else []).append(added)
                    state.note = f"{state.note}\n\n{added}" if state.note else added
                    changed = [*changed, "note"]
                self._count_merge(inc, target, state.name, changed)
            else:
                merges.setdefault(target, []).append(inc)
            if inc.uid and (target in pending):
                by_uid.setdefault(inc.uid, target)
            self.profiles.add(profiles, target)
            for key in inc.email_keys:
                by_email[key] = target
            for key in inc.phone_keys:
                if key is not None:
                    holders = by_phone.setdefault(key, [])
                    if len(holders) <= PHONE_GROUP_LIMIT and target not in holders:
                        holders.append(target)

        if merges:
            self._note_merged(merges)
        # Merges first: they use the connection, the new contacts' job then
        # runs in the writer while the next chunk is read.
        touched = self._merge_existing(merges) if merges else []
        if pending:
            self._create(pending, first_new, row_notes, own_cards)
            touched += pending
        self._after_writes(touched)

    def _same_entry(self, inc: Incoming, candidates: tuple[int, ...],
                    pending: dict[int, Any], *,
                    profile_fields: Collection[str] = ()) -> int | None:
        """For a row with no uid, address, number or profile: the first
        contact of its name that it would bring nothing to but tags (the same
        row imported again), else None. A name alone is no proof of a person,
        so a row that says anything else new is someone new. With the
        ``profile_fields`` of a row's profile: only a contact without one of
        its own (another member's), that has none of those fields either."""
        if not candidates or too_many(candidates):
            return None
        stored = load_states(self.conn, [c for c in candidates if c not in pending])
        for contact_id in candidates:
            if contact_id in pending:
                state = pending[contact_id]
                if isinstance(state, Incoming):
                    state = state.state(self.default_stage, self.default_tier, self.user)
                noted = set(paragraphs(inc.note or "")) <= set(paragraphs(state.note or ""))
            else:
                state = stored.get(contact_id)
                if state is None:
                    continue
                noted = not inc.note or new_in_note(self.conn, contact_id, inc.note) is None
            if profile_fields and (self.profiles.has_profile(contact_id)
                                   or profile_keys(state.fields)
                                   or not state.fields.keys().isdisjoint(profile_fields)):
                # Another member's (or one this file gave it), or a field of
                # that name the profile couldn't be written into.
                continue
            if noted and brings_nothing(inc, state, self.stages):
                return contact_id
        return None

    def _email_hits(self, keys) -> tuple[dict[str, int], dict[int, str]]:
        """The contacts that have these addresses, and their names (a row's
        name is checked against them)."""
        found: dict[str, int] = {}
        names: dict[int, str] = {}
        unique = list(dict.fromkeys(k for k in keys if k))
        for start in range(0, len(unique), LOOKUP_KEYS):
            part = unique[start:start + LOOKUP_KEYS]
            for key, contact_id, name in self.conn.execute(
                    "SELECT e.email_key, e.contact_id, c.name FROM contact_emails e"
                    f" JOIN contacts c ON c.id = e.contact_id WHERE e.email_key IN"
                    f" ({','.join('?' * len(part))})", part):
                found[key] = contact_id
                names[contact_id] = as_text(name)
        return found, names

    def _remember(self, inc: Incoming, target: int, by_email: dict[str, int],
                  email_hits: dict[str, int], by_phone: dict[str, list[int]],
                  phone_hits: dict[str, list[int]]) -> None:
        """Note a skipped row's addresses and numbers that are no one else's
        as ``target``'s, for the rows after it (``skipped_keys`` for later
        chunks: the database never learns them)."""
        for key in inc.email_keys:
            if (by_email.get(key) or email_hits.get(key)) is None:
                by_email[key] = target
                self.skipped_keys[key] = target
        for key in inc.phone_keys:
            if key is not None and key not in phone_hits and key not in by_phone:
                by_phone[key] = [target]
                self.skipped_keys.setdefault(key, target)

    def _phone_candidates(self, keys) -> dict[str, list[int]]:
        """The first contacts (in the order their numbers were written, at
        most one more than ``PHONE_GROUP_LIMIT``) that have each of these numbers."""
        found: dict[str, list[int]] = {}
        unique = list(dict.fromkeys(k for k in keys if k))
        # A number a whole file shares (000 000 0000) has as many holders as
        # rows: each key's are read up to the limit, not all of them.
        for key, ids in self.conn.execute(
                "SELECT k.value, (SELECT group_concat(contact_id) FROM (SELECT contact_id"
                " FROM contact_phones WHERE phone_key = k.value LIMIT ?)) FROM json_each(?) k",
                [PHONE_GROUP_LIMIT + 1, json.dumps(unique)]):
            if ids:
                found[key] = list(dict.fromkeys(map(int, ids.split(","))))
        return found

    def _same_number(self, inc: Incoming, key: str, found: dict[str, list[int]],
                     by_phone: dict[str, list[int]], pending: dict[int, Any]) -> int | None:
        """The contact a row goes to by this number: the first that has it (in
        the database, then in the file) whose name agrees with the row's, if
        both have one (not an address or a number in its place). A number more
        than ``PHONE_GROUP_LIMIT`` contacts share (a switchboard, a
        placeholder) says nothing about who a row is."""
        candidates = (*found.get(key, ()), *by_phone.get(key, ()))
        if len(candidates) > PHONE_GROUP_LIMIT:
            return None
        agreeing = []
        for contact_id in dict.fromkeys(candidates):
            name = self.contact_name(contact_id, pending)
            if ((not inc.named or not names_a_person(name) or names_agree(inc.name, name)
                 or self._was_named(inc, contact_id, pending))
                    and not self._born_otherwise(inc, contact_id, pending)
                    and not self._another_record(inc, contact_id, pending)):
                agreeing.append(contact_id)
        if len(agreeing) > 1 and inc.named:
            # A household's landline: "J. Smith" may be John or Jane. Only the
            # name itself tells. (A row with no name goes to the first, as it
            # says nothing of who it is.)
            # (Several of that very name are one person twice: the first, as before.)
            same = [c for c in agreeing
                    if self.contact_name(c, pending).casefold() == inc.name.casefold()]
            if not same:
                raise _Ambiguous(agreeing)
            return same[0]
        return agreeing[0] if agreeing else None

    def _another_record(self, inc: Incoming, contact_id: int, pending: dict[int, Any]) -> bool:
        """Whether the file says the row and a contact it made are two people:
        in tinycrm's own export (CSV, a card of its vCard, or a JSON list in
        its shape) a uid names one contact, and two of one name on one number
        (a household's) come back as two. (Other files' cards of one person,
        twice, merge.)"""
        if not inc.uid or not (inc.own_card or self.checker.layout in ("tinycrm", "json")):
            return False
        if contact_id in pending:
            uid = pending[contact_id].uid
        else:
            row = self.conn.execute("SELECT uid FROM contacts WHERE id = ? AND import_batch = ?",
                                    [contact_id, self.batch_id]).fetchone()
            uid = row[0] if row else None
        return uid is not None and uid != inc.uid

    def _born_otherwise(self, inc: Incoming, contact_id: int, pending: dict[int, Any]) -> bool:
        """Whether the row and the contact were born on different days (a
        father and his son Jr. share a number and a name)."""
        if not inc.birthday:
            return False
        if contact_id in pending:
            birthday = pending[contact_id].birthday
        else:
            row = self.conn.execute("SELECT birthday FROM contacts WHERE id = ?",
                                    [contact_id]).fetchone()
            birthday = row[0] if row else None
        return born_apart(birthday, inc.birthday)

    def _may_be(self, inc: Incoming, target: int, pending: dict[int, Any],
                names: dict[int, str]) -> bool:
        """Whether a row that has a contact's address may be that contact: a
        family or a team shares one inbox, so the row's name must agree with
        the contact's (as for a number), or with a name it had before (a
        contact renamed by hand since the file was made)."""
        name = names.get(target) if target not in pending else None
        if name is None:
            name = self.contact_name(target, pending)
        if (not inc.named or inc.name == name or not names_a_person(name)
                or names_agree(inc.name, name)):
            return True
        return self._was_named(inc, target, pending)

    def _was_named(self, inc: Incoming, target: int, pending: dict[int, Any]) -> bool:
        """Whether the row's name agrees with one the contact had before: it
        was renamed since the file was made, or a contact of that name was
        merged into it (the file's Chuck is the Charles he was merged into)."""
        if target in pending or not inc.named:
            return False
        return any(names_agree(inc.name, old) for (old,) in self.conn.execute(
            "SELECT coalesce(json_extract(before, '$.name'), json_extract(before, '$.merged.name'))"
            " FROM audit WHERE contact_id = ? AND entity = 'contact'"
            " AND action IN ('update', 'merge')", [target]) if old)

    def _uid_of_someone_else(self, inc: Incoming, target: int, pending: dict[int, Any],
                             merges: dict[int, list[Incoming]], names: dict[int, str],
                             email_holders: dict[str, int | None],
                             phone_holders: list[tuple[int, ...]]) -> bool:
        """Whether a row matched by uid is plainly someone else: two rows of one
        file with one uid (an exporter that gives every card the same uid),
        the later of another name and none of the contact's addresses or
        numbers. Merging would lose one. (A uid the file has once names its
        contact, renamed and readdressed in the file or not.)"""
        return not (self._may_be(inc, target, pending, names)
                    or target in email_holders.values()
                    or any(target in holders for holders in phone_holders)
                    or not self._from_this_file(target, pending, merges))

    def _from_this_file(self, target: int, pending: dict[int, Any],
                        merges: dict[int, list[Incoming]]) -> bool:
        """Whether an earlier row of this import went to the contact: made it,
        or was merged into it, changing it or not (``_note_merged``)."""
        if target in pending or target in merges:
            return True
        return self.conn.execute(
            "SELECT 1 FROM contacts WHERE id = :id AND import_batch = :batch UNION ALL"
            " SELECT 1 FROM import_items WHERE batch_id = :batch AND contact_id = :id"
            + (" UNION ALL SELECT 1 FROM temp.import_merged WHERE contact_id = :id"
               if self.merged_noted else "") + " LIMIT 1",
            {"id": target, "batch": self.batch_id}).fetchone() is not None

    def _note_merged(self, merges: dict[int, list[Incoming]]) -> None:
        """Keep the contacts this chunk's rows are merged into for the chunks
        after it: a row that changes nothing leaves no trace in the database,
        and a later row of its uid and someone else's name was merged into the
        contact (on importing a file again) where in one chunk it is rejected.
        A temporary table, not a set: a file of a million rows imported again
        goes to a million contacts."""
        if not self.merged_noted:
            self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS import_merged"
                              " (contact_id INTEGER PRIMARY KEY)")
            self.conn.execute("DELETE FROM temp.import_merged")  # (an earlier import's)
            self.merged_noted = True
        self.conn.executemany("INSERT OR IGNORE INTO temp.import_merged VALUES (?)",
                              [(contact_id,) for contact_id in merges])

    def forget_merged(self) -> None:
        """Empty the table ``_note_merged`` keeps, at the end of the import."""
        if self.merged_noted:
            self.conn.execute("DELETE FROM temp.import_merged")
            self.merged_noted = False

    def contact_name(self, contact_id: int, pending: dict[int, Any]) -> str:
        if contact_id in pending:
            return pending[contact_id].name
        if contact_id not in self._names:
            row = self.conn.execute("SELECT name FROM contacts WHERE id = ?", [contact_id]).fetchone()
            self._names[contact_id] = as_text(row[0]) if row else "?"
        return self._names[contact_id]

    def _count_merge(self, inc: Incoming, target: int, name: str, changed: list[str]) -> None:
        if not changed:
            self.counts["unchanged"] += 1
            action = "unchanged"
        elif self.mode == "update":
            self.counts["updated"] += 1
            action = "update"
        else:
            self.counts["merged"] += 1
            action = "merge"
        if self.on_plan is not None:
            self.plan(inc, action, target, name, ", ".join(changed))

    def _create(self, pending: dict[int, Incoming | ContactState], first: int,
                row_notes: dict[int, list[str]], own_cards: set[int]) -> None:
        """Hand this chunk's new contacts (ids ``first`` and up, in order) to the
        writer, with their notes (``row_notes``' when given). Rows and merged
        states carry every attribute ``ContactRows`` reads. Those ``own_cards``
        made get no source from the file's layout."""
        stamp, stage, tier, user, source = (
            self.stamp, self.default_stage, self.default_tier, self.user, self.source_tag)
        notes = []
        for contact_id, c in pending.items():
            if c.stage is None:
                c.stage = stage
            if c.tier is None:
                c.tier = tier
            if c.owner is None:
                c.owner = user
            if c.source is None and contact_id not in own_cards:
                c.source = source
            if c.created_at is None:
                c.created_at = stamp
            if contact_id in row_notes:
                notes.extend((contact_id, note) for note in row_notes[contact_id])
            elif c.note:
                notes.append((contact_id, c.note))
        self._submit(ContactRows(list(pending.values()), first=first, updated_at=stamp,
                                 uids=self.uids, import_batch=self.batch_id), notes)

    def _merge_existing(self, merges: dict[int, list[Incoming]]) -> list[int]:
        states = load_states(self.conn, list(merges))
        overwrite = self.mode == "update"
        changed_ids: list[int] = []
        reindex = []
        for contact_id, rows in merges.items():
            state = states.get(contact_id)
            if state is None:
                for inc in rows:
                    self.reject(inc.row, f"contact {contact_id} vanished during the import")
                continue
            saved: dict[str, Any] = {}
            changed_keys: list[str] = []
            notes = []
            added: set[str] = set()  # the paragraphs of ``notes``, kept as they come
            had: dict[int, set[str] | None] = {}  # its stored notes' paragraphs, read once
            for inc in rows:
                changed = combine(state, inc, overwrite=overwrite, saved=saved, stages=self.stages)
                # A note the contact hasn't got yet is a change like a field's.
                # (Undo takes it away by its batch.)
                new = new_in_note(self.conn, contact_id, inc.note, had) if inc.note else None
                if new:  # (less what this file's earlier rows added to the contact)
                    new = "\n\n".join(p for p in paragraphs(new) if p not in added)
                if new:
                    notes.append(new)
                    added.update(paragraphs(new))
                    changed = [*changed, "note"]
                self._count_merge(inc, contact_id, state.name, changed)
                changed_keys += [k for k in changed if k not in changed_keys and k != "note"]
            if not changed_keys and not notes:
                continue
            created_here = contact_id >= self.first_id
            before = state.restored(saved)
            if changed_keys:
                write_state(self.conn, before, state, changed_keys, self.stamp,
                            bump=not created_here)
                self._names[contact_id] = state.name  # (a stand-in name may have been filled)
                reindex.append((contact_id, state.name, state.emails, state.company, state.tags))
                changed_ids.append(contact_id)
            for note in notes:
                self.store.timeline.add(contact_id, "note", note,
                                        data={"batch": self.batch_id}, now=self.now)
            if created_here:
                continue
            action = "updated" if overwrite else "merged"
            if not changed_keys:  # a note alone: the import's entry says so
                self.store.timeline.add(
                    contact_id, "import", f"{action} from {self.name} (batch {self.batch_id}): note",
                    data={"batch": self.batch_id, "action": action, "source": self.name,
                          "fields": ["note"]},
                    now=self.now,
                )
                continue
            first_time = self.conn.execute(
                "INSERT OR IGNORE INTO import_items (batch_id, contact_id, action, before)"
                " VALUES (?, ?, ?, ?)",
                [self.batch_id, contact_id, action, json.dumps(before.snapshot(), ensure_ascii=False)],
            ).rowcount
            if before.stage != state.stage:
                # A stage change like any other (reports count conversions by
                # these); undo takes it away by its batch.
                self.store.timeline.stage_changed(contact_id, before.stage, state.stage,
                                                  now=self.now, batch=self.batch_id)
            diff_before, diff_after = before.diff(state, changed_keys)
            self.store.audit.record("update", "contact", contact_id, contact_id=contact_id,
                                    before=diff_before, after=diff_after, now=self.now)
            if before.owner != state.owner:  # (an update's owner column): a handover
                hand_over_followups(self.store, contact_id, before.owner, state.owner, self.now)
            if first_time:
                self.store.timeline.add(
                    contact_id, "import",
                    f"{action} from {self.name} (batch {self.batch_id}): {', '.join(changed_keys)}",
                    data={"batch": self.batch_id, "action": action, "source": self.name,
                          "fields": changed_keys},
                    now=self.now,
                )
        if reindex:
            index_rows(self.conn, reindex)
        return changed_ids


class _Ambiguous(Exception):
    """A row's number is several contacts' whose names all agree with its."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(ids)
        self.ids = ids
