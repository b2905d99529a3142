"""Response-time rules: standard promises ("a new lead hears back within 24 h")
turned into follow-ups, created in the same write transaction as the change
that triggers them.

A rule comes from config (``[[rules]]``, raw dicts in ``StoreSettings.rules``;
``None`` means ``DEFAULT_RULES``) and says *when* it fires and what follow-up
it creates:

- ``added``: a contact created less than ``due`` ago and matching the filters
  gets one follow-up due ``due`` after its creation. Once per contact, ever.
- ``tagged``: a contact carrying ``tag`` gets one follow-up due ``due`` after
  the rule notices the tag. Once per tagging: it fires again only after the
  tag was removed (audited) and put back.
- ``not-contacted``: a contact whose last call, email or meeting (or creation)
  is ``after`` ago or older gets one follow-up due ``due`` later. Once per
  silence: not while one is open, and closing it (done or cancelled) starts
  a new ``after`` period.

Every follow-up a rule creates records the rule's name (``followups.rule``),
so compliance can be measured: it is met when done at or before its due time
(and not put off once that time had passed).
Rules are checked with set-based SQL over the changed ids, so an import of a
million contacts costs a few statements, not a million.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .all_day import DAYS_CTE, DONE_ON_THEIR_DAY, days
from .errors import NotFound, TinyCRMError, quoted
from .followups import next_followup_id
from .models import FollowUp
from .timeutil import to_db
from .when import MAX_PERIOD_DAYS, TOO_LONG, start_of_day

if TYPE_CHECKING:
    from .store import Store

WHEN = ("added", "tagged", "not-contacted")
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"name": "new-lead", "when": "added", "stage": "lead", "due": "24h",
     "note": "New lead: get back to them within 24 hours"},
    {"name": "complaint", "when": "tagged", "tag": "complaint", "due": "48h",
     "note": "Complaint: handle it within 48 hours"},
    {"name": "vip-silence", "when": "not-contacted", "tier": "vip", "stage": "customer",
     "after": "30d", "due": "24h", "note": "VIP customer not contacted for 30 days"},
)
_KEYS = {"name", "when", "stage", "tier", "tag", "after", "due", "note", "owner"}
_DURATION = re.compile(r"^\s*(\d+)\s*(min|h|d|w)\s*$", re.I)
_UNITS = {"min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# What a rule-made follow-up writes beside itself (kept in step with followups.py).
EVENT_KIND = "followup"
AUDIT_ENTITY = "followup"


class RuleError(TinyCRMError):
    """A ``[[rules]]`` entry in the config can't be understood: ``rule`` is
    its number (from 1) and ``key`` the key at fault (None: the entry as a
    whole), so that the message can name the config file's line."""

    def __init__(self, message: str, *, rule: int | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.rule, self.key = rule, key


@dataclass(frozen=True)
class Rule:
    name: str
    when: str
    due: timedelta
    stages: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    tag: str | None = None
    after: timedelta | None = None
    note: str = ""
    owner: str | None = None

    # to_dict's keys: every row of `rules list` has them, a retired rule's as null.
    FIELDS: ClassVar[tuple[str, ...]] = (
        "name", "when", "stage", "tier", "tag", "after", "due", "note", "owner", "description")

    def describe(self) -> str:
        """One line for people: ``tagged complaint → due within 2d``."""
        who = []
        if self.stages:
            who.append("stage " + "|".join(self.stages))
        if self.tiers:
            who.append("tier " + "|".join(self.tiers))
        if self.tag and self.when != "tagged":
            who.append("tag " + self.tag)
        filters = f" ({', '.join(who)})" if who else ""
        if self.when == "added":
            return f"new contact{filters} → due {duration_text(self.due)} after creation"
        if self.when == "tagged":
            return f"tagged {self.tag}{filters} → due within {duration_text(self.due)}"
        return (f"not contacted for {duration_text(self.after)}{filters}"
                f" → due within {duration_text(self.due)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "when": self.when, "stage": list(self.stages),
            "tier": list(self.tiers), "tag": self.tag,
            "after": duration_text(self.after) if self.after else None,
            "due": duration_text(self.due), "note": self.note, "owner": self.owner,
            "description": self.describe(),
        }


@dataclass(frozen=True)
class RuleStats:
    """What one rule has created, and how well its promises were kept."""

    name: str
    created: int = 0
    open: int = 0
    overdue: int = 0
    met: int = 0
    late: int = 0
    cancelled: int = 0
    configured: bool = True

    FIELDS: ClassVar[tuple[str, ...]] = (
        "rule", "created", "open", "overdue", "met", "late", "cancelled", "compliance",
        "configured")

    @property
    def missed(self) -> int:
        return self.late + self.overdue

    @property
    def compliance(self) -> float | None:
        """Met as a % of those decided (done, or open past due); None if none."""
        return compliance_percent(self.met, self.missed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.name, "created": self.created, "open": self.open,
            "overdue": self.overdue, "met": self.met, "late": self.late,
            "cancelled": self.cancelled, "compliance": self.compliance,
            "configured": self.configured,
        }


def compliance_percent(met: int, missed: int) -> float | None:
    return None if met + missed == 0 else rounded(Fraction(100 * met, met + missed))


def rounded(value: Fraction | float, places: int = 1) -> float:
    """Half away from zero, as people and spreadsheets round a figure they
    check by hand (1 in 16 is 6.3 %), not round()'s half to even (6.2); a
    Fraction is rounded exactly, before float division can nudge a half."""
    exact = (Decimal(value.numerator) / Decimal(value.denominator)
             if isinstance(value, Fraction) else Decimal(repr(value)))
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def parse_duration(text: Any, *, where: str) -> timedelta:
    """``90min``, ``24h``, ``2d``, ``1w``."""
    match = _DURATION.match(str(text)) if isinstance(text, (str, int)) else None
    digits = match.group(1).lstrip("0") if match else ""
    if not digits:
        raise RuleError(f"{where}: {quoted(text)} is not a duration like 24h, 2d or 1w")
    # Compared before it is made a timedelta, which a huge count would overflow.
    seconds = int(digits) * _UNITS[match.group(2).lower()] if len(digits) <= 9 else None
    if seconds is None or seconds > MAX_PERIOD_DAYS * _UNITS["d"]:
        raise RuleError(f"{where}: {quoted(text)} is too long: {TOO_LONG}")
    return timedelta(seconds=seconds)


def duration_text(value: timedelta | None) -> str:
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    if seconds % _UNITS["d"] == 0 and seconds >= 3 * _UNITS["d"]:
        return f"{seconds // _UNITS['d']}d"  # 30d; but 24h and 48h stay in hours
    if seconds % _UNITS["h"] == 0:
        return f"{seconds // _UNITS['h']}h"
    return f"{seconds // 60}min"


def _names(value: Any) -> tuple[str, ...] | None:
    """A filter's names (one, or a list of them); None if it is neither."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        return None
    return tuple(v.strip() for v in items)


def parse_rules(raw: Iterable[Mapping[str, Any]], *, stages: Sequence[str] = (),
                tiers: Sequence[str] = (), strict: bool = True) -> list[Rule]:
    """Config dicts -> rules. ``strict`` refuses stages and tiers that aren't
    configured (a typo would silently never fire); the built-in defaults are
    parsed leniently so that a config without ``lead`` simply skips that rule."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for number, entry in enumerate(raw, 1):
        if not isinstance(entry, Mapping):
            raise RuleError(f"[[rules]] #{number} must be a table", rule=number)
        rules.append(_parse_rule(entry, number, seen, stages=stages, tiers=tiers, strict=strict))
        seen.add(rules[-1].name)
    return rules


def _parse_rule(entry: Mapping[str, Any], number: int, seen: set[str], *,
                stages: Sequence[str], tiers: Sequence[str], strict: bool) -> Rule:
    name = entry.get("name")
    where = f"[[rules]] #{number}" + (f" ({name})" if isinstance(name, str) else "")

    def refused(key: str, text: str) -> RuleError:
        # (A key the entry doesn't have is missing: the entry as a whole is at fault.)
        return RuleError(f"{where}: {text}", rule=number, key=key if key in entry else None)

    def names(key: str) -> tuple[str, ...]:
        found = _names(entry.get(key))
        if found is None:
            raise refused(key, f"{key} must be a name or a list of names")
        return found

    def duration(key: str) -> timedelta:
        try:
            return parse_duration(entry[key], where=f"{where} {key}")
        except RuleError as exc:
            raise RuleError(exc.message, rule=number, key=key) from None

    unknown = set(entry) - _KEYS
    if unknown:
        raise refused(sorted(unknown)[0], f"unknown key {sorted(unknown)[0]!r}"
                      f" (known: {', '.join(sorted(_KEYS))})")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][\w.-]*", name):
        raise refused("name", "needs a name of letters, digits, '-', '_' or '.'")
    if name in seen:
        raise refused("name", f"the name {quoted(name)} is used twice")
    when = entry.get("when")
    if "when" not in entry:  # ("got None" said it in Python's words)
        raise refused("when", f"needs when = \"added\" (say): one of {', '.join(WHEN)}")
    if when not in WHEN:
        raise refused("when", f"when must be one of {', '.join(WHEN)}, got {quoted(when)}")
    rule_stages, rule_tiers, tags = names("stage"), names("tier"), names("tag")
    if len(tags) > 1:
        raise refused("tag", "tag takes one tag")
    tag = tags[0].lower() if tags else None
    if when == "tagged" and not tag:
        raise refused("tag", "a tagged rule needs tag = \"...\"")
    after = None
    if when == "not-contacted":
        if "after" not in entry:
            raise refused("after", "a not-contacted rule needs after = \"30d\" (say)")
        after = duration("after")
    elif "after" in entry:
        raise refused("after", "after only applies to when = \"not-contacted\"")
    if "due" not in entry:
        raise refused("due", "needs due = \"24h\" (say): the response time")
    due = duration("due")
    if strict:
        for value in rule_stages:
            if stages and value not in stages:
                raise refused("stage", f"unknown stage {quoted(value)}")
        for value in rule_tiers:
            if tiers and value not in tiers:
                raise refused("tier", f"unknown tier {quoted(value)}")
    note = entry.get("note", "")
    owner = entry.get("owner")
    if not isinstance(note, str) or (owner is not None and not isinstance(owner, str)):
        raise refused("owner" if isinstance(note, str) else "note", "note and owner must be text")
    if owner is not None and not owner.strip():
        # (Not "must be text": it is; leave it out for the contact's owner.)
        raise refused("owner", "owner is empty: name someone, or leave it out for"
                      " the contact's owner")
    return Rule(
        name=name, when=when, due=due, stages=rule_stages, tiers=rule_tiers, tag=tag,
        after=after, note=note or f"rule {name}", owner=owner.strip() if owner else None,
    )


def configured_rules(store: Store) -> list[Rule]:
    settings = store.settings
    if settings.rules is None:
        return parse_rules(DEFAULT_RULES, strict=False)
    try:
        return parse_rules(settings.rules, stages=settings.stages, tiers=settings.tiers)
    except RuleError as exc:
        if settings.rule_where is None or exc.rule is None:
            raise
        raise RuleError(f"{settings.rule_where(exc.rule, exc.key)}: {exc.message}",
                        rule=exc.rule, key=exc.key) from None


# -- applying ---------------------------------------------------------------------


def apply_rules(store: Store, contact_ids: list[int], now: datetime) -> list[int]:
    """Create the follow-ups that rules require for these contacts; returns their ids.
    Runs inside the caller's write transaction."""
    if not contact_ids:
        return []
    return _apply(store, json.dumps([int(i) for i in contact_ids]), now)


def sweep(store: Store, now: datetime) -> list[int]:
    """Apply every rule to every contact: what cron runs (``tinycrm rules run``)
    so that a VIP's silence comes due even when nobody touches the contact."""
    with store.write():
        return _apply(store, None, now)


def _apply(store: Store, ids_json: str | None, now: datetime) -> list[int]:
    created: list[int] = []
    with store.write():
        for rule in configured_rules(store):
            created += _fire(store, rule, ids_json, now)
    return created


def _fire(store: Store, rule: Rule, ids_json: str | None, now: datetime) -> list[int]:
    where = ["1"]
    params: dict[str, Any] = {"rule": rule.name, "now": to_db(now), "note": rule.note,
                              "owner": rule.owner, "due_s": int(rule.due.total_seconds())}
    if ids_json is not None:
        where.append("c.id IN (SELECT value FROM json_each(:ids))")
        params["ids"] = ids_json
    for column, values in (("stage", rule.stages), ("tier", rule.tiers)):
        if values:
            marks = ", ".join(f":{column}{i}" for i in range(len(values)))
            where.append(f"c.{column} IN ({marks})")
            params.update({f"{column}{i}": v for i, v in enumerate(values)})
    if rule.tag and ids_json is None:  # a sweep: the tag's contacts, by its index
        where.append("c.id IN (SELECT t.contact_id FROM contact_tags t WHERE t.tag = :tag)")
        params["tag"] = rule.tag
    elif rule.tag:
        where.append("EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = :tag)")
        params["tag"] = rule.tag
    no_open = ("NOT EXISTS (SELECT 1 FROM followups f WHERE f.rule = :rule"
               " AND f.contact_id = c.id AND f.status = 'open')")
    if rule.when == "added":
        # New means created less than `due` ago: an old contact imported with
        # its original date, or edited much later, gets no born-overdue follow-up.
        where.append("c.created_at > :created_after")
        where.append("NOT EXISTS (SELECT 1 FROM followups f WHERE f.rule = :rule AND f.contact_id = c.id)")
        params["created_after"] = to_db(now - rule.due)
        due = "strftime('%Y-%m-%dT%H:%M:%SZ', c.created_at, '+' || :due_s || ' seconds')"
        # SQLite has no date past 9999: a creation time that far off (saved
        # before dates had a range) gets no follow-up rather than failing the write.
        where.append(f"{due} IS NOT NULL")
    elif rule.when == "tagged":
        where.append(no_open)
        # Fires again only if the tag was taken off (an audited edit) after
        # the last follow-up this rule made for the contact was recorded: off
        # this contact, not off one merged into it since (whose history is its).
        where.append(
            "(NOT EXISTS (SELECT 1 FROM followups f WHERE f.rule = :rule AND f.contact_id = c.id)"
            " OR EXISTS (SELECT 1 FROM audit a WHERE a.contact_id = c.id AND a.entity = 'contact'"
            "   AND a.entity_id = c.id AND a.action = 'update'"
            "   AND a.id > (SELECT max(a2.id) FROM audit a2 WHERE a2.contact_id = c.id"
            "     AND a2.entity = :entity AND a2.action = 'create' AND a2.entity_id IN"
            "     (SELECT f.id FROM followups f WHERE f.rule = :rule AND f.contact_id = c.id))"
            "   AND EXISTS (SELECT 1 FROM json_each(a.before, '$.tags') WHERE value = :tag)"
            "   AND NOT EXISTS (SELECT 1 FROM json_each(a.after, '$.tags') WHERE value = :tag)))"
        )
        params["entity"] = AUDIT_ENTITY
        due = "strftime('%Y-%m-%dT%H:%M:%SZ', :now, '+' || :due_s || ' seconds')"
    else:
        where.append(no_open)
        # The silence starts at the last contact made (or creation), or when
        # the rule's previous follow-up for this contact was closed.
        where.append(
            "max(coalesce(c.last_contacted_at, c.created_at), coalesce((SELECT"
            " max(coalesce(f.done_at, f.updated_at)) FROM followups f WHERE f.rule = :rule"
            " AND f.contact_id = c.id AND f.status != 'open'), '')) <= :silent_since"
        )
        params["silent_since"] = to_db(now - rule.after)
        due = "strftime('%Y-%m-%dT%H:%M:%SZ', :now, '+' || :due_s || ' seconds')"
    # A sweep of "added": the contacts created lately, by the creation index,
    # not every contact of the stage.
    source = ("contacts c INDEXED BY contacts_created" if rule.when == "added" and ids_json is None
              else "contacts c")
    # Ids from the mark on, in the contacts' order: a deleted follow-up's
    # is not given again (followups.next_followup_id).
    params["first_id"] = next_followup_id(store.conn)
    rows = store.conn.execute(
        "INSERT INTO followups (id, contact_id, due_at, note, owner, status, rule, created_at,"
        " updated_at)"
        " SELECT :first_id + row_number() OVER (ORDER BY c.id) - 1,"
        f" c.id, {due}, :note, coalesce(:owner, c.owner), 'open', :rule, :now, :now"
        f" FROM {source} WHERE {' AND '.join(where)} ORDER BY c.id"
        " RETURNING id, contact_id, due_at, owner",
        params,
    ).fetchall()
    if not rows:
        return []
    rows.sort()
    stamp = to_db(now)
    store.conn.executemany(
        "INSERT INTO events (contact_id, kind, text, at, author, data, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(cid, EVENT_KIND, f"follow-up created by rule {rule.name}: {rule.note}", stamp, store.user,
          json.dumps({"followup_id": fid, "action": "created", "rule": rule.name, "due_at": due_at}),
          stamp)
         for fid, cid, due_at, _ in rows],
    )
    store.conn.executemany(
        "INSERT INTO audit (at, actor, action, entity, entity_id, contact_id, before, after)"
        " VALUES (?, ?, 'create', ?, ?, ?, NULL, ?)",
        [(stamp, store.user, AUDIT_ENTITY, fid, cid,
          json.dumps({"due_at": due_at, "owner": owner, "note": rule.note, "rule": rule.name,
                      "status": "open"}, ensure_ascii=False))
         for fid, cid, due_at, owner in rows],
    )
    return [r[0] for r in rows]


# -- reading ----------------------------------------------------------------------


def stats(store: Store, now: datetime, *, owner: str | None = None) -> list[RuleStats]:
    """Every configured rule, then any retired rule that still has follow-ups."""
    mine = " AND owner = :owner" if owner else ""
    sql = (
        # (Put off once its time had passed, missed_at: late, done or not. Due
        # all day, it is overdue once its day is over.)
        "SELECT rule, count(*), sum(status = 'open'),"
        " sum(status = 'open' AND due_at < :now AND due_at != :today_start AND missed_at IS NULL),"
        " sum(status = 'done' AND done_at <= due_at AND missed_at IS NULL),"
        " sum(status = 'done' AND (done_at > due_at OR missed_at IS NOT NULL)"
        "     OR status = 'open' AND missed_at IS NOT NULL),"
        f" sum(status = 'cancelled') FROM followups WHERE rule IS NOT NULL{mine} GROUP BY rule"
    )
    params = {"now": to_db(now), "owner": owner, "today_start": to_db(start_of_day(now))}
    found = {}
    # (One snapshot: the two statements' counts are taken one from the other.)
    with store.read():
        on_their_day = _done_on_their_day(store, now, mine, params)
        rows = store.conn.execute(sql, params).fetchall()
    for name, created, is_open, overdue, met, late, cancelled in rows:
        kept = on_their_day.get(name, 0)  # (met, though keyed late: due all day, done on it)
        found[name] = RuleStats(name, created, is_open or 0, overdue or 0, (met or 0) + kept,
                                (late or 0) - kept, cancelled or 0)
    result = [found.pop(rule.name, RuleStats(rule.name)) for rule in configured_rules(store)]
    result += [
        RuleStats(**{**s.__dict__, "configured": False}) for _, s in sorted(found.items())
    ]
    return result


def _done_on_their_day(store: Store, now: datetime, mine: str,
                       params: dict[str, Any]) -> dict[str, int]:
    """Per rule, its follow-ups due all day and done on their day after its
    start: counted late by due time alone, they were met (all_day.py)."""
    listed = days(store.conn, None, now)
    if listed == "[]":
        return {}
    counted = DONE_ON_THEIR_DAY.format(index="followups_rule_kept", where="rule = r.v" + mine)
    rows = store.conn.execute(
        f"WITH RECURSIVE {DAYS_CTE}, r(v) AS (SELECT min(rule) FROM followups"
        " WHERE rule IS NOT NULL UNION ALL SELECT (SELECT min(rule) FROM followups"
        f" WHERE rule > r.v) FROM r WHERE r.v IS NOT NULL) SELECT v, {counted} FROM r"
        " WHERE v IS NOT NULL",
        {**params, "days": listed})
    return dict(rows)


def created_by(store: Store, name: str, *, owner: str | None = None,
               limit: int | None = None, now: datetime | None = None) -> list[FollowUp]:
    """The follow-ups a rule created, newest first: each read as `follow-up
    list` reads it (snoozes, previous_id, and an open one's urgency at
    ``now``), so its JSON says the same of the same follow-up."""
    from .followups import _COLUMNS, _followup, scored_followup

    known = {r.name for r in configured_rules(store)}
    now = now or store.now()
    params: list[Any] = [name]
    sql = (f"SELECT {_COLUMNS} FROM followups f JOIN contacts c ON c.id = f.contact_id"
           " WHERE f.rule = ?")
    if owner:
        sql += " AND f.owner = ?"
        params.append(owner)
    sql += " ORDER BY f.created_at DESC, f.id DESC"
    if limit:
        sql += " LIMIT ?"
        params.append(limit)
    rows = store.conn.execute(sql, params).fetchall()
    if not rows and name not in known:
        raise NotFound(f"no rule named {quoted(name)} (see `tinycrm rules list`)")
    settings = store.settings
    return [scored_followup(r, now, settings) if r[6] == "open" else _followup(r) for r in rows]
