"""The footer of each main screen fits a laptop's 80 columns: help and quit
show in full. A contact's footer was cut ("r Reschedule ? Hel▏^p Palette"),
the queue's ("? Help q Q"). What the footer leaves out is still in help."""

from __future__ import annotations

import pytest

from tinycrm.screens.contacts import ContactsScreen
from tinycrm.screens.detail import DetailScreen
from tinycrm.screens.help import HelpScreen
from tinycrm.screens.queue import QueueScreen

from .test_tui import keys, make_app, seed, settle
from .test_tui_sizes import screen_lines


@pytest.mark.parametrize("to_screen, screen_class", [
    ((), ContactsScreen), (("enter",), DetailScreen), (("2",), QueueScreen)],
    ids=["contacts", "a contact", "the queue"])
async def test_the_footer_shows_help_and_quit_at_80_columns(store, to_screen, screen_class):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, *to_screen)
        screen = app.screen
        assert isinstance(screen, screen_class)
        footer = screen_lines(app)[-1]
        keys_shown = footer.split("▏")[0]  # (what the palette key covers isn't seen)
        assert " ? Help q Quit " in keys_shown + " ", footer
        ids = {b.id for bindings in screen._bindings.key_to_bindings.values()
               for b in bindings if b.id}
        await keys(app, pilot, "question_mark")  # every one of the screen's keys is in help
        assert isinstance(app.screen, HelpScreen)
        listed = {row.binding_id for row in app.screen.rows()}
        assert ids - listed == set()


@pytest.mark.parametrize("to_screen, go_keys", [((), " 2 Queue 3 Reports "),
                                                (("3",), " 1 Contacts 2 Queue ")],
                         ids=["contacts", "reports"])
async def test_the_go_to_keys_fit_the_footer_at_80_columns(store, to_screen, go_keys):
    """The contact list's footer cut "3 Reports" at 80 columns."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, *to_screen)
        keys_shown = screen_lines(app)[-1].split("▏")[0] + " "
        assert " ? Help q Quit " in " " + keys_shown and go_keys in keys_shown, keys_shown


@pytest.mark.parametrize("key, shown", [
    ("s", "esc Cancel t Tomorrow w Next week a A date…"), ("r", "esc Cancel"),
    ("l", "esc Cancel ^s Save"), ("t", "esc Cancel"), ("S", "esc Cancel"),
    ("f", "esc Cancel ^s Save"), ("delete", "esc Cancel y Yes n No"),
    ("enter", "esc Close")],
    ids=["snooze", "reschedule", "log", "tags", "stage", "follow-up", "delete", "a note"])
async def test_a_dialogs_footer_shows_its_own_keys_not_the_screens_beneath(store, key, shown):
    """The contact's footer (? Help, e Edit, s Snooze) stayed under a dialog,
    where those keys do nothing: ? in the snooze dialog opened no help."""
    from tinycrm.screens.base import CRMModal

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", key)  # Ada's screen, then the dialog
        assert isinstance(app.screen, CRMModal)
        footer = screen_lines(app)[-1]
        assert footer.split() == shown.split(), footer
        shown_keys = {active.binding.key for active in app.screen.active_bindings.values()
                      if active.binding.show}
        assert shown_keys <= set(app.screen._bindings.key_to_bindings), shown_keys  # the dialog's
