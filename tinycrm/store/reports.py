"""The CRM report: is the pipeline moving, and are our promises kept?

One ``build(store, ...)`` call computes every figure inside one read
snapshot, each with one aggregate query that an index answers (see m030 in
migrations.py), so the report over 100k contacts, 1M events and 1M
follow-ups stays well under a second.

Periods: ``since``/``until`` bound the *flows* (contacts created, conversions,
follow-ups due, interactions, surveys); the *snapshots* (contacts by stage and
tier, not contacted for N days) describe the database as it is now. Months are
calendar months in local time. ``owner`` narrows every figure to that owner's
contacts and follow-ups.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .all_day import DAYS_CTE, DONE_ON_THEIR_DAY, KEPT, WHEN, days
from .errors import TinyCRMError, ValidationError, quoted
from .rules import compliance_percent, configured_rules, rounded
from .timeutil import (
    from_db,
    in_range,
    out_of_range,
    to_db,
    to_json,
    to_local,
)
from .when import MAX_PERIOD_DAYS, at_local, iso_moment, start_of_day

if TYPE_CHECKING:
    from .store import Store

PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promote, 0-6 detract


# -- parsing periods --------------------------------------------------------------

_RELATIVE = re.compile(r"^(\d+)\s*([dwmy])$")
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def _local_midnight(day: date) -> datetime:
    """The start of a local day, as a typed date's is (``when.at_local``:
    where the clock skips midnight, 01:00)."""
    return at_local(day)


def parse_bound(text: str, now: datetime, *, end: bool = False) -> datetime:
    """A report or audit bound: ``2026-11-01``, ``2026-11`` (a month),
    ``2026-11-01 14:30`` or ISO-8601, ``today``, ``yesterday``, or ``30d`` /
    ``2w`` / ``3m`` / ``1y`` ago. With ``end``, a day or month means its end
    (so ``--until 2026-11-30`` includes the 30th). Dates outside
    ``timeutil.DATE_RANGE`` are refused."""
    value = (text or "").strip().lower()
    today = to_local(now).date()
    try:
        if value in ("today", "yesterday"):
            day = today - timedelta(days=1 if value == "yesterday" else 0)
            return _local_midnight(day + timedelta(days=1 if end else 0))
        match = _RELATIVE.match(value)
        if match:
            bound = now - timedelta(days=int(match.group(1)) * _DAYS[match.group(2)])
            if not in_range(bound):
                raise out_of_range(text)
            return bound
        if re.fullmatch(r"\d{4}-\d{2}", value):
            year, month = map(int, value.split("-"))
            if not in_range(date(year, 1, 1)):
                raise out_of_range(text)
            if end:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return _local_midnight(date(year, month, 1))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            if not in_range(day):
                raise out_of_range(text)
            return _local_midnight(day + timedelta(days=1 if end else 0))
        moment = iso_moment(value.replace(" ", "T", 1).upper())  # (as a typed WHEN is read)
        if moment is None:
            raise ValueError(value)
        return moment
    except ValueError:
        pass
    except (OverflowError, ValidationError):  # no such date, or not in the accepted years
        raise out_of_range(text) from None
    raise ValidationError(
        f"can't read the date {quoted(text)}: use 2026-11-01, 2026-11, '2026-11-01 14:30',"
        " today, yesterday, or 30d / 2w / 3m / 1y ago"
    )


def month_starts(since: datetime, until: datetime) -> list[tuple[str, datetime, datetime]]:
    """``(YYYY-MM, start, end)`` for each local calendar month that overlaps
    ``[since, until)``, clipped to it."""
    first = to_local(since)
    last = to_local(until - timedelta(microseconds=1))
    year, month = first.year, first.month
    result = []
    while (year, month) <= (last.year, last.month):
        start = _local_midnight(date(year, month, 1))
        ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
        end = _local_midnight(date(ny, nm, 1))
        result.append((f"{year:04d}-{month:02d}", max(start, since), min(end, until)))
        year, month = ny, nm
    return result


# -- the figures ------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """Leads created in the period (who started at ``from_stage``) and how many
    reached ``to_stage`` before the period's end, with the median days it took."""

    from_stage: str
    to_stage: str | None
    leads: int = 0
    converted: int = 0
    median_days: float | None = None

    @property
    def rate(self) -> float | None:
        return None if not self.leads else rounded(Fraction(100 * self.converted, self.leads))


@dataclass(frozen=True)
class OwnerFollowUps:
    """Follow-ups due in the period: done by their due time, done after it,
    and still open past it (as of now)."""

    owner: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0

    @property
    def on_time_percent(self) -> float | None:
        return compliance_percent(self.on_time, self.late + self.overdue)


@dataclass(frozen=True)
class RuleCompliance:
    rule: str
    met: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0

    @property
    def percent(self) -> float | None:
        return compliance_percent(self.met, self.late + self.overdue)


@dataclass(frozen=True)
class NotContacted:
    days: int
    contacts: int = 0
    never: int = 0


@dataclass(frozen=True)
class Satisfaction:
    responses: int = 0
    average: float | None = None
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def nps(self) -> float | None:
        """% promoters (9-10) minus % detractors (0-6): -100 to 100."""
        if not self.responses:
            return None
        return rounded(Fraction(100 * (self.promoters - self.detractors), self.responses))


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    since: datetime | None
    until: datetime | None
    owner: str | None
    by_stage: tuple[tuple[str, int], ...]
    by_tier: tuple[tuple[str, int], ...]
    months: tuple[str, ...]
    new_contacts: tuple[int, ...]
    conversion: Conversion
    followups: tuple[OwnerFollowUps, ...]
    compliance: tuple[RuleCompliance, ...]
    interactions: tuple[tuple[str, tuple[int, ...]], ...]
    not_contacted: NotContacted
    satisfaction: Satisfaction
    followups_total: OwnerFollowUps = field(default_factory=lambda: OwnerFollowUps("(all)"))
    compliance_total: RuleCompliance = field(default_factory=lambda: RuleCompliance("(all)"))

    def to_dict(self) -> dict[str, Any]:
        def owner_row(row: OwnerFollowUps) -> dict[str, Any]:
            return {**asdict(row), "on_time_percent": row.on_time_percent}

        def rule_row(row: RuleCompliance) -> dict[str, Any]:
            return {**asdict(row), "percent": row.percent}

        return {
            "generated_at": to_json(self.generated_at),
            "period": {"since": to_json(self.since), "until": to_json(self.until),
                       "owner": self.owner},
            "contacts_by_stage": dict(self.by_stage),
            "contacts_by_tier": dict(self.by_tier),
            "new_contacts_per_month": dict(zip(self.months, self.new_contacts)),
            "conversion": {**asdict(self.conversion), "rate": self.conversion.rate},
            "followups": {"owners": [owner_row(r) for r in self.followups],
                          "total": owner_row(self.followups_total)},
            "rule_compliance": {"rules": [rule_row(r) for r in self.compliance],
                                "total": rule_row(self.compliance_total)},
            "interactions_per_month": {
                month: {kind: counts[i] for kind, counts in self.interactions}
                for i, month in enumerate(self.months)
            },
            "not_contacted": asdict(self.not_contacted),
            "satisfaction": {**asdict(self.satisfaction), "nps": self.satisfaction.nps},
        }

    def rows(self) -> list[dict[str, Any]]:
        """Every figure as ``section, group, metric, value`` (for CSV)."""
        out: list[dict[str, Any]] = []

        def add(section: str, group: str, metric: str, value: Any) -> None:
            out.append({"section": section, "group": group, "metric": metric, "value": value})

        add("period", "", "since", to_json(self.since))
        add("period", "", "until", to_json(self.until))
        add("period", "", "owner", self.owner)
        for stage, n in self.by_stage:
            add("contacts_by_stage", stage, "contacts", n)
        for tier, n in self.by_tier:
            add("contacts_by_tier", tier, "contacts", n)
        for month, n in zip(self.months, self.new_contacts):
            add("new_contacts", month, "contacts", n)
        conv = self.conversion
        group = f"{conv.from_stage}->{conv.to_stage or ''}"
        for metric, value in (("leads", conv.leads), ("converted", conv.converted),
                              ("rate_percent", conv.rate), ("median_days", conv.median_days)):
            add("conversion", group, metric, value)
        for row in (*self.followups, self.followups_total):
            for metric in ("on_time", "late", "overdue", "open"):
                add("followups", row.owner, metric, getattr(row, metric))
            add("followups", row.owner, "on_time_percent", row.on_time_percent)
        for row in (*self.compliance, self.compliance_total):
            for metric in ("met", "late", "overdue", "pending"):
                add("rule_compliance", row.rule, metric, getattr(row, metric))
            add("rule_compliance", row.rule, "percent", row.percent)
        for kind, counts in self.interactions:
            for month, n in zip(self.months, counts):
                add("interactions", month, kind, n)
        nc = self.not_contacted
        add("not_contacted", f"{nc.days}d", "contacts", nc.contacts)
        add("not_contacted", f"{nc.days}d", "never_contacted", nc.never)
        sat = self.satisfaction
        for metric in ("responses", "average", "promoters", "passives", "detractors"):
            add("satisfaction", "", metric, getattr(sat, metric))
        add("satisfaction", "", "nps", sat.nps)
        return out


# -- building ---------------------------------------------------------------------


def build(
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    owner: str | None = None,
    idle_days: int | None = None,
    won_stage: str | None = None,
    now: datetime | None = None,
) -> Report:
    """The report; ``idle_days`` and ``won_stage`` default to the settings'
    (``[report]`` in the config file)."""
    now = now or store.now()
    settings = store.settings
    if settings.report_problem is not None:
        raise TinyCRMError(settings.report_problem)  # (the config file's: exit 1)
    idle_days = settings.idle_days if idle_days is None else idle_days
    won_stage = won_stage or settings.won_stage
    if since is not None and until is not None and since >= until:
        raise ValidationError("--since must come before --until")
    if since is not None and since > now:
        raise ValidationError("--since is in the future: nothing has happened yet")
    if not 1 <= idle_days <= MAX_PERIOD_DAYS:
        # The same words the CLI uses for a number too big to store.
        raise ValidationError(f"a number is out of range: the idle period must be from 1 to"
                              f" {MAX_PERIOD_DAYS} days, got {idle_days}")
    from .timeline import INTERACTION_KINDS

    lead = "lead" if "lead" in settings.stages else settings.stages[0]
    if won_stage is None:
        won_stage = "customer" if "customer" in settings.stages else None
    elif won_stage not in settings.stages:
        raise ValidationError(f"unknown stage {quoted(won_stage)}")
    q = _Queries(store, since, until, owner, now)
    # Monthly figures run to the period's end, or to now: nothing happens
    # later. (Times are kept to the second: what happened this second counts.)
    end = min(until, now + timedelta(seconds=1)) if until else now + timedelta(seconds=1)
    with store.read():
        start = since or q.earliest(INTERACTION_KINDS) or end - timedelta(seconds=1)
        months = month_starts(min(start, end - timedelta(seconds=1)), end)
        followups, followups_total = q.followups()
        compliance, compliance_total = q.compliance([r.name for r in configured_rules(store)])
        return Report(
            generated_at=now, since=since, until=until, owner=owner,
            by_stage=q.group_count("stage", settings.stages),
            by_tier=q.group_count("tier", settings.tiers),
            months=tuple(m for m, _, _ in months),
            new_contacts=q.new_contacts(months),
            conversion=q.conversion(lead, won_stage),
            followups=followups, followups_total=followups_total,
            compliance=compliance, compliance_total=compliance_total,
            interactions=q.interactions(months, INTERACTION_KINDS),
            not_contacted=q.not_contacted(idle_days),
            satisfaction=q.satisfaction(),
        )


class _Queries:
    """One aggregate query per figure. ``self.p`` holds the shared parameters."""

    def __init__(self, store: Store, since: datetime | None, until: datetime,
                 owner: str | None, now: datetime) -> None:
        self.conn = store.conn
        self.owner = owner
        self.until = until
        # Without --until, follow-ups due later still count (as open).
        self.p: dict[str, Any] = {
            "since": to_db(since) if since else "",
            "until": to_db(until) if until else "9999-12-31T23:59:59Z",
            "now": to_db(now), "owner": owner, "today_start": to_db(start_of_day(now)),
        }

    def _owned(self, alias: str = "c") -> str:
        return f" AND {alias}.owner = :owner" if self.owner else ""

    def _events_owned(self) -> str:
        return (" AND e.contact_id IN (SELECT id FROM contacts WHERE owner = :owner)"
                if self.owner else "")

    def earliest(self, kinds: tuple[str, ...]) -> datetime | None:
        found = [
            self.conn.execute(
                "SELECT min(created_at) FROM contacts c WHERE created_at < :until" + self._owned(),
                self.p,
            ).fetchone()[0]
        ]
        for kind in kinds:
            # (The first by time, not min(): with --owner, the index is read in
            # time order only until one of the owner's contacts turns up.)
            row = self.conn.execute(
                "SELECT at FROM events e WHERE kind = :kind AND at < :until"
                + self._events_owned() + " ORDER BY at LIMIT 1", {**self.p, "kind": kind},
            ).fetchone()
            found.append(row[0] if row else None)
        values = [v for v in found if v]
        return from_db(min(values)) if values else None

    def group_count(self, column: str, known: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
        # column is "stage" or "tier", never user input.
        counts = dict(self.conn.execute(
            f"SELECT {column}, count(*) FROM contacts c WHERE 1" + self._owned()
            + f" GROUP BY {column}", self.p,
        ).fetchall())
        ordered = [(name, counts.pop(name, 0)) for name in known]
        return tuple(ordered + sorted(counts.items()))

    def _months_cte(self, months: list[tuple[str, datetime, datetime]]) -> str:
        for i, (_, lo, hi) in enumerate(months):
            self.p[f"lo{i}"], self.p[f"hi{i}"] = to_db(lo), to_db(hi)
        rows = ", ".join(f"({i}, :lo{i}, :hi{i})" for i in range(len(months)))
        return f"m(i, lo, hi) AS (VALUES {rows})"

    def new_contacts(self, months) -> tuple[int, ...]:
        cte = self._months_cte(months)
        rows = self.conn.execute(
            f"WITH {cte} SELECT i, (SELECT count(*) FROM contacts c INDEXED BY contacts_created"
            f" WHERE c.created_at >= m.lo"
            f" AND c.created_at < m.hi{self._owned()}) FROM m ORDER BY i", self.p,
        ).fetchall()
        return tuple(n for _, n in rows)

    def interactions(self, months, kinds: tuple[str, ...]) -> tuple[tuple[str, tuple[int, ...]], ...]:
        cte = self._months_cte(months)
        result = []
        for kind in kinds:
            self.p["kind"] = kind
            rows = self.conn.execute(
                f"WITH {cte} SELECT i, (SELECT count(*) FROM events e WHERE e.kind = :kind"
                f" AND e.at >= m.lo AND e.at < m.hi{self._events_owned()}) FROM m ORDER BY i",
                self.p,
            ).fetchall()
            result.append((kind, tuple(n for _, n in rows)))
        return tuple(result)

    def conversion(self, lead: str, won: str | None) -> Conversion:
        """Contacts created in the period that were ever at ``lead`` (their
        stage now, or a stage move away from it), and how many of them moved
        to ``won`` before the period's end, with the median days from
        creation. Both stage lookups are ranges of the expression indexes
        events_stage_from / events_stage_to (m031)."""
        self.p.update(lead=lead, won=won)  # (no won stage: leads, none of them converted)
        rows = self.conn.execute(
            "WITH won AS (SELECT contact_id, min(at) AS at FROM events INDEXED BY events_stage_to"
            "   WHERE kind = 'stage' AND json_extract(data, '$.to') = :won AND at < :until"
            "   GROUP BY contact_id)"
            # (A merge by an older tinycrm could leave a move before its contact's creation.)
            " SELECT max(julianday(won.at) - julianday(c.created_at), 0) FROM contacts c"
            " INDEXED BY contacts_created LEFT JOIN won ON won.contact_id = c.id"
            " WHERE c.created_at >= :since AND c.created_at < :until" + self._owned()
            + " AND (c.stage = :lead OR c.id IN (SELECT contact_id FROM events"
            "   INDEXED BY events_stage_from WHERE kind = 'stage'"
            "   AND json_extract(data, '$.from') = :lead))",
            self.p,
        ).fetchall()
        days = [r[0] for r in rows if r[0] is not None]
        return Conversion(
            lead, won, leads=len(rows), converted=len(days),
            median_days=rounded(statistics.median(days)) if days else None,
        )

    # Four range counts per owner or rule on an index keyed by (..., status,
    # kept, missed): kept is 1 when done in time, 0 when late (done late, or
    # put off once its due time had passed: missed_at), NULL while open and
    # not missed; missed is the due time it missed, else its due time (m052).
    # Then two for the follow-ups due all day (when.is_all_day), which the
    # index keys by their day's start: those done on their day but keyed late
    # are on time (all_day.py), and those due all day today are not overdue.
    _COUNTS = (
        "(SELECT count(*) FROM followups INDEXED BY {index} WHERE {key} = g.key{extra}"
        " AND status = 'done' AND {kept} = 1 AND {when} >= :since AND {when} < :until),"
        " (SELECT count(*) FROM followups INDEXED BY {index} WHERE {key} = g.key{extra}"
        " AND status IN ('done', 'open') AND {kept} = 0 AND {when} >= :since"
        " AND {when} < :until),"
        " (SELECT count(*) FROM followups INDEXED BY {index} WHERE {key} = g.key{extra}"
        " AND status = 'open' AND {kept} IS NULL AND {when} >= :since"
        " AND {when} < min(:until, :now)),"
        " (SELECT count(*) FROM followups INDEXED BY {index} WHERE {key} = g.key{extra}"
        " AND status = 'open' AND {kept} IS NULL AND {when} >= max(:since, :now)"
        " AND {when} < :until),"
        " {on_their_day},"
        " (SELECT count(*) FROM followups INDEXED BY {index} WHERE {key} = g.key{extra}"
        " AND status = 'open' AND {kept} IS NULL AND {when} = :today_start"
        " AND :today_start >= :since AND :today_start < min(:until, :now))"
    )

    def _grouped(self, key: str, index: str, keys_sql: str, extra: str = "") -> list[tuple]:
        """Per key: (key, on time, late, overdue, not yet due), the last four
        with the follow-ups due all day counted by their day."""
        on_their_day = DONE_ON_THEIR_DAY.format(index=index, where=f"{key} = g.key{extra}")
        counts = self._COUNTS.format(index=index, key=key, extra=extra, kept=KEPT, when=WHEN,
                                     on_their_day=on_their_day)
        if "days" not in self.p:
            self.p["days"] = self._days()
        rows = self.conn.execute(
            f"WITH {DAYS_CTE}, g(key) AS ({keys_sql}) SELECT key, {counts} FROM g", self.p)
        result = []
        for key, kept, late, overdue, ahead, on_their_day, today in rows:
            figures = (kept + on_their_day, late - on_their_day, overdue - today, ahead + today)
            if any(figures):
                result.append((key, *figures))
        return result

    def _days(self) -> str:
        """The days on which a follow-up due all day in the period may have
        been done on time though keyed late: from its start (or the first
        such follow-up's day) to its end, or now."""
        since = from_db(self.p["since"]) if self.p["since"] else None
        now = from_db(self.p["now"])
        until = min(from_db(self.p["until"]), now) if self.until else now
        return days(self.conn, since, until)

    def followups(self) -> tuple[tuple[OwnerFollowUps, ...], OwnerFollowUps]:
        if self.owner:
            keys = "SELECT :owner"
        else:  # every owner, one index seek each
            keys = ("WITH RECURSIVE o(v) AS (SELECT min(owner) FROM followups UNION ALL"
                    " SELECT (SELECT min(owner) FROM followups WHERE owner > o.v) FROM o"
                    " WHERE o.v IS NOT NULL) SELECT v FROM o WHERE v IS NOT NULL")
        owners = tuple(OwnerFollowUps(*r) for r in self._grouped("owner", "followups_owner_kept", keys))
        total = OwnerFollowUps("(all)", *(sum(getattr(o, k) for o in owners)
                                          for k in ("on_time", "late", "overdue", "open")))
        return owners, total

    def compliance(self, configured: list[str]) -> tuple[tuple[RuleCompliance, ...], RuleCompliance]:
        keys = ("WITH RECURSIVE r(v) AS (SELECT min(rule) FROM followups WHERE rule IS NOT NULL"
                " UNION ALL SELECT (SELECT min(rule) FROM followups WHERE rule > r.v) FROM r"
                " WHERE r.v IS NOT NULL) SELECT v FROM r WHERE v IS NOT NULL")
        found = {
            r[0]: RuleCompliance(*r)
            for r in self._grouped("rule", "followups_rule_kept", keys,
                                   " AND owner = :owner" if self.owner else "")
        }
        rules = [found.pop(name, RuleCompliance(name)) for name in configured]
        rules += [found[name] for name in sorted(found)]
        total = RuleCompliance("(all)", *(sum(getattr(r, k) for r in rules)
                                           for k in ("met", "late", "overdue", "pending")))
        return tuple(rules), total

    def not_contacted(self, days: int) -> NotContacted:
        # Silent since the last call, email or meeting; a contact never
        # contacted is silent since it was added.
        self.p["idle"] = to_db(from_db(self.p["now"]) - timedelta(days=days))
        owned = self._owned()
        never = self.conn.execute(
            "SELECT count(*) FROM contacts c WHERE last_contacted_at IS NULL"
            " AND created_at <= :idle" + owned, self.p,
        ).fetchone()[0]
        idle = self.conn.execute(  # silent N days or more
            "SELECT count(*) FROM contacts c WHERE last_contacted_at <= :idle" + owned, self.p
        ).fetchone()[0]
        return NotContacted(days, contacts=never + idle, never=never)

    def satisfaction(self) -> Satisfaction:
        row = self.conn.execute(
            "SELECT count(*), sum(score), sum(score >= :pro), sum(score > :det AND score < :pro),"
            " sum(score <= :det) FROM events e WHERE kind = 'survey' AND score IS NOT NULL"
            " AND at >= :since AND at < :until" + self._events_owned(),
            {**self.p, "pro": PROMOTER, "det": DETRACTOR},
        ).fetchone()
        if not row[0]:
            return Satisfaction()
        return Satisfaction(responses=row[0], average=rounded(Fraction(row[1], row[0]), 2),
                            promoters=row[2], passives=row[3], detractors=row[4])
