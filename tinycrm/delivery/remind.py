"""One ``tinycrm remind`` run: for each channel, claim what is due, deliver it,
and record it (or give it back when the delivery failed).

Nothing is printed when nothing is due; errors are collected as one-line
messages for the caller to print on stderr. A delivery may be slow: the run
keeps its claims meanwhile (see store/reminders.py for what that guarantees).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from ..store.errors import Busy, TinyCRMError
from ..store.models import QueueItem
from ..store.reminders import CHANNELS, RENEW_EVERY, Claim, Reminders
from ..store.stopping import held_off
from .command import CommandFailed
from .smtp import SendFailed, SmtpSettings
from .stdout import StdoutFailed

if TYPE_CHECKING:
    from ..store import Store

# Failures of a delivery itself; anything else is a bug and is raised (after
# the claimed items are given back).
_EXPECTED = (CommandFailed, SendFailed, StdoutFailed, TinyCRMError)


@dataclass
class RemindResult:
    delivered: int = 0
    failed: int = 0
    # Claimed, then found taken over by another run (or deleted) before they
    # went: that run delivers them, not this one.
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    # Dry run: what would go out, per channel.
    would: dict[str, list[QueueItem]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class RemindOptions:
    channels: Sequence[str] = ("stdout",)
    owner: str | None = None  # None: every owner's
    command: str | None = None
    to: str | None = None
    dry_run: bool = False
    include_cadence: bool = True
    renew_every: float = RENEW_EVERY.total_seconds()  # (not an option: tests shorten it)


def remind(
    store: Store,
    options: RemindOptions,
    *,
    smtp_section: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    config_path: str = "the config file",
    smtp_where: Callable[..., str] | None = None,
    now: datetime | None = None,
    out: IO[str] | None = None,
) -> RemindResult:
    now = now or store.now()
    out = out or sys.stdout
    reminders = Reminders(store)
    result = RemindResult()
    for channel in dict.fromkeys(options.channels):
        if channel not in CHANNELS:
            result.errors.append(f"unknown channel {channel!r}: use stdout, email or command")
            continue
        try:
            if options.dry_run:
                due = reminders.due(
                    channel, owner=options.owner, now=now, include_cadence=options.include_cadence)
                if channel == "email":
                    # What a real run checks before it connects, the password
                    # aside (the keyring isn't touched): a dry run is how a
                    # broken [smtp] is found before cron's run fails on it.
                    _email_would(due, options, _read(smtp_section), config_path, result,
                                 smtp_where)
                result.would[channel] = due
                continue
            if channel == "stdout":
                _stdout(reminders, options, now, out, result)
            elif channel == "command":
                _command(reminders, options, now, result)
            else:
                _email(reminders, options, now, _read(smtp_section), config_path, result,
                       smtp_where)
        except Busy:
            raise  # the database, not this channel: the whole run waits or stops (exit 5)
        except TinyCRMError as exc:
            result.errors.append(f"{channel}: {exc.message}")
    return result


def _read(smtp_section: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None,
          ) -> Mapping[str, Any]:
    """``[smtp]``, read (when given as its reader) in the email channel's turn:
    a table that can't be read (a key misspelt) is that channel's error, and
    stdout and command still go."""
    return (smtp_section() if callable(smtp_section) else smtp_section) or {}


def _deliver_groups(reminders: Reminders, claim: Claim, groups: dict, send, now: datetime,
                    result: RemindResult, channel: str, *,
                    renew_every: float = RENEW_EVERY.total_seconds()) -> None:
    """Send each group of claimed items; record the ones that went, release
    the rest. Stopped (Ctrl-C, kill, an error of ours), it gives back every
    claim it hasn't recorded: the next run sends those, not one 15 minutes on.

    Only items whose claims are still the run's go out: while a group is
    sent its claims (and those of the groups yet to come) are renewed, and a
    group that comes a while after the claim renews them first, leaving out
    any another run has taken over since."""
    left = {key: [item.key for item in items] for key, items in groups.items()}
    held, renewed = set(claim.rows), claim.at
    try:
        for key, items in groups.items():
            if renewed is None or reminders.store.now() - renewed >= timedelta(seconds=renew_every):
                held = reminders.renew(claim)
                renewed = reminders.store.now()
            mine = [item for item in items if item.key in held]
            result.skipped += len(items) - len(mine)
            keys = left[key] = [item.key for item in mine]
            if not mine:
                del left[key]
                continue
            try:
                with reminders.kept(claim, renew_every):
                    send(key, mine)
            except Exception as exc:
                reminders.release(claim, keys)
                del left[key]
                result.failed += len(mine)
                result.errors.append(f"{channel}: {exc}")
                if not isinstance(exc, _EXPECTED):
                    raise
                continue
            # Gone out: recorded, whatever comes (a rollback would send it again).
            with held_off():
                reminders.mark_sent(claim, keys, now=now)
            del left[key]
            result.delivered += len(mine)
    except BaseException:
        # (What was recorded is 'sent' and no claim to give back any more.)
        unsent = [k for keys in left.values() for k in keys]
        if unsent:
            reminders.release(claim, unsent)
        raise


def _stdout(reminders: Reminders, options: RemindOptions, now: datetime, out: IO[str],
            result: RemindResult) -> None:
    from . import stdout

    # Nothing due: nothing to write, and no need to wait for an import's lock.
    if not reminders.any_candidates("stdout", owner=options.owner, now=now,
                                    include_cadence=options.include_cadence):
        return
    claim = reminders.claim("stdout", owner=options.owner, now=now,
                            include_cadence=options.include_cadence)
    if claim:
        _deliver_groups(reminders, claim, {None: list(claim.items)},
                        lambda _, items: stdout.write(items, now, out), now, result, "stdout",
                        renew_every=options.renew_every)


def _command(reminders: Reminders, options: RemindOptions, now: datetime, result: RemindResult) -> None:
    from . import command

    if not options.command:
        raise TinyCRMError("--via command needs --exec CMD")
    if not reminders.any_candidates("command", owner=options.owner, now=now,
                                    include_cadence=options.include_cadence):
        return
    # (The command line is not recorded: it may hold a token, a webhook's say.)
    claim = reminders.claim("command", owner=options.owner, now=now,
                            include_cadence=options.include_cadence)
    if claim:
        _deliver_groups(reminders, claim, {None: list(claim.items)},
                        lambda _, items: command.run(options.command, items, now),
                        now, result, "command", renew_every=options.renew_every)


def _email_settings(options: RemindOptions, section: Mapping[str, Any], config_path: str,
                    smtp_where: Callable[..., str] | None) -> SmtpSettings:
    """``[smtp]`` read and checked, with someone to send to."""
    from . import smtp

    settings = smtp.settings_from(section, config_path, smtp_where)
    if not (options.to or settings.to or settings.owners):
        at = smtp_where() if smtp_where else config_path  # (its host is there: so is [smtp])
        raise smtp.SmtpConfigError(f"{at}: [smtp] needs to (who gets the reminders), or --to")
    return settings


def _no_address(items: Sequence[QueueItem], config_path: str) -> str:
    owners = sorted({i.owner for i in items})
    return f"email: no address for {', '.join(owners)}: set to or [smtp.owners] in {config_path}"


def _email_would(due: Sequence[QueueItem], options: RemindOptions, section: Mapping[str, Any],
                 config_path: str, result: RemindResult,
                 smtp_where: Callable[..., str] | None) -> None:
    """A dry run's check of what ``_email`` checks before it connects, with
    the same messages; whether anything is due or not."""
    settings = _email_settings(options, section, config_path, smtp_where)
    unaddressed = [i for i in due if settings.recipient(i, options.to) is None]
    if unaddressed:
        result.errors.append(_no_address(unaddressed, config_path))


def _email(reminders: Reminders, options: RemindOptions, now: datetime,
           section: Mapping[str, Any], config_path: str, result: RemindResult,
           smtp_where: Callable[..., str] | None = None) -> None:
    from . import smtp

    # Nothing due: nothing to send, and no need for a server or a password.
    if not reminders.due("email", owner=options.owner, now=now, include_cadence=options.include_cadence):
        return
    settings = _email_settings(options, section, config_path, smtp_where)
    # Settings and password are checked before anything is claimed: a missing
    # keyring leaves every item for the next run.
    password = smtp.password_for(settings)
    claim = reminders.claim("email", owner=options.owner, now=now,
                            recipient=lambda item: settings.recipient(item, options.to),
                            include_cadence=options.include_cadence)
    if not claim:
        return
    groups: dict[str | None, list[QueueItem]] = {}
    for item in claim.items:
        groups.setdefault(claim.recipients.get(item.key), []).append(item)
    unaddressed = groups.pop(None, [])
    if unaddressed:
        reminders.release(claim, [i.key for i in unaddressed])
        result.failed += len(unaddressed)
        result.errors.append(_no_address(unaddressed, config_path))

    def send(to: str, items: list[QueueItem]) -> None:
        refused = smtp.send(settings, password, to, items, now)
        if refused:  # (sent all the same: recorded, not sent again to the others)
            result.errors.append(f"email: {refused}")

    _deliver_groups(reminders, claim, groups, send, now, result, "email",
                    renew_every=options.renew_every)

