"""What you can do to "the current contact", shared by the contact list and
the contact detail screens (same keys, same binding ids)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.content import Content

from ..store.models import Contact
from ..widgets.text import literal

if TYPE_CHECKING:
    from ..app import TinyCRMApp

CONTACT_BINDINGS = [
    Binding("n", "new_contact", "New", id="contact.new", tooltip="Add a new contact"),
    Binding("e", "edit_contact", "Edit", id="contact.edit", tooltip="Edit the contact's fields"),
    Binding("l", "log", "Log", id="contact.log", tooltip="Log a note, call, email or meeting"),
    Binding("f", "add_followup", "Follow-up", id="contact.followup", tooltip="Add a follow-up"),
    Binding("t", "tag", "Tags", id="contact.tag", tooltip="Change the contact's tags", show=False),
    Binding("S", "stage", "Stage", id="contact.stage",
        tooltip="Move the contact to another stage", show=False),
    Binding("delete", "delete_contact", "Delete", id="contact.delete",
        tooltip="Delete the contact (asks first)", key_display="del", show=False),
]


class ContactActions:
    """Mixin for a Screen: implement ``current_contact()`` -> (id, name) or None."""

    app: TinyCRMApp

    def current_contact(self) -> tuple[int, str] | None:
        raise NotImplementedError

    def contact_deleted(self, contact: Contact) -> None:
        """Called after the current contact was deleted."""

    def _with_contact(self, then: Callable[[Contact], Any]) -> None:
        ref = self.current_contact()
        if ref is None:
            self.app.say("No contact selected")
            return
        contact_id = ref[0]
        self.app.run_db(self, lambda store: store.contacts.get(contact_id), then,  # type: ignore[arg-type]
                        name="get_contact", read=True)

    def action_new_contact(self) -> None:
        self.app.new_contact()

    def action_edit_contact(self) -> None:
        from .form import FormScreen

        self._with_contact(lambda c: self.app.push_screen(FormScreen(c.id)))

    def action_log(self) -> None:
        from .log import LogScreen

        ref = self.current_contact()
        if ref is None:
            self.app.say("No contact selected")
            return
        self.app.push_screen(LogScreen(*ref))

    def action_add_followup(self) -> None:
        from .followup import FollowUpScreen

        ref = self.current_contact()
        if ref is None:
            self.app.say("No contact selected")
            return
        self.app.push_screen(FollowUpScreen(*ref))

    def action_tag(self) -> None:
        from .tags import TagScreen

        self._with_contact(lambda c: self.app.push_screen(TagScreen(c)))

    def action_stage(self) -> None:
        from .stage import StageScreen

        self._with_contact(lambda c: self.app.push_screen(StageScreen(c)))

    def action_delete_contact(self) -> None:
        from .confirm import ConfirmScreen

        ref = self.current_contact()
        if ref is None:
            self.app.say("No contact selected")
            return
        contact_id, name = ref
        # (Two literals joined: literal() keeps a text to one line, and the break
        # between the question and what it means would be lost.)
        question = Content("\n").join([
            literal("Delete ") + literal(name, "bold") + literal("?"),
            literal("Their timeline and follow-ups go too. This can't be undone.")])

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def deleted(contact: Contact) -> None:
                self.app.say(f"Deleted {contact.name}")
                self.app.data_changed()
                self.contact_deleted(contact)

            def delete(store) -> Contact:
                return store.contacts.delete(contact_id, now=store.now())

            self.app.run_db(self, delete, deleted, name="delete_contact")  # type: ignore[arg-type]

        self.app.push_screen(ConfirmScreen(question), answered)
