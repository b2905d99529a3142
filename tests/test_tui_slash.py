"""/ searches from anywhere: on a contact's screen or the queue it goes to the
contact list with the search box focused. It did nothing there, and the
letters typed next ran commands ("/zed": e edited, d marked a follow-up done)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tinycrm.screens.contacts import ContactsScreen
from tinycrm.screens.detail import DetailScreen
from tinycrm.screens.form import FormScreen
from tinycrm.screens.queue import QueueScreen

from .test_tui import keys, make_app, names, seed, settle


def open_followups(store) -> list[str]:
    return sorted(f.note for f in store.followups.list(view="open", now=store.now()))


@pytest.mark.parametrize("to_screen, screen_class", [(("enter",), DetailScreen),
                                                     (("2",), QueueScreen)],
                         ids=["a contact", "the queue"])
async def test_slash_goes_to_the_contact_search_and_runs_no_command(store, to_screen,
                                                                    screen_class):
    seed(store)
    zed = store.contacts.add("Zed Shaw", company="Zero Labs")
    before = (open_followups(store), store.contacts.get(zed.id), store.timeline.count(zed.id))
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, *to_screen)  # Ada Lovelace (her follow-up highlighted), or the queue
        assert isinstance(app.screen, screen_class)
        await keys(app, pilot, "slash", *"zed")
        assert isinstance(app.screen, ContactsScreen) and len(app.screen_stack) == 1
        search = app.screen.query_one("#search", Input)
        assert search.value == "zed" and app.screen.focused is search
        assert names(app) == ["Zed Shaw"]
        after = (open_followups(store), store.contacts.get(zed.id), store.timeline.count(zed.id))
        assert after == before  # nothing edited, nothing marked done


async def test_slash_replaces_an_earlier_search(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "slash", *"ada", "enter", "enter")  # search, open Ada
        assert isinstance(app.screen, DetailScreen)
        await keys(app, pilot, "slash", *"grace")
        assert app.screen.query_one("#search", Input).value == "grace"
        assert names(app)[0] == "Grace Hopper"


async def test_slash_keeps_a_half_typed_form(store):
    """Typed into a field, / is a character; on the form's button it doesn't
    leave the form; from the queue it shows the form waiting on the list."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "n", *"A/B Testing")  # typed into the form's name field
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#name", Input).value == "A/B Testing"
        app.screen.query_one("#save").focus()
        await keys(app, pilot, "slash")
        assert isinstance(app.screen, FormScreen)
        await keys(app, pilot, "2")  # to the queue, the form left waiting
        assert isinstance(app.screen, QueueScreen)
        await keys(app, pilot, "slash")
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#name", Input).value == "A/B Testing"
        assert "A contact form is open: save or cancel it, then search" in [
            m for _, m in app.messages]


async def test_the_search_key_is_remapped_by_its_id(store):
    seed(store)
    app = make_app(store, keymap={"app.search": "ctrl+f"})
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "enter", "ctrl+f", *"alan")  # from Ada's screen
        assert isinstance(app.screen, ContactsScreen)
        assert app.screen.query_one("#search", Input).value == "alan"
        assert names(app)[0] == "Alan Turing"


@pytest.mark.parametrize("to_screen, keymap", [
    ((), {}), ((), {"app.search": "ctrl+f"}), (("enter",), {})],
    ids=["the list", "the list's own /", "a contact"])
async def test_letters_that_come_with_the_slash_go_into_the_search(store, to_screen, keymap):
    """A fast typist's "/zed" (or tmux's, or a paste) reaches the app in one
    read: the letters were handled before the search box had the focus, and
    e edited the highlighted contact."""
    from textual import events

    seed(store)
    store.contacts.add("Zed Shaw")
    app = make_app(store, keymap=keymap)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, *to_screen)
        for key, character in [("slash", "/"), ("z", "z"), ("e", "e"), ("d", "d")]:
            app.post_message(events.Key(key, character))  # queued together
        await settle(app, pilot)
        assert isinstance(app.screen, ContactsScreen)
        assert app.screen.query_one("#search", Input).value == "zed"
        assert names(app) == ["Zed Shaw"]
        await keys(app, pilot, "slash")  # in the search box, a / is a /
        assert app.screen.query_one("#search", Input).value == "zed/"


async def test_a_slash_typed_into_an_open_filter_list_stays_there(store):
    """A filter's list is searched by typing: a tag like partner/oem has a /."""
    from textual.widgets._select import SelectOverlay

    seed(store)
    store.contacts.add("Oem Partner", tags=["partner/oem"])
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        app.screen.action_filters()  # the Tag filter
        await keys(app, pilot, "enter", *"p/o")
        assert isinstance(app.focused, SelectOverlay)
        assert app.screen.query_one("#search", Input).value == ""
