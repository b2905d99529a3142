"""Importing contacts from CSV, vCard and JSON files.

One import is one write transaction and one *batch*:

1. a format reader (``formats/``) yields rows a chunk at a time, with their
   line numbers;
2. a chunk of plain rows (new people, nothing to reject) takes the fast lane
   (``import_lane``): checked a column at a time, and written if a look at
   the database finds none of them there already;
3. any other chunk goes row by row (``import_row_path``): each record is
   validated into an ``Incoming`` or rejected with its reason
   (``import_rows``), then matched by uid, then email (case-insensitive),
   then normalised phone, against the database and earlier rows of the
   file, and ``--on-duplicate`` decides what a match does;
4. new contacts go in through a writer thread (``import_writer``: ids are
   assigned up front, and the SQL runs while the next chunk is read); matched
   ones are merged in place; search rows, timeline events, the audit log and
   the response-time rules (``store.contacts_changed``) follow in the same
   transaction.

A created contact names its batch (``contacts.import_batch``) and
``import_items`` keeps the full record of each contact before a merge, so
that ``import_undo.undo_batch`` can reverse the batch. Killing the process
at any point leaves the database as it was: nothing commits until the end. A
dry run does all of it and rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, BinaryIO

from .bulk import ContactRows, DeferredIndexes, UidSequence
from .busy import ImportNote
from .contact_values import clean_tag
from .contacts import next_contact_id
from .errors import ValidationError
from .formats import FormatError, Row
from .import_lane import PlainChunk, RowChunk, plain_chunk
from .import_namesakes import contacts_named
from .import_row_path import RowPath
from .import_rows import FOREIGN_LAYOUTS, Incoming, RowChecker
from .import_types import (
    INPUT_FORMATS,
    LOOKUP_KEYS,
    ON_DUPLICATE,
    ImportFailed,
    ImportOptions,
    ImportRejected,
    ImportSummary,
    PlanItem,
    Reject,
)
from .import_writer import ChunkWriter, CreatedContacts, fewer_collections
from .profiles import ProfileIndex, profile_keys
from .timeutil import to_db

if TYPE_CHECKING:
    from .formats.csvfile import CellChunk
    from .store import Store

CHUNK = 2500  # rows matched and written together; bounds the Python memory of an import
# A load this large (and larger than what is there) defers the contacts
# table's secondary indexes and rebuilds them once at the end. Below it the
# writer thread keeps them up to date beside the reading, which is quicker
# than a rebuild after it (100k rows: 5.8 s against 6.2 s).
DEFER_INDEXES_AT = 200_000
# The name index (by sort key, written at random) costs the writer most: it is put
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


def open_reader(raw: BinaryIO, *, name: str, options: ImportOptions,
                on_notice: Callable[[str], None] | None = None):
    """The reader for this input (format and encoding guessed unless given).
    ``on_notice`` hears how the input is read when the user should know
    (a UTF-8 file read in another encoding, as ``--encoding`` says)."""
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
    if source.notice and on_notice:
        on_notice(source.notice)
    overrides = parse_map(options.mapping) if options.mapping else None
    if overrides and source.format != "csv":
        raise ValidationError("--map applies to CSV files only")
    try:
        if source.format == "csv":
            reader = CSVReader(source, overrides=overrides)
            if reader.embedded:
                from .formats.rejects import EmbeddedReader

                return EmbeddedReader(reader, reader.embedded)
            return reader
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
    # Others who wait for the lock can tell what holds it (``busy``).
    note = ImportNote(store.path, user=store.user, source=name, started_at=to_db(now))
    try:
        with store.write(), note.held():
            job.run()
            if options.strict and job.counts["rejected"]:  # (a dry run says so too)
                raise ImportRejected(f"{name}: {job.counts['rejected']} row(s) rejected;"
                                     f" nothing {'would be ' if options.dry_run else ''}"
                                     "imported (--strict)")
            if options.dry_run:
                raise _DryRun
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


class _Import(RowPath):
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
        self.checker = RowChecker(
            reader, extra_tags=tags, stages=set(settings.stages), tiers=set(settings.tiers),
            day_first=settings.day_first if options.day_first is None else options.day_first,
            now=now)
        self.stages = settings.stages
        self.default_stage = settings.default_stage
        self.default_tier = settings.default_tier
        self.user = store.user
        self.counts = dict.fromkeys(
            ("created", "merged", "updated", "unchanged", "skipped", "rejected"), 0)
        self.batch_id: int | None = None
        self.followups = 0  # made by response-time rules for the rows
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
        self._held: list[Reject] | None = None
        self.writer: ChunkWriter | None = None
        self._matched = False  # the last plain chunk matched someone
        self.profiles = ProfileIndex(self.conn)
        # --on-duplicate skip: addresses and numbers (match keys) that skipped
        # rows brought, and the contact each row was (see RowPath._remember).
        self.skipped_keys: dict[str, int] = {}
        self.merged_noted = False  # temp.import_merged holds this import's merges (RowPath)

    # -- bookkeeping ------------------------------------------------------------

    def summary(self) -> ImportSummary:
        fmt = self.reader.format
        return ImportSummary(
            batch_id=None if self.options.dry_run else self.batch_id, source=self.name,
            format=fmt, layout=self.layout, dry_run=self.options.dry_run, **self.counts,
            followups=self.followups,
        )

    def restore_cache(self) -> None:
        if self._old_cache is not None:
            self.conn.execute(f"PRAGMA cache_size = {int(self._old_cache)}")
            self._old_cache = None

    def reject(self, row: Row, reason: str) -> None:
        self.counts["rejected"] += 1
        if self.on_reject is not None:
            reject = Reject(row.line, reason, self.reader.reject_cells(row))
            if self._held is not None:
                self._held.append(reject)  # (told in order at the chunk's end: RowPath.flush)
            else:
                self.on_reject(reject)
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
            "INSERT INTO import_batches (started_at, actor, source, format, options,"
            " first_contact_id, audit_start)"
            " VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(id), 0) FROM audit))",
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
        self.forget_merged()
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

    # -- chunks: the fast lane, the writer thread, and what follows a chunk -----

    def _lookup(self, sql: str, keys: Iterable[str | None]) -> dict[str, int]:
        found: dict[str, int] = {}
        unique = list(dict.fromkeys(k for k in keys if k))
        for start in range(0, len(unique), LOOKUP_KEYS):
            part = unique[start:start + LOOKUP_KEYS]
            found.update(self.conn.execute(sql.format(",".join("?" * len(part))), part).fetchall())
        return found

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
            if plain is None or self._profiles_taken(plain) or self._skipped_taken(plain):
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
        for contact_id, fields in zip(ids, plain.columns.get("fields", ())):
            if fields:
                self.profiles.add(profile_keys(fields), contact_id)
        self._after_writes(ids)

    def _skipped_taken(self, plain: PlainChunk) -> bool:
        """Whether a row of the chunk has an address or number a skipped row
        brought: it is that row's contact, which the row path knows."""
        keys = self.skipped_keys
        return bool(keys) and any(
            key in keys for key in chain(plain.email_keys(), plain.phone_keys()))

    def _profiles_taken(self, plain: PlainChunk) -> bool:
        """Whether a row of the chunk has a profile (``profiles``) that a
        contact has already, or that another of its rows has: the row path's."""
        keys = [key for fields in plain.columns.get("fields", ()) for key in profile_keys(fields)]
        if not keys:
            return False
        if len(set(keys)) < len(keys):
            return True
        if not self.profiles.loaded:
            # The index is read from the connection the writer thread may be
            # writing the last chunk on: the two never use it at once.
            self.writer.wait()
        return self.profiles.owner(keys) is not None

    def _matches_anyone(self, plain: PlainChunk) -> bool:
        """Whether an address or number of the chunk is someone's already (run
        in the writer thread, after the earlier chunks' writes)."""
        return bool(
            self._lookup("SELECT email_key, contact_id FROM contact_emails WHERE email_key IN ({})",
                         plain.email_keys())
            or self._lookup("SELECT phone_key, contact_id FROM contact_phones"
                            " WHERE phone_key IN ({})", plain.phone_keys())
            or plain.known_by_name and contacts_named(self.conn, plain.known_by_name))

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
            self.followups += len(self.store.contacts_changed(list(touched), self.now))
        created = self.next_id - self.first_id
        if self.options.dry_run or self.deferred is not None and self.deferred.all_dropped:
            return
        every = created >= self.defer_at
        if every or (self.deferred is None and created >= self.defer_name_at):
            self.writer.wait()
            if self.deferred is None:
                self.deferred = DeferredIndexes(self.conn, ["contacts"])
            self.deferred.drop(only=None if every else ["contacts_name"])

    # -- writing ----------------------------------------------------------------

    def _submit(self, rows: ContactRows, notes: list[tuple[int, str]], *,
                unless: Future | None = None) -> None:
        job = CreatedContacts(rows, notes, batch=self.batch_id, stamp=self.stamp, user=self.user)
        job.submit_to(self.writer, self.conn, unless=unless)


__all__ = [
    "ImportFailed", "ImportOptions", "ImportRejected", "ImportSummary", "PlanItem", "Reject",
    "import_contacts", "open_reader",
]
