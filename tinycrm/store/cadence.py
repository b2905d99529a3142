"""Keep in touch: a contact with a cadence (its own, or its tags' in the
config) comes due that many local days after its last contact (or its
creation), at the local time of day of that contact, and stands in the
follow-up queue and in reminders beside the follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .followups import _EMAIL, _NEVER, _queue_order, ts
from .models import Contact, QueueItem
from .textutil import as_text
from .timeutil import to_db
from .urgency import urgency
from .when import MAX_PERIOD_DAYS, format_days, local_date, same_local_time

if TYPE_CHECKING:
    from .settings import StoreSettings
    from .store import Store


@dataclass(frozen=True)
class Cadence:
    """A contact's effective keep-in-touch period and where it comes from."""

    days: int
    source: str  # 'contact' or 'tag:NAME'
    due_at: datetime


def cadence_due(base: datetime, days: int) -> datetime:
    """``days`` local days after ``base``, at its local time of day (a call at
    23:30 comes due at 23:30, across a change to or from summer time, as a
    repeating follow-up does); a cadence or base out of range (saved by an
    older version) is clamped rather than overflowing."""
    try:
        return same_local_time(local_date(base) + timedelta(days=min(days, MAX_PERIOD_DAYS)), base)
    except (OverflowError, ValueError):
        return _NEVER


def cadence_of(settings: StoreSettings, contact: Contact) -> Cadence | None:
    """The contact's effective cadence: its own, else its tags' shortest."""
    days, source = contact.cadence_days, "contact"
    if days is None:
        tagged = [(d, t) for t, d in settings.tag_cadence.items() if t in contact.tags]
        if not tagged:
            return None
        days, tag = min(tagged)
        source = f"tag:{tag}"
    days = min(days, MAX_PERIOD_DAYS)
    base = contact.last_contacted_at or contact.created_at
    return Cadence(days=days, source=source, due_at=cadence_due(base, days))


def cadence_items(store: Store, now: datetime, *, owner: str | None = None,
                  until: datetime | None = None, contact_id: int | None = None) -> list[QueueItem]:
    """Contacts with a cadence, as queue items due at ``last contact + cadence``
    (those due before ``until`` only, when given), most urgent first."""
    params: dict[str, Any] = {"max_days": MAX_PERIOD_DAYS}
    extra = ""
    if owner is not None:
        extra += " AND c.owner = :owner"
        params["owner"] = owner
    if contact_id is not None:
        extra += " AND c.id = :contact_id"
        params["contact_id"] = contact_id
    # A cadence longer than the maximum (saved by an older version) counts as the maximum.
    parts = [
        "SELECT c.id AS contact_id, min(c.cadence_days, :max_days) AS days, NULL AS tag"
        f" FROM contacts c WHERE c.cadence_days IS NOT NULL{extra}"
    ]
    cte = ""
    tag_cadence = store.settings.tag_cadence
    if tag_cadence:
        values = ", ".join(f"(:tag{i}, :days{i})" for i in range(len(tag_cadence)))
        for i, (tag, days) in enumerate(sorted(tag_cadence.items())):
            params[f"tag{i}"], params[f"days{i}"] = tag, min(days, MAX_PERIOD_DAYS)
        cte = f"WITH tc(tag, days) AS (VALUES {values}) "
        # A bare column beside min() takes the value of the row with the minimum.
        parts.append(
            "SELECT t.contact_id, min(tc.days), tc.tag FROM contact_tags t"
            " JOIN tc ON tc.tag = t.tag JOIN contacts c ON c.id = t.contact_id"
            f" WHERE c.cadence_days IS NULL{extra} GROUP BY t.contact_id"
        )
    # Whole days in UTC, which SQL can add: within a few hours of the local
    # days that ``cadence_due`` adds, so a day's margin finds every item due.
    due = ("strftime('%Y-%m-%dT%H:%M:%SZ', coalesce(c.last_contacted_at, c.created_at),"
           " '+' || cad.days || ' days')")
    sql = (
        f"{cte}SELECT c.id, c.name, c.tier, c.owner, c.last_contacted_at, cad.days, cad.tag,"
        f" coalesce(c.last_contacted_at, c.created_at), {_EMAIL}"
        f" FROM ({' UNION ALL '.join(parts)}) cad JOIN contacts c ON c.id = cad.contact_id"
    )
    if until is not None:
        sql += f" WHERE {due} < :until"
        params["until"] = to_db(until + timedelta(days=1))
    items = []
    settings = store.settings
    for cid, name, tier, cowner, last, days, tag, base, email in store.conn.execute(sql, params):
        due_at = cadence_due(ts(base), days) if base else _NEVER
        if until is not None and due_at >= until:
            continue
        note = f"keep in touch every {format_days(days)}" + (f" ({as_text(tag)})" if tag else "")
        items.append(QueueItem(
            kind="cadence", contact_id=cid, contact_name=as_text(name), due_at=due_at,
            urgency=urgency(due_at, due_at, tier, now, settings), contact_email=as_text(email),
            contact_tier=tier, owner=cowner, note=note, cadence_days=days,
            last_contacted_at=ts(last),
        ))
    items.sort(key=_queue_order)
    return items
