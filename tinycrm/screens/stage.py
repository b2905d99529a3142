"""Move a contact to another stage of the life cycle."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..store.models import Contact
from ..widgets.text import literal
from .base import CRMModal
from .conflicts import save_contact


class StageScreen(CRMModal[Contact]):
    """Dismisses with the changed contact."""

    def __init__(self, contact: Contact) -> None:
        super().__init__()
        self.contact = contact

    def compose(self) -> ComposeResult:
        stages = self.crm.store.settings.stages
        with Vertical(classes="dialog"):
            yield Static(literal("Stage of ") + literal(self.contact.name, "bold"), classes="title")
            yield OptionList(
                *(Option(literal(("● " if s == self.contact.stage else "  ") + s), id=s) for s in stages),
                id="stages",
            )

    def on_mount(self) -> None:
        options = self.query_one("#stages", OptionList)
        stages = self.crm.store.settings.stages
        if self.contact.stage in stages:
            options.highlighted = stages.index(self.contact.stage)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        save_contact(self, self.contact, {"stage": event.option.id}, self.dismiss)
