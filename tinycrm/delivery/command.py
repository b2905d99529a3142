"""The command channel: ``--exec CMD`` runs ``/bin/sh -c CMD`` with the items
as a JSON array on stdin (for notify-send, a Slack webhook, ...). A non-zero
exit, a timeout, or a shell that can't start is a failed delivery."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Sequence
from datetime import datetime

from ..store.models import QueueItem
from ..store.stopping import stop_later
from .text import as_json

SHELL = "/bin/sh"
TIMEOUT = 120.0


class CommandFailed(Exception):
    pass


def payload(items: Sequence[QueueItem], now: datetime) -> bytes:
    return (json.dumps([as_json(i, now) for i in items], ensure_ascii=False) + "\n").encode("utf-8")


def run(command: str, items: Sequence[QueueItem], now: datetime, *, timeout: float = TIMEOUT) -> None:
    """Run the command once for all ``items``; raise ``CommandFailed`` unless it exits 0.
    Its own output goes where tinycrm's goes (cron mails it)."""
    data = payload(items, now)
    try:
        # A process group of its own: stopping the command stops all of it
        # (`cat | curl ...`), or a part left running would deliver after the
        # items were given back, and the next run would deliver them again.
        proc = subprocess.Popen([SHELL, "-c", command], stdin=subprocess.PIPE, process_group=0)
    except OSError as exc:
        raise CommandFailed(f"can't run {SHELL}: {exc.strerror or exc}") from None
    try:
        proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise CommandFailed(f"the command took longer than {timeout:g} s and was stopped") from None
    except BaseException as exc:
        _stop(proc)
        # Ctrl-C or kill after the command had exited 0, before it was seen
        # to: it delivered, so the items are recorded, then the run ends.
        if proc.returncode == 0 and stop_later(exc):
            return
        raise
    if proc.returncode != 0:
        how = (f"was killed by signal {-proc.returncode}" if proc.returncode < 0
               else f"exited with status {proc.returncode}")
        raise CommandFailed(f"the command {how}")


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass  # gone already
    proc.wait()
