"""Edit a contact's tags (the whole list, comma-separated)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from ..store.contact_values import split_tags
from ..store.models import Contact
from ..widgets.field import Field
from ..widgets.text import literal, plain
from .base import CRMModal
from .conflicts import save_contact
from .hints import key_for


class TagScreen(CRMModal[Contact]):
    """Dismisses with the changed contact."""

    def __init__(self, contact: Contact) -> None:
        super().__init__()
        self.contact = contact

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal("Tags of ") + literal(self.contact.name, "bold"), classes="title")
            yield Field("Tags", Input(plain(", ".join(self.contact.tags)), placeholder="investor, beta",
                                      id="tags", compact=True), id="tags-field")
            yield Static(literal("separated by commas or semicolons; enter to save,"
                                 f" {key_for(self, 'modal.cancel')} to cancel"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#tags", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        tags = split_tags(event.value, self.contact.tags)
        field = self.query_one("#tags-field", Field)
        save_contact(self, self.contact, {"tags": tags}, self.dismiss,
                     report=lambda exc: field.set_error(exc.message), stale=self.changed_elsewhere)

    def changed_elsewhere(self, current: Contact) -> None:
        """Someone saved the contact since the dialog opened: what was typed
        stays, with what they saved under it; enter saves it over theirs."""
        self.contact = current
        theirs = ", ".join(current.tags) or "(none)"
        self.query_one("#tags-field", Field).set_error(
            f"{plain(current.name)} was changed elsewhere meanwhile; tags now: {theirs}."
            " Enter saves yours")
