"""The reasons the import's row path gives for a row it rejects: which
column, what the row and the database say, and what to do about it.
``RejectReasons`` is a part of ``RowPath`` (it reads the checker, the
contact names and the import's options from it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .import_rows import Incoming


class RejectReasons:
    checker: Any
    first_id: int
    options: Any
    contact_name: Callable[[int, dict[int, Any]], str]  # (RowPath's)

    def _ambiguous(self, inc: Incoming, key: str, ids: list[int], pending: dict[int, Any]) -> str:
        phone = next((p for p, k in zip(inc.phones, inc.phone_keys) if k == key), key)
        who = " and ".join(f"{i} ({self.contact_name(i, pending)})" for i in ids[:3])
        return (f"{self.checker.field(inc.row, 'phones', phone)}: {phone} is the number of"
                f" contacts {who}, and this row could be either: give its full name or an address")

    def _shared(self, inc: Incoming, email: str, target: int, pending: dict[int, Any]) -> str:
        name = self.contact_name(target, pending)
        return (f"{self.checker.field(inc.row, 'emails', email)}: {email} is contact {target}'s"
                f" ({name}), and this row is someone else ({inc.name}): a shared address? Take it"
                f" out of the row to import {inc.name} alone, or make the names agree if they"
                " are one person")

    def _uid_taken(self, inc: Incoming, target: int, pending: dict[int, Any]) -> str:
        return (f"{self.checker.field(inc.row, 'uid', inc.uid)}: {inc.uid} already belongs to"
                f" contact {target} ({self.contact_name(target, pending)})")

    def _uid_of_another(self, inc: Incoming, target: int, pending: dict[int, Any]) -> str:
        name = self.contact_name(target, pending)
        return (f"{self.checker.field(inc.row, 'uid', inc.uid)}: {inc.uid} is the uid of contact"
                f" {target} ({name}), as an earlier row of the file says, and this row is someone"
                f" else ({inc.name}) with none of their addresses or numbers: two records with"
                f" one uid? Take the uid out of the row to import {inc.name} as a new contact,"
                " or make the names agree if they are one person")

    def _merge_hint(self, keep: int, other: int) -> str:
        """How to merge two contacts that a row brings together. One this
        import creates exists only once it is done; in a dry run, or a strict
        run that this very rejection stops, never."""
        new = [str(i) for i in (keep, other) if i >= self.first_id]
        if not new:
            return f" merge them first: tinycrm merge {keep} {other}"
        them = f"contacts {' and '.join(new)} are" if len(new) == 2 else f"contact {new[0]} is"
        if self.options.dry_run or self.options.strict:
            return f" {them} new from this file: merge them once it is imported"
        return f" {them} new from this file: merge them now: tinycrm merge {keep} {other}"
