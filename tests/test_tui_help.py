"""Help (?) is a look at the keys, not a place: going to another screen with
the number keys closes it, so coming back finds the screen under it."""

from __future__ import annotations

import pytest
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


def footer_keys(app) -> str:
    from .test_tui_sizes import screen_lines

    return " " + screen_lines(app)[-1].split("▏")[0] + " "  # (left of the palette key)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("to_screen, shown, not_shown", [
    ((), " 2 Queue 3 Reports ", " 1 Contacts "),
    (("enter",), " 1 Contacts 2 Queue 3 Reports ", None),
    (("2",), " 1 Contacts 3 Reports ", " 2 Queue "),
    (("3",), " 1 Contacts 2 Queue ", " 3 Reports "),
], ids=["the contact list", "a contact", "the queue", "reports"])
async def test_helps_footer_shows_the_go_to_keys_of_the_screen_it_came_from(
        store, size, to_screen, shown, not_shown):
    """Help's footer read "esc Back q Quit", room to spare, though 1, 2 and 3
    work from help: it shows the go-to keys the screen under it has."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, *to_screen, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert shown in footer_keys(app), footer_keys(app)
        assert " ? Help " not in footer_keys(app) and " q Quit " in footer_keys(app)
        if not_shown:
            assert not_shown not in footer_keys(app), footer_keys(app)


async def test_a_go_to_key_help_leaves_out_still_closes_help(store):
    """1 over the contact list isn't in help's footer (as on the list), and
    still closes help, as it did; the footer names the key as remapped."""
    seed(store)
    app = make_app(store, keymap={"app.go_queue": "f2"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "question_mark")
        assert " f2 Queue " in footer_keys(app) and " 3 Reports " in footer_keys(app)
        await keys(app, pilot, "1")
        assert isinstance(app.screen, ContactsScreen) and helps(app) == []


@pytest.mark.parametrize("key, first", [
    ("s", ["modal.cancel", "snooze.tomorrow", "snooze.next_week", "snooze.date"]),
    ("delete", ["modal.cancel", "confirm.yes", "confirm.no"]),
], ids=["snooze", "delete"])
async def test_help_in_a_dialog_lists_the_dialogs_keys_first(store, key, first):
    """? in a dialog did nothing and said nothing (Textual keeps the app's
    keys out of a dialog). It opens help, the dialog's own keys at the top;
    the go-to keys, which don't work in a dialog, only close help; escape
    goes back to the dialog, as it was."""
    from tinycrm.screens.base import CRMModal

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", key)  # Ada's screen, then the dialog
        dialog = app.screen
        assert isinstance(dialog, CRMModal)
        await keys(app, pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows()
        assert rows[0].heading and rows[0].keys == "This dialog"
        assert [row.binding_id for row in rows[1:len(first) + 1]] == first
        assert " 1 Contacts " not in footer_keys(app) and " 2 Queue " not in footer_keys(app)
        await keys(app, pilot, "2")  # closes help only
        assert app.screen is dialog
        await keys(app, pilot, "question_mark", "escape")
        assert app.screen is dialog


async def test_help_keeps_out_of_a_dialogs_text_field(store):
    """? typed into the log dialog's note is a character, not help."""
    from textual.widgets import TextArea

    from tinycrm.screens.log import LogScreen

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "l")
        assert isinstance(app.screen, LogScreen)
        app.screen.query_one(TextArea).focus()
        await keys(app, pilot, "question_mark")
        assert isinstance(app.screen, LogScreen) and app.screen.query_one(TextArea).text == "?"


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_every_key_and_description_in_help_is_whole_at_a_small_size(store, size):
    """At 80 columns help cut 7 to 11 descriptions ("Quit, even from a form
    (asks first…"): the keys column was kept wide for the section titles.
    Scrolled from top to bottom, every title, key and description is read
    whole (a description too long for its column goes on under it)."""
    from .test_tui_sizes import screen_lines

    seed(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "question_mark")
        help_screen = app.screen
        rows = help_screen.rows()
        ids = {row.binding_id for row in rows}
        seen: list[str] = []
        for _ in range(len(rows)):  # (a page at a time, more than enough)
            seen += screen_lines(app)[2:-1]  # (the rows under the title and the header)
            await keys(app, pilot, "pagedown")
        bar = "▁▂▃▄▅▆▇█"  # (the scrollbar, in the last column)
        words = [word.rstrip(bar) for line in seen for word in line.replace("▏", " ").split()
                 if word not in ids and word.strip(bar)]
        text = " " + " ".join(words) + " "
        for row in rows:
            assert f" {row.keys} " in text, row
            if row.description:
                assert f" {row.description} " in text, row


def test_keys_too_wide_for_their_column_go_on_under_whole():
    """Remapped keys wider than help's keys column break after a " / ", each
    line within the column, the "/" kept at the end of the line it follows."""
    from tinycrm.screens.help import wrapped

    assert wrapped("j / ↓ / shift+^↓ / alt+shift+pgdn", 16, " / ") == [
        "j / ↓ /", "shift+^↓ /", "alt+shift+pgdn"]
    assert wrapped("Quit, even from a form (asks first if unsaved)", 44) == [
        "Quit, even from a form (asks first if", "unsaved)"]


async def test_the_cursor_in_help_moves_a_key_at_a_time_over_its_wrapped_lines(store):
    """At 40 columns a description goes on under itself; the cursor stood on
    such a second line alone (no key, no binding id beside it), a press more
    for each. It moves from key to key, each key's lines in view."""
    from tinycrm.screens.help import HelpTable

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(40, 15)) as pilot:
        await keys(app, pilot, "question_mark")
        table = app.screen.query_one(HelpTable)
        lines = [table.source.get(i) for i in range(len(table.source))]
        firsts = [i for i, line in enumerate(lines) if i == 0 or lines[i - 1].entry != line.entry]
        assert len(firsts) < len(lines)  # (some keys take two lines at 40 columns)
        visited = [table.cursor]
        while table.cursor != firsts[-1]:
            await keys(app, pilot, "down")
            visited.append(table.cursor)
            assert table.cursor in firsts, lines[table.cursor]
            top = round(table.scroll_offset.y)
            end = firsts[firsts.index(table.cursor) + 1] if table.cursor != firsts[-1] \
                else len(lines)
            assert top <= table.cursor and end - 1 < top + table.page_rows
        keyed = [i for i in firsts if not lines[i].heading]
        assert visited == keyed
        await keys(app, pilot, "up")
        assert table.cursor == keyed[-2]


async def test_the_cursor_in_help_passes_over_the_sections_titles(store):
    """A section's title has no key: down stopped on each one (a press more
    per section) and home on the first, its title scrolled out of view
    going back up. The cursor goes from key to key, a first key's title in view."""
    from tinycrm.screens.help import HelpTable

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(40, 15)) as pilot:
        await keys(app, pilot, "question_mark")
        table = app.screen.query_one(HelpTable)
        lines = [table.source.get(i) for i in range(len(table.source))]
        second = next(i for i, line in enumerate(lines) if i and line.heading)
        assert table.cursor == 1
        while table.cursor < second:
            await keys(app, pilot, "down")
            assert not lines[table.cursor].heading, lines[table.cursor]
        assert table.cursor == second + 1
        await keys(app, pilot, "up")
        assert table.cursor == second - 1 - (len(table._lines_of(second - 1)) - 1)
        await keys(app, pilot, "end", "home")
        assert (table.cursor, round(table.scroll_offset.y)) == (1, 0)


async def test_the_palette_offers_one_help_ours(store):
    """The palette offered Textual's "Keys" (a panel of the focused widget's
    keys, docked on every screen after) above "help: keys", a second help."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Keys" not in titles and "Quit" in titles
