"""Importing contacts from CSV, vCard and JSON files, and undoing an import.

One import is one write transaction and one *batch*:

1. a format reader (``formats/``) yields plain records with line numbers;
2. each record is validated into an ``Incoming`` or rejected with its reason;
3. records are matched in chunks — by uid, then email (case-insensitive),
   then normalised phone — against the database and against earlier rows of
   the same file, and ``--on-duplicate`` decides what a match does;
4. new contacts go in with ``bulk.insert_contacts`` (ids assigned up front),
   matched ones are merged in place; search rows, timeline events, the audit
   log and the response-time rules (``store.contacts_changed``) follow in the
   same transaction.

``import_items`` records what the batch did to each contact (created, or the
full record before a merge), so that ``undo_batch`` can reverse it. Killing
the process at any point leaves the database as it was: nothing commits until
the end. A dry run does all of it and rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from .bulk import ContactRows, DeferredIndexes, UidSequence, next_contact_id
from .contacts import clean_tag, split_name
from .dupes import SCALAR_FILL, ContactState, combine, load_states
from .errors import Conflict, NotFound, TinyCRMError, ValidationError
from .formats import FormatError, Row
from .import_writer import ChunkWriter, CreatedContacts
from .search import index_rows
from .textutil import clean_email, clean_phone, normalize_email, phone_key, strip_controls
from .timeutil import from_db, parse_iso, to_db

if TYPE_CHECKING:
    from .store import Store

ON_DUPLICATE = ("merge", "update", "skip", "create")
INPUT_FORMATS = ("auto", "csv", "vcard", "json", "ndjson")
CHUNK = 2500  # rows matched and written together; bounds the Python memory of an import
_LOOKUP = 900  # keys per IN (...) query
# A load this large (and larger than what is there) defers the contacts
# table's secondary indexes and rebuilds them once at the end.
DEFER_INDEXES_AT = 20_000
# SQLite's page cache during an import (and, while deferred indexes are
# rebuilt, its sorter uses as much again): together they stay well inside
# the 150 MiB a million-row import is allowed.
IMPORT_CACHE_KIB = 40 * 1024
REBUILD_CACHE_KIB = 8 * 1024


class ImportFailed(TinyCRMError):
    """The input can't be imported at all; nothing was written."""


class ImportRejected(TinyCRMError):
    """--strict and some rows were rejected; nothing was written."""


@dataclass(frozen=True)
class ImportOptions:
    format: str = "auto"
    mapping: tuple[str, ...] = ()
    on_duplicate: str = "merge"
    dry_run: bool = False
    tags: tuple[str, ...] = ()
    strict: bool = False
    encoding: str | None = None


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str
    cells: list[str]


@dataclass(frozen=True)
class PlanItem:
    """One row of a dry run: what the import would do with it."""

    line: int
    action: str  # create, merge, update, unchanged, skip, reject
    contact_id: int | None
    name: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "action": self.action, "contact_id": self.contact_id,
                "name": self.name, "detail": self.detail}


@dataclass(frozen=True)
class ImportSummary:
    batch_id: int | None
    source: str
    format: str
    layout: str
    created: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    dry_run: bool = False

    def counts_text(self) -> str:
        parts = [f"{self.created} created", f"{self.merged} merged"]
        if self.updated:
            parts.append(f"{self.updated} updated")
        parts += [f"{self.unchanged} unchanged", f"{self.skipped} skipped",
                  f"{self.rejected} rejected"]
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "batch_id", "source", "format", "layout", "created", "merged", "updated",
            "unchanged", "skipped", "rejected", "dry_run")}


@dataclass(frozen=True)
class ImportBatch:
    id: int
    started_at: datetime
    finished_at: datetime | None
    actor: str
    source: str
    format: str
    created: int
    merged: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    undone_at: datetime | None
    options: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        from .timeutil import to_json

        return {
            "id": self.id, "started_at": to_json(self.started_at),
            "finished_at": to_json(self.finished_at), "actor": self.actor,
            "source": self.source, "format": self.format, "created": self.created,
            "merged": self.merged, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped, "rejected": self.rejected,
            "undone_at": to_json(self.undone_at), "options": self.options,
        }


@dataclass(frozen=True)
class UndoSummary:
    batch_id: int
    removed: int
    restored: int
    missing: int


class _DryRun(Exception):
    pass


# -- values ------------------------------------------------------------------------

_FOREIGN_LAYOUTS = ("google", "google-old", "outlook", "linkedin", "hubspot")
# Keys most rows carry; a row with others takes the slower path.
_COMMON_KEYS = frozenset(("name", "first_name", "last_name", "emails", "phones", "company",
                          "title", "tags"))
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def clean_birthday(value: str) -> str | None:
    """``1985-03-15``, ``--03-15`` (no year) when the text is a date in a
    common spelling (ISO, ``19850315``, US ``3/15/1985``, ``15 Mar 1985``);
    anything else is kept as written. Outlook's ``0/0/00`` means none."""
    text = value.strip()
    if not text or text.strip("0/-. ") == "":
        return None
    try:
        if text.startswith("--"):
            digits = text[2:].replace("-", "")
            if len(digits) == 4 and digits.isdigit():
                date(2000, int(digits[:2]), int(digits[2:]))
                return f"--{digits[:2]}-{digits[2:]}"
            return text
        head = text.split("T")[0].split(" ")[0] if text[:4].isdigit() else text
        if len(head) == 8 and head.isdigit():
            return date(int(head[:4]), int(head[4:6]), int(head[6:])).isoformat()
        if len(head) == 10 and head[4] == "-":
            return date.fromisoformat(head).isoformat()
        if "/" in text:
            month, day, year = (int(p) for p in text.split("/"))
            if year < 100:
                year += 1900 if year > 30 else 2000
            return date(year, month, day).isoformat()
        words = text.replace(",", " ").split()
        if len(words) == 3:
            if words[0][:3].lower() in _MONTHS:
                month, day, year = _MONTHS[words[0][:3].lower()], int(words[1]), int(words[2])
            else:
                day, month, year = int(words[0]), _MONTHS[words[1][:3].lower()], int(words[2])
            return date(year, month, day).isoformat()
    except (ValueError, KeyError):
        pass
    return text


def _clean_text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


class Incoming:
    """A validated row, ready to match and write. Attributes not set on an
    instance fall back to the class defaults below (most rows use few)."""

    line = 0
    row: Row | None = None
    name = ""
    named = False
    split_names = False  # first/last were split from the full name
    first_name = last_name = company = title = None
    stage = tier = owner = source = birthday = cadence_days = None
    uid = created_at = updated_at = last_contacted_at = note = None
    fields: dict[str, Any] = {}
    emails: list[str] = []
    email_keys: list[str] = []
    phones: list[str] = []
    phone_keys: list[str | None] = []
    tags: list[str] = []

    def state(self, default_stage: str, default_tier: str, user: str) -> ContactState:
        """The contact this row would create, as a state later rows can merge into."""
        return ContactState(
            id=None, name=self.name, first_name=self.first_name, last_name=self.last_name,
            company=self.company, title=self.title, stage=self.stage or default_stage,
            tier=self.tier or default_tier, owner=self.owner or user, source=self.source,
            birthday=self.birthday, cadence_days=self.cadence_days, fields=dict(self.fields),
            emails=list(self.emails), email_keys=set(self.email_keys),
            phones=list(self.phones),
            phone_keys={k or p for k, p in zip(self.phone_keys, self.phones)},
            tags=list(self.tags), last_contacted_at=self.last_contacted_at, uid=self.uid,
            created_at=self.created_at, updated_at=self.updated_at, version=1, note=self.note,
        )


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
        self.stages = set(settings.stages)
        self.tiers = set(settings.tiers)
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
        self.source_tag = self.layout if self.layout in _FOREIGN_LAYOUTS else None
        self.deferred: DeferredIndexes | None = None
        self.defer_at = DEFER_INDEXES_AT
        self._old_cache: int | None = None
        self._names: dict[int, str] = {}
        self._plans: list[PlanItem] = []
        self._tags: dict[str, str] = {}  # raw tag -> clean tag (files repeat a few tags)
        self.writer: ChunkWriter | None = None

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
        try:
            with self.writer.sharing_the_gil():
                for chunk in self.chunks():
                    self.flush(chunk)
        finally:
            self.writer.close()
        if self.counts == dict.fromkeys(self.counts, 0):
            raise ImportFailed(f"{self.name}: no contacts found in the file")
        if self.options.dry_run:
            return
        if self.deferred is not None:
            self.conn.execute(f"PRAGMA cache_size = -{REBUILD_CACHE_KIB}")
            self.deferred.restore()
        self.finish()

    def chunks(self) -> Iterator[list[Incoming | _Rejection]]:
        """Validated rows (or their rejections), a chunk at a time, in file order.

        (Tried and dropped: a reading thread — SQLite gives up the GIL on
        every row and taking it back from a busy thread made imports slower;
        a forked reading process — loading its rows back cost the writer
        about half of what reading them itself does.)"""
        chunk: list[Incoming | _Rejection] = []
        prepare = self.prepare
        for row in self.reader.rows():
            chunk.append(prepare(row))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        yield chunk

    def finish(self) -> None:
        """The batch's own audit entry and totals (each new contact's rows went
        in with its chunk: ``CreatedContacts``)."""
        conn, batch = self.conn, self.batch_id
        self.store.audit.record(
            "import", "import", batch, after={"source": self.name, **self.counts}, now=self.now)
        mark = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
        conn.execute(
            "UPDATE import_batches SET finished_at = ?, created = ?, merged = ?, updated = ?,"
            " unchanged = ?, skipped = ?, rejected = ?, audit_mark = ? WHERE id = ?",
            [self.stamp, self.counts["created"], self.counts["merged"], self.counts["updated"],
             self.counts["unchanged"], self.counts["skipped"], self.counts["rejected"], mark, batch],
        )

    # -- validation -------------------------------------------------------------

    def prepare(self, row: Row) -> Incoming | _Rejection:
        """Validate one row (in the reading thread: no database, no callbacks)."""
        if row.error is not None:
            return _Rejection(row, row.error)
        record = row.record or {}
        inc = Incoming()
        inc.line, inc.row = row.line, row
        try:
            values = record.get("emails")
            emails: list[str] = []
            if values:
                keys: list[str] = []
                for value in values:
                    value = value.strip()
                    if not value:
                        continue
                    try:
                        value = clean_email(value)
                    except ValidationError as exc:
                        raise _Bad(self.field(row, "emails", value), exc.message) from None
                    key = value.lower()
                    if key not in keys:
                        keys.append(key)
                        emails.append(value)
                inc.emails, inc.email_keys = emails, keys
            values = record.get("phones")
            phones: list[str] = []
            if values:
                pkeys: list[str | None] = []
                seen: set[str] = set()
                for value in values:
                    if not value.strip():
                        continue
                    try:
                        value = clean_phone(value)
                    except ValidationError as exc:
                        raise _Bad(self.field(row, "phones", value), exc.message) from None
                    key = phone_key(value)
                    ident = key or value
                    if ident not in seen:
                        seen.add(ident)
                        pkeys.append(key)
                        phones.append(value)
                inc.phones, inc.phone_keys = phones, pkeys
            get = record.get
            value = get("company")
            if value:
                inc.company = _clean_text(value)
            value = get("title")
            if value:
                inc.title = _clean_text(value)
            first = _clean_text(get("first_name"))
            last = _clean_text(get("last_name"))
            name = _clean_text(get("name"))
            named = bool(name)
            if not name:
                if "prefix" in record or "middle_name" in record or "suffix" in record:
                    parts = [_clean_text(get(k)) for k in ("prefix", "first_name", "middle_name",
                                                           "last_name", "suffix")]
                    name = " ".join(p for p in parts if p)
                else:
                    name = f"{first} {last}" if first and last else (first or last)
                named = bool(first or last)
                if not name:
                    name = (_clean_text(get("nickname")) or inc.company
                            or (emails[0] if emails else None) or (phones[0] if phones else None))
                if not name:
                    raise _Bad(None, "no name, email or phone")
            elif first is None and last is None:
                first, last = split_name(name)
                inc.split_names = True
            inc.name, inc.named, inc.first_name, inc.last_name = name, named, first, last
            values = get("tags")
            if values or self.extra_tags:
                tags = set(self.extra_tags)
                known = self._tags
                for value in values or ():
                    tag = known.get(value)
                    if tag is None and value and value.strip():
                        tag = clean_tag(value)
                        if len(known) < 10_000:
                            known[value] = tag
                    if tag:
                        tags.add(tag)
                inc.tags = sorted(tags)
            if len(record) > 7 or not record.keys() <= _COMMON_KEYS:
                self._prepare_rare(inc, row, record)
        except _Bad as bad:
            return _Rejection(row, f"{bad.field}: {bad.reason}" if bad.field else bad.reason)
        except ValidationError as exc:
            return _Rejection(row, exc.message)
        row.record = None  # done with; the raw row stays for a late rejection
        return inc

    def _prepare_rare(self, inc: Incoming, row: Row, record: dict[str, Any]) -> None:
        get = record.get
        if "stage" in record:
            inc.stage = self._choice(row, get("stage"), self.stages, "stage")
        if "tier" in record:
            inc.tier = self._choice(row, get("tier"), self.tiers, "tier")
        if "owner" in record:
            inc.owner = _clean_text(get("owner"))
        if "source" in record:
            inc.source = _clean_text(get("source"))
        if get("birthday"):
            inc.birthday = clean_birthday(str(get("birthday")))
        if "cadence_days" in record:
            inc.cadence_days = self._cadence(row, get("cadence_days"))
        if "uid" in record:
            uid = _clean_text(get("uid"))
            if uid is not None and len(uid) > 200:
                raise _Bad(self.field(row, "uid", uid), "a uid can't be longer than 200 characters")
            inc.uid = uid
        for key in ("created_at", "updated_at", "last_contacted_at"):
            if key in record:
                setattr(inc, key, self._time(row, get(key), key))
        note = get("note")
        if note:
            inc.note = strip_controls(str(note), keep_newlines=True).strip() or None
        fields = get("fields")
        if fields:
            inc.fields = {
                strip_controls(str(k)).strip() or "field": (v.strip() if isinstance(v, str) else v)
                for k, v in fields.items() if v is not None and v != ""
            }

    def field(self, row: Row, key: str, value: Any) -> str:
        return self.reader.field_name(row, key, value)

    def _choice(self, row: Row, value: Any, allowed: set[str], what: str) -> str | None:
        text = _clean_text(value)
        if text is None:
            return None
        if text in allowed:
            return text
        if text.lower() in allowed:
            return text.lower()
        raise _Bad(self.field(row, what, text),
                   f"unknown {what} {text!r} (use one of {', '.join(sorted(allowed))})")

    def _cadence(self, row: Row, value: Any) -> int | None:
        text = _clean_text(value)
        if text is None:
            return None
        try:
            days = int(text)
        except ValueError:
            days = 0
        if days <= 0:
            raise _Bad(self.field(row, "cadence_days", text),
                       f"cadence_days must be a positive whole number, got {text!r}")
        return days

    def _time(self, row: Row, value: Any, what: str) -> str | None:
        text = _clean_text(value)
        if text is None:
            return None
        try:
            return to_db(parse_iso(text))
        except (ValueError, OverflowError):
            raise _Bad(self.field(row, what, text), f"not a date and time: {text!r}") from None

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

    def flush(self, rows: list[Incoming | _Rejection]) -> None:
        chunk: list[Incoming] = []
        for item in rows:
            if type(item) is _Rejection:
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
        conn = self.conn
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
                self.reject(inc.row, f"{self.field(inc.row, 'emails', email)}: {reason}")
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
        if touched and self.store.apply_rules:
            self.writer.wait()
            self.store.contacts_changed(touched, self.now)
        if (self.deferred is None and not self.options.dry_run
                and self.next_id - self.first_id >= self.defer_at):
            self.writer.wait()
            self.deferred = DeferredIndexes(conn, ["contacts"])
            self.deferred.drop()

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
        """Insert this chunk's new contacts (ids ``first`` and up, in order).
        Rows and merged states carry every attribute ``insert_contacts`` reads."""
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
        rows = ContactRows(list(pending.values()), first=first, updated_at=stamp, uids=self.uids)
        job = CreatedContacts(rows, notes, batch=self.batch_id, source=self.name, stamp=stamp,
                              user=user)
        self.writer.submit(job.write, self.conn)

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



class _Rejection:
    __slots__ = ("row", "reason")

    def __init__(self, row: Row, reason: str) -> None:
        self.row, self.reason = row, reason



class _Bad(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


# Columns a merge may write; names come from this list, never from input.
_STATE_COLUMNS = ("name", "first_name", "last_name", "company", "title", "stage", "tier",
                  "owner", "source", "birthday", "cadence_days", "last_contacted_at")


def write_state(conn, before: ContactState, state: ContactState, changed: Sequence[str],
                stamp: str, *, bump: bool = True) -> None:
    """Write the fields of ``state`` named in ``changed`` over the contact."""
    from .textutil import normalize_email as key_of

    contact_id = state.id
    scalars = [c for c in _STATE_COLUMNS if c in changed]
    values = [getattr(state, c) for c in scalars]
    if "fields" in changed:
        scalars.append("fields")
        values.append(json.dumps(state.fields, ensure_ascii=False))
    assignments = "".join(f"{column} = ?, " for column in scalars)
    conn.execute(
        f"UPDATE contacts SET {assignments}updated_at = ?"
        f"{', version = version + 1' if bump else ''} WHERE id = ?",
        [*values, stamp, contact_id],
    )
    if "emails" in changed:
        conn.execute("DELETE FROM contact_emails WHERE contact_id = ?", [contact_id])
        conn.executemany(
            "INSERT INTO contact_emails (contact_id, position, email, email_key) VALUES (?, ?, ?, ?)",
            [(contact_id, i, e, key_of(e)) for i, e in enumerate(state.emails)])
    if "phones" in changed:
        conn.execute("DELETE FROM contact_phones WHERE contact_id = ?", [contact_id])
        conn.executemany(
            "INSERT INTO contact_phones (contact_id, position, phone, phone_key) VALUES (?, ?, ?, ?)",
            [(contact_id, i, p, phone_key(p)) for i, p in enumerate(state.phones)])
    if "tags" in changed:
        conn.execute("DELETE FROM contact_tags WHERE contact_id = ?", [contact_id])
        conn.executemany("INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                         [(contact_id, t) for t in sorted(set(state.tags))])


# -- batches -----------------------------------------------------------------------

_BATCH_COLUMNS = ("id, started_at, finished_at, actor, source, format, created, merged, updated,"
                  " unchanged, skipped, rejected, undone_at, options")


def _batch(row) -> ImportBatch:
    return ImportBatch(
        id=row[0], started_at=from_db(row[1]), finished_at=from_db(row[2]), actor=row[3],
        source=row[4], format=row[5], created=row[6], merged=row[7], updated=row[8],
        unchanged=row[9], skipped=row[10], rejected=row[11], undone_at=from_db(row[12]),
        options=json.loads(row[13]) if row[13] else None,
    )


def list_batches(store: Store, *, limit: int | None = None) -> list[ImportBatch]:
    sql = f"SELECT {_BATCH_COLUMNS} FROM import_batches ORDER BY id DESC"
    params: list[Any] = []
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    return [_batch(r) for r in store.conn.execute(sql, params)]


def get_batch(store: Store, batch_id: int) -> ImportBatch:
    row = store.conn.execute(
        f"SELECT {_BATCH_COLUMNS} FROM import_batches WHERE id = ?", [batch_id]).fetchone()
    if row is None:
        raise NotFound(f"no import batch {batch_id} (see `tinycrm imports list`)")
    return _batch(row)


def undo_batch(store: Store, batch_id: int, *, now: datetime | None = None,
               force: bool = False) -> UndoSummary:
    """Remove the contacts batch ``batch_id`` created and put back the ones it
    merged into. Refused (Conflict) when someone changed them since, unless
    ``force``."""
    now = now or store.now()
    conn = store.conn
    with store.write():
        batch = get_batch(store, batch_id)
        if batch.undone_at is not None:
            raise Conflict(f"import batch {batch_id} was already undone")
        if batch.finished_at is None:
            raise Conflict(f"import batch {batch_id} never finished")
        mark = conn.execute("SELECT audit_mark FROM import_batches WHERE id = ?",
                            [batch_id]).fetchone()[0] or 0
        changed = [r[0] for r in conn.execute(
            "SELECT DISTINCT a.contact_id FROM audit a JOIN import_items i"
            " ON i.contact_id = a.contact_id AND i.batch_id = ? WHERE a.id > ?"
            " AND a.entity = 'contact' AND a.action != 'create' ORDER BY 1 LIMIT 21",
            [batch_id, mark])]
        if changed and not force:
            shown = ", ".join(str(c) for c in changed[:20])
            raise Conflict(
                f"contacts of import batch {batch_id} were changed since the import ({shown}"
                f"{', ...' if len(changed) > 20 else ''}); undo with --force to drop those changes")
        removed = conn.execute(
            "DELETE FROM contacts WHERE id IN (SELECT contact_id FROM import_items"
            " WHERE batch_id = ? AND action = 'created')", [batch_id]).rowcount
        restored = 0
        stamp = to_db(now)
        rows = conn.execute(
            "SELECT contact_id, before FROM import_items WHERE batch_id = ? AND action != 'created'",
            [batch_id]).fetchall()
        ids = []
        for contact_id, before_json in rows:
            try:
                current = store.contacts.get(contact_id)
            except NotFound:
                continue
            before = ContactState.from_snapshot(contact_id, json.loads(before_json))
            state = ContactState.from_contact(current)
            keys = [k for k in (*_STATE_COLUMNS, "fields", "emails", "phones", "tags")
                    if getattr(before, k) != getattr(state, k)]
            for email in before.emails:
                owner = store.contacts.email_owner(email)
                if owner not in (None, contact_id):
                    raise Conflict(f"can't restore contact {contact_id}: {email} now belongs to"
                                   f" contact {owner}")
            if keys:
                write_state(conn, state, before, keys, stamp)
                diff_before, diff_after = state.diff(before, keys)
                store.audit.record("update", "contact", contact_id, contact_id=contact_id,
                                   before=diff_before, after=diff_after, now=now)
            conn.execute(
                "DELETE FROM events WHERE contact_id = ? AND kind = 'import'"
                " AND json_extract(data, '$.batch') = ?", [contact_id, batch_id])
            store.timeline.add(contact_id, "import", f"import batch {batch_id} undone",
                               data={"batch": batch_id, "action": "undone"}, now=now)
            ids.append(contact_id)
            restored += 1
        if ids:
            store.search.reindex(ids)
            store.contacts_changed(ids, now)
        conn.execute("UPDATE import_batches SET undone_at = ? WHERE id = ?", [stamp, batch_id])
        store.audit.record("undo", "import", batch_id,
                           after={"removed": removed, "restored": restored}, now=now)
    missing = batch.created - removed
    return UndoSummary(batch_id=batch_id, removed=removed, restored=restored,
                       missing=max(0, missing))


def counts_for(summary: ImportSummary) -> dict[str, int]:
    return {k: getattr(summary, k) for k in
            ("created", "merged", "updated", "unchanged", "skipped", "rejected")}


__all__ = [
    "ImportBatch", "ImportFailed", "ImportOptions", "ImportRejected", "ImportSummary",
    "PlanItem", "Reject", "UndoSummary", "counts_for", "get_batch", "import_contacts",
    "list_batches", "undo_batch", "SCALAR_FILL",
]
