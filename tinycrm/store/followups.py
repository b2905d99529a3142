"""Follow-ups, keep-in-touch cadences, and the urgency-ordered queue.

Every write runs in one ``store.write()`` transaction and leaves a timeline
event (kind ``followup``, ``data.action`` created/done/snoozed/rescheduled/
cancelled) and an audit entry (entity ``followup``) beside the change.

The queue's order, an urgency score, is in ``urgency``.

Keep-in-touch cadence (``cadence``)
-----------------------------------
A contact's cadence is its own ``cadence_days`` (``tinycrm cadence REF 30d``),
else the shortest ``[cadence]`` period of its tags. It comes due that many
local days after ``last_contacted_at`` (creation time if never contacted),
so logging a call, email or meeting resets the clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .errors import Conflict, NotFound, ValidationError
from .models import Contact, FollowUp, QueueItem
from .textutil import as_text, one_line, strip_controls
from .timeutil import DATE_RANGE, in_range, to_db, to_local
from .urgency import julian_day, urgency, urgency_sql
from .when import (
    MAX_PERIOD_DAYS,
    after_period,
    at_local,
    has_passed,
    is_all_day,
    local,
    local_date,
    parse_period,
    period_days,
    show_local,
    start_of_day,
)

if TYPE_CHECKING:
    from .cadence import Cadence
    from .store import Store

VIEWS = ("open", "overdue", "today", "week", "upcoming", "all")
EVENT_KIND = "followup"
AUDIT_ENTITY = "followup"


def next_followup_id(conn) -> int:
    """The id after every id a follow-up has had (``followup_id_mark``,
    m057): a deleted one's is not given again, as its audit entries (and a
    script that kept it) still name it."""
    return conn.execute(
        "SELECT max(coalesce((SELECT max(id) FROM followups), 0),"
        " (SELECT last FROM followup_id_mark WHERE id = 1)) + 1").fetchone()[0]

# What a date too far off to compute (from a row saved before dates had a
# range) is taken as: never due, and still shown.
_NEVER = datetime(9999, 12, 31, tzinfo=timezone.utc)
_EMAIL = "(SELECT e.email FROM contact_emails e WHERE e.contact_id = c.id ORDER BY e.position LIMIT 1)"
_COLUMNS = (
    "f.id, f.contact_id, c.name, f.due_at, f.note, f.owner, f.status, f.every, f.rule,"
    " f.created_at, f.updated_at, f.done_at, c.tier, f.snoozes, f.previous_id, " + _EMAIL
    + ", f.revision, f.missed_at"
)


_URGENCY = 18  # (where a ranked list's query puts the urgency, after _COLUMNS)
# Overdue: due by now, but not all day today. A follow-up due at the start
# of a local day is due all that day (when.is_all_day); of those due by now,
# only the one due at the start of today has a day not yet over.
_OVERDUE = "f.due_at <= :now AND f.due_at != :today_start"


def ts(value: str | None) -> datetime | None:
    """A stored time (``2026-11-23T09:30:00Z``) as an aware UTC datetime; the
    same as ``timeutil.from_db``, without strptime's cost on large batches."""
    return datetime.fromisoformat(value) if value else None


def _followup(row: Sequence[Any], urgency: float | None = None) -> FollowUp:
    return FollowUp(
        id=row[0], contact_id=row[1], contact_name=as_text(row[2]), due_at=ts(row[3]),
        note=as_text(row[4]),
        owner=row[5], status=row[6], every=row[7], rule=row[8], created_at=ts(row[9]),
        updated_at=ts(row[10]), done_at=ts(row[11]), contact_tier=row[12],
        snoozes=row[13], previous_id=row[14], contact_email=as_text(row[15]), urgency=urgency,
        revision=row[16], missed_at=ts(row[17]),
    )


def scored_followup(row: Sequence[Any], now: datetime, settings, *, groups=None) -> FollowUp:
    """A row of ``_COLUMNS`` as a FollowUp with its urgency at ``now``."""
    due = ts(row[3])
    return _followup(row, urgency(due, ts(row[9]), row[12], now, settings, groups=groups,
                                  all_day=is_all_day(due)))


# -- helpers ------------------------------------------------------------------------


def clean_note(note: str | None) -> str:
    return " ".join(strip_controls(note or "").split())


def clean_every(every: str | None) -> str | None:
    """``'2 weeks'`` -> ``'2w'``; recurrences are whole days."""
    if every is None or not str(every).strip():
        return None
    period_days(every)
    return str(parse_period(every))


def _aware(dt: datetime, what: str) -> datetime:
    if not isinstance(dt, datetime) or dt.tzinfo is None:
        raise ValidationError(f"{what} needs a date and time with a time zone")
    if not in_range(to_local(dt)):  # as a WHEN is checked: by its local date
        raise ValidationError(f"{what} is out of range: use a date from {DATE_RANGE}")
    return dt


def _recurrence(every: str) -> str:
    """A stored ``every`` to schedule the next occurrence with; one saved
    before periods had a maximum is taken as the maximum, so that completing
    it never fails."""
    try:
        return clean_every(every) or every
    except ValidationError:
        return f"{MAX_PERIOD_DAYS}d"


def _snapshot(followup: FollowUp) -> dict[str, Any]:
    return {
        "due_at": to_db(followup.due_at), "owner": followup.owner, "note": followup.note,
        "every": followup.every, "rule": followup.rule, "status": followup.status,
    }


class FollowUps:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # -- reading -------------------------------------------------------------------

    def get(self, followup_id: int, *, now: datetime | None = None) -> FollowUp:
        """The follow-up; with ``now``, an open one has its urgency then (as
        the queue would rank it)."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM followups f JOIN contacts c ON c.id = f.contact_id"
            " WHERE f.id = ?", [followup_id],
        ).fetchone()
        if row is None:
            raise NotFound(f"no follow-up with id {followup_id}")
        if now is None or row[6] != "open":
            return _followup(row)
        return scored_followup(row, now, self.store.settings)

    def next_of(self, followup_id: int) -> FollowUp | None:
        """The recurrence that completing ``followup_id`` scheduled, if any."""
        row = self.conn.execute(
            "SELECT id FROM followups WHERE previous_id = ? ORDER BY id DESC LIMIT 1", [followup_id]
        ).fetchone()
        return self.get(row[0]) if row else None

    def _where(self, view: str, now: datetime, params: dict[str, Any]) -> list[str]:
        if view not in VIEWS:
            raise ValidationError(f"unknown view {view!r}: use one of {', '.join(VIEWS)}")
        where = [] if view == "all" else ["f.status = 'open'"]
        # (Due this very second is due: overdue, as the queue and remind have it.)
        if view == "overdue":
            where.append(_OVERDUE)
            params["today_start"] = to_db(start_of_day(now))
        elif view == "upcoming":
            where.append("f.due_at > :now")
        elif view in ("today", "week"):
            where.append("f.due_at >= :day_start AND f.due_at < :day_end")
            params["day_start"] = to_db(start_of_day(now))
            params["day_end"] = to_db(start_of_day(now, 1 if view == "today" else 7))
        return where

    def list(
        self,
        *,
        view: str = "open",
        owner: str | None = None,
        contact_id: int | None = None,
        now: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
        until: datetime | None = None,
    ) -> list[FollowUp]:
        """Follow-ups in urgency order (``all`` puts open ones first).

        Views: ``open`` (default), ``overdue`` (due now or before; one due all
        day, once its day is over), ``today``
        (due during today's local date), ``week`` (today and the 6 days
        after), ``upcoming`` (due later than now), ``all`` (any status).
        ``until`` keeps those due before it."""
        params: dict[str, Any] = {"limit": -1 if limit is None else limit, "offset": offset}
        ranking = self._ranking(view, owner, contact_id, until, now or self.store.now(), params)
        # Rank the ids first (from the index alone), then read the details of
        # only the rows kept.
        sql = (
            f"WITH picked AS MATERIALIZED ({ranking})"
            f" SELECT {_COLUMNS}, picked.urgency, picked.open FROM picked"
            " JOIN followups f ON f.id = picked.id JOIN contacts c ON c.id = f.contact_id"
            f" ORDER BY {'NOT picked.open, ' if view == 'all' else ''}picked.urgency DESC,"
            " f.due_at, f.id"
        )
        return [
            _followup(row, row[_URGENCY] if row[6] == "open" else None)
            for row in self.conn.execute(sql, params)
        ]

    def iter_open(self, *, owner: str | None = None, chunk: int = 1000) -> Iterator[FollowUp]:
        """Every open follow-up in due order, read a chunk at a time (for export)."""
        where, params = "f.status = 'open'", []
        if owner is not None:
            where += " AND f.owner = ?"
            params.append(owner)
        last: tuple[str, int] = ("", 0)
        while True:
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM followups f JOIN contacts c ON c.id = f.contact_id"
                f" WHERE {where} AND (f.due_at, f.id) > (?, ?) ORDER BY f.due_at, f.id LIMIT ?",
                [*params, *last, chunk],
            ).fetchall()
            if not rows:
                return
            yield from (_followup(row) for row in rows)
            last = (rows[-1][3], rows[-1][0])

    def iter_closed(self, since: datetime, *, owner: str | None = None,
                    chunk: int = 1000) -> Iterator[FollowUp]:
        """Every follow-up done or cancelled whose last change (closing it, or
        one since) was at ``since`` or later, in id order, a chunk at a time
        (for export: a calendar that has it as an event takes it away)."""
        where, params = "f.status != 'open' AND f.updated_at >= ?", [to_db(since)]
        if owner is not None:
            where += " AND f.owner = ?"
            params.append(owner)
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM followups f JOIN contacts c ON c.id = f.contact_id"
                f" WHERE {where} AND f.id > ? ORDER BY f.id LIMIT ?", [*params, last, chunk],
            ).fetchall()
            if not rows:
                return
            yield from (_followup(row) for row in rows)
            last = rows[-1][0]

    def explain(self, *, view: str = "overdue", owner: str | None = None,
                now: datetime | None = None) -> list[str]:
        """The query plan of the ranking step of ``list`` (for benchmarks)."""
        params: dict[str, Any] = {"limit": -1, "offset": 0}
        ranking = self._ranking(view, owner, None, None, now or self.store.now(), params)
        return [row[3] for row in self.conn.execute("EXPLAIN QUERY PLAN " + ranking, params)]

    def _ranking(self, view: str, owner: str | None, contact_id: int | None,
                 until: datetime | None, now: datetime, params: dict[str, Any]) -> str:
        """The ranking step of ``list``: the id, urgency and openness of the
        follow-ups kept, best first (``explain`` shows its plan)."""
        params.update(now=to_db(now), now_jd=julian_day(now), today_start=to_db(start_of_day(now)))
        where = self._where(view, now, params)
        if owner is not None:
            where.append("f.owner = :owner")
            params["owner"] = owner
        if contact_id is not None:
            where.append("f.contact_id = :contact_id")
            params["contact_id"] = contact_id
        if until is not None:
            where.append("f.due_at < :until")
            params["until"] = to_db(until)
        score = urgency_sql(self.store.settings, params)
        first = "(f.status != 'open'), " if view == "all" else ""
        return (
            f"SELECT f.id AS id, {score} AS urgency, f.status = 'open' AS open"
            f" FROM followups f{_rank_index(view, owner, contact_id)}"
            f" WHERE {' AND '.join(where) or '1'}"
            f" ORDER BY {first}urgency DESC, f.due_at, f.id LIMIT :limit OFFSET :offset"
        )

    def counts(self, *, owner: str | None = None, now: datetime | None = None) -> dict[str, int]:
        """How many open follow-ups are overdue, due today, due this week, and open."""
        now = now or self.store.now()
        result = {}
        for view in ("overdue", "today", "week", "open"):
            params: dict[str, Any] = {"now": to_db(now)}
            where = self._where(view, now, params)
            if owner is not None:
                where.append("f.owner = :owner")
                params["owner"] = owner
            result[view] = self.conn.execute(
                f"SELECT count(*) FROM followups f WHERE {' AND '.join(where)}", params
            ).fetchone()[0]
        return result

    # -- writing -------------------------------------------------------------------

    def _record(
        self, followup: FollowUp, action: str, now: datetime, *, text: str | None = None,
        data: dict[str, Any] | None = None, before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None, audit_action: str,
    ) -> None:
        label = f"follow-up {action}"
        if text is None:
            text = f"{label}: {followup.note}" if followup.note else label
        self.store.timeline.add(
            followup.contact_id, EVENT_KIND, text, now=now,
            data={"followup_id": followup.id, "action": action, "due_at": to_db(followup.due_at),
                  **(data or {})},
        )
        self.store.audit.record(
            audit_action, AUDIT_ENTITY, followup.id, contact_id=followup.contact_id,
            before=before, after=after, now=now,
        )

    def add(
        self,
        contact_id: int,
        due_at: datetime,
        *,
        note: str = "",
        owner: str | None = None,
        every: str | None = None,
        rule: str | None = None,
        now: datetime | None = None,
        previous_id: int | None = None,
    ) -> FollowUp:
        """A new open follow-up; ``owner`` defaults to the acting user and
        ``every`` (``2w``) makes it recur from each completion."""
        now = now or self.store.now()
        _aware(due_at, "a follow-up's due time")
        note = clean_note(note)
        if owner is not None and one_line(owner) is None:
            raise ValidationError("a follow-up needs an owner")
        owner = one_line(owner) or self.store.user  # never an escape sequence
        if every is not None and not every.strip():
            raise ValidationError("an empty recurrence: give a period such as 2w, or none")
        every = clean_every(every)
        with self.store.write():
            self.store.contacts.get(contact_id)
            cur = self.conn.execute(
                "INSERT INTO followups (id, contact_id, due_at, note, owner, status, every, rule,"
                " created_at, updated_at, previous_id)"
                " VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)",
                [next_followup_id(self.conn), contact_id, to_db(due_at), note, owner, every, rule,
                 to_db(now), to_db(now), previous_id],
            )
            followup = self.get(cur.lastrowid)
            data: dict[str, Any] = {}
            if every:
                data["every"] = every
            if previous_id is not None:
                data["previous_id"] = previous_id
            self._record(followup, "created", now, data=data, after=_snapshot(followup),
                         audit_action="create")
        return followup

    def _open(self, followup_id: int, doing: str) -> FollowUp:
        followup = self.get(followup_id)
        if followup.status != "open":
            raise Conflict(f"can't {doing} follow-up {followup_id}: it is already {followup.status}")
        return followup

    def done(self, followup_id: int, *, note: str | None = None, now: datetime | None = None) -> FollowUp:
        """Mark it done (logged on the timeline, with ``note``). A recurring one
        schedules its next occurrence ``every`` after today, at the same local
        time of day; find it with ``next_of``."""
        now = now or self.store.now()
        note = clean_note(note)
        with self.store.write():
            followup = self._open(followup_id, "complete")
            self.conn.execute(
                "UPDATE followups SET status = 'done', done_at = ?, updated_at = ? WHERE id = ?",
                [to_db(now), to_db(now), followup_id],
            )
            data: dict[str, Any] = {}
            if note:
                data["note"] = note
            text = "follow-up done" + (f": {followup.note}" if followup.note else "")
            if note:
                text += f" — {note}"
            self._record(
                followup, "done", now, text=text, data=data, audit_action="done",
                before={"status": "open"}, after={"status": "done", "done_at": to_db(now)},
            )
            if followup.every:
                every = _recurrence(followup.every)
                next_day = local_date(now) + timedelta(days=period_days(every))
                self.add(
                    followup.contact_id, at_local(next_day, self._series_time(followup)),
                    note=followup.note, owner=followup.owner, every=every, now=now,
                    previous_id=followup.id,
                )
            return self.get(followup_id)

    def _series_time(self, followup: FollowUp) -> time:
        """The local time of day a recurring follow-up's series keeps: its
        own, unless it fell in the hour the clock skipped (a daily 02:30 on
        the day summer time starts is due at 03:30) and its previous
        occurrence says what was meant; else the series would be 03:30 for good.
        One due all day keeps being due all day (where the clock skips
        midnight, its day starts at 01:00, and the next day's at 00:00), unless
        its previous occurrence says it was a timed 01:00 that fell on that start."""
        own = time(0, 0) if followup.all_day else local(followup.due_at).time()
        if followup.previous_id is None:
            return own
        row = self.conn.execute("SELECT due_at FROM followups WHERE id = ?",
                                [followup.previous_id]).fetchone()
        if row is None:
            return own
        meant = local(ts(row[0])).time()
        return meant if at_local(local_date(followup.due_at), meant) == followup.due_at else own

    def snooze(self, followup_id: int, until: datetime, *, now: datetime | None = None) -> FollowUp:
        """Move the due time later; the reminder goes out again at the new time."""
        now = now or self.store.now()
        _aware(until, "snooze")
        if until <= now:
            raise ValidationError("snooze until a time in the future")
        return self._move(followup_id, until, now, action="snooze")

    def reschedule(self, followup_id: int, due_at: datetime, *, now: datetime | None = None) -> FollowUp:
        """Set a new due time (earlier or later)."""
        now = now or self.store.now()
        _aware(due_at, "a follow-up's due time")
        return self._move(followup_id, due_at, now, action="reschedule")

    def _move(self, followup_id: int, due_at: datetime, now: datetime, *, action: str) -> FollowUp:
        """Snooze or reschedule: a new due time, on the timeline and in the audit log.
        Only a snooze counts in ``snoozes``; a move to the time it has changes nothing."""
        with self.store.write():
            followup = self._open(followup_id, action)
            if to_db(due_at) == to_db(followup.due_at):
                return followup  # (a script's snooze run again: nothing moves)
            if action == "snooze" and due_at < followup.due_at:
                # (The app's "tomorrow" on a follow-up due next month, say.)
                raise ValidationError(
                    f"follow-up {followup_id} is due {show_local(followup.due_at)}: snoozing it"
                    f" until {show_local(due_at)} would bring it forward (reschedule it for that)")
            # Put off once its time had passed (one due all day: once its day
            # was over), it missed that time: done later, it is still late
            # (reports, rule compliance).
            passed = has_passed(followup.due_at, now, all_day=followup.all_day)
            missed = followup.missed_at or (followup.due_at if passed else None)
            self.conn.execute(
                "UPDATE followups SET due_at = ?, updated_at = ?,"
                " snoozes = snoozes + ?, missed_at = ? WHERE id = ?",
                [to_db(due_at), to_db(now), int(action == "snooze"),
                 to_db(missed) if missed else None, followup_id],
            )
            after = self.get(followup_id)
            self._record(
                after, "snoozed" if action == "snooze" else "rescheduled", now,
                data={"from": to_db(followup.due_at)}, audit_action=action,
                before={"due_at": to_db(followup.due_at)}, after={"due_at": to_db(due_at)},
            )
            return after

    def cancel(self, followup_id: int, *, now: datetime | None = None) -> FollowUp:
        now = now or self.store.now()
        with self.store.write():
            followup = self._open(followup_id, "cancel")
            self.conn.execute(
                "UPDATE followups SET status = 'cancelled', updated_at = ? WHERE id = ?",
                [to_db(now), followup_id],
            )
            self._record(followup, "cancelled", now, audit_action="cancel",
                         before={"status": "open"}, after={"status": "cancelled"})
            return self.get(followup_id)

    # -- keep in touch (store/cadence.py) --------------------------------------------

    def cadence_of(self, contact: Contact) -> Cadence | None:
        """The contact's effective cadence: its own, else its tags' shortest."""
        from .cadence import cadence_of

        return cadence_of(self.store.settings, contact)

    def set_cadence(self, contact_id: int, days: int | None, *, now: datetime | None = None) -> Contact:
        """Set (or with None clear) a contact's own keep-in-touch period."""
        if days is not None and days <= 0:
            raise ValidationError("a cadence must be at least one day")
        if days is not None and days > MAX_PERIOD_DAYS:
            raise ValidationError(f"a cadence can be at most {MAX_PERIOD_DAYS} days (10 years)")
        return self.store.contacts.edit(contact_id, {"cadence_days": days}, now=now)

    def cadence_items(self, *, owner: str | None = None, now: datetime | None = None,
                      until: datetime | None = None,
                      contact_id: int | None = None) -> list[QueueItem]:
        """Contacts with a cadence, as queue items due at ``last contact + cadence``
        (those due before ``until`` only, when given), most urgent first."""
        from .cadence import cadence_items

        return cadence_items(self.store, now or self.store.now(), owner=owner, until=until,
                             contact_id=contact_id)

    # -- the queue -----------------------------------------------------------------

    def queue_counts(self, *, owner: str | None = None,
                     now: datetime | None = None) -> dict[str, int]:
        """The queue's items as its sections count them: ``overdue`` (due now
        or before; one due all day, once its day is over), ``today`` (due later
        today, or all day today) and ``week`` (as today, or due in the six days
        after), open follow-ups and keep-in-touch items alike."""
        now = now or self.store.now()
        bounds = {"now": to_db(now), "today_start": to_db(start_of_day(now)),
                  "today": to_db(start_of_day(now, 1)), "week": to_db(start_of_day(now, 7))}
        mine = " AND f.owner = :owner" if owner is not None else ""
        with self.store.read():
            # (Every overdue one is due before tomorrow: the rest are today's.)
            overdue, by_tomorrow, by_week = self.conn.execute(
                f"SELECT sum({_OVERDUE}), sum(f.due_at < :today), count(*) FROM followups f"
                f" WHERE f.status = 'open' AND f.due_at < :week{mine}",
                {**bounds, "owner": owner}).fetchone()
            cadence = self.cadence_items(owner=owner, now=now, until=start_of_day(now, 7))
        overdue = overdue or 0
        counts = {"overdue": overdue, "today": (by_tomorrow or 0) - overdue,
                  "week": by_week - overdue}
        for item in cadence:
            section = queue_section(item, now)
            counts[section if section == "overdue" else "week"] += 1
            counts["today"] += section == "today"
        return counts

    def queue(
        self,
        *,
        owner: str | None = None,
        now: datetime | None = None,
        include_cadence: bool = True,
        limit: int | None = None,
        until: datetime | None = None,
    ) -> list[QueueItem]:
        """Open follow-ups and cadence items together, most urgent first
        (``until``: only those due before it)."""
        now = now or self.store.now()
        with self.store.read():
            followups = self.list(view="open", owner=owner, now=now, limit=limit, until=until)
            items = [queue_item(f) for f in followups]
            if include_cadence:
                items += self.cadence_items(owner=owner, now=now, until=until)
        items.sort(key=_queue_order)
        return items[:limit] if limit is not None else items


def put_off_by(followup: FollowUp, period: str, now: datetime) -> datetime:
    """Where ``snooze --for PERIOD`` puts a follow-up: from its due time, or
    from now if that has passed. A snooze puts off: one due next month snoozed
    for a day is due a day after that, not tomorrow; one due all day today,
    snoozed for a day, is due all day tomorrow (as ``--until tomorrow`` makes it)."""
    days = parse_period(period).whole_days
    if days and followup.all_day and not followup.overdue(now):
        return start_of_day(followup.due_at, days)
    return after_period(period, max(now, followup.due_at))


def queue_section(item: QueueItem, now: datetime) -> str:
    """Where the queue shows an item: ``overdue`` (due now or before; one due
    all day, once its day is over), ``today`` (later today, or all day today,
    local time) or ``upcoming``."""
    if item.overdue(now):
        return "overdue"
    return "today" if local_date(item.due_at) == local_date(now) else "upcoming"


def _rank_index(view: str, owner: str | None, contact_id: int | None) -> str:
    """The covering index (m021) for ranking open follow-ups; the planner,
    without statistics, would pick the narrower one and read every row."""
    if view == "all" or contact_id is not None:
        return ""
    return " INDEXED BY followups_owner_rank" if owner is not None else " INDEXED BY followups_rank"


def queue_item(followup: FollowUp) -> QueueItem:
    return QueueItem(
        kind="followup", contact_id=followup.contact_id, contact_name=followup.contact_name,
        due_at=followup.due_at, urgency=followup.urgency or 0.0, followup=followup,
        contact_email=followup.contact_email, contact_tier=followup.contact_tier,
        owner=followup.owner, note=followup.note,
    )


def _queue_order(item: QueueItem) -> tuple:
    return (-round(item.urgency, 9), item.due_at, item.kind != "followup",
            item.followup_id or 0, item.contact_id)


__all__ = ["Cadence", "FollowUps", "VIEWS", "clean_every", "queue_item"]
