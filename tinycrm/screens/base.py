"""Base classes for tinycrm's screens: every binding has an id, data is
reloaded when it changed while the screen was hidden, and a modal returns
its answer through ``dismiss``."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from ..app import TinyCRMApp

R = TypeVar("R")

# Priority: the letters that come with a tab in one read (typed fast over ssh)
# go to the field it moves to, not to the one it leaves. A key the focused
# widget has for itself stays the widget's (TinyCRMApp.check_action).
FOCUS_BINDINGS = [
    Binding("tab", "app.focus_next", "Next field", id="screen.focus_next",
        tooltip="Move to the next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", id="screen.focus_previous",
        tooltip="Move to the previous field", show=False, priority=True),
    Binding("ctrl+c,super+c", "screen.copy_text", "Copy selected text", id="screen.copy",
        tooltip="Copy the selected text", show=False),
]


BACK = Binding("escape", "back", "Back", id="screen.back", tooltip="Back to the previous screen")


def hidden(binding: Binding) -> Binding:
    """The same binding, left out of the footer (still in help)."""
    return replace(binding, show=False)


class CRMScreen(Screen[R], inherit_bindings=False):
    """A full screen. ``load()`` (re)reads its data; it runs when the screen is
    shown after the data changed (``app.data_generation`` moved on). Screens
    pushed on top of another add ``BACK`` (escape) to their bindings."""

    BINDINGS = FOCUS_BINDINGS
    loaded_generation = -1

    @property
    def crm(self) -> TinyCRMApp:
        return self.app  # type: ignore[return-value]

    def on_screen_resume(self) -> None:
        if self.loaded_generation != self.crm.data_generation:
            self.reload()

    def reload(self) -> None:
        self.loaded_generation = self.crm.data_generation
        self.load()

    def load(self) -> None:
        """Read this screen's data (in workers)."""

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        """(text, help, callback) for the command palette's "noun: verb" entries."""
        return []


def field_values(screen: Screen) -> list[object]:
    """What the screen's fields hold now: text typed, choices made."""
    # (Here, not at the top: TextArea and RadioSet load only with a dialog that has one.)
    from textual.widgets import Input, RadioSet, Select, TextArea

    values: list[object] = []
    for widget in screen.query("Input, TextArea, Select, RadioSet"):
        if isinstance(widget, (Input, Select)):
            values.append(widget.value)
        elif isinstance(widget, TextArea):
            values.append(widget.text)
        elif isinstance(widget, RadioSet):
            values.append(widget.pressed_index)
    return values


class KeepsInput:
    """A form or dialog (mixed into a Screen): what is typed there is lost if
    the app quits. So `q` doesn't quit over it (it may be a letter meant for
    a field: see TinyCRMApp.check_action), and ctrl+q asks first while its
    fields differ from what they held when it opened (``unsaved``)."""

    _opened_with: list[object] | None = None
    # What a key that would close it says instead ("..., then search").
    OPEN_NOTE = "A form is open: save or cancel it"

    def on_mount(self) -> None:
        # After the first refresh: by then the screen has filled its fields.
        self.call_after_refresh(self.mark_unchanged)  # type: ignore[attr-defined]

    def mark_unchanged(self) -> None:
        """What the fields hold now is what is saved (a form filled from the database)."""
        self._opened_with = field_values(self)  # type: ignore[arg-type]

    def unsaved(self) -> bool:
        now = field_values(self)  # type: ignore[arg-type]
        return self._opened_with is not None and now != self._opened_with

    def leave(self) -> None:
        """Cancel (escape, or a Cancel button): at once when nothing was
        typed, else after asking, as what was typed is lost."""
        if not self.unsaved():
            self.dismiss(None)  # type: ignore[attr-defined]
            return
        from textual.content import Content

        from .confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmScreen(  # type: ignore[attr-defined]
            Content("Discard what you typed? It hasn't been saved."), yes="Discard"), answered)


class CRMModal(KeepsInput, ModalScreen[R], inherit_bindings=False):
    """A dialog; escape cancels (dismisses with None)."""

    # Under 24 rows a dialog gives up its spare padding (app.tcss): the log
    # dialog then fits whole at 60x20 rather than scrolling its title away.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]
    # Under 50 columns its buttons give up their minimum width: a yes/no
    # question's Cancel was cut off below 44.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (50, "-wide")]
    OPEN_NOTE = "A dialog is open: finish or cancel it"

    BINDINGS = [
        *FOCUS_BINDINGS,
        Binding("escape", "cancel", "Cancel", id="modal.cancel", tooltip="Close without saving"),
    ]

    @property
    def crm(self) -> TinyCRMApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        # The dialog's own footer, over the one of the screen beneath: that
        # one listed the screen's keys (? Help, e Edit), which don't reach
        # into a dialog. This one lists the keys that work here.
        from textual.widgets import Footer

        self.mount(Footer(compact=True))

    def action_cancel(self) -> None:
        self.leave()

    # The app's keys that don't reach into a dialog (TinyCRMApp.check_action),
    # and what they would have done.
    REFUSED = {"app.palette": "open the palette", "app.search": "search"}

    def on_key(self, event: events.Key) -> None:
        """ctrl+p or / pressed where the dialog has no use for it (not typed
        into a field, not a key the keymap gave the dialog) did nothing, and
        said nothing: it says why. ? (app.help) there did nothing too: it
        opens help, the dialog's keys first (help.py)."""
        from ..app import TinyCRMApp
        from .hints import in_effect

        for binding in Binding.make_bindings(TinyCRMApp.BINDINGS):
            if binding.id in (*self.REFUSED, "app.help") and any(
                    b.key == event.key for b in in_effect(self.app, binding)):
                if event.key not in self.active_bindings:  # (else the dialog's own: it runs)
                    event.stop()
                    if binding.id == "app.help":
                        self.crm.action_help()
                    else:
                        self.crm.say(f"{self.OPEN_NOTE}, then {self.REFUSED[binding.id]}")
                return
