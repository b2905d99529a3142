"""Are you sure? A yes/no dialog (delete asks it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from ..widgets.text import literal
from .base import CRMModal
from .hints import key_for


class ConfirmScreen(CRMModal[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Yes, do it"),
        Binding("n", "answer(False)", "No", id="confirm.no", tooltip="No, cancel"),
    ]

    def __init__(self, question: Content, *, yes: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="question")
            with Horizontal(classes="buttons"):
                yes = key_for(self, "confirm.yes")
                yield Button(literal(f"{self.yes} ({yes})"), variant="error", id="yes")
                yield Button(literal(f"Cancel ({key_for(self, 'confirm.no')})"), id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_cancel(self) -> None:
        self.dismiss(False)
