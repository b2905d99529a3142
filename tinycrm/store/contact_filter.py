"""Which contacts a listing, an export or a search is about: a stage, a
tier, an owner and tags, as one SQL condition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .contact_values import tag_form


@dataclass(frozen=True)
class ContactFilter:
    tag: str | tuple[str, ...] | None = None  # several: contacts with all of them
    stage: str | None = None
    tier: str | None = None
    owner: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.tag, str):  # --tag VIP finds vip
            object.__setattr__(self, "tag", tag_form(self.tag))
        elif self.tag is not None:
            forms = tuple(dict.fromkeys(map(tag_form, self.tag)))
            object.__setattr__(self, "tag", (forms[0] if len(forms) == 1 else forms) or None)

    @property
    def tags(self) -> tuple[str, ...]:
        return () if self.tag is None else (self.tag,) if isinstance(self.tag, str) else self.tag

    def where(self, alias: str = "c") -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column in ("stage", "tier", "owner"):
            value = getattr(self, column)
            if value is not None:
                clauses.append(f"{alias}.{column} = ?")
                params.append(value)
        for tag in self.tags:
            clauses.append(
                f"{alias}.id IN (SELECT contact_id FROM contact_tags WHERE tag = ?)"
            )
            params.append(tag)
        return (" AND ".join(clauses) or "1"), params
