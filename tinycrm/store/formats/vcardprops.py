"""What tinycrm's vCard reader and writer agree on: the names of tinycrm's
own ``X-TINYCRM-*`` properties, and which custom fields also go out as a
standard property (and so are skipped when read back beside the JSON that
holds them)."""

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
COPIED = {"URL": "url", "ADR": "address", "NICKNAME": "nickname", "ROLE": "role"}
_COPY_OF = {field: prop for prop, field in COPIED.items()}
_NUMBERED_FIELD = re.compile(r"(?P<base>[a-z]+)(?: (?P<n>[1-9][0-9]*))?")


def standard_copies(fields: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(property, number, text) of the custom fields that go out as a
    standard property too (``COPIED``): ``url 2`` is (URL, 2, its text).
    The writer writes them; the reader knows them by this when it reads."""
    found = []
    for name, value in fields.items():
        match = _NUMBERED_FIELD.fullmatch(name)
        prop = _COPY_OF.get(match["base"]) if match else None
        if prop and (text := _copy_text(value)):
            found.append((prop, int(match["n"] or 1), text))
    return found


def _copy_text(value: Any) -> str:
    """A field's text as a property's value: without the control characters
    the exporter takes out of the rest (it leaves ``fields`` as they are,
    for their JSON to escape), a line or paragraph separator a line break."""
    if not isinstance(value, str):
        return ""
    text = value.replace("\u2028", "\n").replace("\u2029", "\n")
    return strip_controls(text, keep_newlines=True).strip()
