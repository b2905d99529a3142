"""Are you sure? A yes/no dialog (delete asks it)."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from ..widgets.text import literal
from .base import CRMModal, hidden
from .hints import key_for


class ConfirmScreen(CRMModal[bool]):
    # The footer names each answer as its button does ("Delete (y)", "Cancel
    # (n)"): y's description is the question's own word (set per question).
    # escape cancels as n does, left out of the footer: n says it.
    BINDINGS = [
        hidden(CRMModal.BINDINGS[-1]),
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Yes, do it"),
        Binding("n", "answer(False)", "Cancel", id="confirm.no", tooltip="No, cancel"),
    ]

    def __init__(self, question: Content, *, yes: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        # (This question's own copy of the bindings: the keymap is applied to it later.)
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                replace(b, description=yes) if b.id == "confirm.yes" else b for b in bindings]

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
