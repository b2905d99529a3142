"""Contacts: add, list, show, edit, rm, tag, untag, search, demo."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ..output import OutputFormat, confirm, say, write_record, write_rows
from ..store.contacts import parse_assignments
from ..store.errors import Conflict
from ..store.models import Contact
from ..store.textutil import strip_controls
from ..store.timeutil import show as show_time
from .options import (
    FormatOpt,
    LimitOpt,
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

if TYPE_CHECKING:
    from ..store import Store

TABLE_COLUMNS = ["id", "name", "email", "company", "stage", "tier", "owner", "tags"]


def table_row(contact: Contact) -> dict:
    return {
        "id": contact.id, "name": contact.name, "email": contact.email or "",
        "company": contact.company or "", "stage": contact.stage, "tier": contact.tier,
        "owner": contact.owner, "tags": list(contact.tags),
    }


def print_contacts(contacts, fmt: OutputFormat, extra: dict[int, dict] | None = None, *,
                   store: Store, extra_fields: tuple[str, ...] = ()) -> None:
    """``extra_fields`` names ``extra``'s columns: a CSV with no rows has them too."""
    extra = extra or {}
    if fmt is OutputFormat.csv:
        # The same contact CSV as `export --format csv` (and `import` reads it back).
        import sys

        from ..store.exporter import with_notes
        from ..store.formats.csvfile import write_contacts

        write_contacts(({**r, **extra.get(r["id"], {})} for r in with_notes(store, contacts)),
                       sys.stdout, extra=extra_fields)
    elif fmt in (OutputFormat.json, OutputFormat.ndjson):
        from ..store.exporter import with_notes

        write_rows(({**r, **extra.get(r["id"], {})} for r in with_notes(store, contacts)), fmt)
    else:
        columns = [*extra_fields, *TABLE_COLUMNS]
        write_rows(({**extra.get(c.id, {}), **table_row(c)} for c in contacts), fmt, columns)


def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Full name.")],
    email: Annotated[list[str] | None, typer.Option("--email", "-e", help="Email (repeatable).")] = None,
    phone: Annotated[list[str] | None, typer.Option("--phone", "-p", help="Phone (repeatable).")] = None,
    company: Annotated[str | None, typer.Option(help="Company.")] = None,
    title: Annotated[str | None, typer.Option(help="Job title.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", "-t", help="Tag (repeatable).")] = None,
    stage: Annotated[str | None, typer.Option(help="Lifecycle stage (default: the config's default_stage, lead unless set).")] = None,
    tier: Annotated[str | None, typer.Option(help="Tier (default: the config's default_tier, standard unless set).")] = None,
    owner: Annotated[str | None, typer.Option(metavar="USER", help="Owner (default: you).")] = None,
    note: Annotated[str | None, typer.Option(
        "--note", "-m", metavar="TEXT", help="A first note on the timeline.")] = None,
) -> None:
    """Add a contact and print its id."""
    store = env_of(ctx).store()
    contact = store.contacts.add(
        name, emails=email or (), phones=phone or (), company=company, title=title,
        tags=tag or (), stage=stage, tier=tier, owner=owner, note=note,
    )
    typer.echo(contact.id)


def list_(
    ctx: typer.Context,
    tag: TagOpt = None,
    stage: StageOpt = None,
    tier: TierOpt = None,
    owner: OwnerOpt = None,
    mine: MineOpt = False,
    sort: Annotated[str, typer.Option(
        metavar="FIELD", help="name, company, stage, last_contacted or created.")] = "name",
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List contacts, filtered."""
    env = env_of(ctx)
    filters = contact_filter(env, tag, stage, tier, owner, mine)
    store = env.store()
    print_contacts(store.contacts.list(filters, limit=limit, order_by=sort), fmt, store=store)


def show(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Id, email or exact name.")],
         fmt: FormatOpt = OutputFormat.table) -> None:
    """Show one contact."""
    store = env_of(ctx).store()
    contact = store.contacts.resolve(ref)
    if fmt is OutputFormat.csv:
        print_contacts([contact], fmt, store=store)  # list's row: `import` reads it back as it was
        return
    if fmt is not OutputFormat.table:
        from ..store.exporter import with_notes

        write_record(next(with_notes(store, [contact])), fmt)
        return
    record = {
        "id": contact.id, "name": contact.name, "emails": list(contact.emails),
        "phones": list(contact.phones), "company": contact.company, "title": contact.title,
        "stage": contact.stage, "tier": contact.tier, "owner": contact.owner,
        "tags": list(contact.tags), "birthday": contact.birthday,
        "cadence": (None if not contact.cadence_days else "every day" if contact.cadence_days == 1
                    else f"every {contact.cadence_days} days"),
        "fields": contact.fields, "source": contact.source,
        "created": show_time(contact.created_at), "updated": show_time(contact.updated_at),
        "last contacted": show_time(contact.last_contacted_at),
    }
    write_record(record, fmt)


def edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, email or exact name.")],
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    email: Annotated[list[str] | None, typer.Option("--email", "-e", help="Replace the emails (repeatable; \"\" for none).")] = None,
    phone: Annotated[list[str] | None, typer.Option("--phone", "-p", help="Replace the phones (repeatable; \"\" for none).")] = None,
    company: Annotated[str | None, typer.Option(help="Company.")] = None,
    title: Annotated[str | None, typer.Option(help="Job title.")] = None,
    assign: Annotated[list[str] | None, typer.Option(
        "--set", metavar="FIELD=VALUE",
        help="Set a field (repeatable); fields.NAME=VALUE for a custom field.")] = None,
    if_version: Annotated[int | None, typer.Option("--if-version", min=1, help="Refuse if the contact changed since this version.")] = None,
) -> None:
    """Change a contact's fields."""
    store = env_of(ctx).store()
    contact = store.contacts.resolve(ref)
    changes = parse_assignments(assign or [])
    for key, value in (("name", name), ("company", company), ("title", title)):
        if value is not None:
            changes[key] = value
    # An empty value takes them all away (`--email ""`), as `--company ""` clears
    # the company: there was no other way to remove a wrong address.
    if email:
        changes["emails"] = [e for e in email if e.strip()]
    if phone:
        changes["phones"] = [p for p in phone if p.strip()]
    if not changes:
        raise typer.BadParameter("nothing to change: give --name, --email, --set FIELD=VALUE, ...")
    after = store.contacts.edit(contact.id, changes, expected_version=if_version)
    say(f"updated contact {after.id} ({after.name})" if after.version != contact.version
        else f"contact {after.id} already had those values")


def rm(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Id, email or exact name.")],
       yes: YesOpt = False) -> None:
    """Delete a contact with its timeline and follow-ups."""
    store = env_of(ctx).store()
    contact = store.contacts.resolve(ref)
    if not yes:
        if not confirm(f"Delete contact {contact.id} ({strip_controls(contact.name)})?"):
            say("not deleted (use --yes to skip the question)")
            raise typer.Exit(1)
    store.contacts.delete(contact.id)
    say(f"deleted contact {contact.id} ({contact.name})")


def tag(ctx: typer.Context, ref: Annotated[str, typer.Argument(help="Id, email or exact name.")],
        tags: Annotated[list[str], typer.Argument(metavar="TAG", help="Tags to add.")]) -> None:
    """Add tags to a contact."""
    store = env_of(ctx).store()
    contact = store.contacts.tag(store.contacts.resolve(ref).id, tags)
    say(f"{contact.name}: {', '.join(contact.tags)}")


def untag(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id, email or exact name.")],
    tags: Annotated[list[str], typer.Argument(metavar="TAG", help="Tags to remove.")],
) -> None:
    """Remove tags from a contact."""
    store = env_of(ctx).store()
    contact = store.contacts.untag(store.contacts.resolve(ref).id, tags)
    say(f"{contact.name}: {', '.join(contact.tags) or '(no tags)'}")


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Name, email, company or tag; typos are fine.")],
    tag: TagOpt = None,
    stage: StageOpt = None,
    tier: TierOpt = None,
    owner: OwnerOpt = None,
    mine: MineOpt = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N results.")] = 20,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Fuzzy search, best match first."""
    from ..store.textutil import undecodable

    # (`search "$Q"` with Q unset found no one, exit 0: the same as no match.)
    not_blank(query, "QUERY", what="an empty query")
    if undecodable(query):
        # (Folded, the bytes vanish: a Latin-1 name found nobody, silently, exit 0.)
        raise typer.BadParameter("not valid UTF-8", param_hint="QUERY")
    env = env_of(ctx)
    filters = contact_filter(env, tag, stage, tier, owner, mine)
    store = env.store()
    results = store.search.search(query, limit=limit, filters=filters)
    print_contacts([c for c, _ in results], fmt, store=store, extra_fields=("score",),
                   extra={c.id: {"score": round(score, 1)} for c, score in results})


def demo(
    ctx: typer.Context,
    contacts: Annotated[int, typer.Option("--contacts", min=1, help="How many contacts.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable data.")] = 1,
) -> None:
    """Fill the database with realistic fake contacts, follow-ups and timeline events."""
    from ..store.demo import check_size, fill

    check_size(contacts)  # before a new database file is made for it
    store = env_of(ctx).store()
    had = store.contacts.count()
    if had:
        # Made-up people among real ones could not be told apart again (and
        # a seed makes the same addresses and uids a second time).
        raise Conflict(f"demo fills an empty database; {store.path} has {had} contact(s):"
                       " use another --db")
    counts = fill(store, contacts, seed=seed)
    say(", ".join(f"{n} {what}" for what, n in counts.items()) + f" added to {store.path}")


def register(app: typer.Typer) -> None:
    app.command()(add)
    app.command("list")(list_)
    app.command()(show)
    app.command()(edit)
    app.command()(rm)
    app.command()(tag)
    app.command()(untag)
    app.command()(search)
    app.command()(demo)
