"""CRM practice: stage, assign, rules, report, privacy, audit."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from ..output import OutputFormat, confirm, say, showable, write_rows
from ..store.models import AuditEntry, FollowUp
from ..store.textutil import one_line, strip_controls
from ..store.timeutil import show as show_time
from ..store.timeutil import shown_times
from .metavars import ConventionalTyper
from .options import (
    FormatOpt,
    LimitOpt,
    ListByDefault,
    MineOpt,
    OwnerOpt,
    YesOpt,
    env_of,
    not_blank,
    owner_filter,
)

RefArg = Annotated[str, typer.Argument(help="Id, email or exact name.")]
# (A person asking gives the address they know: one changed since, or of a
# contact deleted since, is found in the audit log.)
PersonArg = Annotated[str, typer.Argument(
    help="Id, email (one they had before too) or exact name.")]
IfVersionOpt = Annotated[
    int | None, typer.Option("--if-version", min=1,  # (versions start at 1)
                              help="Refuse if the contact changed since this version.")
]
SinceOpt = Annotated[str | None, typer.Option(
    "--since", metavar="DATE", help="From this date: 2026-11-01, 2026-11, today, 30d (ago)...")]
UntilOpt = Annotated[str | None, typer.Option(
    "--until", "-u", metavar="DATE",
    help="Up to and including this date (default: now, and follow-ups due later count too).")]

rules_app = ConventionalTyper(cls=ListByDefault, invoke_without_command=True,
                              help="Response-time rules and the follow-ups they created.")
privacy_app = ConventionalTyper(help="A person's data: export it all, or erase it.",
                                no_args_is_help=True)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"


def _decimal(value: float) -> str:
    """A figure the store rounded to one decimal, as the table shows it:
    without a decimal that is zero (159, 47.5), like a percentage. (Not
    ``:g``, as for those: a median of days can be 123456.5, which it
    would write as 123456.)"""
    return f"{value:.1f}".removesuffix(".0")


# -- lifecycle and team ------------------------------------------------------------


def stage(ctx: typer.Context, ref: RefArg,
          new_stage: Annotated[str, typer.Argument(metavar="STAGE", help="The new stage.")],
          if_version: IfVersionOpt = None) -> None:
    """Move a contact to another lifecycle stage (recorded on its timeline)."""
    store = env_of(ctx).store()
    contact = store.contacts.resolve(ref)
    after = store.contacts.edit(contact.id, {"stage": new_stage}, expected_version=if_version)
    if after.stage == contact.stage:
        say(f"{after.name} is already at {after.stage}")
    else:
        say(f"{after.name}: {contact.stage} → {after.stage}")


def assign(ctx: typer.Context, ref: RefArg,
           user: Annotated[str, typer.Argument(help="Who takes the contact over.")],
           if_version: IfVersionOpt = None) -> None:
    """Hand a contact (and its open follow-ups) over to another user."""
    from ..store.team import assign as assign_contact

    store = env_of(ctx).store()
    contact = store.contacts.resolve(ref)
    done = assign_contact(store, contact.id, user, expected_version=if_version)
    if done.previous_owner == done.contact.owner:
        say(f"{done.contact.name} already belongs to {done.contact.owner}")
        return
    moved = len(done.moved_followups)
    say(f"{done.contact.name}: {done.previous_owner} → {done.contact.owner}"
        + (f" ({moved} open follow-up{'s' * (moved != 1)} moved)" if moved else ""))


# -- rules ---------------------------------------------------------------------------


@rules_app.callback()
def rules_default(ctx: typer.Context) -> None:
    """Response-time rules (`rules` alone lists them)."""
    if ctx.invoked_subcommand is None:
        rules_list(ctx, OutputFormat.table)


@rules_app.command("list")
def rules_list(ctx: typer.Context, fmt: FormatOpt = OutputFormat.table) -> None:
    """The rules, and what each has created: open, overdue, met, late, compliance."""
    from ..store import rules

    store = env_of(ctx).store()
    defined = {r.name: r for r in rules.configured_rules(store)}
    rows = []
    for stats in rules.stats(store, store.now()):
        rule = defined.get(stats.name)
        # (A retired rule's row has every key too: a CSV's columns and a JSON
        # reader's keys don't depend on which rules come first, or on none.)
        retired = {**dict.fromkeys(rules.Rule.FIELDS), "name": stats.name,
                   "description": "(no longer configured)"}
        rows.append({**(rule.to_dict() if rule else retired), **stats.to_dict()})
    if fmt is OutputFormat.table:
        rows = [{**r, "compliance": _pct(r["compliance"])} for r in rows]
        columns = ["rule", "description", "created", "open", "overdue", "met", "late",
                   "cancelled", "compliance"]
        if not rows:
            say("no rules configured")
        write_rows(rows, fmt, columns, headers={"description": "when"})
    else:
        write_rows(rows, fmt, fields=(*rules.Rule.FIELDS, *rules.RuleStats.FIELDS))


@rules_app.command("show")
def rules_show(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Rule name.")],
               owner: OwnerOpt = None, mine: MineOpt = False, limit: LimitOpt = None,
               fmt: FormatOpt = OutputFormat.table) -> None:
    """The follow-ups one rule created, newest first."""
    from ..store import rules

    env = env_of(ctx)
    store = env.store()
    now = store.now()
    items = rules.created_by(store, name, owner=owner_filter(env, owner, mine), limit=limit,
                             now=now)
    if fmt is not OutputFormat.table:
        write_rows(({**f.to_dict(), "met": f.met(now)} for f in items), fmt,
                   fields=(*FollowUp.FIELDS, "met"))
        return
    write_rows(
        ({"id": f.id, "contact": f.contact_name, "due": show_time(f.due_at), "status": f.status,
          "done": show_time(f.done_at), "met": {True: "yes", False: "no", None: ""}[f.met(now)],
          "owner": f.owner} for f in items),
        fmt, ["id", "contact", "due", "status", "done", "met", "owner"],
    )


@rules_app.command("run")
def rules_run(ctx: typer.Context) -> None:
    """Apply every rule to every contact now (for cron: a VIP's silence comes
    due even when nobody touches the contact). Silent when nothing is created."""
    from ..store import rules

    store = env_of(ctx).store()
    created = rules.sweep(store, store.now())
    if created:
        say(f"rules created {len(created)} follow-up{'s' * (len(created) != 1)}")


# -- report --------------------------------------------------------------------------


def report(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: UntilOpt = None,
    owner: OwnerOpt = None,
    mine: MineOpt = False,
    idle_days: Annotated[int | None, typer.Option(
        "--idle-days", min=1, help="'Not contacted for N days' (default 30, or [report] idle_days).")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Pipeline, follow-ups, rule compliance, interactions and satisfaction."""
    from ..store.reports import build, parse_bound

    env = env_of(ctx)
    store = env.store()
    now = store.now()
    result = build(
        store,
        since=parse_bound(since, now) if since is not None else None,
        until=parse_bound(until, now, end=True) if until is not None else None,
        owner=owner_filter(env, owner, mine),
        idle_days=idle_days, now=now,
    )
    if fmt is OutputFormat.json:
        from ..store.textutil import escape_json

        typer.echo(escape_json(json.dumps(result.to_dict(), ensure_ascii=False, indent=2)))
    elif fmt is OutputFormat.table:
        print_report(result)
    else:
        write_rows(result.rows(), fmt, ["section", "group", "metric", "value"])


def print_report(r) -> None:
    def title(text: str) -> None:
        typer.echo(showable("\n" + text, sys.stdout))

    period = (f"{show_time(r.since) if r.since else 'the beginning'} to "
              f"{show_time(r.until) if r.until else 'now'}")
    owner = f"owner {one_line(r.owner)}" if r.owner else "all owners"  # (as typed: one line)
    typer.echo(showable(f"Report for {period}, {owner} (as of {show_time(r.generated_at)})",
                        sys.stdout))
    title("Contacts by stage (now)")
    write_rows(({"stage": s, "contacts": n} for s, n in r.by_stage), "table", ["stage", "contacts"])
    title("Contacts by tier (now)")
    write_rows(({"tier": t, "contacts": n} for t, n in r.by_tier), "table", ["tier", "contacts"])
    title("New contacts per month")
    write_rows(({"month": m, "contacts": n} for m, n in zip(r.months, r.new_contacts)), "table",
               ["month", "contacts"])
    conv = r.conversion
    title(f"Conversion {conv.from_stage} → {conv.to_stage or '(no won stage)'}"
          " (leads created in the period)")
    write_rows([{"leads": conv.leads, "converted": conv.converted, "rate": _pct(conv.rate),
                 "median_days": "-" if conv.median_days is None else _decimal(conv.median_days)}],
               "table", headers={"median_days": "median days"})
    # (Without --until the follow-ups' period runs on past now: those due
    # later are "not yet due", or on time when done early.)
    title("Follow-ups due in the period, per owner" if r.until else
          f"Follow-ups due from {show_time(r.since) if r.since else 'the beginning'} on,"
          " later ones too, per owner")
    write_rows(
        ({"owner": f.owner, "on_time": f.on_time, "late": f.late, "overdue": f.overdue,
          "open": f.open, "pct": _pct(f.on_time_percent)} for f in (*r.followups, r.followups_total)),
        "table", ["owner", "on_time", "late", "overdue", "open", "pct"],
        headers={"on_time": "on time", "overdue": "still overdue", "open": "not yet due",
                 "pct": "on time %"},
    )
    title("Rule compliance (met: done at or before due)")
    write_rows(
        ({"rule": c.rule, "met": c.met, "late": c.late, "overdue": c.overdue,
          "pending": c.pending, "pct": _pct(c.percent)} for c in (*r.compliance, r.compliance_total)),
        "table", ["rule", "met", "late", "overdue", "pending", "pct"],
        headers={"overdue": "still overdue", "pending": "not yet due", "pct": "compliance"},
    )
    title("Interactions per month")
    kinds = [k for k, _ in r.interactions]
    write_rows(
        ({"month": m, **{k: counts[i] for k, counts in r.interactions}}
         for i, m in enumerate(r.months)),
        "table", ["month", *kinds],
    )
    nc = r.not_contacted
    title(f"Not contacted for {nc.days} days: {nc.contacts} contacts ({nc.never} never contacted)")
    sat = r.satisfaction
    if sat.responses:
        title(f"Satisfaction: {sat.responses} responses, average {sat.average:g}/10, NPS {sat.nps:g}"
              f" ({sat.promoters} promoters, {sat.passives} passives, {sat.detractors} detractors)")
    else:
        title("Satisfaction: no survey responses in the period")


# -- privacy -------------------------------------------------------------------------


@privacy_app.command("export")
def privacy_export(
    ctx: typer.Context, ref: PersonArg,
    # (str, not Path: a Path drops the "/" of notes.txt/, which names no file.)
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                                               help="Write to FILE (0600); - is stdout.")
                       ] = None,
) -> None:
    """Everything stored about one person, as JSON (a subject access request)."""
    from ..store.privacy import dumps, export, export_to
    from ..store.subject import resolve

    not_blank(output, "--output", what="an empty path (- is stdout)")
    store = env_of(ctx).store()
    subject = resolve(store, ref)
    if subject.via:
        say(subject.via)
    contact_id = subject.id
    if output is None or output == "-":  # as export's --output and import's --rejects
        typer.echo(dumps(export(store, contact_id)))
        return
    export_to(store, contact_id, output)
    say(f"wrote {output}")


@privacy_app.command("erase")
def privacy_erase(ctx: typer.Context, ref: PersonArg, yes: YesOpt = False) -> None:
    """Erase a person for good: contact, timeline, follow-ups, reminder log and
    history. The audit log keeps a tombstone; the file is then vacuumed."""
    from ..store.privacy import erase
    from ..store.subject import resolve

    store = env_of(ctx).store()
    subject = resolve(store, ref)
    contact_id, name = subject.id, subject.name
    if subject.via:
        say(subject.via)  # (before the question: whom it asks about, and why)
    if not yes:
        if not confirm(f"Erase contact {contact_id} ({strip_controls(name)}) and all their"
                       " history for good?"):
            say("nothing erased (use --yes to skip the question)")
            raise typer.Exit(1)
    result = erase(store, contact_id)
    removed = ", ".join(f"{what} {n}" for what, n in result.removed.items() if n)
    say(f"erased contact {result.contact_id} ({result.name})" + (f"; removed {removed}" if removed else ""))
    if result.redacted:
        say(f"redacted their email or phone in {result.redacted} other records")
    if result.wiped:
        say("the database file was vacuumed: no trace is left in it."
            " Backups made before now still hold the data.")
    else:
        # (Not "unused pages": until a checkpoint gets through, the main file
        # still has the pages the other process reads, with their rows in them.)
        say(f"warning: the erasure could not rewrite the file ({result.unwiped}): the database"
            " file still holds their data, though no command shows it; run `tinycrm db vacuum`"
            " when the file is idle")


# -- audit ---------------------------------------------------------------------------


def audit(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this contact (an id works for erased ones).")] = None,
    since: SinceOpt = None,
    until: Annotated[str | None, typer.Option(
        "--until", "-u", metavar="DATE", help="Up to and including this date.")] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Who changed what and when, with the fields before and after; newest first."""
    from ..store.errors import NotFound
    from ..store.reports import parse_bound

    store = env_of(ctx).store()
    contact_id = None
    if ref is not None:
        try:
            contact_id = store.contacts.resolve(ref).id
        except NotFound:
            if not (ref.strip().isascii() and ref.strip().isdigit()):  # (not "١" as 1)
                raise
            contact_id = int(ref)  # a deleted or erased contact's history
            why_not = store.audit.history_of(contact_id)
            if why_not is not None:
                raise NotFound(why_not) from None
    now = store.now()
    entries = store.audit.list(
        contact_id, since=parse_bound(since, now) if since is not None else None,
        until=parse_bound(until, now, end=True) if until is not None else None, limit=limit)
    if fmt is not OutputFormat.table:
        write_rows((e.to_dict() for e in entries), fmt, fields=AuditEntry.FIELDS)
        return
    write_rows(
        ({"at": show_time(e.at, seconds=True), "actor": e.actor, "action": e.action,
          "entity": e.entity, "id": e.entity_id, "contact": e.contact_id,
          "changes": changes_text(e.before, e.after)} for e in entries),
        fmt, ["at", "actor", "action", "entity", "id", "contact", "changes"],
    )


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def changes_text(before: dict | None, after: dict | None) -> str:
    """``stage: lead → customer; tags: [] → [vip]`` for people; JSON has it all.
    Times are local, as in the rest of the table (a custom field stays as typed)."""
    before, after = shown_times(before), shown_times(after)
    if before and after:
        keys = list(dict.fromkeys([*before, *after]))
        return "; ".join(f"{k}: {_short(before.get(k))} → {_short(after.get(k))}" for k in keys)
    data = after or before or {}
    return "; ".join(f"{k}={_short(v)}" for k, v in data.items() if v not in (None, "", [], {}))


def register(app: typer.Typer) -> None:
    app.command()(stage)
    app.command()(assign)
    app.add_typer(rules_app, name="rules")
    app.command()(report)
    app.add_typer(privacy_app, name="privacy")
    app.command()(audit)
