"""A paste is text, never keys. Textual 8's parser sends a bracketed paste
that holds a terminal's colour codes (a name copied from a coloured listing)
as keys from its first ESC on (the ESC as "^"), then a Paste event with
what came before. On the contact list those keys ran commands: "3" went to
the reports, "e" opened the form. Now a paste onto the list is a search,
and elsewhere, where no text is typed, it does nothing."""

from __future__ import annotations

from textual.widgets import Input

from tinycrm.pasting import HOLD_AT_MOST
from tinycrm.screens.base import CRMModal
from tinycrm.screens.contacts import ContactsScreen
from tinycrm.screens.queue import QueueScreen

from .test_tui import keys, make_app, names, seed, settle, table


async def terminal_paste(app, pilot, text: str) -> None:
    """``text`` pasted as a terminal sends it: bracketed, read at once, each
    event the driver's parser makes of it posted to the app in one go."""
    from textual._xterm_parser import XTermParser  # (the driver's own parser)

    for event in XTermParser().feed(f"\x1b[200~{text}\x1b[201~"):
        app.post_message(event)
    await settle(app, pilot)


def open_followups(store) -> list[str]:
    return sorted(f.note for f in store.followups.list(view="open", now=store.now()))


async def test_a_paste_with_colour_codes_onto_the_list_is_a_search(store):
    seed(store)
    before = [(c.id, c.name) for c in store.contacts.list()]
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app.focused is table(app)
        await terminal_paste(app, pilot, "\x1b[31mGrace\x1b[0m")
        assert isinstance(app.screen, ContactsScreen) and len(app.screen_stack) == 1
        search = app.screen.query_one("#search", Input)
        assert (search.value, app.focused) == ("Grace", search)
        assert names(app) == ["Grace Hopper"]
        # The text before the first colour code comes first, as it was pasted.
        await keys(app, pilot, "escape")
        await terminal_paste(app, pilot, "Ada \x1b[1mLovelace\x1b[0m")
        assert (search.value, names(app)) == ("Ada Lovelace", ["Ada Lovelace"])
    assert [(c.id, c.name) for c in store.contacts.list()] == before


async def test_a_plain_paste_onto_the_list_is_a_search_too(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "slash", *"zzz", "enter")  # a search already, on the list
        await terminal_paste(app, pilot, "alan\nsecond line")
        search = app.screen.query_one("#search", Input)
        assert (search.value, app.focused) == ("alan", search)  # (replaced, as a search box's first line)
        assert names(app) == ["Alan Turing"]


async def test_a_paste_where_nothing_is_typed_runs_no_command(store):
    """On the queue "d" marked a follow-up done; in a yes/no question "y" said yes."""
    seed(store)
    before = open_followups(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "2")
        assert isinstance(app.screen, QueueScreen)
        await terminal_paste(app, pilot, "\x1b[1mdone\x1b[0m 3")
        assert isinstance(app.screen, QueueScreen) and len(app.screen_stack) == 1
        assert open_followups(store) == before
        await keys(app, pilot, "1", "delete")  # the list, and delete Ada? (asks)
        assert isinstance(app.screen, CRMModal)
        await terminal_paste(app, pilot, "\x1b[32myes\x1b[0m")
        assert isinstance(app.screen, CRMModal)
        assert len(store.contacts.list()) == 4


async def test_a_caret_typed_on_the_list_holds_up_no_key_after_it(store):
    """Only "^[" begins a paste's escape sequence: a "^" typed, then j, moves down."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "circumflex_accent", "j")
        assert table(app).cursor == 1
        await keys(app, pilot, "circumflex_accent", "left_square_bracket", "escape", "j")
        assert table(app).cursor == 2  # (escape, a key no paste sends, lets go of them)


async def test_a_caret_and_bracket_typed_by_hand_let_the_keys_after_them_go_soon(store):
    """"^[" typed on the list (no paste follows) held every key after it until
    escape: they go on their own once no paste has come for a moment."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("circumflex_accent", "left_square_bracket", "j", "j")
        await pilot.pause(HOLD_AT_MOST + 0.25)
        await settle(app, pilot)
        assert table(app).cursor == 2
        await keys(app, pilot, "j")
        assert table(app).cursor == 3


async def test_a_caret_typed_just_before_a_plain_paste_is_not_added_to_it(store):
    """A "^" held (it may begin a paste's colour code) when a paste without
    one came was added to its end: the search became "Grace^", no match."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("circumflex_accent")
        await terminal_paste(app, pilot, "Grace")
        search = app.screen.query_one("#search", Input)
        assert (search.value, names(app)) == ("Grace", ["Grace Hopper"])


async def test_a_paste_with_colour_codes_into_a_form_field_is_its_text_in_order(store):
    """In a field the keys a paste's colour codes came as were typed: the new
    contact's name read "^[31mGrace^[0m", the text before the first code went
    after them ("^[31mGraceDr "), and a tab in the paste moved to the next field."""
    from tinycrm.screens.form import FormScreen

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "n")
        assert isinstance(app.screen, FormScreen)
        name = app.screen.query_one("#name", Input)
        assert app.focused is name
        await terminal_paste(app, pilot, "Dr \x1b[31mGrace\x1b[0m Hopper\tq")
        assert (name.value, app.focused) == ("Dr Grace Hopper q", name)
        assert app.screen.query_one("#emails", Input).value == ""
        # A "^" typed by hand is text still, with the key after it.
        await keys(app, pilot, "circumflex_accent", "x", "circumflex_accent", "left_square_bracket")
        await pilot.pause(HOLD_AT_MOST + 0.25)
        await settle(app, pilot)
        assert name.value == "Dr Grace Hopper q^x^["
