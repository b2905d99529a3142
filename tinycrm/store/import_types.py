"""What an import is asked to do (``ImportOptions``) and what it reports: its
summary, each rejected row, each row of a dry run's plan, and the errors that
stop it before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import TinyCRMError

ON_DUPLICATE = ("merge", "update", "skip", "create")
INPUT_FORMATS = ("auto", "csv", "vcard", "json", "ndjson")

# Keys per ``IN (...)`` lookup: well inside SQLite's limit on parameters.
LOOKUP_KEYS = 900


class ImportFailed(TinyCRMError):
    """The input can't be imported at all; nothing was written."""


class ImportRejected(TinyCRMError):
    """--strict and some rows were rejected; nothing was written."""


@dataclass(frozen=True)
class ImportOptions:
    format: str = "auto"
    mapping: tuple[str, ...] = ()
    on_duplicate: str = "merge"
    dry_run: bool = False
    tags: tuple[str, ...] = ()
    strict: bool = False
    encoding: str | None = None
    # How a slash date that could be either is read (03/04/1985): None is
    # the store's setting.
    day_first: bool | None = None


@dataclass(frozen=True)
class Reject:
    line: int
    reason: str
    cells: list[str]


@dataclass(frozen=True)
class PlanItem:
    """One row of a dry run: what the import would do with it."""

    line: int
    action: str  # create, merge, update, unchanged, skip, reject
    contact_id: int | None
    name: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "action": self.action, "contact_id": self.contact_id,
                "name": self.name, "detail": self.detail}


@dataclass(frozen=True)
class ImportSummary:
    batch_id: int | None
    source: str
    format: str
    layout: str
    created: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    dry_run: bool = False
    followups: int = 0  # made by response-time rules (a new lead's, say)

    def counts_text(self) -> str:
        parts = [f"{self.created} created", f"{self.merged} merged"]
        if self.updated:
            parts.append(f"{self.updated} updated")
        parts += [f"{self.unchanged} unchanged", f"{self.skipped} skipped",
                  f"{self.rejected} rejected"]
        text = ", ".join(parts)
        if self.followups:  # (an address book of leads is that many things to do)
            made = "would make" if self.dry_run else "made"
            text += (f"; response-time rules {made} {self.followups} follow-up"
                     f"{'s' if self.followups != 1 else ''} (--no-rules before the command"
                     " makes none)")
        return text

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (
            "batch_id", "source", "format", "layout", "created", "merged", "updated",
            "unchanged", "skipped", "rejected", "dry_run")}
