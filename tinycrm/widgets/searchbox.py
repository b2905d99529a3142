"""The contact list's search box: an Input whose keys for leaving it are
bindings of its own. So they have ids (the keymap moves them), help lists
them, and the footer shows them while the box has the focus, where the
list's keys are letters typed into the box. Where the focus goes next is
the screen's to say: the box posts that it is done with (messages up)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class SearchBox(Input):
    BINDINGS = [
        # (enter was Input's own "submit": the same action, now with an id.)
        Binding("enter,down", "submit", "To the list", id="contacts.to_list",
                tooltip="From the search box: to the contacts found"),
        # The list's escape (ContactsScreen) clears the search too: one id, so
        # the keymap moves both.
        Binding("escape", "clear", "Clear the search", id="contacts.clear_search",
                tooltip="Clear the search"),
    ]

    @dataclass
    class Cleared(Message):
        """escape: the search is cleared, and the box is done with."""

        search_box: SearchBox

        @property
        def control(self) -> SearchBox:
            return self.search_box

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Cleared(self))
