"""Help (?) is a look at the keys, not a place: going to another screen with
the number keys closes it, so coming back finds the screen under it."""

from __future__ import annotations

from textual.widgets import Input

from tinycrm.screens.contacts import ContactsScreen
from tinycrm.screens.detail import DetailScreen
from tinycrm.screens.form import FormScreen
from tinycrm.screens.help import HelpScreen
from tinycrm.screens.queue import QueueScreen

from .test_tui import keys, make_app, seed, settle


def helps(app) -> list[str]:
    """The modes with a help screen anywhere in their stack."""
    return [mode for mode in app.MODES for screen in app._stack_of(mode)
            if isinstance(screen, HelpScreen)]


async def test_going_elsewhere_from_help_closes_it(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await keys(app, pilot, "2")
        assert isinstance(app.screen, QueueScreen) and helps(app) == []
        await keys(app, pilot, "1")
        assert isinstance(app.screen, ContactsScreen)
        assert len(app.screen_stack) == 1


async def test_help_over_a_contact_leaves_the_contact_to_come_back_to(store):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "enter", "question_mark")  # Ada, then help over her
        assert isinstance(app.screen, HelpScreen)
        await keys(app, pilot, "2")
        assert isinstance(app.screen, QueueScreen) and helps(app) == []
        await keys(app, pilot, "1")
        assert isinstance(app.screen, DetailScreen) and app.screen.contact_id == ids["ada"]


async def test_1_from_help_over_the_form_closes_help_and_keeps_the_form(store):
    """1 over the form doesn't close it (README); with help between, it
    closes help only."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "n")
        await pilot.press(*"Charles Babbage")
        app.screen.query_one("#save").focus()  # (? typed in a field is a character)
        await keys(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await keys(app, pilot, "1")
        assert isinstance(app.screen, FormScreen) and helps(app) == []
        assert app.screen.query_one("#name", Input).value == "Charles Babbage"


async def test_help_tells_the_two_ctrl_c_rows_apart(store):
    """ctrl+c copies what is selected; with nothing selected it says which key
    quits. Help listed it three times ("Tell how to quit", and "Copy the
    selected text" under Everywhere and again under Dialogs), as if it did both."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "question_mark")
        rows = [row for row in app.screen.rows() if "^c" in row.keys.split(" / ")]
        assert [(row.binding_id, row.description) for row in rows] == [
            ("app.ctrl_c", "With no text selected: tell which key quits"),
            ("screen.copy", "Copy the selected text"),
        ]
