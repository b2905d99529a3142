"""The contact list's order and the search's order are two things: sorting
or reversing the search results leaves the list as it was once the search is
cleared, and the column header's arrow says which way the rows go."""

from __future__ import annotations

from .test_tui import keys, make_app, names, seed, settle, table


def heading(app) -> str:
    return str(app.screen.query_one("#heading").render())


async def test_reversing_the_search_results_leaves_the_lists_order_alone(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "o")  # the list by company
        by_company = names(app)
        await keys(app, pilot, "slash", *"example", "enter")
        await keys(app, pilot, "O")  # the results by name, reversed
        assert "by name ▼" in heading(app)
        assert (table(app).sort_key, table(app).sort_descending) == ("name", True)
        await keys(app, pilot, "escape")  # the search cleared
        assert "by company ▲" in heading(app)
        assert (table(app).sort_key, table(app).sort_descending) == ("company", False)
        assert names(app) == by_company


async def test_a_search_started_on_a_reversed_list_reverses_its_results_at_the_first_press(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "O")  # the list by name, reversed
        reversed_list = names(app)
        await keys(app, pilot, "slash", *"example", "enter")
        await keys(app, pilot, "O")
        assert "by name ▼" in heading(app)
        assert names(app) == sorted(names(app), reverse=True)
        await keys(app, pilot, "escape")
        assert "by name ▼" in heading(app)
        assert names(app) == reversed_list


async def test_the_heading_names_the_search_as_typed_and_the_results_are_for_it(store):
    """The heading quoted the search as Python writes a string ('a\\\\b' for
    a\\b); and a search pasted with a terminal's colour codes in it was named
    without them ('Grace') while the results were for the codes' letters."""
    from textual import events

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "slash", *"a\\b")
        assert "matching 'a\\b'" in heading(app)
        app.screen.query_one("#search").value = ""
        app.screen.query_one("#search").post_message(events.Paste("Gr\x1b[1mace"))
        await settle(app, pilot)
        assert "matching 'Grace'" in heading(app)
        assert names(app)[0] == "Grace Hopper"


async def paste_into(app, pilot, text: str) -> None:
    """A bracketed paste as the terminal sends it, to the app as Textual's
    parser delivers it (Textual 8: an escape sequence inside the paste comes
    as keys, its ESC as a "^", then a Paste event with the text before it)."""
    from textual import events
    from textual._xterm_parser import XTermParser  # (the driver's own parser)

    for event in XTermParser().feed(f"\x1b[200~{text}\x1b[201~"):
        if isinstance(event, events.Key):
            await pilot.press(event.key)
        elif isinstance(event, events.Paste):
            app.post_message(event)
    await settle(app, pilot)


async def test_the_search_box_keeps_none_of_a_pasted_names_colour_codes(store):
    """"[31mGrace" stayed in the box: Textual shows no ESC, but kept the rest
    (in the value, or typed as keys: "^[31m"). Brackets typed stay."""
    from textual import events
    from textual.widgets import Input

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "slash", *"[x] ")
        search = app.screen.query_one("#search", Input)
        await paste_into(app, pilot, "\x1b[31mGrace\x1b[0m")
        assert search.value == "[x] Grace"
        search.value = ""
        await keys(app, pilot, *"(a[b]c)")
        assert search.value == "(a[b]c)"
        search.value = ""
        search.post_message(events.Paste("\x1b[1;31mGr\x1b[0mace"))  # (another driver's paste)
        await settle(app, pilot)
        assert (search.value, search.cursor_position) == ("Grace", 5)
        assert "matching 'Grace'" in heading(app) and names(app)[0] == "Grace Hopper"
        await keys(app, pilot, *" H")
        assert search.value == "Grace H"
