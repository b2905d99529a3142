"""A timeline entry or a follow-up shown whole. The contact's screen cuts
their text to one line of a row; enter on the row opens this. The text is
shown as stored, line ends kept: never read as markup, controls removed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static

from ..store.models import Event, FollowUp
from ..store.timeline import shown_text
from ..store.when import relative
from ..widgets.text import literal, plain, when
from .base import CRMModal
from .hints import key_for


def body(text: str | None) -> Content:
    shown = plain(text, keep_newlines=True).strip("\n")
    return Content(shown) if shown.strip() else literal("(no text)", "dim italic")


class NoteScreen(CRMModal[None]):
    """Read only; escape (or the button) closes it."""

    CSS_PATH = "note.tcss"
    # (Read only: the dialogs' escape, which closes it, says so in the footer.)
    BINDINGS = [Binding("escape", "cancel", "Close", id="modal.cancel", tooltip="Close the note")]

    def __init__(self, title: Content, text: str | None) -> None:
        super().__init__()
        self.title_content = title
        self.text = text

    @classmethod
    def of_event(cls, contact_name: str, event: Event) -> NoteScreen:
        title = literal(contact_name, "bold") + literal(f"  ·  {event.kind}  ·  {when(event.at)}"
                                                        f"  ·  by {plain(event.author)}")
        if event.score is not None:
            title += literal(f"  ·  score {event.score}")
        return cls(title, shown_text(event, lines=True))

    @classmethod
    def of_followup(cls, followup: FollowUp, now) -> NoteScreen:
        title = literal(followup.contact_name, "bold") + literal(
            f"  ·  follow-up due {when(followup.due_at)}"
            f" ({relative(followup.due_at, now, all_day=followup.all_day)})"
            f"  ·  owner {plain(followup.owner)}")
        if followup.every:
            title += literal(f"  ·  every {plain(followup.every)}")
        return cls(title, followup.note)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_content, classes="title")
            with VerticalScroll(id="note-scroll"):
                yield Static(body(self.text), id="note-text")
            with Horizontal(classes="buttons"):
                yield Button(literal(f"Close ({key_for(self, 'modal.cancel')})"), id="close")

    def on_mount(self) -> None:
        self.query_one("#note-scroll").focus()  # the arrow keys scroll a long text

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
