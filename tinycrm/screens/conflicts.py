"""Saving a change to a contact that someone else may have changed meanwhile.

Every edit from the TUI carries the version it was based on. If the contact
moved on, the store refuses (Conflict); the screen is told, reloads, and the
user decides again. Nothing is silently overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..store.errors import Conflict, MergedAway, NotFound, TinyCRMError
from ..store.models import Contact

if TYPE_CHECKING:
    from textual.screen import Screen


class Stale(Conflict):
    """The contact changed since the screen read it; ``current`` is what it is now."""

    def __init__(self, message: str, current: Contact) -> None:
        super().__init__(message)
        self.current = current


def save_contact(
    screen: Screen[Any],
    contact: Contact,
    changes: dict[str, Any],
    done: Callable[[Contact], Any],
    *,
    report: Callable[[TinyCRMError], Any] | None = None,
    stale: Callable[[Contact], Any] | None = None,
) -> None:
    """Edit ``contact`` in a worker, based on the version the screen showed.
    A screen that passes ``stale`` is given the latest version and says what
    it did with it; one that passes ``report`` stays open when the contact
    has gone (deleted or merged elsewhere), with what was typed in it."""
    app = screen.app

    def edit(store) -> Contact:
        try:
            return store.contacts.edit(contact.id, changes, expected_version=contact.version,
                                       now=store.now())
        except Conflict:
            current = store.contacts.get(contact.id)
            if current.version != contact.version:
                raise Stale(f"{current.name} was changed elsewhere meanwhile", current) from None
            raise

    def saved(result: Contact) -> None:
        app.data_changed()
        done(result)

    def failed(exc: TinyCRMError) -> None:
        if isinstance(exc, Stale):
            app.data_changed()
            if stale is not None:
                stale(exc.current)
            else:
                app.show_error(f"{exc.message}; showing the latest version, please make your"
                               " change again")
                screen.dismiss(None)
        elif isinstance(exc, NotFound):
            app.data_changed()
            gone = NotFound(gone_message(contact, exc))
            app.show_error(gone.message)
            if report is not None:
                report(gone)
            else:
                screen.dismiss(None)
        elif report is not None:
            report(exc)
        else:
            app.show_error(exc.message)

    app.run_db(screen, edit, saved, error=failed, name="edit_contact")


def gone_message(contact: Contact, exc: NotFound) -> str:
    """Why nothing was saved: the contact is gone, merged into another
    (whose record the change is not written to) or deleted."""
    if isinstance(exc, MergedAway):
        return (f"{contact.name} was merged into contact {exc.into} meanwhile:"
                " nothing was saved")
    return f"{contact.name} was deleted meanwhile: nothing was saved"
