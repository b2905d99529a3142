"""`tinycrm` with no command, and `tinycrm tui`: open the Textual app."""

from __future__ import annotations

import sys

import typer

from ..context import Env
from .options import env_of


def open_tui(env: Env) -> None:
    """Run the app on the env's database, with the config's [keymap]."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from ..store.errors import TinyCRMError

        class NotATerminal(TinyCRMError):
            exit_code = 2

        raise NotATerminal("the app needs a terminal; try `tinycrm --help` for the commands")
    from ..app import TinyCRMApp  # textual loads only here

    TinyCRMApp.from_env(env).run()


def tui(ctx: typer.Context) -> None:
    """Open the app (the same as running tinycrm with no command)."""
    open_tui(env_of(ctx))


def register(app: typer.Typer) -> None:
    app.command()(tui)
