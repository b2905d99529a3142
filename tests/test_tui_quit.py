"""Quitting never loses what was typed: `q` doesn't quit from a form or a
dialog (it may be a letter meant for a field), and ctrl+q asks first while a
form or dialog holds something not saved."""

from __future__ import annotations

from textual.widgets import Input, Select

from tinycrm.screens.confirm import ConfirmScreen
from tinycrm.screens.contacts import ContactsScreen
from tinycrm.screens.form import FormScreen
from tinycrm.screens.log import LogScreen
from tinycrm.screens.queue import QueueScreen

from .test_tui import keys, make_app, seed, settle


async def new_contact_typed(app, pilot) -> None:
    """The new-contact form with a name typed, and the focus on the stage choice."""
    await keys(app, pilot, "n")
    await pilot.press(*"Charles Babbage")
    app.screen.query_one("#stage", Select).focus()
    await settle(app, pilot)


async def test_q_in_the_form_does_not_quit_and_ctrl_q_asks_first(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await new_contact_typed(app, pilot)
        await keys(app, pilot, "q")
        assert app.is_running and isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#name", Input).value == "Charles Babbage"

        await keys(app, pilot, "ctrl+q")  # asks
        assert app.is_running and isinstance(app.screen, ConfirmScreen)
        await keys(app, pilot, "n")  # stay
        assert app.is_running and isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#name", Input).value == "Charles Babbage"

        await keys(app, pilot, "ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.return_code == 0 and not app.is_running


async def test_ctrl_q_twice_quits_from_a_form_with_changes(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await new_contact_typed(app, pilot)
        await keys(app, pilot, "ctrl+q")
        assert app.is_running and isinstance(app.screen, ConfirmScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0 and not app.is_running


async def test_ctrl_q_quits_at_once_when_nothing_typed_is_at_stake(store):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        with app.db.read_lock:  # the edit form opens before its contact is read
            app.push_screen(FormScreen(ids["ada"]))
            await pilot.pause()
            await pilot.pause()
            assert app.screen.query_one("#name", Input).value == ""
        await settle(app, pilot)  # then it is filled from the database
        assert app.screen.query_one("#name", Input).value == "Ada Lovelace"
        await pilot.press("ctrl+q")  # its values are the saved ones: nothing to lose
        await pilot.pause()
        assert app.return_code == 0 and not app.is_running


async def test_ctrl_q_asks_about_a_form_left_open_in_another_mode(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await new_contact_typed(app, pilot)
        await keys(app, pilot, "2")  # to the queue; the form waits under the contact list
        assert isinstance(app.screen, QueueScreen)
        await keys(app, pilot, "ctrl+q")
        assert app.is_running and isinstance(app.screen, ConfirmScreen)


async def test_q_in_a_dialog_does_not_quit_and_ctrl_q_asks_once_text_is_typed(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "l")
        await pilot.press(*"Long call")
        app.screen.query_one("#kind").focus()
        await keys(app, pilot, "q")
        assert app.is_running and isinstance(app.screen, LogScreen)
        assert app.screen.query_one("#text").text == "Long call"
        await keys(app, pilot, "ctrl+q")
        assert app.is_running and isinstance(app.screen, ConfirmScreen)


async def test_q_still_quits_from_a_list_and_ctrl_c_names_the_key_that_quits(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await new_contact_typed(app, pilot)
        await keys(app, pilot, "ctrl+c")  # nothing selected to copy: how to quit
        assert app.messages[-1] == ("information", "Press [b]ctrl+q[/b] to quit the app")
        await keys(app, pilot, "escape", "y")  # (discard what was typed)
        assert isinstance(app.screen, ContactsScreen)
        await keys(app, pilot, "ctrl+c")
        assert app.messages[-1] == ("information", "Press [b]q[/b] to quit the app")
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0 and not app.is_running


async def test_the_form_typed_in_is_not_left_by_a_go_key_and_escape_asks_first(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await new_contact_typed(app, pilot)
        await keys(app, pilot, "1")  # focus on a choice: back to the list would close it
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#name", Input).value == "Charles Babbage"
        await keys(app, pilot, "escape")  # asks
        assert isinstance(app.screen, ConfirmScreen)
        await keys(app, pilot, "n")
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#name", Input).value == "Charles Babbage"
        await keys(app, pilot, "escape", "y")  # discarded
        assert isinstance(app.screen, ContactsScreen)
        assert [c.name for c in store.contacts.list()].count("Charles Babbage") == 0
        await keys(app, pilot, "n", "escape")  # nothing typed: no question
        assert isinstance(app.screen, ContactsScreen)


async def test_q_elsewhere_asks_first_while_a_typed_form_waits(store):
    """q quits where no field could want the letter, but never past a form
    holding what was typed: in another mode, or under help."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await new_contact_typed(app, pilot)
        await keys(app, pilot, "2")  # the queue; the form waits under the contact list
        assert isinstance(app.screen, QueueScreen)
        await keys(app, pilot, "q")
        assert app.is_running and isinstance(app.screen, ConfirmScreen)
        await keys(app, pilot, "n", "1")  # back to the form, untouched
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#name", Input).value == "Charles Babbage"
        await keys(app, pilot, "question_mark", "q")  # help over it
        assert app.is_running and isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running
