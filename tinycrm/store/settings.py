"""What the store needs to know from the user's configuration, passed in.

The store never reads the config file itself (``tinycrm/config.py`` does), so
tests build a ``StoreSettings`` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_STAGES = ("lead", "qualified", "customer", "churned", "lost")
DEFAULT_TIERS = ("vip", "standard", "low")


@dataclass(frozen=True)
class StoreSettings:
    stages: tuple[str, ...] = DEFAULT_STAGES
    tiers: tuple[str, ...] = DEFAULT_TIERS
    default_stage: str = "lead"
    default_tier: str = "standard"
    # Keep-in-touch cadence in days per tag, e.g. {"investor": 30}.
    tag_cadence: dict[str, int] = field(default_factory=dict, hash=False)
    # Response-time rules as read from config (see store/rules.py); None means
    # the built-in defaults.
    rules: tuple[dict[str, Any], ...] | None = None
    # A slash date that could be read either way (03/04/1985) is day first
    # (British) rather than month first (US).
    day_first: bool = False
    # [report]: the stage a lead is won at (None: customer, if it is a stage)
    # and the days after which a contact not contacted counts as idle.
    won_stage: str | None = None
    idle_days: int = 30
    # What is wrong with [report], said by the report alone: a slip there
    # mustn't stop cron's reminders.
    report_problem: str | None = None
    # Where the config file sets the number-th [[rules]] entry's key (None:
    # the entry itself), as PATH:LINE or PATH, to begin a mistake's message
    # (rules are read when first applied, not here).
    rule_where: Callable[[int, str | None], str] | None = field(
        default=None, compare=False, repr=False)
