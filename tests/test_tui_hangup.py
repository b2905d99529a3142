"""The app ends when its terminal goes away (an ssh connection dropped, the
terminal window closed), even when it was started with SIGHUP ignored
(`trap '' HUP`): before, it stayed running, a core busy reading the dead terminal's
EOF, forever. The real app, in a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

from .conftest import run_tinycrm

HANG_GUARD = 20  # seconds: only so that a hanging app fails the test instead of hanging it


def start_in_a_terminal(db_path, *, run: list[str] | None = None
                        ) -> tuple[subprocess.Popen, int]:
    """``tinycrm`` (or Python running ``run``) on a new pseudo-terminal of
    100x30 that is its controlling terminal, with SIGHUP ignored; returns the
    process and the terminal's master side."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))

    def with_sighup_ignored() -> None:
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    proc = subprocess.Popen(
        [sys.executable, *(run or ["-m", "tinycrm"]), "--db", str(db_path)],
        stdin=slave, stdout=slave, stderr=slave, preexec_fn=with_sighup_ignored,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    os.close(slave)
    return proc, master


def read_until(master: int, text: bytes) -> None:
    """Read what the app draws until ``text`` is among it."""
    seen = b""
    deadline = time.monotonic() + HANG_GUARD
    while text not in seen:
        assert time.monotonic() < deadline, f"{text!r} never drawn: {seen[-500:]!r}"
        if select.select([master], [], [], 0.1)[0]:
            seen += os.read(master, 65536)


def test_a_closed_terminal_ends_the_app_even_with_sighup_ignored(db_path):
    assert run_tinycrm("add", "Ada Lovelace", db=db_path).returncode == 0
    proc, master = start_in_a_terminal(db_path)
    try:
        read_until(master, b"Ada Lovelace")
        os.write(master, b"n")
        read_until(master, b"Full name")
        os.write(master, b"Charles Babbage")  # a form being edited when the terminal goes
        read_until(master, b"Babbage")
        os.close(master)
        master = -1
        try:
            code = proc.wait(timeout=HANG_GUARD)
        except subprocess.TimeoutExpired:
            pytest.fail("the app kept running after its terminal was closed")
        assert code == 128 + signal.SIGHUP  # as a command ended by SIGHUP
    finally:
        if master != -1:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # What was typed is lost, as with SIGHUP; the database is whole.
    listed = run_tinycrm("list", "--format", "json", db=db_path)
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Ada Lovelace"]
    assert run_tinycrm("db", "check", db=db_path).returncode == 0


# A defect planted in the app (its contact list fails as it opens), then
# `tinycrm` run as the console script runs it.
CRASHING = """
import sys
from tinycrm.cli import main
from tinycrm.screens.contacts import ContactsScreen

def planted_defect(self):
    raise RuntimeError("planted defect")

ContactsScreen.on_mount = planted_defect
sys.argv[0] = "tinycrm"
main()
"""


def test_an_app_that_crashes_ends_with_a_failure_status(db_path):
    """Textual shows the traceback and returns; a wrapper or a script that
    started the app must not read the crash as a normal quit (status 0)."""
    proc, master = start_in_a_terminal(db_path, run=["-c", CRASHING])
    drawn = b""
    try:
        deadline = time.monotonic() + HANG_GUARD
        while proc.poll() is None:
            assert time.monotonic() < deadline, "the app neither crashed nor quit"
            if select.select([master], [], [], 0.1)[0]:
                try:
                    drawn += os.read(master, 65536)
                except OSError:  # (the terminal's last reader gone)
                    break
        code = proc.wait(timeout=HANG_GUARD)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert b"planted defect" in drawn  # the crash it is about
    assert code == 1
