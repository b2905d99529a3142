"""Log a note, call, email or meeting on a contact's timeline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, RadioButton, RadioSet, Static, TextArea

from ..store.errors import TinyCRMError
from ..widgets.field import Field
from ..widgets.text import literal
from .base import CRMModal
from .hints import key_for

KINDS = ("note", "call", "email", "meeting")


class LogScreen(CRMModal[int]):
    """Dismisses with the new event's id once it is saved."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="dialog.save", tooltip="Save")]

    def __init__(self, contact_id: int, contact_name: str, kind: str = "note") -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact_name = contact_name
        self.kind = kind if kind in KINDS else "note"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(literal("Log for ") + literal(self.contact_name, "bold"), classes="title")
            with RadioSet(id="kind"):
                for kind in KINDS:
                    yield RadioButton(kind.title(), value=kind == self.kind, id=f"kind-{kind}")
            yield Field("What happened", TextArea(id="text", soft_wrap=True), id="text-field")
            yield Field("When", Input(placeholder="now (or: yesterday 15:00, 2026-11-20)",
                                      id="at", compact=True), id="at-field")
            with Horizontal(classes="buttons"):
                yield Button(literal(f"Save ({key_for(self, 'dialog.save')})"), variant="primary",
                             id="save")
                yield Button(literal(f"Cancel ({key_for(self, 'modal.cancel')})"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#text", TextArea).focus()

    @property
    def chosen_kind(self) -> str:
        pressed = self.query_one("#kind", RadioSet).pressed_button
        return pressed.id.removeprefix("kind-") if pressed and pressed.id else self.kind

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def action_save(self) -> None:
        from ..store.when import parse_when

        text = self.query_one("#text", TextArea).text.strip()
        when = self.query_one("#at", Input).value.strip()
        kind = self.chosen_kind
        self.query_one("#text-field", Field).set_error(None if text else "write what happened")
        at = None
        try:
            at = parse_when(when, self.crm.now()) if when else None
            self.query_one("#at-field", Field).set_error(None)
        except TinyCRMError as exc:
            self.query_one("#at-field", Field).set_error(exc.message)
            return
        if not text:
            return

        def log(store):
            return store.timeline.log(self.contact_id, kind, text, at=at, now=store.now())

        def done(event) -> None:
            self.crm.say(f"Logged {kind} for {self.contact_name}")
            self.crm.data_changed()
            self.dismiss(event.id)

        def failed(exc: TinyCRMError) -> None:
            self.query_one("#at-field" if at else "#text-field", Field).set_error(exc.message)

        self.crm.run_db(self, log, done, error=failed, name="log")
