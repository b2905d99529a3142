"""Response-time rules (issue 6 fills this in): run after contacts change."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store


def apply_rules(store: Store, contact_ids: list[int], now: datetime) -> list[int]:
    """Create the follow-ups that rules require for these contacts; returns their ids."""
    return []
