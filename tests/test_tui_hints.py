"""Keys named on screen (buttons, the snooze choices, the search box, the
form's look-alike box, the queue's advice) are the keys bound now: after a
[keymap] remap, each names the new key, and pressing it does what it says."""

from __future__ import annotations

from datetime import timedelta

from tinycrm.screens.confirm import ConfirmScreen
from tinycrm.screens.contacts import ContactsScreen
from tinycrm.screens.detail import DetailScreen
from tinycrm.screens.followup import FollowUpScreen
from tinycrm.screens.form import FormScreen
from tinycrm.screens.log import LogScreen
from tinycrm.screens.note import NoteScreen
from tinycrm.screens.queue import QueueScreen
from tinycrm.screens.snooze import SnoozeScreen

from .conftest import FROZEN
from .test_tui import highlight, keys, make_app, seed, settle, table

REMAPPED = {
    "contacts.search": "ctrl+f",
    "dialog.save": "f8",  # (not ctrl+w: the text field takes that)
    "modal.cancel": "f4",
    "form.save": "f5",
    "screen.back": "f3",
    "form.open_existing": "f6",
    "confirm.yes": "ctrl+y",
    "confirm.no": "N",
    "snooze.tomorrow": "z",
    "snooze.next_week": "f7",
    "contact.log": "L",
}


def label(app, selector: str) -> str:
    return str(app.screen.query_one(selector).label)


def choices(app) -> list[str]:
    options = app.screen.query_one("#choices")
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_hints_name_the_keys_of_the_keymap_and_those_keys_work(store):
    ids = seed(store)
    app = make_app(store, keymap=REMAPPED)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        search = app.screen.query_one("#search")
        assert search.placeholder == "ctrl+f search name, email, company, tag"
        await keys(app, pilot, "ctrl+f")
        assert app.focused is search
        table(app).focus()

        # The log dialog: Save names f8, and f8 saves.
        await highlight(app, pilot, "Alan Turing")
        await keys(app, pilot, "L")
        assert isinstance(app.screen, LogScreen)
        assert (label(app, "#save"), label(app, "#cancel")) == ("Save (f8)", "Cancel (f4)")
        app.screen.query_one("#text").text = "Called"
        await keys(app, pilot, "f8")
        assert isinstance(app.screen, ContactsScreen)
        assert [e.text for e in store.timeline.list(ids["alan"], limit=1)] == ["Called"]

        # The follow-up dialog: the same two keys; f4 closes it.
        await keys(app, pilot, "f")
        assert isinstance(app.screen, FollowUpScreen)
        assert (label(app, "#save"), label(app, "#cancel")) == ("Save (f8)", "Cancel (f4)")
        await keys(app, pilot, "f4")
        assert isinstance(app.screen, ContactsScreen)

        # The delete question: its buttons name ctrl+y and N, and N says no.
        await keys(app, pilot, "delete")
        assert isinstance(app.screen, ConfirmScreen)
        assert (label(app, "#yes"), label(app, "#no")) == ("Delete (ctrl+y)", "Cancel (N)")
        await keys(app, pilot, "N")
        assert isinstance(app.screen, ContactsScreen) and store.contacts.count() == 4

        # The form: Save, Cancel and the look-alike box's key.
        await keys(app, pilot, "n")
        assert isinstance(app.screen, FormScreen)
        assert (label(app, "#save"), label(app, "#cancel")) == ("Save (f5)", "Cancel (f3)")
        app.screen.query_one("#name").value = "ada lovelace"
        await settle(app, pilot)
        assert "(f6 opens the first)" in str(app.screen.query_one("#similar").render())
        await keys(app, pilot, "f6")
        assert isinstance(app.screen, DetailScreen) and app.screen.contact_id == ids["ada"]

        # The snooze choices, aligned on the longest key; z snoozes until tomorrow.
        await keys(app, pilot, "2")
        assert isinstance(app.screen, QueueScreen)
        await keys(app, pilot, "s")
        assert isinstance(app.screen, SnoozeScreen)
        assert choices(app) == ["z   Tomorrow   2026-11-24",
                                "f7  Next week  2026-11-30",
                                "a   A date…"]
        await keys(app, pilot, "z")
        assert isinstance(app.screen, QueueScreen)
        [ada] = store.followups.list(contact_id=ids["ada"], now=FROZEN)
        assert ada.due_at.isoformat() == "2026-11-24T00:00:00+00:00"


async def test_the_queue_names_the_log_key_for_a_keep_in_touch_item(store):
    store.apply_rules = False  # (no automatic follow-up: the cadence item alone)
    store.contacts.add("Cadence Carl", cadence_days=7, now=FROZEN - timedelta(days=30))
    app = make_app(store, keymap={"contact.log": "L"})
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "2")
        assert table(app, "#queue").current.kind == "cadence"
        await keys(app, pilot, "s")  # no follow-up to snooze: the advice names L
        assert app.messages[-1][1].endswith("log a call, email or meeting (L) to reset it")


async def test_a_note_and_the_dialogs_without_a_save_button_name_the_cancel_key(store):
    seed(store)
    app = make_app(store, keymap={"modal.cancel": "f4"})
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "enter")  # Ada
        assert isinstance(app.screen, DetailScreen)
        await keys(app, pilot, "t")
        assert str(app.screen.query_one(".hint").render()).endswith("enter to save, f4 to cancel")
        await keys(app, pilot, "f4", "r")  # the follow-up, highlighted
        assert str(app.screen.query_one(".hint").render()) == "enter to save, f4 to cancel"
        await keys(app, pilot, "f4")
        app.screen.query_one("#followups").focus()
        await keys(app, pilot, "enter")
        assert isinstance(app.screen, NoteScreen) and label(app, "#close") == "Close (f4)"


async def test_without_a_keymap_the_hints_name_the_default_keys(store):
    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "2", "s")
        assert choices(app) == ["t  Tomorrow   2026-11-24",
                                "w  Next week  2026-11-30",
                                "a  A date…"]
        await keys(app, pilot, "escape", "l")
        assert (label(app, "#save"), label(app, "#cancel")) == ("Save (ctrl+s)", "Cancel (esc)")
        await keys(app, pilot, "escape", "1", "delete")
        assert (label(app, "#yes"), label(app, "#no")) == ("Delete (y)", "Cancel (n)")
