"""What tinycrm's vCard reader and writer agree on: the names of tinycrm's
own ``X-TINYCRM-*`` properties, which custom fields also go out as a
standard property (and so are skipped when read back beside the JSON that
holds them), and which TELs are faxes, kept as custom fields."""

from __future__ import annotations

import re
from typing import Any

from ..textutil import strip_controls

X_PREFIX = "X-TINYCRM-"
X_SCALARS = {
    "STAGE": "stage", "TIER": "tier", "OWNER": "owner", "SOURCE": "source",
    "CADENCE-DAYS": "cadence_days", "CREATED": "created_at", "UPDATED": "updated_at",
    "LAST-CONTACTED": "last_contacted_at",
}
X_FIELDS = X_PREFIX + "FIELDS"
# The properties the writer copies custom fields into (``vcardwriter``), by the
# field names the reader gives them (``add_field`` numbers a second url
# ``url 2``). On reading, a card with X-TINYCRM-FIELDS takes its fields from
# that and skips these copies of it: the JSON holds the same values and more
# (the names, ``url 3`` with no ``url 2``, text vCard can't carry), so taking
# both would read each value twice. A property whose text no field of the JSON
# has (added or edited in another address book) is read as the card's own.
# A fax goes out as a TEL of type FAX (``fax_field``).
COPIED = {"URL": "url", "ADR": "address", "NICKNAME": "nickname", "ROLE": "role"}
_COPY_OF = {field: prop for prop, field in COPIED.items()}
_NUMBERED_FIELD = re.compile(r"(?P<base>[a-z]+)(?: (?P<n>[1-9][0-9]*))?")


# A fax is no number to call, nor one to know a person by (a company's fax is
# its staff's): a TEL of type FAX, and not VOICE too, is the custom field
# ``work fax``, ``home fax``, ``other fax`` or ``fax``, numbered as others
# (``work fax 2``). Apple may say so by its label alone (``_$!<WorkFAX>!$_``).
_FAX_KINDS = ("WORK", "HOME", "OTHER")
_APPLE_FAX_LABELS = {"fax": "", **{f"{kind.lower()}fax": kind for kind in _FAX_KINDS}}
# The custom fields the writer writes back as a fax TEL: the reader's names,
# and the other layouts' (Outlook's ``Business Fax``, Google's ``Work Fax``,
# Thunderbird's ``Fax Number``), ``Home Fax (2)`` or ``work fax 2`` too.
_FAX_FIELD = re.compile(r"(?:(?P<kind>work|business|home|other)\s+)?fax(?:\s+number)?"
                        r"(?P<n>\s+(?:[1-9][0-9]*|\([1-9][0-9]*\)))?", re.IGNORECASE)


def fax_field(types: set[str], label: str = "") -> str | None:
    """The custom field a TEL of ``types`` (and Apple ``label``) is read
    into when it is a fax; None for a number to call."""
    if "VOICE" in types:
        return None  # (a number that takes calls too: a phone, whatever its label)
    kind = _APPLE_FAX_LABELS.get(label.replace(" ", "").lower())
    if kind is None:
        if "FAX" not in types:
            return None
        kinds = [k for k in _FAX_KINDS if k in types]
        kind = kinds[0] if len(kinds) == 1 else ""
    return f"{kind.lower()} fax" if kind else "fax"


def standard_copies(fields: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(property, number, text) of the custom fields that go out as a
    standard property too (``COPIED``): ``url 2`` is (URL, 2, its text), and
    a fax, ``work fax 2``, is (``TEL;TYPE=WORK,FAX``, 2, its text). The
    writer writes them; the reader knows them by this when it reads."""
    found = []
    for name, value in fields.items():
        prop, n = _copy_of(name)
        if prop and (text := _copy_text(value)):
            found.append((prop, n, text))
    return found


def _copy_of(name: str) -> tuple[str | None, int]:
    """The property (with its TYPE, for a fax) a custom field goes out as
    too, and its number (2 for ``url 2``); None for a field that doesn't."""
    match = _NUMBERED_FIELD.fullmatch(name)
    if match and match["base"] in _COPY_OF:
        return _COPY_OF[match["base"]], int(match["n"] or 1)
    fax = _FAX_FIELD.fullmatch(name.strip())
    if fax is None:
        return None, 0
    kind = (fax["kind"] or "").upper().replace("BUSINESS", "WORK")
    n = int(fax["n"].strip(" ()")) if fax["n"] else 1
    return f"TEL;TYPE={kind + ',' if kind else ''}FAX", n


def _copy_text(value: Any) -> str:
    """A field's text as a property's value: without the control characters
    the exporter takes out of the rest (it leaves ``fields`` as they are,
    for their JSON to escape), a line or paragraph separator a line break."""
    if not isinstance(value, str):
        return ""
    text = value.replace("\u2028", "\n").replace("\u2029", "\n")
    return strip_controls(text, keep_newlines=True).strip()
