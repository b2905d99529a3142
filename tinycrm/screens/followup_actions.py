"""Done, snooze and reschedule: one key each, on "the current follow-up"
(the queue's highlighted row, or the contact screen's follow-up list)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from ..store.models import FollowUp
from ..widgets.oneline import OneLine
from ..widgets.text import literal, plain, when

if TYPE_CHECKING:
    from ..app import TinyCRMApp

# Time moves a follow-up's due on ("in 30min" becomes "5min overdue", today
# becomes overdue) with nothing changed in the database: the screens that show
# follow-ups draw them again this often.
DUE_REFRESH_SECONDS = 30.0

FOLLOWUP_BINDINGS = [
    Binding("d", "done", "Done", id="followup.done", tooltip="Mark the follow-up done"),
    Binding("s", "snooze", "Snooze", id="followup.snooze",
        tooltip="Snooze: tomorrow, next week or a date"),
    # Out of the footer: at 80 columns it pushed help and quit off the end.
    # Snooze's "a date" does much the same; help and the palette list it.
    Binding("r", "reschedule", "Reschedule", id="followup.reschedule",
        tooltip="Move the follow-up to another date", show=False),
]


def followup_title(verb: str, followup: FollowUp) -> list[Widget]:
    """A dialog's title: whose follow-up and when it is due, then its note,
    which is what tells one of a contact's follow-ups from another. The note
    keeps to one line, cut to the dialog's width."""
    title = Static(literal(f"{verb} ") + literal(followup.contact_name, "bold")
                   + literal(f" (due {when(followup.due_at)})"), classes="title")
    note = plain(followup.note).strip()
    if not note:
        return [title]
    title.add_class("-noted")
    return [title, OneLine(f"“{note}”", classes="title-note")]


class FollowUpActions:
    """Mixin for a Screen: implement ``current_followup()``."""

    app: TinyCRMApp

    def current_followup(self) -> FollowUp | None:
        raise NotImplementedError

    def no_followup(self) -> None:
        self.app.say("No follow-up selected")

    def action_done(self) -> None:
        followup = self.current_followup()
        if followup is None:
            self.no_followup()
            return

        def done(store) -> FollowUp:
            return store.followups.done(followup.id, now=store.now())

        def finished(result: FollowUp) -> None:
            note = f" — {followup.note}" if followup.note else ""
            self.app.say(f"Done: {followup.contact_name}{note}")
            self.app.data_changed()

        self.app.run_db(self, done, finished, name="done")  # type: ignore[arg-type]

    def action_snooze(self) -> None:
        from .snooze import SnoozeScreen

        followup = self.current_followup()
        if followup is None:
            self.no_followup()
            return
        self.app.push_screen(SnoozeScreen(followup))

    def action_reschedule(self) -> None:
        from .reschedule import RescheduleScreen

        followup = self.current_followup()
        if followup is None:
            self.no_followup()
            return
        self.app.push_screen(RescheduleScreen(followup))

    def followup_commands(self) -> list[tuple[str, str, object]]:
        followup = self.current_followup()
        if followup is None:
            return []
        name = plain(followup.contact_name)
        return [
            (f"follow-up: done, {name}", "Mark the highlighted follow-up done", self.action_done),
            (f"follow-up: snooze {name}", "Tomorrow, next week or a date", self.action_snooze),
            (f"follow-up: reschedule {name}", "Move it to another date", self.action_reschedule),
        ]
