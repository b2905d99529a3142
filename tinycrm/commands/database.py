"""`tinycrm db ...` and `tinycrm config ...`: where things are, and upkeep."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..output import say
from .metavars import ConventionalTyper
from .options import env_of

db_app = ConventionalTyper(help="The database file: where it is and its upkeep.",
                           no_args_is_help=True)
config_app = ConventionalTyper(help="The config file.", no_args_is_help=True)


@db_app.command("path")
def db_path(ctx: typer.Context) -> None:
    """Print the database path in use."""
    typer.echo(str(env_of(ctx).db_path))


@db_app.command("migrate")
def db_migrate(ctx: typer.Context) -> None:
    """Apply pending schema steps (opening the database does this too)."""
    store = env_of(ctx).store(upkeep=True)
    if store.migrated:
        say("applied: " + ", ".join(store.migrated))
    else:
        say("schema is up to date")


@db_app.command("backup")
def db_backup(
    ctx: typer.Context,
    # (str, not Path: Path("") is the current folder, which an empty argument isn't.)
    path: Annotated[str, typer.Argument(metavar="PATH", help="The copy to write (a folder gets a dated name).")],
) -> None:
    """Copy the database consistently, even while others write (SQLite's VACUUM
    INTO: free space is left out). The copy is owner-only; an existing file is
    never overwritten."""
    from ..paths import expand
    from ..store.errors import ValidationError
    from ..store.maintenance import backup

    if not path.strip():
        raise typer.BadParameter("an empty path", param_hint="PATH")
    if path.strip() == "-":
        raise typer.BadParameter("a backup is a database file, not a stream: give a path",
                                 param_hint="PATH")
    if path.endswith("/") and not expand(Path(path), "backup").is_dir():
        # (Path drops the slash: "newdir/" would be a file named newdir. Said
        # as backup() says it of a path without the slash.)
        raise ValidationError(f"no folder {expand(Path(path), 'backup')}")
    result = backup(_existing(ctx, "back up").store(upkeep=True), expand(Path(path), "backup"))
    typer.echo(str(result.path))
    say(f"backed up {result.contacts} contacts ({result.bytes / 1e6:.1f} MB) in {result.seconds:.2f} s"
        + ("" if result.audited else "; not in the audit log: the database is read-only"))


def _existing(ctx: typer.Context, doing: str):
    """The environment, once its database file is known to exist: a mistyped
    --db must not make an empty database and check or back up that."""
    from ..store.errors import NotFound

    env = env_of(ctx)
    if not env.db_path.exists():
        raise NotFound(f"no database at {env.db_path}: nothing to {doing}"
                       " (check --db or TINYCRM_DB)")
    return env


@db_app.command("check")
def db_check(
    ctx: typer.Context,
    quick: Annotated[bool, typer.Option("--quick", help="A faster, less thorough check.")] = False,
) -> None:
    """Check the file: SQLite integrity, foreign keys, search index (rows,
    full-text index, vocabulary), the names' sort keys, schema and
    permissions. Exits 1 when anything is wrong."""
    from ..store.errors import Busy, DamagedDatabase, DatabaseError
    from ..store.maintenance import RESTORE_REMEDY, check, check_unopened

    env = _existing(ctx, "check")
    try:
        store = env.store(upkeep=True)
    except Busy:
        raise
    except DatabaseError as exc:
        # A damaged file: what can be seen, and (when it is tinycrm's) the remedy.
        remedy = f"; {RESTORE_REMEDY}" if isinstance(exc, DamagedDatabase) else ""
        result = check_unopened(env.db_path, exc.message, remedy=remedy)
    else:
        result = check(store, quick=quick)
    for item in result.checks:
        typer.echo(f"{item.name + ':':<14}{'ok' if item.ok else 'PROBLEM'}"
                   + (f"  {item.detail}" if item.detail and item.detail != "ok" else ""))
    if not result.ok:
        raise typer.Exit(1)


@db_app.command("restore")
def db_restore(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="BACKUP", help="A backup made by `db backup`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Don't ask first.")] = False,
) -> None:
    """Replace everything in the database with a backup's content, in one
    step (the app and cron may keep running). Asks first unless --yes."""
    from ..output import confirm
    from ..paths import expand
    from ..store.erasures import set_aside_record
    from ..store.errors import DamagedDatabase
    from ..store.maintenance import check_backup, restore, set_aside

    if not source.strip():
        raise typer.BadParameter("an empty path", param_hint="BACKUP")
    from ..store.errors import NotFound

    env = env_of(ctx)
    backup_path = expand(Path(source), "backup")
    # (Before the database is opened, which on a new machine makes it.)
    if not backup_path.is_file():
        raise NotFound(f"no backup file {backup_path}")  # (exit 3, as import's missing file)
    check_backup(backup_path)
    if not yes and not confirm(f"Replace everything in {env.db_path} with {source}'s content?"):
        say("nothing restored (use --yes to skip the question)")
        raise typer.Exit(1)
    try:
        result = restore(env.store(upkeep=True), backup_path)
    except DamagedDatabase:
        # The remedy for a file too damaged to open, or whose contacts can't
        # be read: it is set aside, kept whole, and the backup goes in as a
        # new database at its path. (Nothing was copied into it yet.)
        env.close()
        kept = set_aside(env.db_path)
        say(f"{env.db_path} is damaged: kept as {kept}")
        # (Its erasures are made again in the backup, and the ids it gave are
        # not given again, as far as it reads.)
        result = restore(env.store(upkeep=True), backup_path, replaced=set_aside_record(kept))
    say(f"restored {result.contacts} contacts from {result.source}"
        + (f"; brought up to date: {', '.join(result.migrated)}" if result.migrated else ""))
    if result.erasures:
        say(f"re-applied {result.erasures} erasure{'' if result.erasures == 1 else 's'}"
            " made since the backup")
    if result.unwiped:
        say(f"warning: the restore could not rewrite the file ({result.unwiped}): it still holds"
            " data of the people erased again, though no command shows it; run `tinycrm db"
            " vacuum` when the file is idle")


@db_app.command("reindex")
def db_reindex(ctx: typer.Context) -> None:
    """Rebuild the search index from the contacts (its rows, full-text index and
    vocabulary) and the names' sort keys, in one step: the remedy when `db
    check` finds them out of step."""
    from ..store.search_upkeep import reindex

    result = reindex(_existing(ctx, "reindex").store(upkeep=True))
    fixed = [f"{n} {one if n == 1 else many}" for n, one, many in (
        (result.added, "row added", "rows added"), (result.rewritten, "rewritten", "rewritten"),
        (result.removed, "removed", "removed"), (result.words, "word recounted", "words recounted"),
        (result.keys, "contact's sort keys fixed", "contacts' sort keys fixed"),
    ) if n]
    say(f"reindexed {result.contacts} contacts in {result.seconds:.2f} s"
        + (f" ({', '.join(fixed)})" if fixed else ""))


@db_app.command("vacuum")
def db_vacuum(ctx: typer.Context) -> None:
    """Rebuild the file and empty its -wal, so deleted data leaves the disk file."""
    from ..store.maintenance import compact

    if compact(_existing(ctx, "vacuum").store(upkeep=True)):
        say("vacuumed; the -wal is empty")
    else:
        say("vacuumed, but another process is reading: the -wal could not be emptied yet")
        raise typer.Exit(1)


@config_app.command("path")
def config_path(ctx: typer.Context) -> None:
    """Print the config file path in use (whatever is in it)."""
    from ..paths import config_path as path_of_config

    typer.echo(str(path_of_config()))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(config_app, name="config")
