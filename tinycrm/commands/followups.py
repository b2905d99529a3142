"""Timeline, follow-ups, keep-in-touch cadence, reminders and secrets:
``log``, ``timeline``, ``follow-up ...``, ``cadence``, ``remind``, ``secret ...``.

Times are read as WHEN (see ``store/when.py``) in local time and shown in
local time; JSON carries ISO-8601 with the UTC offset.
"""

from __future__ import annotations

import sys
from functools import partial
from typing import Annotated

import typer

from ..output import OutputFormat, say, showable, write_record, write_rows
from ..store.models import Event, FollowUp, QueueItem
from .metavars import ConventionalTyper
from .options import (
    FormatOpt,
    LimitOpt,
    ListByDefault,
    MineOpt,
    OwnerOpt,
    checked_owner,
    env_of,
    not_blank,
    owner_filter,
)

KINDS_HELP = "note, call, email, meeting, or survey (with --score)."
WHEN_HELP = "today, tomorrow, +3d, 2w, next monday, 2026-12-01 or '2026-12-01 14:30'."

followup_app = ConventionalTyper(
    cls=ListByDefault,
    help="Follow-ups: things to do for a contact by a date. Lists open ones by default.",
    invoke_without_command=True, no_args_is_help=False,
)
secret_app = ConventionalTyper(help="Passwords kept in the OS keyring.", no_args_is_help=True)


def _when(text: str, now):
    from ..store.when import parse_when

    return parse_when(text, now)


def _show(dt) -> str:
    from ..store.when import show_local

    return show_local(dt)


# -- timeline ----------------------------------------------------------------------


def log(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="Contact: id, email or exact name.")],
    text: Annotated[str, typer.Argument(metavar="TEXT", help="What happened ('-' reads it from stdin).")],
    kind: Annotated[str, typer.Option("--kind", "-k", metavar="KIND", help=KINDS_HELP)] = "note",
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN", help="When it happened (default: now). " + WHEN_HELP)] = None,
    score: Annotated[int | None, typer.Option("--score", min=0, max=10, metavar="0-10", help="Survey score, 0-10.")] = None,
) -> None:
    """Add a note, call, email, meeting or survey to a contact's timeline; prints its id.

    A call, email or meeting counts as contact made: it updates the contact's
    last contact time and restarts its keep-in-touch cadence."""
    not_blank(at, "--at")
    store = env_of(ctx).store()
    if text == "-":
        if sys.stdin is None:
            raise typer.BadParameter("TEXT is -, but there is no standard input to read it from")
        text = sys.stdin.read()
    contact = store.contacts.resolve(ref)
    now = store.now()
    event = store.timeline.log(contact.id, kind, text, at=_when(at, now) if at else None,
                               score=score, now=now)
    typer.echo(event.id)


def _event_text(event) -> str:
    from ..store.timeline import shown_text

    text = shown_text(event)
    if event.kind == "survey" and event.score is not None:
        text = f"score {event.score}/10" + (f": {text}" if text else "")
    data = event.data or {}
    if event.kind == "followup" and data.get("due_at") and data.get("action") != "done":
        from ..store.timeutil import from_db

        try:
            text += f" (due {_show(from_db(data['due_at']))})"
        except (TypeError, ValueError):
            pass
    return text


def timeline(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="Contact: id, email or exact name.")],
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Show a contact's timeline, newest first."""
    store = env_of(ctx).store()
    contact = store.contacts.resolve(ref)
    events = store.timeline.list(contact.id, limit=limit)
    if fmt is OutputFormat.table:
        write_rows(({"at": _show(e.at), "kind": e.kind, "author": e.author, "text": _event_text(e)}
                    for e in events), fmt, ["at", "kind", "author", "text"])
    else:
        write_rows((e.to_dict() for e in events), fmt, fields=Event.FIELDS)


# -- follow-ups --------------------------------------------------------------------

TABLE = ["id", "due", "when", "contact", "note", "owner", "every", "urgency"]


def _followup_row(f, now) -> dict:
    from ..store.when import relative

    return {
        "id": f.id, "due": _show(f.due_at),
        "when": relative(f.due_at, now, all_day=f.all_day) if f.status == "open" else f.status,
        "contact": f.contact_name, "note": f.note, "owner": f.owner, "every": f.every or "",
        "urgency": "" if f.urgency is None else f"{f.urgency:.1f}",
    }


def _print_followups(followups, fmt: OutputFormat, now) -> None:
    if fmt is OutputFormat.table:
        write_rows((_followup_row(f, now) for f in followups), fmt, TABLE)
    else:
        write_rows((f.to_dict() for f in followups), fmt, fields=FollowUp.FIELDS)


def followup_add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="Contact: id, email or exact name.")],
    due: Annotated[str, typer.Option("--due", "-d", metavar="WHEN", help="When it is due: " + WHEN_HELP)],
    note: Annotated[str, typer.Option("--note", "-m", metavar="TEXT", help="What to do.")] = "",
    owner: Annotated[str | None, typer.Option("--owner", metavar="USER", help="Whose it is (default: you).")] = None,
    every: Annotated[str | None, typer.Option("--every", metavar="PERIOD", help="Repeat this long after each completion: 3d, 2w, 1m (a month).")] = None,
) -> None:
    """Add a follow-up and print its id."""
    from ..store.when import relative

    env = env_of(ctx)
    store = env.store()
    contact = store.contacts.resolve(ref)
    now = store.now()
    followup = store.followups.add(contact.id, _when(due, now), note=note, owner=env.user if owner is None else checked_owner(owner),
                                   every=every, now=now)
    typer.echo(followup.id)
    say(f"follow-up {followup.id} for {contact.name}, due {_show(followup.due_at)}"
        f" ({relative(followup.due_at, now, all_day=followup.all_day)})"
        + (f", every {followup.every}" if followup.every else ""))


def followup_list(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only those due now or before (due all day: once the day is over).")] = False,
    today: Annotated[bool, typer.Option("--today", help="Only those due today (local date).")] = False,
    week: Annotated[bool, typer.Option("--week", help="Only those due today or in the next 6 days.")] = False,
    upcoming: Annotated[bool, typer.Option("--upcoming", help="Only those not yet due.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Done and cancelled ones too.")] = False,
    mine: MineOpt = False,
    owner: OwnerOpt = None,
    contact: Annotated[str | None, typer.Option("--contact", "-c", metavar="REF", help="Only this contact's.")] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List follow-ups, most urgent first (open ones unless --all)."""
    chosen = [name for name, on in (("overdue", overdue), ("today", today), ("week", week),
                                    ("upcoming", upcoming), ("all", all_)) if on]
    if len(chosen) > 1:
        raise typer.BadParameter("pick one of --overdue, --today, --week, --upcoming, --all")
    env = env_of(ctx)
    store = env.store()
    contact_id = store.contacts.resolve(contact).id if contact is not None else None
    now = store.now()
    followups = store.followups.list(
        view=chosen[0] if chosen else "open", owner=owner_filter(env, owner, mine),
        contact_id=contact_id, now=now, limit=limit,
    )
    _print_followups(followups, fmt, now)


def followup_queue(
    ctx: typer.Context,
    mine: MineOpt = False,
    owner: OwnerOpt = None,
    due: Annotated[bool, typer.Option("--due", help="Only what is due now.")] = False,
    no_cadence: Annotated[bool, typer.Option("--no-cadence", help="Leave out keep-in-touch contacts.")] = False,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The queue: open follow-ups and keep-in-touch contacts together, most urgent first."""
    from datetime import timedelta

    from ..store.when import relative

    env = env_of(ctx)
    store = env.store()
    now = store.now()
    items = store.followups.queue(owner=owner_filter(env, owner, mine), now=now,
                                  include_cadence=not no_cadence, limit=limit,
                                  until=now + timedelta(seconds=1) if due else None)
    if fmt is not OutputFormat.table:
        write_rows((i.to_dict() for i in items), fmt, fields=QueueItem.FIELDS)
        return
    write_rows(({
        "item": i.followup_id if i.followup_id is not None else f"c{i.contact_id}",
        "due": _show(i.due_at), "when": relative(i.due_at, now, all_day=i.all_day),
        "contact": i.contact_name,
        "note": i.note, "owner": i.owner, "urgency": f"{i.urgency:.1f}",
    } for i in items), fmt, ["item", "due", "when", "contact", "note", "owner", "urgency"])


def followup_show(
    ctx: typer.Context,
    followup_id: Annotated[int, typer.Argument(metavar="ID", help="Follow-up id.")],
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Show one follow-up."""
    store = env_of(ctx).store()
    now = store.now()
    followup = store.followups.get(followup_id, now=now)
    if fmt is not OutputFormat.table:
        write_record(followup.to_dict(), fmt)
        return
    write_record({**_followup_row(followup, now), "status": followup.status,
                  "rule": followup.rule or "", "created": _show(followup.created_at),
                  "done": _show(followup.done_at), "snoozed": followup.snoozes}, fmt)


def followup_done(
    ctx: typer.Context,
    followup_id: Annotated[int, typer.Argument(metavar="ID", help="Follow-up id.")],
    note: Annotated[str | None, typer.Option("--note", "-m", metavar="TEXT", help="What came of it (logged on the timeline).")] = None,
) -> None:
    """Mark a follow-up done; a recurring one schedules its next occurrence
    (its id is printed, as `follow-up add` prints the one it makes)."""
    store = env_of(ctx).store()
    followup = store.followups.done(followup_id, note=note)
    message = f"done: follow-up {followup.id} for {followup.contact_name}"
    nxt = store.followups.next_of(followup.id) if followup.every else None
    if nxt is not None:
        message += f"; next one ({nxt.id}) due {_show(nxt.due_at)}"
    say(message)
    if nxt is not None:
        typer.echo(nxt.id)


def followup_snooze(
    ctx: typer.Context,
    followup_id: Annotated[int, typer.Argument(metavar="ID", help="Follow-up id.")],
    until: Annotated[str | None, typer.Option("--until", "-u", metavar="WHEN", help="New due time: " + WHEN_HELP)] = None,
    for_: Annotated[str | None, typer.Option("--for", metavar="PERIOD", help="Put it off this long: 3d, 2w, 4h, 90min, 1m (a month) (from its due time, or from now if that has passed).")] = None,
) -> None:
    """Put a follow-up off; it is reminded again at its new due time."""
    if (until is None) == (for_ is None):
        raise typer.BadParameter("give either --until WHEN or --for PERIOD")
    store = env_of(ctx).store()
    now = store.now()
    if until is not None:
        when = _when(until, now)
    else:
        from ..store.followups import put_off_by

        when = put_off_by(store.followups.get(followup_id), for_, now)
    followup = store.followups.snooze(followup_id, when, now=now)
    say(f"snoozed follow-up {followup.id} for {followup.contact_name} until {_show(followup.due_at)}")


def followup_reschedule(
    ctx: typer.Context,
    followup_id: Annotated[int, typer.Argument(metavar="ID", help="Follow-up id.")],
    due: Annotated[str, typer.Option("--due", "-d", metavar="WHEN", help="New due time: " + WHEN_HELP)],
) -> None:
    """Give a follow-up a new due time, earlier or later."""
    store = env_of(ctx).store()
    now = store.now()
    followup = store.followups.reschedule(followup_id, _when(due, now), now=now)
    say(f"follow-up {followup.id} for {followup.contact_name} now due {_show(followup.due_at)}")


def followup_cancel(
    ctx: typer.Context,
    followup_id: Annotated[int, typer.Argument(metavar="ID", help="Follow-up id.")],
) -> None:
    """Cancel a follow-up."""
    followup = env_of(ctx).store().followups.cancel(followup_id)
    say(f"cancelled follow-up {followup.id} for {followup.contact_name}")


@followup_app.callback()
def followup_default(ctx: typer.Context) -> None:
    """Follow-ups: things to do for a contact by a date. Lists open ones by default."""
    if ctx.invoked_subcommand is None:
        followup_list(ctx)


followup_app.command("add")(followup_add)
followup_app.command("list")(followup_list)
followup_app.command("queue")(followup_queue)
followup_app.command("show")(followup_show)
followup_app.command("done")(followup_done)
followup_app.command("snooze")(followup_snooze)
followup_app.command("reschedule")(followup_reschedule)
followup_app.command("cancel")(followup_cancel)


# -- cadence -----------------------------------------------------------------------

OFF = ("off", "none", "clear", "0")


def cadence(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(metavar="REF", help="Contact: id, email or exact name (none: list all).")] = None,
    period: Annotated[str | None, typer.Argument(metavar="PERIOD", help="Keep in touch this often: 30d, 2w, 3m; 'off' clears.")] = None,
    due: Annotated[bool, typer.Option("--due", help="When listing: only those due now.")] = False,
    mine: MineOpt = False,
    owner: OwnerOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Keep-in-touch cadence: `cadence REF 30d` sets it, `cadence REF` shows it,
    `cadence` lists every contact with one. A contact comes due when its last
    call, email or meeting is older than its cadence ([cadence] in the config
    sets defaults per tag)."""
    from datetime import timedelta

    from ..store.when import format_days, period_days, relative

    env = env_of(ctx)
    store = env.store()
    now = store.now()
    if ref is None:
        items = store.followups.cadence_items(owner=owner_filter(env, owner, mine), now=now,
                                              until=now + timedelta(seconds=1) if due else None)
        if fmt is not OutputFormat.table:
            write_rows((i.to_dict() for i in items), fmt, fields=QueueItem.FIELDS)
            return
        write_rows(({"id": i.contact_id, "contact": i.contact_name, "every": format_days(i.cadence_days),
                     "last contact": _show(i.last_contacted_at), "due": _show(i.due_at),
                     "when": relative(i.due_at, now), "owner": i.owner} for i in items),
                   fmt, ["id", "contact", "every", "last contact", "due", "when", "owner"])
        return
    contact = store.contacts.resolve(ref)
    if period is not None:
        days = None if period.strip().lower() in OFF else period_days(period)
        contact = store.followups.set_cadence(contact.id, days, now=now)
    effective = store.followups.cadence_of(contact)
    record = {
        "contact_id": contact.id, "contact_name": contact.name,
        "cadence_days": effective.days if effective else None,
        "source": effective.source if effective else None,
        "last_contacted_at": contact.last_contacted_at, "due_at": effective.due_at if effective else None,
    }
    if fmt is not OutputFormat.table:
        from ..store.timeutil import to_json

        write_record({**record, "last_contacted_at": to_json(contact.last_contacted_at),
                      "due_at": to_json(record["due_at"])}, fmt)
        return
    if effective is None:
        say(f"{contact.name} has no keep-in-touch cadence"
            + (" (cleared)" if period is not None else ""))
        return
    source = "its own" if effective.source == "contact" else f"from tag {effective.source[4:]}"
    write_record({
        "contact": contact.name, "every": f"{format_days(effective.days)} ({source})",
        "last contact": _show(contact.last_contacted_at) or "never",
        "due": f"{_show(effective.due_at)} ({relative(effective.due_at, now)})",
    }, fmt)


# -- remind ------------------------------------------------------------------------


def remind(
    ctx: typer.Context,
    via: Annotated[list[str] | None, typer.Option("--via", metavar="CHANNEL", help="stdout (default), email or command; repeatable.")] = None,
    exec_: Annotated[str | None, typer.Option("--exec", metavar="CMD", help="For --via command: run CMD with /bin/sh -c, items as JSON on stdin.")] = None,
    to: Annotated[str | None, typer.Option(
        "--to", metavar="ADDR",
        help="For email: send to ADDR (several: a@x.org,b@x.org) instead of [smtp] to.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", metavar="USER", help="This owner's items (default: yours).")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Yours (the --user): the default.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Everyone's items.")] = False,
    no_cadence: Annotated[bool, typer.Option("--no-cadence", help="Only follow-ups, no keep-in-touch items.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be sent; send and record nothing.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Say what was delivered (on stderr).")] = False,
) -> None:
    """Deliver reminders for what is due, exactly once per due time and channel. Made for cron.

    Prints nothing at all when nothing is due. Exit status 0 when everything
    due was delivered (or nothing was due), 1 when any delivery failed; what
    failed is tried again by the next run."""
    from ..delivery.remind import RemindOptions
    from ..delivery.remind import remind as run

    not_blank(exec_, "--exec", what="an empty command")
    channels = [v.strip().lower() for v in via or []] or (["command"] if exec_ else ["stdout"])
    for channel in channels:
        if channel not in ("stdout", "email", "command"):
            raise typer.BadParameter(f"--via takes stdout, email or command, not {channel!r}")
    if exec_ and "command" not in channels:
        raise typer.BadParameter("--exec goes with --via command")
    if "command" in channels and not exec_:
        raise typer.BadParameter("--via command needs --exec CMD")
    if to and "email" not in channels:
        raise typer.BadParameter("--to goes with --via email")
    if to is not None:
        from ..delivery.smtp import check_address
        from ..store.errors import ValidationError

        try:
            check_address(to)
        except ValidationError as exc:
            raise typer.BadParameter(f"--to: {exc.message}") from None
    if all_ and (owner or mine):
        raise typer.BadParameter(f"--all and {'--owner' if owner else '--mine'} can't be used together")
    env = env_of(ctx)
    store = env.store()
    now = store.now()
    options = RemindOptions(
        channels=channels, owner=None if all_ else (owner_filter(env, owner, mine) or env.user),
        command=exec_, to=to,
        dry_run=dry_run, include_cadence=not no_cadence,
    )
    result = run(store, options, smtp_section=env.config.smtp_section,
                 config_path=str(env.config.path),
                 smtp_where=partial(env.config.where, "smtp"), now=now)
    if dry_run:
        from ..delivery.text import line

        for channel, items in result.would.items():
            for item in items:
                text = (f"{channel}: " if len(channels) > 1 else "") + line(item, now)
                sys.stdout.write(showable(text + "\n", sys.stdout))
    if verbose and not dry_run:
        say(f"delivered {result.delivered} reminder(s)" + (f", {result.failed} failed" if result.failed else "")
            + (f", {result.skipped} skipped (claimed meanwhile by another run, or deleted)"
               if result.skipped else ""))
    for message in result.errors:
        sys.stderr.write("tinycrm: error: " + message.replace("\n", " ") + "\n")
    if result.errors:
        raise typer.Exit(1)


# -- secrets -----------------------------------------------------------------------


@secret_app.command("set")
def secret_set(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Which secret: smtp.")],
) -> None:
    """Store a password in the OS keyring: asked for at a terminal, read from stdin when piped."""
    from ..secrets import check_name, set_secret
    from ..store.textutil import undecodable

    check_name(name)
    if sys.stdin is not None and sys.stdin.isatty():
        value = typer.prompt(f"{name} password", hide_input=True, confirmation_prompt=True, err=True)
    else:
        value = _first_line(sys.stdin)
    if undecodable(value):
        raise typer.BadParameter("the password is not valid UTF-8", param_hint="stdin")
    set_secret(name, value)
    say(f"stored the {name} password in the keyring")


_MOST = 4096  # bytes of a password line, at most


def _first_line(stream) -> str:
    """The first line of ``stream`` (the password), read as bytes up to its
    newline: not the whole stream (`yes pw | tinycrm secret set` never ends),
    cut only at a newline (not at a form feed, as ``splitlines`` would), and
    decoded as UTF-8 whatever the locale says."""
    if stream is None:
        return ""
    raw = getattr(stream, "buffer", None)
    line = raw.readline(_MOST + 1) if raw is not None else stream.readline(_MOST + 1).encode()
    line = line.split(b"\n", 1)[0].split(b"\r", 1)[0]  # (CR LF, or an old Mac's CR)
    if len(line) > _MOST:
        raise typer.BadParameter(f"a password line of more than {_MOST} bytes",
                                 param_hint="stdin")
    return line.decode("utf-8", errors="surrogateescape")


@secret_app.command("delete")
def secret_delete(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Which secret: smtp.")],
) -> None:
    """Remove a password from the OS keyring."""
    from ..secrets import delete_secret

    say(f"deleted the {name} password" if delete_secret(name) else f"no {name} password was stored")


def register(app: typer.Typer) -> None:
    app.command()(log)
    app.command()(timeline)
    app.add_typer(followup_app, name="follow-up")
    app.command()(cadence)
    app.command()(remind)
    app.add_typer(secret_app, name="secret")
