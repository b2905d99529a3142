"""What is due for a reminder, claiming it, and the log of deliveries.

Exactly once per (item, due time, channel, owner): the ``deliveries`` table's
UNIQUE key is the guarantee (a follow-up handed over to another owner is
reminded to them too), and a remind run goes through three steps so that
overlapping runs (cron every 5 minutes, a slow SMTP server, a second
terminal) never deliver the same item twice:

1. ``claim()``: one short write transaction inserts a ``claimed`` delivery
   row for every due item no other run has claimed or sent on that channel
   (``INSERT ... ON CONFLICT DO NOTHING``: the loser of a race gets nothing).
2. The caller delivers, holding no database lock (SMTP may be slow).
3. ``mark_sent()`` turns the rows into ``sent`` and sets the follow-up's
   channel bit in ``followups.reminded`` in one transaction; on failure
   ``release()`` deletes the claims, so the next run tries again.

A claim lasts ``CLAIM_TTL`` from the last time its run stamped it; then
another run may clear it and claim the item itself. So that a live run never
loses its claims however slow its delivery (a slow server, many recipients
one after another), the run

- renews its claims while it delivers (``kept()``: every ``RENEW_EVERY``,
  from a thread with a connection of its own), and
- before each delivery that doesn't follow its claim at once, renews them in
  a write transaction that also tells it which are still its own
  (``renew()``), and delivers only those: one that was taken over is the
  other run's to deliver.

And a run that waits for the write lock (an import) judges claims by the time
it asked for it: while the lock was held, their runs couldn't renew them.

What that guarantees: an item is delivered twice only when its run went
``CLAIM_TTL`` without renewing the claim while delivering it, that is, when
the run was stopped dead (SIGKILL, the machine going down) or frozen (the
machine asleep, SIGSTOP), or another program held the database that long.
Then the item goes out again: at least once rather than never. What went out
is recorded even if its claim was lost meanwhile: the record says what
happened (left unrecorded, a run that took the claim over and then failed
would give it back, and a third run would send it again).

``followups.reminded`` (a bitmask per channel, cleared by a trigger when the
due time or the owner changes) lets "anything due and not yet reminded?" be answered with a
few seeks on the ``followups_remind`` index, however many overdue follow-ups
were reminded before. Cadence items are computed from the contacts that have
a cadence and checked against ``deliveries`` directly.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .db import connect
from .errors import TinyCRMError, ValidationError
from .followups import _COLUMNS, _queue_order, queue_item, scored_followup, ts
from .models import Delivery, QueueItem
from .timeutil import UTC, to_db
from .urgency import tier_groups

if TYPE_CHECKING:
    from .store import Store

CHANNELS = {"stdout": 1, "email": 2, "command": 4}
CLAIM_TTL = timedelta(minutes=15)
# Often enough that a run held up for a while (an import's lock, a busy
# machine) still renews long before its claims run out.
RENEW_EVERY = timedelta(minutes=1)
# A renewal from the keeper's thread waits this long for the write lock, then
# skips a beat: stopping a delivery must not wait on it.
_BEAT_WAIT_MS = 1000

# Items travel to SQL as one JSON array of [item, contact_id, followup_id,
# due_at, recipient, owner] rows, so a run of any size takes a few statements.
_ROWS = (
    "SELECT json_extract(value, '$[0]') AS item, json_extract(value, '$[1]') AS contact_id,"
    " json_extract(value, '$[2]') AS followup_id, json_extract(value, '$[3]') AS due,"
    " json_extract(value, '$[4]') AS recipient, json_extract(value, '$[5]') AS owner"
    " FROM json_each(:rows)"
)
_KEY = "(item, due_at, channel, owner)"
# A run's claims stamped anew: by renew() and by the keeper's beat alike.
_RENEW = "UPDATE deliveries SET delivered_at = ? WHERE claim = ? AND state = 'claimed'"


def _stamp(dt: datetime) -> str:
    """``timeutil.to_db`` for an aware datetime, faster on large batches."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"


def _rows(items: Iterable[QueueItem], recipients: dict[str, str | None]) -> str:
    rows = []
    for item in items:
        key = item.key
        rows.append([key, item.contact_id, item.followup_id, _stamp(item.due_at),
                     recipients.get(key), item.owner])
    return json.dumps(rows)


Recipient = Callable[[QueueItem], "str | None"] | str | None


@dataclass(frozen=True)
class Claim:
    """Items a run has claimed on a channel and must now deliver."""

    token: str
    channel: str
    items: tuple[QueueItem, ...]
    recipients: dict[str, str | None] = field(default_factory=dict, hash=False, compare=False)
    # Each item's claim row: a merge meanwhile moves it to the contact kept
    # (and its cadence item), where the item's own key no longer finds it.
    rows: dict[str, int] = field(default_factory=dict, hash=False, compare=False)
    at: datetime | None = field(default=None, compare=False)  # when the rows were stamped

    def __bool__(self) -> bool:
        return bool(self.items)


def channel_bit(channel: str) -> int:
    try:
        return CHANNELS[channel]
    except KeyError:
        raise ValidationError(f"unknown channel {channel!r}: use one of {', '.join(CHANNELS)}") from None


def _recipient_for(recipient: Recipient) -> Callable[[QueueItem], str | None]:
    if callable(recipient):
        return recipient
    return lambda item: recipient


class Reminders:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn

    # -- what is due ------------------------------------------------------------------

    def _owners(self, bit: int) -> list[str]:
        """Owners with open follow-ups, by skipping through the index."""
        owners: list[str] = []
        row = self.conn.execute(
            "SELECT min(owner) FROM followups INDEXED BY followups_remind WHERE status = 'open'"
        ).fetchone()
        while row and row[0] is not None:
            owners.append(row[0])
            row = self.conn.execute(
                "SELECT min(owner) FROM followups INDEXED BY followups_remind"
                " WHERE status = 'open' AND owner > ?", [row[0]],
            ).fetchone()
        return owners

    def _candidates(self, channel: str, owner: str | None, now: datetime,
                    include_cadence: bool) -> list[QueueItem]:
        """Due items whose channel bit is not set (may include some that are
        claimed or sent already: the deliveries table has the last word)."""
        bit = channel_bit(channel)
        masks = ", ".join(str(m) for m in range(8) if not m & bit)
        settings = self.store.settings
        groups = tier_groups(settings)
        items: list[QueueItem] = []
        for who in [owner] if owner is not None else self._owners(bit):
            rows = self.conn.execute(
                f"SELECT {_COLUMNS} FROM followups f INDEXED BY followups_remind"
                " JOIN contacts c ON c.id = f.contact_id"
                f" WHERE f.status = 'open' AND f.owner = ? AND f.reminded IN ({masks})"
                " AND f.due_at <= ?",
                [who, to_db(now)],
            ).fetchall()
            items += (queue_item(scored_followup(row, now, settings, groups=groups))
                      for row in rows)
        if include_cadence:
            items += self.store.followups.cadence_items(
                owner=owner, now=now, until=now + timedelta(seconds=1))
        items.sort(key=_queue_order)
        return items

    def due(self, channel: str, *, owner: str | None = None, now: datetime | None = None,
            include_cadence: bool = True) -> list[QueueItem]:
        """What a run on ``channel`` would deliver now (read-only: ``--dry-run``).
        ``owner`` None means every owner's."""
        now = now or self.store.now()
        with self.store.read():
            items = self._candidates(channel, owner, now, include_cadence)
            return [item for item in items if not self._recorded(item, channel, now)]

    def any_candidates(self, channel: str, *, owner: str | None = None,
                       now: datetime | None = None, include_cadence: bool = True) -> bool:
        """Whether ``claim`` would find anything to look at (read-only): when
        not, a run has nothing to do and no need for the write lock."""
        now = now or self.store.now()
        with self.store.read():
            # A follow-up's mask says whether it was reminded; a cadence
            # item has none, and the record is looked up (else one reminded
            # already would have every run wait for the write lock).
            return any(item.followup_id is not None or not self._recorded(item, channel, now)
                       for item in self._candidates(channel, owner, now, include_cadence))

    def _recorded(self, item: QueueItem, channel: str, now: datetime) -> bool:
        """Sent on ``channel``, or claimed by a run whose claim still holds
        (one that has run out is ``claim``'s to clear)."""
        return self.conn.execute(
            "SELECT 1 FROM deliveries WHERE item = ? AND due_at = ? AND channel = ? AND owner = ?"
            " AND (state = 'sent' OR delivered_at >= ?)",
            [item.key, to_db(item.due_at), channel, item.owner, to_db(now - CLAIM_TTL)],
        ).fetchone() is not None

    # -- claiming and recording ------------------------------------------------------

    def claim(
        self,
        channel: str,
        *,
        owner: str | None = None,
        now: datetime | None = None,
        include_cadence: bool = True,
        recipient: Recipient = None,
    ) -> Claim:
        """Claim every due item not yet claimed or sent on ``channel`` (step 1)."""
        now = now or self.store.now()
        bit = channel_bit(channel)
        token = uuid.uuid4().hex
        recipient_of = _recipient_for(recipient)
        # Another run's claims are judged by the time we asked for the lock:
        # while we waited (an import), their runs couldn't renew them either.
        asked = max(now, self.store.now())
        with self.store.write():
            # Stamped when the lock is ours (a wait for an import may have
            # been long): a claim judged by an old clock would look expired.
            stamp = max(now, self.store.now())
            self.conn.execute(
                "DELETE FROM deliveries WHERE state = 'claimed' AND delivered_at < ?",
                [to_db(asked - CLAIM_TTL)],
            )
            candidates = self._candidates(channel, owner, now, include_cadence)
            if not candidates:
                return Claim(token=token, channel=channel, items=(), at=stamp)
            recipients = {item.key: recipient_of(item) for item in candidates}
            rows = _rows(candidates, recipients)
            # One statement claims them all; RETURNING names only the rows this
            # run inserted, so an item another run holds is simply not ours.
            won: dict[str, int] = dict(self.conn.execute(
                "INSERT INTO deliveries (item, contact_id, followup_id, due_at, channel, owner,"
                " recipient, delivered_at, state, claim) SELECT item, contact_id, followup_id,"
                f" due, :channel, owner, recipient, :now, 'claimed', :token FROM ({_ROWS})"
                f" WHERE true ON CONFLICT {_KEY} DO NOTHING RETURNING item, id",
                {"rows": rows, "channel": channel, "now": to_db(stamp), "token": token},
            ).fetchall())
            keys = [item.key for item in candidates]
            lost = [item for item, key in zip(candidates, keys)
                    if key not in won and item.followup_id is not None]
            if lost:
                # A follow-up moved back to a due time (or an owner) it was
                # already reminded at (the trigger cleared its bit): set the
                # bit again from the record.
                self.conn.execute(
                    f"UPDATE followups SET reminded = reminded | :bit FROM ({_ROWS}) AS x"
                    " WHERE followups.id = x.followup_id AND followups.due_at = x.due"
                    " AND followups.owner = x.owner AND EXISTS ("
                    "  SELECT 1 FROM deliveries d WHERE d.item = x.item AND d.due_at = x.due"
                    "  AND d.channel = :channel AND d.owner = x.owner AND d.state = 'sent')",
                    {"bit": bit, "channel": channel, "rows": _rows(lost, recipients)},
                )
        claimed = tuple(item for item, key in zip(candidates, keys) if key in won)
        return Claim(token=token, channel=channel, items=claimed,
                     recipients={key: recipients[key] for key in keys if key in won}, rows=won,
                     at=stamp)

    def renew(self, claim: Claim, *, now: datetime | None = None) -> set[str]:
        """Stamp every claim of the run that is still its own anew; return
        their keys. One missing was taken over by another run (after it had
        run out), or went with its contact or follow-up: not to be delivered."""
        with self.store.write():
            stamp = max(now, self.store.now()) if now else self.store.now()
            held = {row for (row,) in self.conn.execute(
                f"{_RENEW} RETURNING id", [to_db(stamp), claim.token])}
        return {key for key, row in claim.rows.items() if row in held}

    @contextmanager
    def kept(self, claim: Claim, every: float = RENEW_EVERY.total_seconds()) -> Iterator[None]:
        """Renew the run's claims every ``every`` seconds while the block
        runs (a delivery, which may take longer than a claim lasts). The
        renewals come from a thread with a connection of its own, so the
        block may use the store; they stop before the block is left."""
        # Opened here, not in the keeper's thread: connect() sets the umask,
        # which is the process's, so a thread would set it under the
        # delivery (a command it starts), or under another connect(), which
        # could then leave it 077 for good.
        try:
            conn = connect(self.store.path, busy_timeout_ms=_BEAT_WAIT_MS)
        except (sqlite3.Error, TinyCRMError):
            conn = None  # (seldom: then renew() before the next delivery renews them)
        if conn is None:
            yield
            return
        stop = threading.Event()
        keeper = threading.Thread(target=self._keep, args=(conn, claim.token, every, stop),
                                  name="tinycrm-claims", daemon=True)
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()
            conn.close()

    def _keep(self, conn: sqlite3.Connection, token: str, every: float,
              stop: threading.Event) -> None:
        while not stop.wait(every):
            try:
                conn.execute(_RENEW, [to_db(self.store.now()), token])
            except sqlite3.Error:
                pass  # the lock is held (an import): the next beat tries again

    def _selected(self, claim: Claim, keys: Iterable[str] | None) -> list[QueueItem]:
        if keys is None:
            return list(claim.items)
        wanted = set(keys)
        return [item for item in claim.items if item.key in wanted]

    def mark_sent(self, claim: Claim, keys: Iterable[str] | None = None, *,
                  now: datetime | None = None) -> int:
        """Record the claimed items (all, or those in ``keys``) as delivered (step 3)."""
        now = now or self.store.now()
        items = self._selected(claim, keys)
        if not items:
            return 0
        params = {"rows": _rows(items, claim.recipients), "channel": claim.channel,
                  "token": claim.token, "bit": channel_bit(claim.channel),
                  "ids": json.dumps([claim.rows[i.key] for i in items if i.key in claim.rows])}
        # They went out: giving up here (--wait) would deliver them again once
        # the claim runs out, so this waits for the lock however long it takes.
        with self.store.patient(), self.store.write():
            params["now"] = to_db(max(now, self.store.now()))  # when it is recorded
            # Our claims, wherever a merge moved them meanwhile; should a claim
            # have expired and been cleared, the row is recorded anew. A contact
            # (or follow-up) deleted meanwhile took its claims with it: nothing to record.
            self.conn.execute(
                "UPDATE deliveries SET state = 'sent', delivered_at = :now WHERE claim = :token"
                " AND state = 'claimed' AND id IN (SELECT value FROM json_each(:ids))", params)
            self.conn.execute(
                "INSERT INTO deliveries (item, contact_id, followup_id, due_at, channel, owner,"
                " recipient, delivered_at, state, claim) SELECT item, contact_id, followup_id, due,"
                f" :channel, owner, recipient, :now, 'sent', :token FROM ({_ROWS})"
                " WHERE contact_id IN (SELECT id FROM contacts) AND (followup_id IS NULL"
                " OR followup_id IN (SELECT id FROM followups))"
                f" ON CONFLICT {_KEY} DO UPDATE SET state = 'sent',"
                " delivered_at = excluded.delivered_at",
                params,
            )
            self.conn.execute(
                f"UPDATE followups SET reminded = reminded | :bit FROM ({_ROWS}) AS x"
                " WHERE followups.id = x.followup_id AND followups.due_at = x.due"
                " AND followups.owner = x.owner",
                params,
            )
        return len(items)

    def release(self, claim: Claim, keys: Iterable[str] | None = None) -> int:
        """Give the claimed items back undelivered (a failed delivery)."""
        items = self._selected(claim, keys)
        if not items:
            return 0
        with self.store.write():
            self.conn.execute(
                "DELETE FROM deliveries WHERE claim = :token AND state = 'claimed' AND id IN ("
                f" SELECT d.id FROM ({_ROWS}) x JOIN deliveries d ON d.item = x.item"
                " AND d.due_at = x.due AND d.channel = :channel AND d.owner = x.owner)",
                {"token": claim.token, "channel": claim.channel,
                 "rows": _rows(items, claim.recipients)},
            )
        return len(items)

    # -- the log ----------------------------------------------------------------------

    def deliveries(
        self,
        *,
        contact_id: int | None = None,
        followup_id: int | None = None,
        channel: str | None = None,
        limit: int | None = None,
    ) -> list[Delivery]:
        """Deliveries, newest first."""
        where, params = ["1"], []
        for column, value in (("contact_id", contact_id), ("followup_id", followup_id),
                              ("channel", channel)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = (
            "SELECT id, item, contact_id, followup_id, due_at, channel, recipient, delivered_at,"
            f" state, owner FROM deliveries WHERE {' AND '.join(where)} ORDER BY delivered_at DESC, id DESC"
        )
        if limit:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            Delivery(id=r[0], item=r[1], contact_id=r[2], followup_id=r[3], due_at=ts(r[4]),
                     channel=r[5], recipient=r[6], delivered_at=ts(r[7]), state=r[8],
                     owner=r[9])
            for r in self.conn.execute(sql, params)
        ]
