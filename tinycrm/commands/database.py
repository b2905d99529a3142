"""`tinycrm db ...` and `tinycrm config ...`: where things are, and upkeep."""

from __future__ import annotations

import typer

from ..output import say
from .options import env_of

db_app = typer.Typer(help="The database file: where it is and its upkeep.", no_args_is_help=True)
config_app = typer.Typer(help="The config file.", no_args_is_help=True)


@db_app.command("path")
def db_path(ctx: typer.Context) -> None:
    """Print the database path in use."""
    typer.echo(str(env_of(ctx).db_path))


@db_app.command("migrate")
def db_migrate(ctx: typer.Context) -> None:
    """Apply pending schema steps (opening the database does this too)."""
    store = env_of(ctx).store()
    if store.migrated:
        say("applied: " + ", ".join(store.migrated))
    else:
        say("schema is up to date")


@config_app.command("path")
def config_path(ctx: typer.Context) -> None:
    """Print the config file path in use."""
    typer.echo(str(env_of(ctx).config.path))


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(config_app, name="config")
