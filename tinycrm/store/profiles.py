"""Public profile addresses as a person's identity: a LinkedIn profile URL
(``linkedin.com/in/ada-lovelace-1815``) names one member and no other.

LinkedIn's ``Connections.csv`` has an address for few connections and a
number for none: without this, importing it again made every other person
twice. An import matches a row that carries such a URL (in any custom field:
LinkedIn's ``URL``, Google's ``Website 1 - Value``...) to the contact whose
fields hold the same profile, after uid, address and number have found no one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

_MARK = "linkedin.com/in/"
_MARK_ANY_CASE = re.compile(r"linkedin\.com/in/", re.I)
_PROFILE = re.compile(
    r"^\s*(?:https?://)?(?:[a-z]{1,3}\.|www\.)?linkedin\.com/in/([^/?#\s]+)/?(?:[?#]\S*)?\s*$",
    re.I)


def profile_key(value: Any) -> str | None:
    """``linkedin:<member>`` for a LinkedIn profile URL (any scheme, host
    prefix, case, trailing slash or query), else None."""
    if not isinstance(value, str) or not _MARK_ANY_CASE.search(value):
        return None
    found = _PROFILE.match(value)
    return f"linkedin:{unquote(found.group(1)).casefold()}" if found else None


def profile_keys(fields: Mapping[str, Any] | None) -> list[str]:
    """The profile keys of a contact's (or a row's) custom fields, in order."""
    if not fields:
        return []
    keys = [key for value in fields.values() if (key := profile_key(value))]
    return list(dict.fromkeys(keys)) if len(keys) > 1 else keys


def profiles_in_use(conn) -> Iterator[tuple[str, int]]:
    """(profile key, contact id) of every contact whose custom fields hold a
    profile, by id: one pass over those that mention one."""
    for contact_id, text in conn.execute(
            "SELECT id, fields FROM contacts WHERE fields LIKE ? ORDER BY id", [f"%{_MARK}%"]):
        try:
            fields = json.loads(text)
        except ValueError:
            continue
        if isinstance(fields, dict):
            for key in profile_keys(fields):
                yield key, contact_id


class ProfileIndex:
    """Which contact has each profile, for one import: read from the database
    the first time a row carries a profile (one pass over the contacts that
    mention one), then kept up to date with what the import creates and merges."""

    def __init__(self, conn) -> None:
        self._conn = conn
        self._owners: dict[str, int] | None = None
        self._holders: set[int] | None = None  # contacts with a profile

    @property
    def loaded(self) -> bool:
        return self._owners is not None

    def _load(self) -> dict[str, int]:
        if self._owners is None:
            owners: dict[str, int] = {}
            for key, contact_id in profiles_in_use(self._conn):
                owners.setdefault(key, contact_id)
            self._owners = owners
        return self._owners

    def owner(self, keys: Sequence[str]) -> int | None:
        """The contact with the first of ``keys`` that someone has."""
        if not keys:
            return None
        owners = self._load()
        return next((owners[key] for key in keys if key in owners), None)

    def has_profile(self, contact_id: int) -> bool:
        """Whether the contact has a profile, or was given one by this import."""
        if self._holders is None:
            self._holders = set(self._load().values())
        return contact_id in self._holders

    def add(self, keys: Sequence[str], contact_id: int) -> None:
        if keys:
            owners = self._load()
            for key in keys:
                owners.setdefault(key, contact_id)
            if self._holders is not None:
                self._holders.add(contact_id)
