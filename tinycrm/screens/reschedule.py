"""Move a follow-up to another date."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from ..store.errors import TinyCRMError
from ..store.models import FollowUp
from ..widgets.field import Field
from ..widgets.text import literal, when
from .base import CRMModal
from .followup_actions import followup_title
from .hints import key_for


class RescheduleScreen(CRMModal[datetime]):
    """Dismisses with the new due time once the follow-up is moved."""

    def __init__(self, followup: FollowUp) -> None:
        super().__init__()
        self.followup = followup

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield from followup_title("Reschedule", self.followup)
            yield Field("New date", Input(placeholder="2026-12-01 14:30, +3d, next monday",
                                          id="due", compact=True), id="due-field")
            yield Static(literal(f"enter to save, {key_for(self, 'modal.cancel')} to cancel"),
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#due", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from ..store.when import parse_when

        event.stop()
        field = self.query_one("#due-field", Field)
        try:
            due = parse_when(event.value, self.crm.now())
        except TinyCRMError as exc:
            field.set_error(exc.message)
            return
        field.set_error(None)
        followup_id = self.followup.id

        def reschedule(store):
            return store.followups.reschedule(followup_id, due, now=store.now())

        def done(_) -> None:
            self.crm.say(f"Rescheduled to {when(due)}")
            self.crm.data_changed()
            self.dismiss(due)

        self.crm.run_db(self, reschedule, done, name="reschedule")
