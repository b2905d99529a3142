"""The form's note of existing contacts the new one looks like: one line each."""

from __future__ import annotations

from .test_tui import make_app, seed, settle
from .test_tui_sizes import screen_lines


async def test_each_lookalike_is_on_a_line_of_its_own(store):
    """They were joined by spaces ("…the first):   Ada Lovelace (…): a similar
    name   Ada Lovelace: a similar name"), wrapping wherever they fell."""
    seed(store)
    store.contacts.add("Ada Lovelace", company="Byron Estates")  # a namesake
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        app.screen.query_one("#name").value = "Ada Lovelace"
        await settle(app, pilot)
        assert len(app.screen.similar) == 2
        lines = [line.strip(" █") for line in screen_lines(app) if line.startswith("  █")]
        assert lines == [
            "Looks like an existing contact (ctrl+o opens the first):",
            "Ada Lovelace (ada@engines.example, Analytical Engines): a similar name",
            "Ada Lovelace (Byron Estates): a similar name",
        ], lines
