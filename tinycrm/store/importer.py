"""Importing contacts from CSV, vCard and JSON files.

One import is one write transaction and one *batch*:

1. a format reader (``formats/``) yields rows a chunk at a time, with their
   line numbers;
2. a chunk of plain rows (new people, nothing to reject) takes the fast lane
   (``import_lane``): checked a column at a time, and written if a look at
   the database finds none of them there already;
3. any other chunk goes row by row: each record is validated into an
   ``Incoming`` or rejected with its reason (``import_rows``), then matched
   by uid, then email (case-insensitive), then normalised phone, against the
   database and earlier rows of the file, and ``--on-duplicate`` decides what
   a match does;
4. new contacts go in through a writer thread (``import_writer``: ids are
   assigned up front, and the SQL runs while the next chunk is read); matched
   ones are merged in place; search rows, timeline events, the audit log and
   the response-time rules (``store.contacts_changed``) follow in the same
   transaction.

A created contact names its batch (``contacts.import_batch``) and
``import_items`` keeps the full record of each contact before a merge, so
that ``import_batches.undo_batch`` can reverse the batch. Killing the process
at any point leaves the database as it was: nothing commits until the end. A
dry run does all of it and rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from .bulk import ContactRows, DeferredIndexes, UidSequence, next_contact_id
from .contacts import clean_tag
from .dupes import ContactState, combine, load_states
from .errors import ValidationError
from .formats import FormatError, Row
from .import_batches import write_state
from .import_lane import PlainChunk, RowChunk, plain_chunk
from .import_rows import FOREIGN_LAYOUTS, Incoming, Rejection, RowChecker
from .import_types import (
    INPUT_FORMATS,
    ON_DUPLICATE,
    ImportFailed,
    ImportOptions,
    ImportRejected,
    ImportSummary,
    PlanItem,
    Reject,
)
from .import_writer import ChunkWriter, CreatedContacts, fewer_collections
from .search import index_rows
from .timeutil import to_db

if TYPE_CHECKING:
    from .formats.csvfile import CellChunk
    from .store import Store

CHUNK = 2500  # rows matched and written together; bounds the Python memory of an import
_LOOKUP = 900  # keys per IN (...) query
# A load this large (and larger than what is there) defers the contacts
# table's secondary indexes and rebuilds them once at the end. Below it the
# writer thread keeps them up to date beside the reading, which is quicker
# than a rebuild after it (100k rows: 5.8 s against 6.2 s).
DEFER_INDEXES_AT = 200_000
# The name index (NOCASE, written at random) costs the writer most: it is put
# off from this many rows on, and built again at the end in a fraction of it.
DEFER_NAME_INDEX_AT = 20_000
# SQLite's page cache during an import (and, while deferred indexes are
# rebuilt, its sorter uses as much again): together they stay well inside
# the 150 MiB a million-row import is allowed.
IMPORT_CACHE_KIB = 40 * 1024
REBUILD_CACHE_KIB = 8 * 1024


class _DryRun(Exception):
    pass


# -- the import --------------------------------------------------------------------


def open_reader(raw: BinaryIO, *, name: str, options: ImportOptions):
    """The reader for this input (format and encoding guessed unless given)."""
    from .formats.csvfile import CSVReader
    from .formats.csvlayout import parse_map
    from .formats.source import open_source

    if options.format not in INPUT_FORMATS:
        raise ValidationError(
            f"unknown format {options.format!r}: use one of {', '.join(INPUT_FORMATS)}")
    try:
        source = open_source(raw, name=name, fmt=options.format, encoding=options.encoding)
    except FormatError as exc:
        raise ImportFailed(exc.message) from None
    overrides = parse_map(options.mapping) if options.mapping else None
    if overrides and source.format != "csv":
        raise ValidationError("--map applies to CSV files only")
    try:
        if source.format == "csv":
            return CSVReader(source, overrides=overrides)
        if source.format == "vcard":
            from .formats.vcard import VCardReader

            return VCardReader(source)
        from .formats.jsonfile import JSONReader

        return JSONReader(source)
    except FormatError as exc:
        raise ImportFailed(exc.message) from None


def import_contacts(
    store: Store,
    raw: BinaryIO,
    *,
    name: str,
    options: ImportOptions = ImportOptions(),
    now: datetime | None = None,
    on_reject: Callable[[Reject], None] | None = None,
    on_plan: Callable[[PlanItem], None] | None = None,
    reader=None,
) -> ImportSummary:
    """Import contacts from ``raw`` (bytes). ``name`` is what messages call it.
    Rejected rows go to ``on_reject``; a dry run reports every row to ``on_plan``."""
    if options.on_duplicate not in ON_DUPLICATE:
        raise ValidationError(
            f"--on-duplicate must be one of {', '.join(ON_DUPLICATE)}, got {options.on_duplicate!r}")
    now = now or store.now()
    tags = []
    for tag in options.tags:
        tags.append(clean_tag(tag))
    reader = reader or open_reader(raw, name=name, options=options)
    job = _Import(store, reader, options, now, name, tags, on_reject, on_plan)
    try:
        with store.write():
            job.run()
            if options.dry_run:
                raise _DryRun
            if options.strict and job.counts["rejected"]:
                raise ImportRejected(
                    f"{name}: {job.counts['rejected']} row(s) rejected; nothing imported (--strict)")
    except _DryRun:
        pass
    except FormatError as exc:
        raise ImportFailed(exc.message) from None
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"{name}: can't be decoded as {exc.encoding} ({exc.reason});"
                           " try another --encoding") from None
    finally:
        job.restore_cache()
    return job.summary()


class _Import:
    def __init__(self, store: Store, reader, options: ImportOptions, now: datetime, name: str,
                 tags: list[str], on_reject, on_plan) -> None:
        self.store = store
        self.conn = store.conn
        self.reader = reader
        self.options = options
        self.now = now
        self.stamp = to_db(now)
        self.name = name
        self.extra_tags = tags
        self.on_reject = on_reject
        self.on_plan = on_plan
        self.mode = options.on_duplicate
        settings = store.settings
        self.checker = RowChecker(reader, extra_tags=tags, stages=set(settings.stages),
                                  tiers=set(settings.tiers))
        self.default_stage = settings.default_stage
        self.default_tier = settings.default_tier
        self.user = store.user
        self.counts = dict.fromkeys(
            ("created", "merged", "updated", "unchanged", "skipped", "rejected"), 0)
        self.batch_id: int | None = None
        self.first_id = 0
        self.next_id = 0
        self.uids = UidSequence(now)
        self.layout = getattr(reader, "layout", reader.format)
        # Where a contact came from, when the file is another tool's export;
        # tinycrm's own formats carry the source themselves.
        self.source_tag = self.layout if self.layout in FOREIGN_LAYOUTS else None
        self.deferred: DeferredIndexes | None = None
        self.defer_at = DEFER_INDEXES_AT
        self.defer_name_at = DEFER_NAME_INDEX_AT
        self._old_cache: int | None = None
        self._names: dict[int, str] = {}
        self._plans: list[PlanItem] = []
        self.writer: ChunkWriter | None = None
        self._matched = False  # the last plain chunk matched someone

    # -- bookkeeping ------------------------------------------------------------

    def summary(self) -> ImportSummary:
        fmt = self.reader.format
        return ImportSummary(
            batch_id=None if self.options.dry_run else self.batch_id, source=self.name,
            format=fmt, layout=self.layout, dry_run=self.options.dry_run, **self.counts,
        )

    def restore_cache(self) -> None:
        if self._old_cache is not None:
            self.conn.execute(f"PRAGMA cache_size = {int(self._old_cache)}")
            self._old_cache = None

    def reject(self, row: Row, reason: str) -> None:
        self.counts["rejected"] += 1
        if self.on_reject is not None:
            self.on_reject(Reject(row.line, reason, self.reader.reject_cells(row)))
        if self.on_plan is not None:
            self._plans.append(PlanItem(row.line, "reject", None, "", reason))

    def plan(self, inc: Incoming, action: str, contact_id: int | None, name: str,
             detail: str = "") -> None:
        self._plans.append(PlanItem(inc.line, action, contact_id, name, detail))

    # -- the run ----------------------------------------------------------------

    def run(self) -> None:
        conn = self.conn
        self._old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        self.first_id = self.next_id = next_contact_id(conn)
        existing = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        self.defer_at = max(DEFER_INDEXES_AT, existing)
        self.defer_name_at = max(DEFER_NAME_INDEX_AT, existing)
        fmt = self.reader.format + ("" if self.layout == self.reader.format else f"/{self.layout}")
        self.batch_id = conn.execute(
            "INSERT INTO import_batches (started_at, actor, source, format, options, first_contact_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [self.stamp, self.user, self.name, fmt, json.dumps({
                "on_duplicate": self.mode, "tags": self.extra_tags,
                "map": list(self.options.mapping), "strict": self.options.strict,
            }), self.first_id],
        ).lastrowid
        self.writer = ChunkWriter()
        done = False
        try:
            with self.writer.sharing_the_gil(), fewer_collections():
                self.pipeline()
            done = True
        finally:
            self.writer.close(unwinding=not done)
        if self.counts == dict.fromkeys(self.counts, 0):
            raise ImportFailed(f"{self.name}: no contacts found in the file")
        if self.options.dry_run:
            return
        if self.deferred is not None:
            self.conn.execute(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
            self.deferred.restore()
        self.finish()

    def chunks(self) -> Iterator[CellChunk | RowChunk]:
        """The reader's rows, a chunk at a time, in file order. A chunk is
        read while the writer thread writes the one before.

        (Tried and dropped: reading in a thread beside ``executemany`` writes,
        which take the GIL back for every row, made imports slower; a forked
        reading process cost the writer about half of what reading the rows
        itself does, to load them back.)"""
        if hasattr(self.reader, "chunks"):  # CSV: cells, mapped a column at a time
            yield from self.reader.chunks(CHUNK)
            return
        chunk: list[Row] = []
        for row in self.reader.rows():
            chunk.append(row)
            if len(chunk) >= CHUNK:
                yield RowChunk(chunk)
                chunk = []
        if chunk:
            yield RowChunk(chunk)

    def finish(self) -> None:
        """The batch's own audit entry and totals (each new contact's rows went
        in with its chunk: ``CreatedContacts``)."""
        conn, batch = self.conn, self.batch_id
        mark = self.store.audit.record(
            "import", "import", batch, after={"source": self.name, **self.counts}, now=self.now)
        conn.execute(
            "UPDATE import_batches SET finished_at = ?, created = ?, merged = ?, updated = ?,"
            " unchanged = ?, skipped = ?, rejected = ?, audit_mark = ? WHERE id = ?",
            [self.stamp, self.counts["created"], self.counts["merged"], self.counts["updated"],
             self.counts["unchanged"], self.counts["skipped"], self.counts["rejected"], mark, batch],
        )

    # -- matching ---------------------------------------------------------------

    def _lookup(self, sql: str, keys: Iterable[str | None]) -> dict[str, int]:
        found: dict[str, int] = {}
        unique = list(dict.fromkeys(k for k in keys if k))
        for start in range(0, len(unique), _LOOKUP):
            part = unique[start:start + _LOOKUP]
            found.update(self.conn.execute(sql.format(",".join("?" * len(part))), part).fetchall())
        return found

    def contact_name(self, contact_id: int, pending: dict[int, Any]) -> str:
        if contact_id in pending:
            return pending[contact_id].name
        if contact_id not in self._names:
            row = self.conn.execute("SELECT name FROM contacts WHERE id = ?", [contact_id]).fetchone()
            self._names[contact_id] = row[0] if row else "?"
        return self._names[contact_id]

    def pipeline(self) -> None:
        """Every chunk, in order. A plain chunk (``import_lane``) goes to the
        writer thread as a check against the database followed by its writes,
        which the writer skips if the check finds anyone; meanwhile this
        thread reads the next chunk. Then the chunk is settled: kept, or
        taken back and sent the row path (which waits for the writer).
        After a chunk that matched, the next one's writes wait for its check:
        a file of people who are mostly there already (a re-import) would
        otherwise work every chunk out twice."""
        ahead: tuple[CellChunk | RowChunk, PlainChunk, Future, range | None] | None = None
        for chunk in self.chunks():
            plain = None
            if self.on_plan is None:  # a dry run's plan lists rows one by one
                columns = chunk.columns()
                plain = None if columns is None else plain_chunk(columns, len(chunk), self.checker)
            if ahead is not None:
                self._settle(*ahead)
                ahead = None
            if plain is None:
                self.flush(chunk)
                continue
            matches = self.writer.ask(self._matches_anyone, plain)
            ids = None if self._matched else self._create_plain(plain, unless=matches)
            ahead = (chunk, plain, matches, ids)
        if ahead is not None:
            self._settle(*ahead)

    def _settle(self, chunk: CellChunk | RowChunk, plain: PlainChunk, matches: Future,
                ids: range | None) -> None:
        self._matched = bool(matches.result())
        if self._matched:
            if ids is not None:  # its writes were skipped: take its ids back
                self.next_id = ids.start
                self.counts["created"] -= len(ids)
            self.flush(chunk)
            return
        if ids is None:
            ids = self._create_plain(plain)
        self._after_writes(ids)

    def flush(self, rows: CellChunk | RowChunk) -> None:
        """One chunk the row path's way: row by row."""
        chunk: list[Incoming] = []
        prepare = self.checker.prepare
        for row in rows.rows():
            item = prepare(row)
            if type(item) is Rejection:
                self.reject(item.row, item.reason)
            else:
                chunk.append(item)
        if chunk:
            self._decide_and_write(chunk)
        if self._plans:
            self._plans.sort(key=lambda item: item.line)
            for item in self._plans:
                self.on_plan(item)
            self._plans = []

    def _decide_and_write(self, chunk: list[Incoming]) -> None:
        self.writer.wait()  # earlier rows are in: they match like any other contact
        uid_hits = self._lookup("SELECT uid, id FROM contacts WHERE uid IN ({})",
                                (i.uid for i in chunk))
        email_hits = self._lookup(
            "SELECT email_key, contact_id FROM contact_emails WHERE email_key IN ({})",
            (k for i in chunk for k in i.email_keys))
        phone_hits = self._lookup(
            "SELECT phone_key, min(contact_id) FROM contact_phones WHERE phone_key IN ({})"
            " GROUP BY phone_key", (k for i in chunk for k in i.phone_keys))
        by_uid: dict[str, int] = {}
        by_email: dict[str, int] = {}
        by_phone: dict[str, int] = {}
        pending: dict[int, Incoming | ContactState] = {}
        merges: dict[int, list[Incoming]] = {}
        plan = self.on_plan is not None
        mode = self.mode
        first_new = self.next_id

        for inc in chunk:
            target = None
            if inc.uid:
                target = by_uid.get(inc.uid) or uid_hits.get(inc.uid)
            if target is None:
                for key in inc.email_keys:
                    target = by_email.get(key) or email_hits.get(key)
                    if target is not None:
                        break
            if target is None:
                for key in inc.phone_keys:
                    if key is not None:
                        target = phone_hits.get(key) or by_phone.get(key)
                        if target is not None:
                            break
            if target is not None and mode == "skip":
                self.counts["skipped"] += 1
                if plan:
                    self.plan(inc, "skip", target, self.contact_name(target, pending),
                              "matches an existing contact")
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
                              f" merge them first: tinycrm merge {target} {owner}")
                self.reject(inc.row, f"{self.checker.field(inc.row, 'emails', email)}: {reason}")
                continue
            if target is None or mode == "create":
                contact_id = self.next_id
                self.next_id += 1
                pending[contact_id] = inc
                self.counts["created"] += 1
                if plan:
                    self.plan(inc, "create", contact_id, inc.name,
                              " ".join(f"<{e}>" for e in inc.emails[:2]))
                target = contact_id
            elif target in pending:
                state = pending[target]
                if isinstance(state, Incoming):
                    state = pending[target] = state.state(
                        self.default_stage, self.default_tier, self.user)
                changed = combine(state, inc, overwrite=mode == "update")
                if inc.note and state.note != inc.note:
                    state.note = f"{state.note}\n\n{inc.note}" if state.note else inc.note
                self._count_merge(inc, target, state.name, changed)
            else:
                merges.setdefault(target, []).append(inc)
            if inc.uid and (target in pending):
                by_uid.setdefault(inc.uid, target)
            for key in inc.email_keys:
                by_email[key] = target
            for key in inc.phone_keys:
                if key is not None and key not in phone_hits:
                    by_phone.setdefault(key, target)

        # Merges first: they use the connection, the new contacts' job then
        # runs in the writer while the next chunk is read.
        touched = self._merge_existing(merges) if merges else []
        if pending:
            self._create(pending, first_new)
            touched += pending
        self._after_writes(touched)

    def _matches_anyone(self, plain: PlainChunk) -> bool:
        """Whether an address or number of the chunk is someone's already (run
        in the writer thread, after the earlier chunks' writes)."""
        return bool(
            self._lookup("SELECT email_key, contact_id FROM contact_emails WHERE email_key IN ({})",
                         plain.email_keys())
            or self._lookup("SELECT phone_key, contact_id FROM contact_phones"
                            " WHERE phone_key IN ({})", plain.phone_keys()))

    def _create_plain(self, plain: PlainChunk, *, unless: Future | None = None) -> range:
        """Queue a plain chunk's contacts as they are, to be written unless
        ``unless`` finds it matches someone; returns their ids."""
        count, first = plain.count, self.next_id
        self.next_id += count
        self.counts["created"] += count
        columns = {
            "uid": [None] * count, "stage": [self.default_stage] * count,
            "tier": [self.default_tier] * count, "owner": [self.user] * count,
            "source": [self.source_tag] * count, "cadence_days": [None] * count,
            "created_at": [self.stamp] * count, "updated_at": [None] * count,
            "last_contacted_at": [None] * count, **plain.columns,
        }
        rows = ContactRows.of_columns(columns, count, first=first, updated_at=self.stamp,
                                      uids=self.uids, import_batch=self.batch_id)
        notes = [(first + i, note) for i, note in enumerate(plain.notes) if note]
        self._submit(rows, notes, unless=unless)
        return range(first, first + count)

    def _after_writes(self, touched: Sequence[int]) -> None:
        """After a chunk: the response-time rules on the contacts it created or
        changed, and the contacts table's indexes put off once the import
        grows large (the name index first)."""
        if touched and self.store.apply_rules:
            self.writer.wait()
            self.store.contacts_changed(list(touched), self.now)
        created = self.next_id - self.first_id
        if self.options.dry_run or self.deferred is not None and self.deferred.all_dropped:
            return
        every = created >= self.defer_at
        if every or (self.deferred is None and created >= self.defer_name_at):
            self.writer.wait()
            if self.deferred is None:
                self.deferred = DeferredIndexes(self.conn, ["contacts"])
            self.deferred.drop(only=None if every else ["contacts_name"])

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

    # -- writing ----------------------------------------------------------------

    def _create(self, pending: dict[int, Incoming | ContactState], first: int) -> None:
        """Hand this chunk's new contacts (ids ``first`` and up, in order) to the
        writer. Rows and merged states carry every attribute ``ContactRows`` reads."""
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
            if c.source is None:
                c.source = source
            if c.created_at is None:
                c.created_at = stamp
            if c.note:
                notes.append((contact_id, c.note))
        self._submit(ContactRows(list(pending.values()), first=first, updated_at=stamp,
                                 uids=self.uids, import_batch=self.batch_id), notes)

    def _submit(self, rows: ContactRows, notes: list[tuple[int, str]], *,
                unless: Future | None = None) -> None:
        job = CreatedContacts(rows, notes, batch=self.batch_id, source=self.name,
                              stamp=self.stamp, user=self.user)
        job.submit_to(self.writer, self.conn, unless=unless)

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
            for inc in rows:
                changed = combine(state, inc, overwrite=overwrite, saved=saved)
                if inc.note:
                    notes.append(inc.note)
                self._count_merge(inc, contact_id, state.name, changed)
                changed_keys += [k for k in changed if k not in changed_keys]
            if not changed_keys and not notes:
                continue
            created_here = contact_id >= self.first_id
            before = state.restored(saved)
            if changed_keys:
                write_state(self.conn, before, state, changed_keys, self.stamp,
                            bump=not created_here)
                reindex.append((contact_id, state.name, state.emails, state.company, state.tags))
                changed_ids.append(contact_id)
            for note in notes:
                if not self._has_note(contact_id, note):
                    self.store.timeline.add(contact_id, "note", note, now=self.now)
            if created_here or not changed_keys:
                continue
            action = "updated" if overwrite else "merged"
            first_time = self.conn.execute(
                "INSERT OR IGNORE INTO import_items (batch_id, contact_id, action, before)"
                " VALUES (?, ?, ?, ?)",
                [self.batch_id, contact_id, action, json.dumps(before.snapshot(), ensure_ascii=False)],
            ).rowcount
            diff_before, diff_after = before.diff(state, changed_keys)
            self.store.audit.record("update", "contact", contact_id, contact_id=contact_id,
                                    before=diff_before, after=diff_after, now=self.now)
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

    def _has_note(self, contact_id: int, note: str) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM events WHERE contact_id = ? AND kind = 'note' AND text = ? LIMIT 1",
            [contact_id, note]).fetchone() is not None



__all__ = [
    "ImportFailed", "ImportOptions", "ImportRejected", "ImportSummary", "PlanItem", "Reject",
    "import_contacts", "open_reader",
]
