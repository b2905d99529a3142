"""Plain frozen dataclasses: what the store returns. No SQL, no UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from .timeutil import json_times, to_json
from .when import done_in_time, has_passed, is_all_day, is_overdue


@dataclass(frozen=True)
class Contact:
    id: int
    uid: str
    name: str
    first_name: str | None = None
    last_name: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    company: str | None = None
    title: str | None = None
    stage: str = "lead"
    tier: str = "standard"
    owner: str = ""
    tags: tuple[str, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    source: str | None = None
    birthday: str | None = None
    cadence_days: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    last_contacted_at: datetime | None = None
    version: int = 1

    @property
    def email(self) -> str | None:
        return self.emails[0] if self.emails else None

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape that ``list --format json`` prints and import reads."""
        return {
            "id": self.id,
            "uid": self.uid,
            "name": self.name,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "emails": list(self.emails),
            "phones": list(self.phones),
            "company": self.company,
            "title": self.title,
            "stage": self.stage,
            "tier": self.tier,
            "owner": self.owner,
            "tags": list(self.tags),
            "fields": dict(self.fields),
            "source": self.source,
            "birthday": self.birthday,
            "cadence_days": self.cadence_days,
            "created_at": to_json(self.created_at),
            "updated_at": to_json(self.updated_at),
            "last_contacted_at": to_json(self.last_contacted_at),
            "version": self.version,
        }


_MOVED_FROM, _NONE = frozenset({"from"}), frozenset()


@dataclass(frozen=True)
class Event:
    """One entry on a contact's timeline. ``id`` is None for the entry of the
    import that created the contact, which is worked out, not stored."""

    id: int | None
    contact_id: int
    kind: str
    text: str
    at: datetime
    author: str
    score: int | None = None
    data: dict[str, Any] | None = field(default=None, hash=False)
    created_at: datetime | None = None

    # to_dict's keys: a CSV's header when there are no rows to take it from.
    FIELDS: ClassVar[tuple[str, ...]] = (
        "id", "contact_id", "kind", "text", "at", "author", "score", "data", "created_at")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "contact_id": self.contact_id,
            "kind": self.kind,
            "text": self.text,
            "at": to_json(self.at),
            "author": self.author,
            "score": self.score,
            # (A follow-up's snooze keeps the due time it moved `from`; a
            # stage move's `from` is a stage.)
            "data": json_times(self.data, also=_MOVED_FROM if self.kind == "followup" else _NONE),
            "created_at": to_json(self.created_at),
        }


@dataclass(frozen=True)
class FollowUp:
    id: int
    contact_id: int
    contact_name: str
    due_at: datetime
    note: str
    owner: str
    status: str
    every: str | None = None
    rule: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    done_at: datetime | None = None
    contact_email: str | None = None
    contact_tier: str | None = None
    # How many times it was snoozed, and the follow-up whose completion
    # scheduled this one (recurrences).
    snoozes: int = 0
    previous_id: int | None = None
    # The due time it had when it was put off (snoozed or rescheduled) after
    # that time had passed: it missed it, whenever it is done (m052).
    missed_at: datetime | None = None
    # The urgency score at the time it was read (see store/urgency.py);
    # None when read without a clock, e.g. by get().
    urgency: float | None = field(default=None, compare=False)
    # How many times what an exported event shows was changed (m049).
    revision: int = field(default=0, compare=False)

    FIELDS: ClassVar[tuple[str, ...]] = (
        "id", "contact_id", "contact_name", "contact_email", "due_at", "status", "note", "owner",
        "every", "rule", "created_at", "updated_at", "done_at", "missed_at", "snoozes",
        "previous_id", "urgency")

    @property
    def all_day(self) -> bool:
        """Due at the start of a local day: due that whole day (``when.is_all_day``)."""
        return is_all_day(self.due_at)

    def overdue(self, now: datetime) -> bool:
        """Open and overdue: past its due time, or an all-day one past its day."""
        return self.status == "open" and is_overdue(self.due_at, now, all_day=self.all_day)

    def met(self, now: datetime) -> bool | None:
        """Done in time (True: by its due time, an all-day one on its day);
        missed (False: done late, open past its time, or put off once that
        time had passed); or neither yet (open and not due, or cancelled). As
        reports and rule compliance count it."""
        if self.status == "cancelled":
            return None
        if self.missed_at is not None:
            return False
        if self.status == "open":
            return False if has_passed(self.due_at, now, all_day=self.all_day) else None
        if self.done_at is None:
            return None
        return done_in_time(self.due_at, self.done_at, all_day=self.all_day)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "contact_id": self.contact_id,
            "contact_name": self.contact_name,
            "contact_email": self.contact_email,
            "due_at": to_json(self.due_at),
            "status": self.status,
            "note": self.note,
            "owner": self.owner,
            "every": self.every,
            "rule": self.rule,
            "created_at": to_json(self.created_at),
            "updated_at": to_json(self.updated_at),
            "done_at": to_json(self.done_at),
            "missed_at": to_json(self.missed_at),
            "snoozes": self.snoozes,
            "previous_id": self.previous_id,
            "urgency": None if self.urgency is None else round(self.urgency, 2),
        }


@dataclass(frozen=True)
class GoneFollowUp:
    """A follow-up gone from an owner's calendar export (deleted, handed
    over, lost by a restore), as ``followups_gone`` keeps it for its
    cancelled event: nothing of the person, no name, note or contact."""

    id: int
    created_at: datetime
    owner: str
    due_at: datetime
    sequence: int
    gone_at: datetime | None = None

    @property
    def all_day(self) -> bool:
        return is_all_day(self.due_at)


@dataclass(frozen=True)
class QueueItem:
    """One line of the follow-up queue: an explicit follow-up, or a contact
    whose keep-in-touch cadence has come (or is coming) due."""

    kind: str  # 'followup' or 'cadence'
    contact_id: int
    contact_name: str
    due_at: datetime
    urgency: float
    followup: FollowUp | None = None
    contact_email: str | None = None
    contact_tier: str | None = None
    owner: str = ""
    note: str = ""
    cadence_days: int | None = None
    last_contacted_at: datetime | None = None

    @property
    def key(self) -> str:
        """``followup:12`` or ``cadence:5``: the item a reminder delivery names."""
        if self.followup is not None:
            return f"followup:{self.followup.id}"
        return f"cadence:{self.contact_id}"

    @property
    def followup_id(self) -> int | None:
        return self.followup.id if self.followup is not None else None

    @property
    def all_day(self) -> bool:
        """A follow-up due all day (``FollowUp.all_day``); a keep-in-touch item
        is due at the time of day of the last contact, never all day."""
        return self.followup is not None and self.followup.all_day

    def overdue(self, now: datetime) -> bool:
        return is_overdue(self.due_at, now, all_day=self.all_day)

    FIELDS: ClassVar[tuple[str, ...]] = (
        "item", "kind", "followup_id", "contact_id", "contact_name", "contact_email", "due_at",
        "urgency", "owner", "note", "every", "cadence_days", "last_contacted_at")

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.key,
            "kind": self.kind,
            "followup_id": self.followup_id,
            "contact_id": self.contact_id,
            "contact_name": self.contact_name,
            "contact_email": self.contact_email,
            "due_at": to_json(self.due_at),
            "urgency": round(self.urgency, 2),
            "owner": self.owner,
            "note": self.note,
            "every": self.followup.every if self.followup is not None else None,
            "cadence_days": self.cadence_days,
            "last_contacted_at": to_json(self.last_contacted_at),
        }


@dataclass(frozen=True)
class Delivery:
    """One reminder delivered (or, while a run is sending it, claimed)."""

    id: int
    item: str
    contact_id: int | None
    followup_id: int | None
    due_at: datetime
    channel: str
    recipient: str | None
    delivered_at: datetime
    state: str = "sent"
    owner: str = ""  # whose reminder it was

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item": self.item,
            "contact_id": self.contact_id,
            "followup_id": self.followup_id,
            "due_at": to_json(self.due_at),
            "channel": self.channel,
            "recipient": self.recipient,
            "delivered_at": to_json(self.delivered_at),
            "state": self.state,
            "owner": self.owner,
        }


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    contact_id: int | None
    before: dict[str, Any] | None = field(default=None, hash=False)
    after: dict[str, Any] | None = field(default=None, hash=False)

    FIELDS: ClassVar[tuple[str, ...]] = (
        "id", "at", "actor", "action", "entity", "entity_id", "contact_id", "before", "after")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": to_json(self.at),
            "actor": self.actor,
            "action": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "contact_id": self.contact_id,
            "before": json_times(self.before),
            "after": json_times(self.after),
        }
