"""A labelled form field with its error message right under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from .text import literal


class Field(Vertical):
    """``Field("Name", Input(...))``: label, control, and an error line shown
    only while the value is wrong (the ``-invalid`` class)."""

    DEFAULT_CSS = """
    Field { height: auto; }
    Field > Horizontal { height: auto; }
    Field .field--label { width: 14; padding: 0 1 0 0; color: $text-muted; }
    /* Textual's Input is 100% wide: beside the label it would run 14 cells
       past its container's edge, typed text and caret hidden there. */
    Field Input { width: 1fr; }
    Field .field--error { display: none; color: $text-error; padding: 0 0 0 14; height: auto; }
    Field.-invalid .field--error { display: block; }
    Field.-invalid .field--label { color: $text-error; }
    """

    def __init__(self, label: str, control: Widget, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.control = control

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.label, classes="field--label", markup=False)
            yield self.control
        yield Static("", classes="field--error")

    def set_error(self, message: str | None) -> None:
        self.set_class(bool(message), "-invalid")
        self.query_one(".field--error", Static).update(literal(message or ""))
