"""Snooze a follow-up: tomorrow, next week, or a date, one key each."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ..store.errors import TinyCRMError
from ..store.models import FollowUp
from ..widgets.field import Field
from ..widgets.text import due_shown, literal
from .base import CRMModal
from .followup_actions import followup_title
from .hints import key_for


class SnoozeScreen(CRMModal[datetime]):
    """Dismisses with the new due time once the follow-up is snoozed."""

    BINDINGS = [
        Binding("t", "choose('tomorrow')", "Tomorrow", id="snooze.tomorrow",
            tooltip="Snooze until tomorrow"),
        Binding("w", "choose('next week')", "Next week", id="snooze.next_week",
            tooltip="Snooze for a week"),
        Binding("a", "pick_date", "A date…", id="snooze.date", tooltip="Snooze until a date you type"),
    ]

    def __init__(self, followup: FollowUp) -> None:
        super().__init__()
        self.followup = followup

    def compose(self) -> ComposeResult:
        from ..store.when import parse_when

        now = self.crm.now()
        keys = {name: literal(key_for(self, f"snooze.{name}"))
                for name in ("tomorrow", "next_week", "date")}
        width = max(key.cell_length for key in keys.values())  # (a remapped key may be longer)

        def choice(name: str, text: str) -> Content:
            key = keys[name]
            return key.pad_right(width - key.cell_length) + literal(f"  {text}")

        def later(name: str, label: str, text: str) -> Option:
            # (One that isn't after the follow-up's due time would bring it
            # forward, which snoozing refuses: shown, but not to be chosen.)
            until = parse_when(text, now)
            return Option(choice(name, f"{label}{due_shown(until)}"), id=text,
                          disabled=until <= self.followup.due_at)

        with Vertical(classes="dialog"):
            yield from followup_title("Snooze", self.followup)
            yield OptionList(
                later("tomorrow", "Tomorrow   ", "tomorrow"),
                later("next_week", "Next week  ", "next week"),
                Option(choice("date", "A date…"), id="date"),
                id="choices",
            )
            yield Field("Until", Input(placeholder="2026-12-01, +3d, next friday 9:00",
                                       id="until", compact=True), id="until-field")

    def on_mount(self) -> None:
        self.query_one("#choices", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == "date":
            self.action_pick_date()
        else:
            self.action_choose(event.option.id or "tomorrow")

    def action_pick_date(self) -> None:
        self.query_one("#until", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_choose(event.value)

    def action_choose(self, text: str) -> None:
        from ..store.when import parse_when

        field = self.query_one("#until-field", Field)
        try:
            until = parse_when(text, self.crm.now())
        except TinyCRMError as exc:
            field.set_error(exc.message)
            return
        field.set_error(None)
        followup_id = self.followup.id

        def snooze(store):
            return store.followups.snooze(followup_id, until, now=store.now())

        def done(_) -> None:
            self.crm.say(f"Snoozed until {due_shown(until)}")
            self.crm.data_changed()
            self.dismiss(until)

        def refused(exc: TinyCRMError) -> None:
            field.set_error(exc.message)

        self.crm.run_db(self, snooze, done, error=refused, name="snooze")
