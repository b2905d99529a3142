"""How a reminder reads: one line per item, a plain-text digest, and JSON.

Times for people name their zone (``09:00 CET``): cron often runs with TZ=UTC
while the reader is elsewhere. JSON's own times are ISO-8601 with an offset."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..store.models import QueueItem
from ..store.textutil import strip_controls
from ..store.when import relative, show_zoned


def label(item: QueueItem) -> str:
    if item.followup_id is not None:
        return f"[follow-up {item.followup_id}]"
    return f"[contact {item.contact_id}]"


def line(item: QueueItem, now: datetime) -> str:
    """``2026-11-20 00:00 CET  3d overdue  Ada Lovelace <ada@ex.org>  Send proposal  [follow-up 12]``

    Contact text is stripped of control characters: it is data, never markup."""
    who = strip_controls(item.contact_name)
    if item.contact_email:
        who += f" <{strip_controls(item.contact_email)}>"
    parts = [show_zoned(item.due_at), relative(item.due_at, now, all_day=item.all_day), who]
    if item.note:
        parts.append(strip_controls(item.note))
    parts.append(label(item))
    return "  ".join(parts)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def subject(items: Sequence[QueueItem]) -> str:
    return f"tinycrm: {plural(len(items), 'reminder')} due"


def digest(items: Sequence[QueueItem], now: datetime) -> str:
    """The body of one email: every item, most urgent first."""
    head = f"{plural(len(items), 'item')} due as of {show_zoned(now)}, most urgent first:"
    body = [head, ""]
    body += [line(item, now) for item in items]
    body += [
        "", "-- ",
        "Done: tinycrm follow-up done ID    Later: tinycrm follow-up snooze ID --for 3d",
        "Keep-in-touch items clear when you log a call, email or meeting: tinycrm log REF --kind call TEXT",
    ]
    return "\n".join(body) + "\n"


def as_json(item: QueueItem, now: datetime) -> dict[str, Any]:
    """An item for ``--exec`` commands: the queue fields plus a ready line.
    ``overdue_seconds`` counts from its due time, as it always has: for one
    due all day (``all_day``), from the start of its day, which it is not yet
    overdue on."""
    return {
        **item.to_dict(),
        "overdue_seconds": int((now - item.due_at).total_seconds()),
        "all_day": item.all_day,
        "text": line(item, now),
    }
