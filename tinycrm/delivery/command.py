"""The command channel: ``--exec CMD`` runs ``/bin/sh -c CMD`` with the items
as a JSON array on stdin (for notify-send, a Slack webhook, ...). A non-zero
exit, a timeout, or a shell that can't start is a failed delivery."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from datetime import datetime

from ..store.models import QueueItem
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
    try:
        result = subprocess.run([SHELL, "-c", command], input=payload(items, now), timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CommandFailed(f"the command took longer than {timeout:g} s and was stopped") from None
    except OSError as exc:
        raise CommandFailed(f"can't run {SHELL}: {exc.strerror or exc}") from None
    if result.returncode != 0:
        how = (f"was killed by signal {-result.returncode}" if result.returncode < 0
               else f"exited with status {result.returncode}")
        raise CommandFailed(f"the command {how}")
