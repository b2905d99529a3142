"""Moving contacts in and out: ``import``, ``export``, ``imports`` (list,
undo), ``dupes`` and ``merge``. The work is in ``store/importer.py``,
``store/exporter.py``, ``store/dupes.py`` and ``store/merge.py``; this only parses and prints."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import Enum
from typing import IO, TYPE_CHECKING, Annotated

import typer

from ..output import OutputFormat, confirm, say, showable, write_rows
from ..store.errors import cut
from ..store.textutil import strip_controls
from ..store.timeutil import show as show_time

if TYPE_CHECKING:
    from pathlib import Path

from .metavars import ConventionalTyper
from .options import (
    FormatOpt,
    LimitOpt,
    ListByDefault,
    MineOpt,
    OwnerOpt,
    StageOpt,
    TagOpt,
    TierOpt,
    YesOpt,
    contact_filter,
    env_of,
    not_blank,
)

MAX_SHOWN_REJECTS = 20


class InputFormat(str, Enum):
    auto = "auto"
    csv = "csv"
    vcard = "vcard"
    json = "json"
    ndjson = "ndjson"


class DateOrder(str, Enum):
    auto = "auto"
    day_first = "day-first"
    month_first = "month-first"


class OnDuplicate(str, Enum):
    merge = "merge"
    update = "update"
    skip = "skip"
    create = "create"


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    vcard = "vcard"
    ics = "ics"


imports_app = ConventionalTyper(cls=ListByDefault, invoke_without_command=True,
                                help="Import batches: list them (the default), undo one.")


class _Rejects:
    """Rejected rows: the first few on stderr, all of them in --rejects FILE
    (``-`` is stdout)."""

    def __init__(self, name: str, path: str | None, header: list[str], *,
                 source: str | None = None, dry_run: bool = False,
                 database: Path | None = None) -> None:
        from contextlib import ExitStack

        self.name = name
        self.path = path
        self.count = 0
        self.writer = None
        self._out: IO[str] | None = None
        self._flush = False  # a pipe or a terminal: each row goes out as it comes
        self._files = ExitStack()
        if path:
            import os
            import stat

            from ..store.errors import ValidationError
            from ..store.exporter import atomic_output
            from ..store.formats.csvfile import write_rejects_header

            if path == "-":
                if dry_run:
                    raise ValidationError("--rejects - and --dry-run both write to stdout;"
                                          " write the rejected rows to a file")
                # A handle of its own on stdout: a reader that goes away mid-import
                # leaves nothing behind in sys.stdout's buffer.
                try:
                    fd = os.dup(sys.stdout.fileno())
                except (AttributeError, OSError, ValueError):  # no real stdout (in-process)
                    out = sys.stdout
                else:
                    out = self._files.enter_context(
                        os.fdopen(fd, "w", encoding="utf-8", newline=""))
                self._flush = True
            else:
                if source is not None and os.path.exists(path) and os.path.samefile(path, source):
                    raise ValidationError(f"--rejects {path} is the file being imported;"
                                          " write the rejected rows somewhere else")
                try:
                    self._flush = not stat.S_ISREG(os.stat(path).st_mode)
                except OSError:
                    pass
                # Written beside FILE and put in place at the end (as export --output
                # is): the rows are still being read while they are written.
                out = self._files.enter_context(atomic_output(path, database=database))
            self._out = out
            try:
                self.writer = write_rejects_header(out, header)
                self._sent()
            except BaseException:
                self._files.close()  # (says that FILE can't be written, if that is why)
                raise

    def _sent(self) -> None:
        """Flush a pipe's rows now: a reader that stopped reading (`| head`)
        stops the import while nothing is committed, rather than be found
        out after the commit (or never, if the buffer was not full)."""
        if not self._flush or self._out is None:
            return
        try:
            self._out.flush()
        except BrokenPipeError:
            import os

            from ..store.import_types import ImportFailed

            # What is still buffered goes nowhere when the handle is closed.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._out.fileno())
            os.close(devnull)
            self._flush = False
            raise ImportFailed(f"--rejects {self.path}: the reader stopped reading (broken pipe)"
                               "; nothing was imported") from None

    def __call__(self, reject) -> None:
        from ..store.textutil import neutralise_cell, strip_terminal_codes

        self.count += 1
        if self.count <= MAX_SHOWN_REJECTS:
            say(f"{self.name}:{reject.line}: {reject.reason}")
        if self.writer is not None:
            cells = reject.cells
            if self.path == "-":
                # stdout is a terminal as often as not: as `--format csv`, no
                # escape sequence gets there (a file keeps the row as it was).
                cells = map(strip_terminal_codes, cells)
            self.writer.writerow([reject.line, neutralise_cell(cut(reject.reason)),
                                  *map(neutralise_cell, cells)])
            self._sent()

    def close(self, failed: BaseException | None = None) -> None:
        """Put FILE in place, unless the import ``failed`` (stopped on an error
        of the whole file): FILE then stays as it was, since a part of the
        rejected rows would read as all of them."""
        if self.count > MAX_SHOWN_REJECTS:
            more = self.count - MAX_SHOWN_REJECTS
            say(f"... and {more} more rejected row{'s' if more > 1 else ''}"
                + ("" if self.writer else " (write them all with --rejects FILE)"))
        if failed is None:
            self._files.close()
        else:
            self._files.__exit__(type(failed), failed, failed.__traceback__)


def _print_plan(item) -> None:
    """One line per row of a dry run: ``line 7   merge   #12 Ada Lovelace  (company, tags)``."""
    text = f"line {item.line:<6} {item.action:<9} "
    if item.action == "reject":
        text += item.detail
    else:
        text += f"#{item.contact_id} {item.name}"
        if item.detail:
            text += f" {item.detail}" if item.action == "create" else f"  ({item.detail})"
    # (For people, as a table: a letter the output's encoding can't show is a
    # "?", not the end of the dry run.)
    sys.stdout.write(showable(strip_controls(cut(text.rstrip())) + "\n", sys.stdout))


def import_(
    ctx: typer.Context,
    file: Annotated[str | None, typer.Argument(
        metavar="FILE", help="A contacts file; - or a pipe reads stdin.")] = None,
    fmt: Annotated[InputFormat, typer.Option(
        "--format", "-f", case_sensitive=False,
        help="Input format (default: detected from content and extension).")] = InputFormat.auto,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", metavar="'HEADER=FIELD'",
        help="Send a CSV column to a field: name, first_name, last_name, email, phone, company,"
             " title, tags, note, birthday, stage, tier, owner, source, fields.NAME, ignore."
             " Repeatable.")] = None,
    on_duplicate: Annotated[OnDuplicate, typer.Option(
        "--on-duplicate", case_sensitive=False,
        help="What a row matching an existing contact (same email, then phone) does: merge fills"
             " empty fields and unions emails/phones/tags; update also replaces values;"
             " skip leaves it; create adds a new contact.")] = OnDuplicate.merge,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print what would be created, merged, skipped and rejected;"
                          " write nothing.")] = False,
    tag: Annotated[list[str] | None, typer.Option(
        "--tag", "-t", help="Tag every imported contact (repeatable).")] = None,
    rejects: Annotated[str | None, typer.Option(
        "--rejects", metavar="FILE",
        help="Write rejected rows to FILE as CSV (line, reason, then the row);"
             " - is stdout.")] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Import nothing if any row is rejected.")] = False,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", metavar="ENC",
        help="Text encoding (default: BOM, else UTF-8, else Windows-1252).")] = None,
    date_order: Annotated[DateOrder | None, typer.Option(
        "--date-order", case_sensitive=False,
        help="How a slash date that could be either (03/04/1985) is read; auto is the"
             " locale's order (default: [crm] date_order, else auto).")] = None,
) -> None:
    """Import contacts from CSV (Google, Outlook, LinkedIn, HubSpot, tinycrm), vCard or JSON.

    Rows matching an existing contact by email, then phone, are merged (see
    --on-duplicate). Rejected rows are listed with their line numbers; the
    others are imported and the exit code is 1. The whole import is one
    transaction and one batch (`tinycrm imports undo BATCH` reverses it)."""
    from ..config import day_first
    from ..import_input import open_input
    from ..store.importer import ImportOptions, ImportRejected, import_contacts, open_reader

    not_blank(file, "FILE", what="an empty path (- is stdin)")
    not_blank(rejects, "--rejects", what="an empty path (- is stdout)")
    not_blank(encoding, "--encoding")
    env = env_of(ctx)
    options = ImportOptions(
        format=fmt.value, mapping=tuple(mapping or ()), on_duplicate=on_duplicate.value,
        dry_run=dry_run, tags=tuple(tag or ()), strict=strict, encoding=encoding,
        day_first=None if date_order is None else day_first(date_order.value),
    )
    raw, name = open_input(file)
    with raw:
        reader = open_reader(raw, name=name, options=options,
                             on_notice=lambda notice: say(f"tinycrm: warning: {notice}"))
        store = env.store_to_try() if dry_run else env.store()
        sink = _Rejects(name, rejects, reader.reject_header(),
                        source=None if file in (None, "-") else file, dry_run=dry_run,
                        database=getattr(store, "path", None))
        try:
            summary = import_contacts(
                store, raw, name=name, options=options, reader=reader, on_reject=sink,
                on_plan=_print_plan if dry_run else None,
            )
        except ImportRejected:  # --strict: every rejected row is there, to fix
            sink.close()
            raise
        except BaseException as exc:
            sink.close(failed=exc)
            raise
        sink.close()
    what = getattr(reader, "description", summary.layout)
    if dry_run:
        say(f"dry run of {name} ({what}), nothing written: {summary.counts_text()}")
    else:
        say(f"import batch {summary.batch_id} from {name} ({what}): {summary.counts_text()}")
    if summary.rejected:
        raise typer.Exit(1)


def export(
    ctx: typer.Context,
    fmt: Annotated[ExportFormat, typer.Option(
        "--format", "-f", case_sensitive=False,
        help="csv, json, ndjson, vcard (3.0), or ics (open follow-ups; those closed"
             " or gone lately as cancelled events).")] = ExportFormat.csv,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE", help="Write to FILE (default: stdout).")] = None,
    tag: TagOpt = None,
    stage: StageOpt = None,
    tier: TierOpt = None,
    owner: OwnerOpt = None,
    mine: MineOpt = False,
) -> None:
    """Export contacts (filtered like `list`), or open follow-ups as iCalendar.

    CSV has one row per contact with the columns of `list --format json`;
    emails, phones and tags are joined with '; ', custom fields are a JSON
    object, and cells a spreadsheet would run as formulas start with '.
    `tinycrm import` reads every contact format back."""
    from ..store.exporter import atomic_output
    from ..store.exporter import export as run_export

    env = env_of(ctx)
    if fmt is ExportFormat.ics and (tag or stage or tier):
        raise typer.BadParameter("--format ics exports follow-ups: filter them with --owner or --mine")
    filters = contact_filter(env, tag, stage, tier, owner, mine)
    store = env.store()
    what = "follow-up" if fmt is ExportFormat.ics else "contact"
    if output is not None and not output.strip():
        raise typer.BadParameter("an empty path (- is stdout)", param_hint="--output")
    if output and output != "-":
        with atomic_output(output, database=store.path) as out:
            count = run_export(store, out, fmt.value, filters=filters)
        say(f"exported {count} {what}{'' if count == 1 else 's'} to {output}")
    else:
        run_export(store, sys.stdout, fmt.value, filters=filters)


# -- batches -----------------------------------------------------------------------

BATCH_COLUMNS = ["id", "started", "source", "format", "created", "merged", "updated",
                 "unchanged", "skipped", "rejected", "undone"]


@imports_app.callback()
def imports_default(ctx: typer.Context) -> None:
    """Import batches (`imports` alone lists them)."""
    if ctx.invoked_subcommand is None:
        imports_list(ctx, None, OutputFormat.table)


@imports_app.command("list")
def imports_list(ctx: typer.Context, limit: LimitOpt = None,
                 fmt: FormatOpt = OutputFormat.table) -> None:
    """Every import batch, newest first, with what it did."""
    from ..store.import_batches import ImportBatch, list_batches

    batches = list_batches(env_of(ctx).store(), limit=limit)
    if fmt is not OutputFormat.table:
        write_rows((b.to_dict() for b in batches), fmt, fields=ImportBatch.FIELDS)
        return
    write_rows(
        ({"id": b.id, "started": show_time(b.started_at), "source": b.source, "format": b.format,
          "created": b.created, "merged": b.merged, "updated": b.updated,
          "unchanged": b.unchanged, "skipped": b.skipped, "rejected": b.rejected,
          "undone": show_time(b.undone_at)} for b in batches),
        fmt, BATCH_COLUMNS,
    )


@imports_app.command("undo")
def imports_undo(
    ctx: typer.Context,
    batch: Annotated[int, typer.Argument(metavar="BATCH", help="The batch id (see `imports list`).")],
    force: Annotated[bool, typer.Option(
        "--force", help="Undo even if some of its contacts were edited since.")] = False,
    yes: YesOpt = False,
) -> None:
    """Undo an import: remove the contacts it created, restore the ones it merged into.

    Asks first unless --yes."""
    from ..store.import_undo import check_undo, undo_batch

    store = env_of(ctx).store()
    # A wrong id, an undone batch or one that wants --force is told before
    # the question, not after a "y".
    if not yes and not confirm(_undo_question(check_undo(store, batch, force=force))):
        say("not undone (use --yes to skip the question)")
        raise typer.Exit(1)
    result = undo_batch(store, batch, force=force)
    say(f"undid import batch {batch}: removed {result.removed} contact"
        f"{'' if result.removed == 1 else 's'}, restored {result.restored}"
        + (f" ({result.missing} {'was' if result.missing == 1 else 'were'} already gone)"
           if result.missing else "")
        + (f"; kept {', '.join(map(str, result.kept))}: other contacts or a later import"
           f" merged into {'it' if len(result.kept) == 1 else 'them'}" if result.kept else ""))


def _undo_question(batch) -> str:
    """``Undo import batch 3 (people.csv, 2026-12-07 10:00): remove 1,204
    contacts it created and restore 55 it merged into?``, by the batch's counts."""
    created, into = batch.created, batch.merged + batch.updated
    return (f"Undo import batch {batch.id} ({strip_controls(batch.source)},"
            f" {show_time(batch.started_at)}): remove {created:,}"
            f" contact{'' if created == 1 else 's'} it created and restore {into:,}"
            " it merged into?")


# -- duplicates --------------------------------------------------------------------


def dupes(
    ctx: typer.Context,
    threshold: Annotated[float, typer.Option(
        "--threshold", min=0, max=100,
        help="Smallest score shown, 0-100 (85, not .85): same email 100, same phone 95,"
             " similar names at one company their similarity.")] = 85.0,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Probable duplicate contacts, best first (merge one with `tinycrm merge KEEP OTHER`)."""
    from ..store.dupes import DuplicatePair, find_duplicates

    if 0 < threshold < 1:
        # A fraction (.85) read as a score would show nearly every pair.
        raise typer.BadParameter(
            f"--threshold is 0-100: did you mean {round(threshold * 100, 6):g}?")
    pairs = find_duplicates(env_of(ctx).store(), threshold=threshold, limit=limit)
    columns = ["score", "keep_id", "keep_name", "other_id", "other_name", "reason"]
    rows = [p.to_dict() for p in pairs]
    write_rows(rows, fmt, None if fmt is not OutputFormat.table else columns,
               headers={"keep_id": "keep", "keep_name": "name", "other_id": "other",
                        "other_name": "name"}, fields=DuplicatePair.FIELDS)
    if fmt is OutputFormat.table and sys.stdout.isatty() and pairs:
        say("merge a pair with: tinycrm merge KEEP OTHER")


def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The contact to keep: id, email or exact name.")],
    other: Annotated[str, typer.Argument(help="The contact merged into it, then removed.")],
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print what the merge would change on KEEP and what would move"
                          " to it (stdout); change nothing.")] = False,
    yes: YesOpt = False,
) -> None:
    """Merge OTHER into KEEP: KEEP's values win, empty ones are filled from OTHER;
    emails, phones and tags are unioned; OTHER's timeline and follow-ups move
    to KEEP; OTHER is removed. Recorded in the audit log and on the timeline.

    Asks first (not for --dry-run) unless --yes: a merge can't be undone."""
    from ..store.merge import check_merge, merge_contacts

    store = env_of(ctx).store()
    keep_contact = store.contacts.resolve(keep)
    other_contact = store.contacts.resolve(other)
    check_merge(keep_contact.id, other_contact.id)
    if not dry_run and not yes and not confirm(
            f"Merge contact {other_contact.id} ({strip_controls(other_contact.name)}) into contact"
            f" {keep_contact.id} ({strip_controls(keep_contact.name)}) and remove contact"
            f" {other_contact.id}?"):
        say("not merged (use --yes to skip the question)")
        raise typer.Exit(1)
    merged = merge_contacts(store, keep_contact.id, other_contact.id, dry_run=dry_run)
    moves = _moves(merged.moved)
    if not dry_run:
        say(f"merged {other_contact.id} ({other_contact.name}) into {keep_contact.id}"
            f" ({merged.contact.name})" + (f": {', '.join(merged.changed)}" if merged.changed else "")
            + (f"; moved {moves}" if moves else "") + _cancelled(merged.cancelled))
        return
    lines = [f"would merge {other_contact.id} ({other_contact.name}) into {keep_contact.id}"
             f" ({keep_contact.name})"]
    for key in merged.changed:
        lines.append(f"  {key}: {_shown(getattr(keep_contact, key))} ->"
                     f" {_shown(getattr(merged.contact, key))}")
    if not merged.changed:
        lines.append(f"  no field of {keep_contact.id} changes")
    lines.append(f"  moves: {moves or 'nothing'}")
    if merged.cancelled:
        lines.append(f"  cancels: {_followups(merged.cancelled)}, a second open one of a rule")
    lines.append(f"  removes: contact {other_contact.id}")
    for line in lines:
        sys.stdout.write(showable(strip_controls(cut(line)) + "\n", sys.stdout))


# What a merge moves, as its message names it (rows of other tables, such as
# reminders already sent, move too but are bookkeeping).
_MOVED = {"events": ("timeline entry", "timeline entries"), "followups": ("follow-up", "follow-ups")}


def _moves(moved: dict[str, int]) -> str:
    return ", ".join(f"{n} {_MOVED[table][n != 1]}" for table, n in moved.items()
                     if table in _MOVED)


def _followups(ids: list[int]) -> str:
    return f"follow-up{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))}"


def _cancelled(ids: list[int]) -> str:
    return f"; cancelled {_followups(ids)} (a second open one of a rule)" if ids else ""


def _shown(value) -> str:
    """A value in a dry run's line: lists and custom fields as their items,
    times in local time."""
    if value in (None, "", [], (), {}):
        return "(empty)"
    if isinstance(value, datetime):
        return show_time(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(export)
    app.add_typer(imports_app, name="imports")
    app.command()(dupes)
    app.command()(merge)
