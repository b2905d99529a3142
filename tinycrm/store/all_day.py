"""Counting follow-ups due all day in SQL: done on their day, they are on time.

A follow-up due at the start of a local day (a date given alone) is due that
whole day (``when.is_all_day``). The report's indexes (m052) key a follow-up
as kept when ``done_at <= due_at``, so one done later on its day is keyed late;
the queries that count it on time take those back. SQL can't tell which
moments start a local day (the zone, summer time, a day starting at 01:00), so
they are given the days in question as a table, ``days(s, e)``: each day's
start and the next day's, worked out as a typed date is (``when.at_local``).
A follow-up keyed late and due at the very start of one of them, done before
its end, was done on its day: one index seek per day finds them.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from sqlite3 import Connection

from .timeutil import from_db, to_db
from .when import at_local, local_date

# The kept and missed keys of the report's indexes followups_owner_kept and
# followups_rule_kept (m052), as their expressions must be written to use them.
KEPT = "(missed_at IS NULL AND done_at <= due_at)"
WHEN = "coalesce(missed_at, due_at)"

DAYS_CTE = ("days(s, e) AS MATERIALIZED (SELECT json_extract(value, '$[0]'),"
            " json_extract(value, '$[1]') FROM json_each(:days))")

# Done on its day, though keyed late: the count of such follow-ups among
# those an index {index} finds by {where} (say, one owner's). (CROSS JOIN:
# day by day, a seek each; the other way round reads every late one.)
DONE_ON_THEIR_DAY = (
    "(SELECT count(*) FROM days CROSS JOIN followups INDEXED BY {index} WHERE {where}"
    f" AND status = 'done' AND {KEPT} = 0 AND {WHEN} = days.s"
    " AND missed_at IS NULL AND done_at < days.e)"
)


def earliest_done_late(conn: Connection, *, at_least: datetime | None = None) -> datetime | None:
    """The earliest due time (or time missed) of a follow-up keyed late, at
    ``at_least`` or after: no follow-up done on its day can be due before it.
    One seek per owner."""
    after = f" AND {WHEN} >= :at_least" if at_least is not None else ""
    row = conn.execute(
        "WITH RECURSIVE o(v) AS (SELECT min(owner) FROM followups UNION ALL"
        " SELECT (SELECT min(owner) FROM followups WHERE owner > o.v) FROM o"
        " WHERE o.v IS NOT NULL)"
        f" SELECT min((SELECT min({WHEN}) FROM followups INDEXED BY followups_owner_kept"
        f" WHERE owner = o.v AND status = 'done' AND {KEPT} = 0{after})) FROM o"
        " WHERE v IS NOT NULL",
        {"at_least": to_db(at_least) if at_least is not None else None},
    ).fetchone()
    return from_db(row[0]) if row and row[0] else None


# Days listed at a time from a follow-up keyed late before looking for the
# next one: a seek per month of them, not per day, and none for the years
# between a follow-up mistakenly due in 1826 and the rest.
_RUN_DAYS = 31


def days(conn: Connection, since: datetime | None, until: datetime) -> str:
    """``days`` for ``DAYS_CTE``: JSON ``[[start, next start], ...]`` of the
    local days that start in ``[since, until)`` (from the first follow-up
    keyed late, without ``since``), but for runs of them that no follow-up
    keyed late is due in."""
    bounds: list[tuple[str, str]] = []
    cursor = since
    while cursor is None or cursor < until:
        first = earliest_done_late(conn, at_least=cursor)
        if first is None or first >= until:
            break
        day = local_date(first)
        start = at_local(day)
        for _ in range(_RUN_DAYS):
            if start >= until:
                break
            end = at_local(day + timedelta(days=1))
            if since is None or start >= since:
                bounds.append((to_db(start), to_db(end)))
            day, start = day + timedelta(days=1), end
        cursor = start
    return json.dumps(bounds)
