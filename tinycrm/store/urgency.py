"""The urgency score that orders the follow-up queue, in Python (``urgency``)
and as SQL (``urgency_sql``), which must agree.

Urgency
-------
The queue is ordered by an urgency score in the manner of taskwarrior: a sum
of weighted terms, highest first (ties: earliest due, then lowest id)::

    urgency = 12.0 × due  +  tier  +  1.0 × age

    due   how overdue it is: 1.0 once 7 or more days overdue, 0.2 when due 14
          or more days from now, linear in between (0.73 when due right now);
          so one more day overdue adds about 0.46. A follow-up due all day
          (``when.is_all_day``) is due right now all that day, and the day
          after one day overdue (from the start of its day, as before it)
    tier  +3.0 for a tier listed before the default tier in ``[crm] tiers``
          (``vip``), -1.0 for one listed after it (``low``), 0 for the default
    age   days since the follow-up was created, capped at 365, divided by 365
          (for a cadence item: days since it came due)

So how overdue an item is counts most (up to 9.6 points, about 0.46 a day),
then its tier (a VIP is worth about 6.5 days of overdue-ness), then its age
(at most 1 point, about two days of overdue-ness, for a year-old item).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .when import day_over

if TYPE_CHECKING:
    from .settings import StoreSettings

DUE_COEFFICIENT = 12.0
OVERDUE_FULL_DAYS = 7.0
AHEAD_FLOOR_DAYS = 14.0
DUE_FLOOR = 0.2
TIER_UP = 3.0
TIER_DOWN = -1.0
AGE_COEFFICIENT = 1.0
AGE_FULL_DAYS = 365.0


def tier_groups(settings: StoreSettings) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tiers ranked above the default tier, tiers ranked below it)."""
    tiers = tuple(settings.tiers)
    if settings.default_tier not in tiers:
        return (), ()
    i = tiers.index(settings.default_tier)
    return tiers[:i], tiers[i + 1:]


def due_factor(days_overdue: float) -> float:
    if days_overdue >= OVERDUE_FULL_DAYS:
        return 1.0
    if days_overdue <= -AHEAD_FLOOR_DAYS:
        return DUE_FLOOR
    span = OVERDUE_FULL_DAYS + AHEAD_FLOOR_DAYS
    return DUE_FLOOR + (1.0 - DUE_FLOOR) * (days_overdue + AHEAD_FLOOR_DAYS) / span


def urgency(
    due_at: datetime, created_at: datetime | None, tier: str | None, now: datetime,
    settings: StoreSettings, *, groups: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    all_day: bool = False,
) -> float:
    """The urgency score (see the module docs). ``groups``: ``tier_groups(settings)``,
    when scoring many items; ``all_day``: it is due all day (``when.is_all_day``)."""
    up, down = groups or tier_groups(settings)
    days_overdue = (now - due_at).total_seconds() / 86400
    if all_day and 0 < days_overdue and now < day_over(due_at):
        days_overdue = 0.0  # (its day has yet to pass: it is due now)
    age_days = 0.0 if created_at is None else (now - created_at).total_seconds() / 86400
    age = min(max(age_days, 0.0), AGE_FULL_DAYS) / AGE_FULL_DAYS
    tier_weight = TIER_UP if tier in up else TIER_DOWN if tier in down else 0.0
    return DUE_COEFFICIENT * due_factor(days_overdue) + tier_weight + AGE_COEFFICIENT * age


def julian_day(dt: datetime) -> float:
    return dt.timestamp() / 86400 + 2440587.5


def urgency_sql(settings: StoreSettings, params: dict[str, Any]) -> str:
    """The same score as ``urgency()``, as SQL over ``f`` (followups); needs
    ``:now_jd`` and ``:today_start`` in ``params`` and adds the tier names. A
    follow-up due at the start of today is due all day: due now. The tier term tests
    ``f.contact_id`` against the (small, built once per query) lists of
    contacts in a ranked tier, so ranking needs no row of ``contacts`` and
    can run on a covering index of ``followups`` alone."""
    up, down = tier_groups(settings)
    # (Of the follow-ups due all day, only those due today are due now: the
    # others are ahead, or days overdue, as their due time has it.)
    d = "(CASE WHEN f.due_at = :today_start THEN 0.0 ELSE :now_jd - julianday(f.due_at) END)"
    span = OVERDUE_FULL_DAYS + AHEAD_FLOOR_DAYS
    due = (
        f"(CASE WHEN {d} >= {OVERDUE_FULL_DAYS} THEN 1.0 WHEN {d} <= -{AHEAD_FLOOR_DAYS}"
        f" THEN {DUE_FLOOR} ELSE {DUE_FLOOR} + {1.0 - DUE_FLOOR} * ({d} + {AHEAD_FLOOR_DAYS})"
        f" / {span} END)"
    )
    tier = "0.0"
    for name, values, weight in (("down", down, TIER_DOWN), ("up", up, TIER_UP)):
        if values:
            marks = ", ".join(f":tier_{name}{i}" for i in range(len(values)))
            params.update({f"tier_{name}{i}": v for i, v in enumerate(values)})
            tier = (f"(CASE WHEN f.contact_id IN (SELECT id FROM contacts WHERE tier IN ({marks}))"
                    f" THEN {weight} ELSE {tier} END)")
    age = f"(min(max(:now_jd - julianday(f.created_at), 0.0), {AGE_FULL_DAYS}) / {AGE_FULL_DAYS})"
    return f"({DUE_COEFFICIENT} * {due} + {tier} + {AGE_COEFFICIENT} * {age})"
