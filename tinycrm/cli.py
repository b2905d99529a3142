"""The Typer CLI: thin commands that parse, call the store, and print.

Command groups live in ``tinycrm/commands/``, one module per concern; this file
only builds the root app, its global options, and the one place where store
errors become a message on stderr and a documented exit code.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import sqlite3
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from .commands.metavars import ConventionalTyper
from .commands.numbers import strict_numbers
from .context import WAIT_FOR_IMPORTS, Env
from .store.errors import (
    EXIT_BUSY,
    Ambiguous,
    TinyCRMError,
    cut,
    is_read_only,
    read_only_message,
)
from .store.textutil import bytes_shown, one_line, strip_controls, undecodable

if TYPE_CHECKING:
    import click


class CRMGroup(TyperGroup):
    """Turns a user's mistake into a one-line message and an exit code, never a traceback."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        strict_numbers(self)  # (--wait, TINYCRM_WAIT)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TinyCRMError as exc:
            _error(exc.message)
            if isinstance(exc, Ambiguous) and exc.candidates:
                from .output import write_small_table

                write_small_table([c.split("\t") for c in exc.candidates],
                                  ("id", "name", "email", "company"), sys.stderr)
            ctx.exit(exc.exit_code)
        except sqlite3.OperationalError as exc:
            from .store.busy import OTHER_WRITER, is_locked

            if is_locked(exc):
                # Where a write takes the lock other than through Store.write (a migration).
                _error(OTHER_WRITER)
                ctx.exit(EXIT_BUSY)
            if is_read_only(exc):
                _error(read_only_message(ctx.obj.db_path))
                ctx.exit(1)
            _error(f"database error: {exc}")
            ctx.exit(1)
        except sqlite3.DatabaseError as exc:
            if type(exc) is not sqlite3.DatabaseError:
                raise  # a constraint or misuse: our bug, not the file's
            # "database disk image is malformed", "file is not a database":
            # the file was damaged after it was opened.
            _error(f"the database file is damaged ({exc}): see `tinycrm db check`")
            ctx.exit(1)
        except BrokenPipeError:
            # `tinycrm list | head` closed the pipe: that's fine.
            sys.stderr.close()
            ctx.exit(0)
        except OSError as exc:
            if exc.filename is None and (exc.errno in _FULL or exc.errno == errno.EBADF):
                # What the output went to can't take it (`> /dev/full`, a full disk).
                _error(f"can't write the output: {exc.strerror}")
                _drop_stdout()
            else:
                _error(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))
            ctx.exit(1)
        except OverflowError as exc:
            # A number past what SQLite stores (an id or a limit of 20 digits).
            _error(f"a number is out of range ({exc})")
            ctx.exit(2)
        except UnicodeEncodeError as exc:
            if "surrogates" not in str(exc):
                # Output that stdout's encoding can't hold (PYTHONIOENCODING=ascii,
                # a Latin-1 locale): data would be lost, so say so rather than guess.
                encoding = getattr(sys.stdout, "encoding", None) or exc.encoding
                letter = exc.object[exc.start]
                _error(f"the output's encoding ({encoding}) can't show {letter!r}"
                       f" (U+{ord(letter):04X}): use a UTF-8 locale (LANG=C.UTF-8)"
                       " or PYTHONIOENCODING=utf-8")
                ctx.exit(1)
            # Bytes that are not UTF-8 reach Python as lone surrogates, which
            # can't be stored or printed: from an argument, a variable or stdin.
            _error("some input is not valid UTF-8 (an argument, an environment variable or"
                   " standard input)")
            ctx.exit(2)


_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}  # (EIO may be a read as well)


def _drop_stdout() -> None:
    """Send what is still buffered for stdout nowhere: it can't be written,
    and Python would say so again, with a traceback, at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):
        pass  # no real stdout (in-process)


class _ClosedStdout(io.TextIOBase):
    """Standard output when there is none: writing to it fails as writing
    to a closed descriptor does (one line, exit 1), not with an AttributeError."""

    def write(self, text: str) -> int:
        if not text:
            return 0
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


def _error(message: str) -> None:
    # (A path's bytes that are not UTF-8 as \xe9, as ``say`` shows them.)
    sys.stderr.write("tinycrm: error: " + strip_controls(cut(bytes_shown(message)),
                                                         keep_newlines=True) + "\n")


app = ConventionalTyper(
    cls=CRMGroup,
    help="tinycrm: a terminal-first CRM. Run with no command to open the app.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="PATH", envvar="TINYCRM_DB", help="Database file to use."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option("--user", metavar="NAME", envvar="TINYCRM_USER",
                     help="Who is acting (default: your login)."),
    ] = None,
    no_rules: Annotated[
        bool, typer.Option("--no-rules", help="Don't apply response-time rules to this change.")
    ] = False,
    wait: Annotated[
        int,
        typer.Option("--wait", metavar="SECONDS", envvar="TINYCRM_WAIT", min=0,
                     help="How long a change may wait for another program's write lock"
                          " (an import's; for anything else, 10 s at most)."),
    ] = WAIT_FOR_IMPORTS,
) -> None:
    # (Click takes an empty variable for an unset one: `TINYCRM_DB=$DB` with DB unset.)
    if db is None and os.environ.get("TINYCRM_DB") == "":
        db = ""
    if user is None and os.environ.get("TINYCRM_USER") == "":
        user = ""
    if (os.environ.get("TINYCRM_WAIT") == ""
            and getattr(ctx.get_parameter_source("wait"), "name", None) == "DEFAULT"):
        # (`TINYCRM_WAIT=$SECS` with SECS unset: not the 30 minutes a script meant to cut.)
        raise typer.BadParameter("an empty number of seconds", param_hint="--wait / TINYCRM_WAIT")
    if db is not None and not db.strip():
        # (`--db "$DB"` with DB unset: not the default database, silently.)
        raise typer.BadParameter("an empty path", param_hint="--db / TINYCRM_DB")
    if user is not None:
        if undecodable(user):
            raise typer.BadParameter("not valid UTF-8", param_hint="--user / TINYCRM_USER")
        if one_line(user) is None:
            # (`--user "$ME"` with ME unset: not the login's name, silently;
            # nor a name of zero-width spaces, kept as "unknown".)
            raise typer.BadParameter("an empty name", param_hint="--user / TINYCRM_USER")
    env = Env(db_option=db, user_option=user, apply_rules=not no_rules, wait=wait)
    ctx.obj = env
    ctx.call_on_close(env.close)
    if ctx.invoked_subcommand is None:
        from .commands.tui import open_tui

        open_tui(env)


def _register() -> None:
    from .commands import contacts, crm, database, followups, porting, tui

    for module in (contacts, followups, porting, crm, database, tui):
        module.register(app)


_register()


def main() -> None:
    # The same commands, built on first use (see fastcli.py): a short command
    # doesn't pay for building every other one.
    from .fastcli import lazy_root
    from .store.stopping import unwind_on

    unwind_on(signal.SIGTERM, signal.SIGHUP)
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        sys.stdout = _ClosedStdout()
    try:
        lazy_root(app)(prog_name="tinycrm")
    except OSError as exc:
        # The root's own --help is printed while its options are parsed,
        # before CRMGroup.invoke can catch anything (`tinycrm --help >&-`).
        if exc.filename is not None or exc.errno not in (*_FULL, errno.EBADF):
            raise
        _error(f"can't write the output: {exc.strerror}")
        _drop_stdout()
        raise SystemExit(1) from None
    finally:
        # Output still in stdout's buffer is written here, past the command's
        # own error handling: a full disk must not end in a traceback.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _drop_stdout()
        except OSError as exc:
            _error(f"can't write the output: {exc.strerror or exc}")
            _drop_stdout()
            raise SystemExit(1) from None
