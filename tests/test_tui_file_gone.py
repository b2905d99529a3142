"""The database file deleted or replaced while the app has it open: SQLite
would go on writing to the old file, and those changes would be lost. The
app says so, for as long as it runs, and refuses every write."""

from __future__ import annotations

import os

from tinycrm.screens.form import FormScreen
from tinycrm.screens.log import LogScreen
from tinycrm.store import Store

from .conftest import FROZEN
from .test_tui import keys, make_app, seed, settle


def remove_database(path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            os.remove(f"{path}{suffix}")


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def lasting_errors(app) -> list[str]:
    # (Textual keeps no public list of the notifications on screen.)
    return [n.message for n in app._notifications
            if n.severity == "error" and n.timeout > 3600]


async def test_a_deleted_file_is_noticed_by_the_poll_and_every_write_is_refused(store, db_path):
    seed(store)
    app = make_app(store)  # no timer: the poll is called below
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        remove_database(db_path)
        app.check_for_changes()  # what the timer does every 2 s
        await settle(app, pilot)
        shown = lasting_errors(app)
        assert len(shown) == 1 and f"{db_path} was deleted" in shown[0]
        assert "nothing more can be saved" in shown[0]

        await keys(app, pilot, "l")  # log on the highlighted contact
        await pilot.press(*"Important call notes")
        await keys(app, pilot, "ctrl+s")
        assert isinstance(app.screen, LogScreen)  # still open, the text still there
        assert app.screen.query_one("#text").text == "Important call notes"
        assert "was deleted" in text_of(app, "#text-field .field--error")

        await keys(app, pilot, "escape", "y", "n")  # (what was typed given up)
        await pilot.press(*"New Customer")
        await keys(app, pilot, "ctrl+s")
        assert isinstance(app.screen, FormScreen)
        assert "was deleted" in text_of(app, "#form-error")

        assert not any(m.startswith(("Logged", "Saved")) for _, m in app.messages)
        assert len(lasting_errors(app)) == 1  # said once, not once a write
    assert not db_path.exists()  # and no other file was made in its place


async def test_a_write_between_polls_into_a_replaced_file_is_refused(store, db_path, tmp_path,
                                                                    clock):
    seed(store)
    other = tmp_path / "other.db"
    with Store(other, user="bob", clock=clock) as elsewhere:
        someone = elsewhere.contacts.add("Someone Else", now=FROZEN)
        events = elsewhere.timeline.count(someone.id)
    app = make_app(store)  # no timer: no poll sees it before the write
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        remove_database(db_path)
        os.replace(other, db_path)
        await keys(app, pilot, "l")
        await pilot.press(*"Lost?")
        await keys(app, pilot, "ctrl+s")
        assert isinstance(app.screen, LogScreen)
        assert "was replaced by another file" in text_of(app, "#text-field .field--error")
        shown = lasting_errors(app)
        assert len(shown) == 1 and "was replaced by another file" in shown[0]
    with Store(db_path, user="bob", clock=clock) as now_there:  # not opened in its place
        assert [c.name for c in now_there.contacts.list()] == ["Someone Else"]
        assert now_there.timeline.count(someone.id) == events
