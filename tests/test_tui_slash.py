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


async def palette_opens(app, pilot, typed: str, hit: str) -> None:
    """ctrl+p, ``typed``, and enter once the palette lists ``hit``."""
    import asyncio

    from textual.command import CommandList

    await pilot.press("ctrl+p", *typed)
    for _ in range(50):  # (the contacts are searched in a thread)
        await asyncio.sleep(0.1)
        found = app.screen.query(CommandList)
        if found and hit in [found.first().get_option_at_index(i).hit.text
                             for i in range(found.first().option_count)]:
            break
    await keys(app, pilot, "enter")


async def test_the_palette_doesnt_open_over_a_dialog(store):
    """Its entries opened a contact (or another screen) over the snooze
    dialog, which stayed open underneath; / then said a contact form was open."""
    from textual.command import CommandPalette

    from tinycrm.screens.snooze import SnoozeScreen

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "enter", "s")  # Ada's screen, her follow-up's snooze dialog
        assert isinstance(app.screen, SnoozeScreen)
        await keys(app, pilot, "ctrl+p")
        assert isinstance(app.screen, SnoozeScreen)
        assert not [s for s in app.screen_stack if isinstance(s, CommandPalette)]
        await keys(app, pilot, "escape", "ctrl+p")  # on the contact's screen it opens
        assert isinstance(app.screen, CommandPalette)


@pytest.mark.parametrize("dialog, typed", [("s", ""), ("l", "Called")],
                         ids=["snooze (no text field)", "log (typing in its text)"])
async def test_the_palettes_key_over_a_dialog_says_why_nothing_opens(store, dialog, typed):
    """ctrl+p over a dialog did nothing, and said nothing. It says why (as /
    does where it can't search), and the dialog stays as it was."""
    from tinycrm.screens.base import CRMModal

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "enter", dialog, *typed)  # Ada's screen, then the dialog
        dialog_screen = app.screen
        assert isinstance(dialog_screen, CRMModal)
        await keys(app, pilot, "ctrl+p")
        assert app.screen is dialog_screen
        assert [m for _, m in app.messages][-1] == (
            "A dialog is open: finish or cancel it, then open the palette")
        if typed:
            await keys(app, pilot, "slash")  # typed into the text, as a /
            assert dialog_screen.query_one("#text").text == typed + "/"
            assert not [m for _, m in app.messages if m.endswith("then search")]
        else:
            await keys(app, pilot, "slash")  # no text field here: / says why too
            assert app.screen is dialog_screen
            assert [m for _, m in app.messages][-1] == (
                "A dialog is open: finish or cancel it, then search")


async def test_slash_shows_the_form_a_contact_was_opened_over_and_names_it(store):
    """A contact opened from the palette over the form: / stays off the list
    (the form would close), and shows the form it means, not the contact."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "n", *"Half typed")
        await palette_opens(app, pilot, "grace", "contact: open Grace Hopper")
        assert isinstance(app.screen, DetailScreen)
        await keys(app, pilot, "slash")
        assert isinstance(app.screen, FormScreen)
        assert app.screen.query_one("#name", Input).value == "Half typed"
        assert [m for _, m in app.messages][-1] == (
            "A contact form is open: save or cancel it, then search")


async def test_slash_names_a_dialog_waiting_under_a_contact_as_a_dialog(store):
    """A dialog under another screen (the palette used to put one there)
    was called a contact form."""
    from tinycrm.screens.snooze import SnoozeScreen

    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "enter", "s")
        app.open_contact(ids["grace"])  # (what the palette's contact: open did)
        await settle(app, pilot)
        await keys(app, pilot, "slash")
        assert isinstance(app.screen, SnoozeScreen)
        assert [m for _, m in app.messages][-1] == (
            "A dialog is open: finish or cancel it, then search")
