"""tinycrm's data layer: all SQL, models, migrations, import and export.

Nothing here imports textual, typer or rich (a test checks it).
"""

from .contact_filter import ContactFilter
from .errors import (
    Ambiguous,
    Busy,
    Conflict,
    DatabaseError,
    NotFound,
    TinyCRMError,
    ValidationError,
)
from .models import AuditEntry, Contact, Event, FollowUp
from .settings import StoreSettings
from .store import Store

__all__ = [
    "Ambiguous", "AuditEntry", "Busy", "Conflict", "Contact", "ContactFilter", "DatabaseError",
    "Event", "FollowUp", "NotFound", "Store", "StoreSettings", "TinyCRMError",
    "ValidationError",
]
