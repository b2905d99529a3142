"""The app ends when its terminal goes away, even where SIGHUP is ignored.

A dropped ssh connection or a closed terminal window hangs the terminal up.
The kernel's SIGHUP ends the app then, unless the app was started with SIGHUP
ignored (`trap '' HUP`, a wrapper that ignores it; `nohup` also takes the
terminal away, so the app doesn't start under it): then nothing ended it. Textual's
input thread (8.2.8) reads EOF from the hung-up terminal without stopping, in a
loop that kept a core at 50-100% (the SIGCONT sent with a hang-up makes Textual
start a second one), and its writer thread dies on its first write (EIO).
That dead writer also rules out quitting through Textual: once its queue of 30
is full, App.exit waits on it forever (seen: stuck in WriterThread.stop).
"""

from __future__ import annotations

import os
import select
import signal
import threading


def end_on_hangup(*fds: int) -> None:
    """Watch ``fds`` (the app's terminal) from a thread; when they hang up,
    end the process as SIGHUP's default action does: at once, a form being
    edited lost, the database closed by the kernel with nothing half-written
    (SQLite rolls an unfinished transaction back). Exit status 129, as a
    command ended by SIGHUP. Where poll() can't watch a terminal (macOS's
    says POLLNVAL), nothing is watched."""
    if hasattr(select, "poll"):
        threading.Thread(target=_wait_then_end, args=fds, name="tinycrm-hangup",
                         daemon=True).start()


def _wait_then_end(*fds: int) -> None:
    poller = select.poll()
    for fd in fds:
        # Asking for no events: poll() wakes only for POLLHUP, POLLERR (a
        # broken pipe) or POLLNVAL, never for keys typed, which stay the
        # input thread's to read.
        poller.register(fd, 0)
    watched = set(fds)
    while watched:
        for fd, happened in poller.poll():
            if happened & select.POLLNVAL:
                poller.unregister(fd)
                watched.discard(fd)
            else:
                os._exit(128 + signal.SIGHUP)  # (from a thread: no SystemExit)
