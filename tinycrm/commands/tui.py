"""`tinycrm` with no command, and `tinycrm tui`: open the Textual app."""

from __future__ import annotations

import typer

from ..context import Env
from .options import env_of


def open_tui(env: Env) -> None:
    # Until the TUI lands, a bare `tinycrm` lists contacts.
    from ..output import OutputFormat
    from .contacts import print_contacts

    print_contacts(env.store().contacts.list(limit=50), OutputFormat.table)


def tui(ctx: typer.Context) -> None:
    """Open the app."""
    open_tui(env_of(ctx))


def register(app: typer.Typer) -> None:
    app.command()(tui)
