"""Follow-ups gone from calendars, and the SEQUENCE their events count from.

``export --format ics`` writes a follow-up's event while it is open and, for
``CLOSED_WINDOW`` after it was closed, as a cancelled event. One that goes
otherwise leaves a row in ``followups_gone`` (m055), kept as long: deleted
(with its contact, by an import's undo, an erasure), handed over to another
owner (gone from the old owner's export), or lost by a ``db restore`` of a
backup made before it. The export writes it as a cancelled event under the
UID it had, with a larger SEQUENCE. The row holds nothing of the person
(no name, note or contact): its id and creation time (the UID), the owner
whose export had it, its due time (the event's date) and that SEQUENCE. An
erased person's follow-ups go from calendars with the rest of them.

SEQUENCE (``sequence``) is the seconds from a follow-up's creation to its last
change, plus its changes (``revision``). A restore took a follow-up back to
an older change, below the SEQUENCE calendars had; it is now counted from
``sequence_floor`` when that is later: the time of the last restore, or
later still where a follow-up changed more often than once a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from .models import GoneFollowUp
from .timeutil import to_db

# How long a follow-up closed or gone goes on being written (cancelled): an
# export re-imported within that time takes its event away.
CLOSED_WINDOW = timedelta(days=30)

_SECONDS = "CAST(strftime('%s', {}) AS INTEGER)"


def _sequence_sql(floor: str) -> str:
    """``sequence`` of the row ``f`` in SQL, counted from ``floor`` (SQL)."""
    return (f"coalesce(max(0, {_SECONDS.format(f'max(f.updated_at, {floor})')}"
            f" - {_SECONDS.format('f.created_at')}), 0) + f.revision")


def sequence(created_at: datetime, updated_at: datetime, revision: int,
             floor: datetime | None) -> int:
    """An exported event's SEQUENCE: it grows with every change to the
    follow-up (a reschedule, a snooze, two within a second too), and never
    falls back, not even across a restore (``floor``)."""
    last = max(updated_at, floor) if floor is not None else updated_at
    return max(0, int((last - created_at).total_seconds())) + revision


def floor(conn) -> datetime | None:
    text = _floor_text(conn)
    return datetime.fromisoformat(text) if text else None


def settle(conn, now: datetime) -> None:
    """After a deletion, in its write: the follow-ups it took went at ``now``
    (the trigger that kept them has no clock of ours); those gone before
    the window are forgotten."""
    conn.execute("UPDATE followups_gone SET gone_at = ? WHERE gone_at IS NULL", [to_db(now)])
    conn.execute("DELETE FROM followups_gone WHERE gone_at < ?", [to_db(now - CLOSED_WINDOW)])


def iter_gone(conn, since: datetime, *, owner: str | None = None) -> Iterator[GoneFollowUp]:
    """Follow-ups gone at ``since`` or later (from ``owner``'s export, or
    from everyone's), one per UID, in id order. One that is back (a restore
    brought it back, or it was handed back) is the export's as it is now."""
    mine = "{}.owner = :owner" if owner is not None else "1"
    cursor = conn.execute(
        # (The other columns are those of the row with the largest sequence.)
        "SELECT followup_id, created_at, owner, due_at, max(sequence), gone_at"
        " FROM followups_gone g WHERE (gone_at IS NULL OR gone_at >= :since)"
        f" AND {mine.format('g')} AND NOT EXISTS (SELECT 1 FROM followups f"
        f"  WHERE f.id = g.followup_id AND f.created_at = g.created_at AND {mine.format('f')})"
        " GROUP BY followup_id, created_at ORDER BY followup_id, created_at",
        {"since": to_db(since), "owner": owner})
    while rows := cursor.fetchmany(500):
        for row in rows:
            yield GoneFollowUp(
                id=row[0], created_at=datetime.fromisoformat(row[1]), owner=row[2],
                due_at=datetime.fromisoformat(row[3]), sequence=row[4],
                gone_at=datetime.fromisoformat(row[5]) if row[5] else None)


# -- db restore -----------------------------------------------------------------------
#
# The database replaced had exported its follow-ups: what calendars may hold
# of it is kept aside (a TEMP table: the backup API replaces "main" only),
# then, once the backup is in, the follow-ups it lacks (made since the
# backup, or handed over since) go from calendars, and those it brings back
# count their SEQUENCE from above what the calendars have.

_KEPT = "temp.calendar_before_restore"


def keep_before_restore(conn, now: datetime) -> str:
    """What calendars may hold of the database about to be replaced: its
    open follow-ups, those closed or gone within the window, each with the
    SEQUENCE that replaces its event (one above what it was exported with).
    Returns its ``sequence_floor``, for ``carry_over_restore``."""
    since, floor_text = to_db(now - CLOSED_WINDOW), _floor_text(conn)
    conn.execute(f"DROP TABLE IF EXISTS {_KEPT}")
    conn.execute(
        f"CREATE TABLE {_KEPT} AS"
        f" SELECT f.id AS followup_id, f.created_at, f.owner, f.due_at,"
        f" {_sequence_sql(':floor')} + 1 AS sequence,"
        " CASE WHEN f.status = 'open' THEN NULL ELSE f.updated_at END AS gone_at"
        " FROM main.followups f WHERE f.status = 'open' OR f.updated_at >= :since"
        " UNION ALL SELECT followup_id, created_at, owner, due_at, sequence + 1, gone_at"
        " FROM main.followups_gone WHERE gone_at IS NULL OR gone_at >= :since",
        {"since": since, "floor": floor_text})
    return floor_text


def carry_over_restore(conn, now: datetime, replaced_floor: str) -> None:
    """Once the backup is in (and brought up to date), in the restore's
    write: what ``keep_before_restore`` kept that the backup lacks goes from
    calendars, and SEQUENCE counts from a floor that puts what it brings
    back above the events calendars have of it."""
    if not conn.execute("SELECT 1 FROM sqlite_temp_master WHERE name = ?",
                        [_KEPT.split(".")[1]]).fetchone():
        return
    # The follow-ups back: f.revision plus the seconds from f.created_at to
    # the floor must reach the sequence kept.
    (needed,) = conn.execute(
        "SELECT max(strftime('%Y-%m-%dT%H:%M:%SZ', f.created_at,"
        "  (k.sequence - f.revision) || ' seconds'))"
        f" FROM {_KEPT} k JOIN followups f ON f.id = k.followup_id"
        " AND f.created_at = k.created_at").fetchone()
    conn.execute("UPDATE sequence_floor SET at = max(at, ?, ?, coalesce(?, '')) WHERE id = 1",
                 [to_db(now), replaced_floor, needed])
    conn.execute(
        "INSERT INTO followups_gone (followup_id, created_at, owner, due_at, sequence, gone_at)"
        " SELECT k.followup_id, k.created_at, k.owner, k.due_at, k.sequence,"
        f" coalesce(k.gone_at, :now) FROM {_KEPT} k WHERE NOT EXISTS ("
        "  SELECT 1 FROM followups f WHERE f.id = k.followup_id"
        "  AND f.created_at = k.created_at AND f.owner = k.owner)",
        {"now": to_db(now)})
    conn.execute(f"DROP TABLE {_KEPT}")
    settle(conn, now)


def _floor_text(conn) -> str:
    row = conn.execute("SELECT at FROM sequence_floor WHERE id = 1").fetchone()
    return row[0] if row else ""
