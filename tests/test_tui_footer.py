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
    ("f", "esc Cancel ^s Save"), ("delete", "y Delete n Cancel"),
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


async def test_the_search_boxs_footer_shows_its_keys_and_they_work(store):
    """With the search box focused the footer showed only "^p Palette": the
    list's keys are letters typed there. It shows the box's own keys (ids to
    remap, as any binding): enter or ↓ to the list, escape to clear the search."""
    from textual.widgets import Input

    from .test_tui import names

    seed(store)
    app = make_app(store, keymap={"contacts.to_list": "f4,down"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "slash", *"grace")
        search = app.screen.query_one("#search", Input)
        assert app.focused is search
        footer = " " + screen_lines(app)[-1].split("▏")[0] + " "
        assert " f4 To the list " in footer and " esc Clear the search " in footer, footer
        await keys(app, pilot, "f4")  # to the list, the search kept
        assert app.focused is app.screen.table and names(app) == ["Grace Hopper"]
        await keys(app, pilot, "slash", "escape")  # the search cleared, back to the list
        assert app.focused is app.screen.table and search.value == "" and len(names(app)) == 4
        await keys(app, pilot, "slash", *"ada", "down")
        assert app.focused is app.screen.table and names(app)[0] == "Ada Lovelace"
        await keys(app, pilot, "question_mark")  # help lists them by id
        rows = {row.binding_id: row.keys for row in app.screen.rows()}
        assert rows["contacts.to_list"] == "f4 / ↓" and rows["contacts.clear_search"] == "esc"
        assert not [m for severity, m in app.messages if severity == "error"]  # (an id it knows)


@pytest.mark.parametrize("keymap, footer, buttons", [
    ({}, "y Delete n Cancel", ["Delete (y)", "Cancel (n)"]),
    ({"confirm.yes": "x", "confirm.no": "N"}, "x Delete N Cancel", ["Delete (x)", "Cancel (N)"]),
], ids=["default keys", "remapped"])
async def test_a_questions_buttons_and_footer_say_the_same(store, keymap, footer, buttons):
    """The delete question's buttons said "Delete (y)" and "Cancel (n)", its
    footer "y Yes n No": one answer, two names. Both name it as the button
    does, with the key in effect (escape cancels too, unlisted: n says it)."""
    from textual.widgets import Button

    from tinycrm.screens.confirm import ConfirmScreen

    seed(store)
    app = make_app(store, keymap=keymap)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "delete")  # Ada's screen, then delete her?
        assert isinstance(app.screen, ConfirmScreen)
        assert screen_lines(app)[-1].split() == footer.split(), screen_lines(app)[-1]
        assert [str(b.label) for b in app.screen.query(Button)] == buttons
        await keys(app, pilot, "escape")
        assert not isinstance(app.screen, ConfirmScreen)


async def test_the_palettes_footer_shows_the_palettes_keys(store):
    """With the palette open the footer was the contact's ("e Edit d Done
    s Snooze ? Help"), keys that do nothing there: it shows the palette's."""
    from textual.command import CommandPalette

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "ctrl+p")  # Ada's screen, then the palette
        assert CommandPalette.is_open(app)
        footer = screen_lines(app)[-1]
        assert footer.split() == "esc Exit the command palette".split(), footer
        await keys(app, pilot, "escape")
        assert isinstance(app.screen, DetailScreen)
        assert " e Edit " in screen_lines(app)[-1]
