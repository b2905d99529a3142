"""How a command is stopped: ``kill`` and a closed terminal end it the way
Ctrl-C does, by unwinding; and the few steps that must not be cut short
(recording reminders that have gone out, a restore and its audit entry)
hold every one of them off until they are done. In ``store/`` because the
store's own steps hold them off; the CLI installs the handlers."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_holding = 0
_pending: list[int] = []


def _unwind(signum: int, frame: object) -> None:
    if _holding and not _pending:
        _pending.append(signum)  # after the step that must finish
        return
    signal.signal(signum, signal.SIG_DFL)  # a second one ends it at once
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def unwind_on(*signals: signal.Signals) -> None:
    """Let `kill` (and a closed terminal) end a command the way Ctrl-C does:
    by unwinding, so an export's temporary file is removed and an import's
    transaction rolled back in this process rather than left to SQLite's
    recovery by the next one. Exit status 128 + the signal, as the shell's."""
    for signum in signals:
        if signal.getsignal(signum) == signal.SIG_DFL:  # not nohup'd or ignored
            signal.signal(signum, _unwind)


@contextmanager
def held_off() -> Iterator[None]:
    """Ctrl-C, ``kill`` and a closed terminal wait until the block is done,
    then end the command as they would have (a second one ends it at once):
    for recording what has already happened outside the database, such as
    reminders that have gone out, which a rollback would send again."""
    global _holding
    if threading.current_thread() is not threading.main_thread():
        yield  # (signals only ever reach the main thread)
        return
    ctrl_c = signal.getsignal(signal.SIGINT)
    if ctrl_c is signal.default_int_handler:
        signal.signal(signal.SIGINT, _unwind)
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
        if ctrl_c is signal.default_int_handler:
            signal.signal(signal.SIGINT, ctrl_c)
        if not _holding and _pending:
            _stop_now()


def stop_if_asked() -> None:
    """Within ``held_off``, at a point where nothing has been done yet that
    must be finished (a wait for a lock): end the command now if Ctrl-C or
    ``kill`` came meanwhile."""
    if _pending:
        _stop_now()


def stop_later(stop: BaseException) -> bool:
    """Ctrl-C or ``kill`` caught (``stop``, as ``_unwind`` or Python raised
    it) just after something went out that must be recorded, where raising
    would give it back to be sent again: keep it for the next ``held_off``
    block to end the command with, once that is done. False when ``stop`` is
    not a signal's (an error: raise it)."""
    if isinstance(stop, KeyboardInterrupt):
        signum = signal.SIGINT
    elif (isinstance(stop, SystemExit) and isinstance(stop.code, int)
          and stop.code - 128 in (signal.SIGTERM, signal.SIGHUP)):
        signum = stop.code - 128
    else:
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    if not _pending:
        _pending.append(signum)
    return True


def _stop_now() -> None:
    signum = _pending.pop()
    _pending.clear()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    signal.signal(signum, signal.SIG_DFL)
    raise SystemExit(128 + signum)
