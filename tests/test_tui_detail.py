"""The contact's screen (screens/detail.py) while the data changes under it:
another connection to the same file plays the colleague or the CLI, and
``app.check_for_changes()`` does what the app's 2 s timer does."""

from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager
from datetime import timedelta

from tinycrm.store import ContactFilter, Store

from .conftest import FROZEN
from .test_tui import keys, make_app, seed, settle, table

# -- the highlighted follow-up --------------------------------------------------------


def ada_with_two_followups(store):
    """Ada's follow-ups: 'Send the contract' (overdue), then 'Call back'."""
    ids = seed(store)
    store.followups.add(ids["ada"], FROZEN + timedelta(days=3), note="Call back", now=FROZEN)
    first, later = store.followups.list(view="open", contact_id=ids["ada"], now=FROZEN)
    assert (first.note, later.note) == ("Send the contract", "Call back")
    return ids, first, later


async def open_ada_on(app, pilot, row: int):
    await settle(app, pilot)
    await keys(app, pilot, "enter")  # Ada, the first contact
    followups = table(app, "#followups")
    followups.focus()
    followups.move_cursor(row)
    await settle(app, pilot)
    return followups


async def test_the_highlighted_follow_up_stays_highlighted_when_one_is_added_before_it(
        store, db_path, clock):
    ids, _, later = ada_with_two_followups(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        followups = await open_ada_on(app, pilot, 1)
        assert followups.current.id == later.id
        with Store(db_path, user="bob", clock=clock) as other:
            other.apply_rules = False
            earlier = other.followups.add(ids["ada"], FROZEN - timedelta(days=9),
                                          note="Added by a colleague", now=FROZEN)
        app.check_for_changes()
        await settle(app, pilot)
        assert followups.source[0].id == earlier.id  # the rows did move down
        assert followups.current.id == later.id
        await keys(app, pilot, "d")
        assert store.followups.get(later.id).status == "done"
        assert store.followups.get(earlier.id).status == "open"


async def test_a_follow_up_closed_elsewhere_leaves_none_highlighted(store, db_path, clock):
    _, first, later = ada_with_two_followups(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        followups = await open_ada_on(app, pilot, 1)
        with Store(db_path, user="bob", clock=clock) as other:
            other.followups.done(later.id, now=FROZEN)
        app.check_for_changes()
        await settle(app, pilot)
        assert [f.id for f in followups.source] == [first.id]
        assert followups.current is None  # none highlighted
        assert any("“Call back” is no longer open" in m for _, m in app.messages)
        await keys(app, pilot, "d")  # nothing highlighted: nothing done
        assert store.followups.get(first.id).status == "open"
        assert app.messages[-1][1] == "No follow-up highlighted: pick one in the follow-up list"
        await keys(app, pilot, "k")  # a key picks a row again
        assert followups.current.id == first.id
        await keys(app, pilot, "d")
        assert store.followups.get(first.id).status == "done"


async def test_done_here_moves_the_highlight_to_the_next_follow_up(store):
    _, first, later = ada_with_two_followups(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        followups = await open_ada_on(app, pilot, 0)
        await keys(app, pilot, "d")
        assert store.followups.get(first.id).status == "done"
        assert followups.current.id == later.id  # as in the queue: its neighbour
        assert not any("no longer open" in m for _, m in app.messages)


# -- the contact deleted elsewhere ------------------------------------------------------


def screens(app) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


async def settle_closing(app, pilot) -> None:
    """settle(), when the screen closes from its own worker's callback: its
    workers are cancelled with it, and waiting for that one raises."""
    from textual.worker import WorkerCancelled

    for _ in range(3):
        try:
            await settle(app, pilot)
            return
        except WorkerCancelled:
            await pilot.pause()



async def test_a_contact_merged_elsewhere_says_where_it_went(store, db_path, clock):
    from textual.widgets import Static

    from tinycrm.store.merge import merge_contacts

    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "l")  # Ada's screen, and a dialog over it
        detail = app.screen_stack[-2]
        with Store(db_path, user="bob", clock=clock) as other:
            merge_contacts(other, ids["grace"], ids["ada"], now=FROZEN)
        app.check_for_changes()
        await settle_closing(app, pilot)
        assert ("error", f"Contact {ids['ada']} was merged into contact {ids['grace']}"
                ) in app.messages
        assert not any("no longer exists" in m for _, m in app.messages)
        assert "merged elsewhere" in str(detail.query_one("#heading", Static).render())


async def test_a_contact_deleted_elsewhere_keeps_the_dialog_being_typed_in(store, db_path, clock):
    from textual.widgets import Static, TextArea

    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "l")  # Ada, then her Log dialog
        detail = app.screen_stack[-2]
        app.screen.query_one("#text", TextArea).load_text("Half-way through typing")
        with Store(db_path, user="bob", clock=clock) as other:
            other.contacts.delete(ids["ada"], now=FROZEN)
        app.check_for_changes()
        await settle(app, pilot)
        assert screens(app) == ["ContactsScreen", "DetailScreen", "LogScreen"]
        assert app.screen.query_one("#text", TextArea).text == "Half-way through typing"
        assert ("error", f"Contact {ids['ada']} no longer exists") in app.messages
        heading = str(detail.query_one("#heading", Static).render())
        assert "deleted elsewhere" in heading and "Ada" not in heading
        # (Erased, it may be: nothing of the person stays on the screen behind.)
        assert "ada@" not in str(detail.query_one("#info", Static).render())
        assert len(detail.query_one("#timeline").source) == 0
        await keys(app, pilot, "ctrl+s")  # the save says why it can't
        assert screens(app) == ["ContactsScreen", "DetailScreen", "LogScreen"]
        error = app.screen.query_one("#text-field .field--error", Static)
        assert f"no contact with id {ids['ada']}" in str(error.render())
        # The dialog closes once what was typed is given up, then the ghost screen.
        await keys(app, pilot, "escape", "y")
        assert screens(app) == ["ContactsScreen"]
        assert len([m for _, m in app.messages if "no longer exists" in m]) == 1


async def test_a_contact_deleted_elsewhere_closes_its_screen_when_on_top(store, db_path, clock):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")
        with Store(db_path, user="bob", clock=clock) as other:
            other.contacts.delete(ids["ada"], now=FROZEN)
        app.check_for_changes()
        await settle_closing(app, pilot)
        assert screens(app) == ["ContactsScreen"]
        assert ("error", f"Contact {ids['ada']} no longer exists") in app.messages


async def test_deleting_the_contact_from_its_screen_goes_back_to_the_list(store):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")
        await pilot.press("delete", "y")
        await settle_closing(app, pilot)
        assert screens(app) == ["ContactsScreen"]
        assert store.contacts.count() == 3 and ids["ada"] not in [
            c.id for c in store.contacts.list(ContactFilter())]
        assert not [m for severity, m in app.messages if severity == "error"]


# -- the place in a long timeline -------------------------------------------------------


def long_timeline(store, n: int) -> dict[str, int]:
    """Ada's timeline: n notes 'event 0000'... older than seed's three (a follow-up, two logs)."""
    ids = seed(store)
    for i in range(n):
        store.timeline.log(ids["ada"], "note", f"event {i:04d}",
                           at=FROZEN - timedelta(days=10, hours=n - i), now=FROZEN)
    return ids


@asynccontextmanager
async def on_a_long_timeline(store, n: int):
    """The app on Ada's screen, her timeline of ``n`` notes (and 3 more)."""
    long_timeline(store, n)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")
        yield app, pilot, table(app, "#timeline")


async def test_end_goes_to_the_oldest_event_of_a_long_timeline(store):
    async with on_a_long_timeline(store, 450) as (app, pilot, timeline):
        assert len(timeline.source) == 453  # the whole timeline's length, before it is read
        await keys(app, pilot, "end")
        assert timeline.cursor == 452
        assert timeline.current.text == "event 0000"
        await keys(app, pilot, "home", "G")  # G too
        assert timeline.current.text == "event 0000"


async def test_a_reload_keeps_the_place_in_a_long_timeline(store, db_path, clock):
    ids = long_timeline(store, 700)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")
        timeline = table(app, "#timeline")
        while timeline.cursor < 550:  # reading on, a page at a time
            await keys(app, pilot, "pagedown")
        await keys(app, pilot, "up", "up")  # (not on the top row of the screen)
        event, cursor, top = timeline.current, timeline.cursor, timeline.scroll_offset.y
        read = timeline.source.read if hasattr(timeline.source, "read") else len(timeline.source)
        assert event is not None and top > 400
        with Store(db_path, user="bob", clock=clock) as other:
            other.contacts.add("Someone Unrelated", now=FROZEN)
            other.timeline.log(ids["ada"], "email", "Sent from cron", now=FROZEN)
        app.check_for_changes()
        await settle(app, pilot)
        assert timeline.source[0].text == "Sent from cron"  # it did reload
        assert timeline.current.id == event.id and timeline.cursor == cursor + 1
        assert timeline.scroll_offset.y == top + 1  # the rows on screen stay put
        assert timeline.source.read == read + 1  # what was read stays read, and the new one


async def test_a_new_event_shows_at_the_top_of_the_timeline_when_the_top_is_shown(
        store, db_path, clock):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")
        timeline = table(app, "#timeline")
        newest = timeline.current
        assert newest.text == "Prefers email"
        with Store(db_path, user="bob", clock=clock) as other:
            other.timeline.log(ids["ada"], "email", "Sent from cron", now=FROZEN)
        app.check_for_changes()
        await settle(app, pilot)
        assert timeline.scroll_offset.y == 0 and timeline.source[0].text == "Sent from cron"
        assert timeline.current.id == newest.id  # the cursor stays on its event


# -- a note shown whole -----------------------------------------------------------------

LONG = ("Call with Ada.\nShe wants: 1) a demo on Tuesday, 2) pricing for 40 seats, 3) the "
        "security questionnaire filled in by Friday.\n\n[bold]not markup[/] $var")


def note_text(app) -> str:
    from textual.widgets import Static

    return str(app.screen.query_one("#note-text", Static).render())


async def test_enter_on_a_timeline_row_shows_the_whole_text(store):
    ids = seed(store)
    with store.write():  # as another program might have stored it, controls and all
        store.timeline.add(ids["ada"], "call", LONG + "\x1b]0;title\x07 \x1b[2Jend", now=FROZEN)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")
        assert table(app, "#timeline").current.kind == "call"  # the newest, highlighted
        await keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "NoteScreen"
        assert note_text(app) == LONG + " end"
        assert "Ada Lovelace  ·  call  ·  2026-11-23 09:30  ·  by alice" in str(
            app.screen.query_one(".title").render())
        await keys(app, pilot, "escape")
        assert type(app.screen).__name__ == "DetailScreen"


async def test_enter_on_a_follow_up_row_shows_its_whole_note(store):
    ids = seed(store)
    store.followups.add(ids["ada"], FROZEN + timedelta(days=3), note=LONG, now=FROZEN)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        followups = await open_ada_on(app, pilot, 1)
        note = followups.current.note  # (a follow-up's note is kept on one line)
        assert note == " ".join(LONG.split())
        await keys(app, pilot, "enter")
        assert type(app.screen).__name__ == "NoteScreen"
        assert note_text(app) == note
        await keys(app, pilot, "escape")
        assert type(app.screen).__name__ == "DetailScreen"



async def test_each_address_and_number_is_on_its_own_line(store):
    ids = seed(store)
    store.contacts.edit(ids["ada"], {"emails": ["ada@engines.example", "ada@home.example"],
                                     "phones": ["+44 20 7946 0001", "+44 20 7946 0002"]})
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")
        from textual.widgets import Static

        info = str(app.screen.query_one("#info", Static).render()).splitlines()
        assert info[:4] == [
            "Email         ada@engines.example", "              ada@home.example",
            "Phone         +44 20 7946 0001", "              +44 20 7946 0002"]


async def test_a_note_open_when_its_contact_is_erased_elsewhere_goes_with_it(store, db_path, clock):
    from tinycrm.store import privacy

    ids = seed(store)
    with store.write():
        store.timeline.add(ids["ada"], "call", "Ada's private medical details", now=FROZEN)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter", "enter")  # Ada's screen, her newest entry whole
        assert screens(app)[-1] == "NoteScreen"
        with Store(db_path, user="bob", clock=clock) as other:
            privacy.erase(other, ids["ada"], now=FROZEN)
        app.check_for_changes()
        await settle_closing(app, pilot)
        assert screens(app) == ["ContactsScreen"]
        assert "medical" not in app.export_screenshot()


async def test_a_timeline_page_that_fails_to_load_is_tried_again_on_the_next_move(store, db_path):
    async with on_a_long_timeline(store, 450) as (app, pilot, timeline):
        read = timeline.source.read
        assert read < 450
        # The table's name gone for a moment: SQLite's own error, on the reader.
        with sqlite3.connect(db_path) as other:
            other.execute("ALTER TABLE events RENAME TO events_away")
        errors: list[str] = []
        app.show_error = errors.append
        await keys(app, pilot, "end")
        assert timeline.source.read == read and errors and "database error" in errors[0]
        with sqlite3.connect(db_path) as other:
            other.execute("ALTER TABLE events_away RENAME TO events")
        await keys(app, pilot, "up")
        assert timeline.source.read == 453
        assert timeline.current.text == "event 0001"


# -- time passing -------------------------------------------------------------------------


async def test_a_follow_ups_due_time_moves_on_with_the_clock(store, clock, monkeypatch):
    """Nothing changed in the database, but Grace's demo call, due in 3h, is
    overdue 4h later: her screen, left open, says so (it said "in 3h")."""
    import asyncio

    from tinycrm.screens import detail

    from .test_tui import names, screen_text

    monkeypatch.setattr(detail, "REFRESH_SECONDS", 0.2, raising=False)
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        table(app).move_cursor(names(app).index("Grace Hopper"))
        await keys(app, pilot, "enter")
        assert "in 3h" in screen_text(app)
        clock.now = FROZEN + timedelta(hours=4)
        await asyncio.sleep(0.5)
        await settle(app, pilot)
        assert "1h overdue" in screen_text(app) and "in 3h" not in screen_text(app)


# -- custom fields --------------------------------------------------------------------------


async def test_a_custom_field_named_in_wide_letters_keeps_its_value_in_the_values_column(store):
    """A Japanese Outlook export's column tinycrm has no field for (部署名, the
    department) is a custom field under its own name: each CJK letter takes two
    cells, and the value stood three cells right of the others; a long name
    pushed it further still."""
    from rich.cells import cell_len

    from .test_tui_sizes import screen_lines

    store.apply_rules = False
    store.contacts.add("山田 太郎", company="Acme", fields={
        "部署名": "営業部", "担当者のメールアドレスの種類": "仕事", "plan": "pro"})
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")
        lines = screen_lines(app)
        for value in ("Acme", "営業部", "仕事", "pro"):
            line = next(line for line in lines if f" {value} " in line + " ")
            assert cell_len(line[:line.index(value)]) == cell_len(" Company       "), line


# -- what an edit changed ---------------------------------------------------------------


async def test_an_edit_on_the_timeline_says_what_each_field_was_and_became(store):
    """It said "changed tier, company"; its entry shown whole says no more."""
    from tinycrm.screens.note import NoteScreen

    from .test_tui_sizes import screen_lines

    ids = seed(store)
    store.contacts.edit(ids["ada"], {"tier": "standard", "company": "[b]Engines $x"}, now=FROZEN)
    app = make_app(store)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "enter")  # Ada: the edit is her timeline's newest entry
        assert table(app, "#timeline").current.kind == "edit"
        assert ("changed tier: vip → standard; company: Analytical Engines → [b]Engines $x"
                in "\n".join(screen_lines(app)))
        await keys(app, pilot, "enter")
        assert isinstance(app.screen, NoteScreen)
        assert str(app.screen.query_one("#note-text").render()) == (
            "changed:\ntier: vip → standard\ncompany: Analytical Engines → [b]Engines $x")
