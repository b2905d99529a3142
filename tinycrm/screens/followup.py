"""Add a follow-up to a contact: when, what, who, and how often."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from ..store.errors import TinyCRMError, ValidationError
from ..store.textutil import one_line
from ..widgets.field import Field
from ..widgets.text import literal
from .base import CRMModal
from .hints import key_for


class FollowUpScreen(CRMModal[int]):
    """Dismisses with the new follow-up's id once it is saved."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="dialog.save", tooltip="Save")]

    def __init__(self, contact_id: int, contact_name: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal("Follow up with ") + literal(self.contact_name, "bold"), classes="title")
            yield Field("Due", Input("tomorrow", placeholder="tomorrow, +3d, next monday, 2026-12-01 14:30",
                                     id="due", compact=True), id="due-field")
            yield Field("Note", Input(placeholder="what to do", id="note", compact=True), id="note-field")
            yield Field("Repeat every", Input(placeholder="(once) or 2w, 1m", id="every", compact=True),
                        id="every-field")
            yield Field("Owner", Input(self.crm.user, id="owner", compact=True), id="owner-field")
            with Horizontal(classes="buttons"):
                yield Button(literal(f"Save ({key_for(self, 'dialog.save')})"), variant="primary",
                             id="save")
                yield Button(literal(f"Cancel ({key_for(self, 'modal.cancel')})"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#due", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def action_save(self) -> None:
        from ..store.followups import clean_every
        from ..store.when import parse_when

        # Each as the store will check it (a recurrence is whole days: "4h" is
        # refused; an owner of nothing visible is none), so that the error
        # shows under its field rather than as a notification after saving.
        checks = {
            "due": lambda v: parse_when(v, self.crm.now()),
            "every": lambda v: clean_every(v) if v else None,
            "owner": lambda v: _owner(v, self.crm.user),
        }
        values = {}
        for name, check in checks.items():
            field = self.query_one(f"#{name}-field", Field)
            try:
                values[name] = check(self._value(name))
                field.set_error(None)
            except TinyCRMError as exc:
                field.set_error(exc.message)
        if len(values) < len(checks):
            return
        due, every, owner = values["due"], values["every"], values["owner"]
        note = self._value("note")

        def add(store):
            followup = store.followups.add(
                self.contact_id, due, note=note, owner=owner, every=every, now=store.now())
            return getattr(followup, "id", followup)

        def done(followup_id) -> None:
            self.crm.say(f"Follow-up added for {self.contact_name}")
            self.crm.data_changed()
            self.dismiss(followup_id)

        self.crm.run_db(self, add, done, name="add_followup")


def _owner(text: str, you: str) -> str:
    """The owner typed; you when the field is left empty. One of nothing
    visible is no owner (the store would refuse it)."""
    if not text:
        return you
    owner = one_line(text)
    if owner is None:
        raise ValidationError("a follow-up needs an owner")
    return owner
