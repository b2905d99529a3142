"""The app on small and odd terminals: a laptop's 80x24, a phone over ssh
(60x20, 40x15), a wide 250x60. Long names, CJK and emoji. Each test opens a
screen at a size and asserts on where widgets are (their regions), not on
how they look: every control is on screen, inside its dialog, reachable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.geometry import Region
from textual.widget import Widget

from tinycrm.screens.detail import DetailScreen
from tinycrm.screens.followup import FollowUpScreen
from tinycrm.screens.log import LogScreen
from tinycrm.screens.reschedule import RescheduleScreen
from tinycrm.screens.snooze import SnoozeScreen
from tinycrm.screens.tags import TagScreen
from tinycrm.store import Store

from .conftest import FROZEN
from .test_tui import keys, make_app, seed, settle

LONG_NAME = "Maximiliana Alexandrina Konstantinopoulou-Featherstonehaugh-Worthington III"
LONG_COMPANY = "The Extraordinarily Long Company Name of International Widgets and Sprockets Ltd"


def seed_long(store: Store) -> int:
    """Seed's people, and one whose name and company fill a line, with a
    long note on the timeline and a follow-up."""
    seed(store)
    contact = store.contacts.add(LONG_NAME, emails=["max@example.com"], company=LONG_COMPANY,
                                 tags=[f"tag{i}-with-a-longish-name" for i in range(12)],
                                 now=FROZEN - timedelta(days=10))
    note = "A long note about the meeting, " * 8 + "\nSecond line\n\n" + "more\n" * 30
    store.timeline.log(contact.id, "meeting", note, at=FROZEN - timedelta(days=1), now=FROZEN)
    store.followups.add(contact.id, FROZEN - timedelta(days=1), note="Send the deck",
                        now=FROZEN - timedelta(days=3))
    return contact.id


def shown(widget: Widget) -> Region:
    """The part of ``widget`` that is drawn: its region cut by every
    container's clip (an empty region when none of it is)."""
    visible = widget.screen._compositor.visible_widgets
    if widget not in visible:
        return Region()
    region, clip = visible[widget]
    return region.intersection(clip)


def inside(inner: Region, outer: Region) -> bool:
    return outer.contains_region(inner)


def screen_lines(app) -> list[str]:
    """What the terminal shows, as text: one string per row."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True,
                      force_terminal=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()


async def open_long_contact(app, pilot, contact_id: int) -> DetailScreen:
    await settle(app, pilot)
    app.open_contact(contact_id)
    await settle(app, pilot)
    assert isinstance(app.screen, DetailScreen)
    return app.screen


# Each dialog with fields, and the keys that open it on the long contact's screen.
DIALOGS = [
    (LogScreen, ("l",)),
    (FollowUpScreen, ("f",)),
    (TagScreen, ("t",)),
    (SnoozeScreen, ("s",)),
    (RescheduleScreen, ("r",)),
]


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
@pytest.mark.parametrize("dialog, opening", DIALOGS, ids=[d.__name__ for d, _ in DIALOGS])
async def test_a_dialogs_inputs_lie_inside_the_dialog(store, size, dialog, opening):
    """A field's input beside its label fits in the dialog: typed text past
    the dialog's edge would be hidden behind its border, caret and all."""
    contact_id = seed_long(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await open_long_contact(app, pilot, contact_id)
        await keys(app, pilot, *opening)
        assert isinstance(app.screen, dialog)
        box = app.screen.query_one(".dialog").content_region
        inputs = list(app.screen.query("Input"))
        assert inputs
        for widget in inputs:
            assert inside(widget.region, box), (widget, widget.region, box)


async def tab_to(app, pilot, button_id: str, *, most: int = 10) -> Widget:
    """Press tab until the button has focus (as someone without a mouse would)."""
    for _ in range(most):
        if app.focused is not None and app.focused.id == button_id:
            break
        await keys(app, pilot, "tab")
    button = app.screen.query_one(f"#{button_id}")
    assert app.focused is button
    return button


def wholly_shown(widget: Widget) -> bool:
    """Drawn whole, within the screen (not cut by its dialog or the screen's edge)."""
    return shown(widget) == widget.region and inside(widget.region, widget.screen.region)


async def save_by_clicking(app, pilot, contact_id: int, dialog: type, *typed: str) -> None:
    """On the long contact's screen, type ``typed`` (the dialog's key first),
    tab to Save as someone without a mouse would, see it whole, and click it:
    the dialog saves and closes."""
    await open_long_contact(app, pilot, contact_id)
    await keys(app, pilot, *typed)
    assert isinstance(app.screen, dialog)
    save = await tab_to(app, pilot, "save")
    assert wholly_shown(save), (save.region, shown(save))
    await pilot.click(save)
    await settle(app, pilot)
    assert isinstance(app.screen, DetailScreen)  # saved, closed


@pytest.mark.parametrize("size", [(60, 20), (40, 15)])
async def test_the_log_dialogs_save_button_can_be_reached_and_pressed(store, size):
    contact_id = seed_long(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await save_by_clicking(app, pilot, contact_id, LogScreen, "l", *"Called about the deck")
        assert store.timeline.list(contact_id, limit=1)[0].text == "Called about the deck"


@pytest.mark.parametrize("size", [(60, 20), (40, 15)])
async def test_the_follow_up_dialogs_save_button_can_be_reached_and_pressed(store, size):
    contact_id = seed_long(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        # (Due: tomorrow, as it is.)
        await save_by_clicking(app, pilot, contact_id, FollowUpScreen,
                               "f", "tab", *"Send the contract")
        notes = [f.note for f in store.followups.list(view="open", contact_id=contact_id,
                                                       now=FROZEN)]
        assert "Send the contract" in notes


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (40, 15)])
async def test_the_delete_questions_buttons_are_both_whole_on_a_narrow_terminal(store, size):
    from tinycrm.screens.confirm import ConfirmScreen

    seed(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "delete")
        assert isinstance(app.screen, ConfirmScreen)
        for button_id in ("yes", "no"):
            button = app.screen.query_one(f"#{button_id}")
            assert wholly_shown(button), (button_id, button.region, shown(button))
        shown_text = "\n".join(screen_lines(app))
        assert "Delete (" in shown_text and "Cancel (" in shown_text, shown_text
        await pilot.click(app.screen.query_one("#no"))
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen) and store.contacts.count() == 4


async def test_the_delete_question_puts_what_goes_with_the_contact_on_a_line_of_its_own(store):
    """"Delete Ada Lovelace?" is the question; what else goes, and that it
    can't be undone, is said under it (the line break was lost: one run-on line)."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "delete")
        lines = screen_lines(app)
        question = next(line for line in lines if "Delete Ada Lovelace?" in line)
        assert "Their" not in question, question
        assert any("Their timeline and follow-ups go too" in line for line in lines), lines


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (40, 15)])
async def test_a_long_notes_close_button_can_be_reached_and_pressed(store, size):
    """The whole text of a long entry, under a title that a long name wraps
    over three lines: the Close button is still there to press."""
    from tinycrm.screens.note import NoteScreen

    contact_id = seed_long(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_long_contact(app, pilot, contact_id)
        await keys(app, pilot, "enter")  # the newest entry: the long meeting note
        assert isinstance(app.screen, NoteScreen)
        assert "Second line" in str(app.screen.query_one("#note-text").render())
        close = await tab_to(app, pilot, "close")
        assert wholly_shown(close), (close.region, shown(close))
        await pilot.click(close)
        await settle(app, pilot)
        assert app.screen is screen


async def test_a_heading_too_long_for_its_line_ends_in_an_ellipsis(store):
    """The heading is one line: the rest of a long one is cut, and the cut
    is shown, rather than wrapped onto a second line no one sees."""
    contact_id = seed_long(store)
    app = make_app(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await open_long_contact(app, pilot, contact_id)
        heading = screen_lines(app)[0].rstrip()
        assert heading.startswith(" Maximiliana Alexandrina Konstantinopoulou"), heading
        assert heading.endswith("…") and len(heading) == 59, heading
        await keys(app, pilot, "2")  # the queue: its counts, then what it shows
        heading = screen_lines(app)[0].rstrip()
        assert heading.startswith(" Follow-up queue  ·  mine (alice)  ·  2 overdue"), heading
        assert heading.endswith("…"), heading


@pytest.mark.parametrize("size", [(60, 20), (40, 15)])
async def test_nothing_shows_past_the_footers_palette_key(store, size):
    """Key hints too many for the footer slide under its right-docked
    "^p Palette"; not one of their letters shows past it, in the last cell."""
    contact_id = seed_long(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert (await footer_line(app, pilot)).endswith("^p Palette "), screen_lines(app)[-1]
        await open_long_contact(app, pilot, contact_id)
        assert (await footer_line(app, pilot)).endswith("^p Palette "), screen_lines(app)[-1]


async def footer_line(app, pilot) -> str:
    """The screen's last line once the footer is drawn on it (on a loaded
    machine, a moment after the screen's workers are done)."""
    for _ in range(50):
        if line := screen_lines(app)[-1].strip():
            return screen_lines(app)[-1]
        await pilot.pause(0.05)
    return line


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (40, 15)])
@pytest.mark.parametrize("name", ["山田太郎株式会社東京ロボティクス営業本部長",
                                  "A山田太郎株式会社東京ロボティクス営業本部長"])
async def test_a_wide_character_cut_at_a_columns_edge_leaves_no_gap(store, size, name):
    """A name of double-width characters too long for its column ends in
    whole characters and the ellipsis right after them ("株式会…"), however the
    column's width falls: not half a character turned into a space ("株式会 …")."""
    store.contacts.add(name, company="東京ロボティクス株式会社グループ本社")
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        row = next(line for line in screen_lines(app) if "山田" in line)
        assert row.count("…") == 2, row  # the name and the company, both cut
        assert " …" not in row, row


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (40, 15)])
async def test_the_reports_cards_and_bars_are_readable_on_a_narrow_terminal(store, size):
    """Each headline card's title and figure fits on its line (five to a
    row they were cut to 'Conver', 'Co'), and every bar has room to be seen."""
    from textual.widgets import Label

    from tinycrm.screens.reports import ReportsScreen
    from tinycrm.widgets.chartbar import ChartBar

    from .crm_helpers import build_known_dataset

    build_known_dataset(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "3")
        assert isinstance(app.screen, ReportsScreen)
        labels = list(app.screen.query(".card-title, .card-value"))
        assert len(labels) == 10
        for label in labels:
            assert isinstance(label, Label)
            card = label.parent.content_region  # (a label is as wide as its text)
            assert label.content.cell_length <= card.width, (str(label.content), card)
        bars = [bar for bar in app.screen.query(ChartBar) if bar.display]
        assert bars
        for bar in bars:
            assert bar.content_region.width >= 8, bar.content_region


@pytest.mark.parametrize("size", [(60, 20), (40, 15)])
async def test_a_contacts_lists_take_the_whole_width_of_a_narrow_terminal(store, size):
    """Under 80 columns the info pane sits above the follow-ups and the
    timeline, which get the whole width: beside a pane of 28 cells or more,
    their notes had 5 to 9 cells ("First…")."""
    contact_id = seed_long(store)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_long_contact(app, pilot, contact_id)
        width = size[0]
        info = screen.query_one("#info-pane").region
        for name in ("#followups", "#timeline"):
            table = screen.query_one(name).region
            assert table.width == width and table.y >= info.bottom, (name, table, info)
        assert info.height >= 2 and inside(info, screen.region), info
        assert screen.query_one("#timeline").current.kind == "meeting"  # rows are there
        # Wide again, the pane goes back beside them.
        await pilot.resize_terminal(100, 30)
        await settle(app, pilot)
        info = screen.query_one("#info-pane").region
        assert screen.query_one("#timeline").region.x >= info.right


LONG_EMAIL = "maximiliana.konstantinopoulou@international-widgets.example"
INFO_LABELS = {"Email", "Phone", "Company", "Title", "Stage", "Tier", "Owner", "Tags",
               "Keep in touch", "Contacted", "Source", "Birthday", "Added"}


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_a_contacts_values_wrap_beside_their_labels_not_under_them(store, size):
    """A value too long for the info pane goes on in the values' column: at
    80 columns an address went down to the pane's left edge, under the
    labels ("Email" alone on its line), and "Added" lost its time there."""
    from tinycrm.widgets.text import when

    ids = seed(store)
    store.contacts.edit(ids["ada"], {"emails": [LONG_EMAIL, "ada@engines.example"]}, now=FROZEN)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_long_contact(app, pilot, ids["ada"])
        info = screen.query_one("#info").content_region
        rows = [line[info.x:info.right].rstrip()
                for line in screen_lines(app)[info.y:info.bottom]]
        rows = [row for row in rows if row]
        for row in rows:
            label, value = row[:14].strip(), row[14:]
            assert label in INFO_LABELS or not label, rows
            assert value and not value.startswith(" "), rows
        assert "".join(row[14:] for row in rows[:-1] if row[:14].strip() in ("Email", "")
                       ).startswith(LONG_EMAIL + "ada@engines.example"), rows
        added = store.contacts.get(ids["ada"]).created_at
        assert f"Added         {when(added)}" in rows, rows


async def test_the_log_dialog_fits_whole_at_60x20(store):
    """On a short terminal a dialog drops its spare padding: for a name of
    one line the log dialog fits, its title and its buttons in view at once."""
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "l")  # Ada Lovelace's screen, then log
        assert isinstance(app.screen, LogScreen)
        dialog = app.screen.query_one(".dialog")
        assert dialog.max_scroll_y == 0
        for selector in (".title", "#kind", "#text", "#at", "#save", "#cancel"):
            widget = app.screen.query_one(selector)
            assert wholly_shown(widget), (selector, widget.region, shown(widget))


@pytest.mark.parametrize("text, width, fitted", [
    ("Ada", 1, "…"), ("山田", 1, "…"), ("Ada", 2, "A…"), ("山田太", 4, "山… "), ("Ada", 3, "Ada")])
def test_a_cell_one_wide_holds_the_ellipsis(text, width, fitted):
    """fit is the table's for any width: a column squeezed to one cell shows
    "…" (chop_cells can't cut to 0 cells: ASCII raised ValueError there)."""
    from tinycrm.widgets.text import fit

    assert fit(text, width) == fitted
