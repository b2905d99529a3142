"""`tinycrm` with no command, and `tinycrm tui`: open the Textual app."""

from __future__ import annotations

import os
import signal
import sys

import typer

from ..context import Env
from ..store.errors import EXIT_USAGE, TinyCRMError
from .options import env_of


class NotATerminal(TinyCRMError):
    exit_code = EXIT_USAGE


def open_tui(env: Env) -> None:
    """Run the app on the env's database, with the config's [keymap]."""
    if sys.stdin is None or not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise NotATerminal("the app needs a terminal; see `tinycrm --help` for the commands")
    # Textual paints a changed screen on its next frame tick; at its default
    # 60 per second that tick alone adds up to 17 ms to every keystroke's answer.
    # Frames are only drawn when something changed, so a faster tick costs
    # nothing while idle. TEXTUAL_FPS set by the user wins.
    os.environ.setdefault("TEXTUAL_FPS", "120")
    from ..app import TinyCRMApp  # textual is imported only here
    from ..hangup import end_on_hangup

    for signum in (signal.SIGTERM, signal.SIGHUP):
        # The CLI's unwinding handlers (cli.main) are for commands; Textual
        # runs its own loop, which an exception raised inside it would skip.
        if signal.getsignal(signum) not in (signal.SIG_IGN, None):
            signal.signal(signum, signal.SIG_DFL)
    app = TinyCRMApp.from_env(env)  # (a mistake in the config stops it here)
    # With SIGHUP ignored, a closed terminal would leave the app running
    # (spinning on the dead terminal's EOF): see hangup.py. Textual reads
    # stdin and writes to stderr.
    end_on_hangup(*(f.fileno() for f in (sys.__stdin__, sys.__stderr__) if f is not None))
    app.run()
    if app.return_code:  # a crash: Textual showed its traceback and returned
        raise SystemExit(app.return_code)


def tui(ctx: typer.Context) -> None:
    """Open the app (the same as running tinycrm with no command)."""
    open_tui(env_of(ctx))


def register(app: typer.Typer) -> None:
    app.command()(tui)
