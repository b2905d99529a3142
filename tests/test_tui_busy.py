"""Saving in the app while a teammate's import (another program) holds the
database's write lock: the save says at once what it is waiting for, then
goes ahead when the import is done, or gives up after the busy timeout with
what was typed kept. Before, nothing on screen moved for up to 10 s."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tinycrm.screens.detail import DetailScreen
from tinycrm.screens.form import FormScreen
from tinycrm.screens.log import LogScreen
from tinycrm.screens.queue import QueueScreen
from tinycrm.screens.tags import TagScreen
from tinycrm.store import Store

from .conftest import FROZEN, REPO
from .test_tui import highlight, keys, make_app, seed, settle, table

# A file name is shown as named, never read as markup.
SOURCE = "[b]people.csv"
NOTE = f"Waiting for carol's import of {SOURCE} to finish (up to 10 s)…"

# Another program: an import's transaction (a contact added) with its note
# beside the database, held until told to go on, then committed.
IMPORT = """
import sys
from tinycrm.store import Store
from tinycrm.store.busy import ImportNote

with Store(sys.argv[1], user="carol") as store, store.write():
    store.contacts.add("Imported Person")
    with ImportNote(store.path, user="carol", source=sys.argv[2],
                    started_at="2026-11-23T09:00:00Z").held():
        print("holding", flush=True)
        sys.stdin.readline()
print("done", flush=True)
"""


@pytest.fixture
def teammate(db_path):
    """``hold()`` starts carol's import, which keeps the write lock until ``release()``."""

    class Teammate:
        proc: subprocess.Popen | None = None

        def hold(self) -> None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", IMPORT, str(db_path), SOURCE],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                env={**os.environ, "PYTHONPATH": str(REPO)})
            assert self.proc.stdout.readline() == "holding\n"

        def release(self) -> None:
            if self.proc is None:
                return
            proc, self.proc = self.proc, None
            proc.stdin.write("go\n")
            proc.stdin.close()
            assert proc.stdout.readline() == "done\n"
            assert proc.wait() == 0

    held = Teammate()
    yield held
    if held.proc is not None:
        held.proc.kill()
        held.proc.wait()


def toasts(app) -> list[str]:
    return [str(toast.render()) for toast in app.screen.query("Toast")]


async def waiting_note(app, pilot) -> list[str]:
    """The notes on screen saying what a save waits for, once one is there
    (given up on after a few seconds, within the store's 10 s busy timeout)."""
    for _ in range(60):
        await pilot.pause(0.05)
        if shown := [text for text in toasts(app) if "Waiting for" in text]:
            return shown
    return []


# Each save: (keys to get there, what to type, the key that saves, the
# screen it is saved from, what is saved once the import is done).

async def edit_company(app, pilot, ids):
    await highlight(app, pilot, "Grace Hopper")
    await keys(app, pilot, "e")
    app.screen.query_one("#company").value = "Yale"
    return "ctrl+s", FormScreen, lambda store: store.contacts.get(ids["grace"]).company == "Yale"


async def set_tags(app, pilot, ids):
    await highlight(app, pilot, "Alan Turing")
    await keys(app, pilot, "t")
    app.screen.query_one("#tags").value = "enigma"
    return "enter", TagScreen, lambda store: store.contacts.get(ids["alan"]).tags == ("enigma",)


async def log_a_note(app, pilot, ids):
    await highlight(app, pilot, "Alan Turing")
    await keys(app, pilot, "l")
    app.screen.query_one("#text").text = "Asked about the machine"
    return "ctrl+s", LogScreen, lambda store: [e.text for e in store.timeline.list(
        ids["alan"], limit=1)] == ["Asked about the machine"]


async def mark_done(app, pilot, ids):
    await keys(app, pilot, "2")
    assert table(app, "#queue").current.contact_name == "Ada Lovelace"
    return "d", QueueScreen, lambda store: store.followups.list(contact_id=ids["ada"],
                                                                now=FROZEN) == []


async def change_stage(app, pilot, ids):
    await highlight(app, pilot, "Alan Turing")
    await keys(app, pilot, "enter")
    assert isinstance(app.screen, DetailScreen)
    await keys(app, pilot, "S", "down")  # lead -> qualified
    return "enter", None, lambda store: store.contacts.get(ids["alan"]).stage == "qualified"


@pytest.mark.parametrize("save", [edit_company, set_tags, log_a_note, mark_done, change_stage])
async def test_a_save_says_which_import_it_waits_for_then_goes_ahead(store, teammate, save):
    ids = seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        key, screen, saved = await save(app, pilot, ids)
        teammate.hold()
        try:
            await pilot.press(key)
            assert await waiting_note(app, pilot) == [f"Not saved yet\n{NOTE}"]
            assert ("warning", NOTE) in app.messages
            if screen is not None:
                assert isinstance(app.screen, screen), "the form or dialog waits with the save"
        finally:
            teammate.release()
        await settle(app, pilot)
        await pilot.pause()
        assert not [text for text in toasts(app) if "Waiting for" in text], toasts(app)
        assert not any(severity == "error" for severity, _ in app.messages), app.messages
    assert saved(store), "saved once the import was done"
    assert [c.name for c in store.contacts.list() if c.name == "Imported Person"] == [
        "Imported Person"], "and the import's own change kept"


async def test_a_save_that_waits_too_long_says_so_and_keeps_the_form(db_path, teammate, clock):
    with Store(db_path, user="alice", clock=clock, busy_timeout=1.0) as store:
        ids = seed(store)
        app = make_app(store)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await settle(app, pilot)
            await edit_company(app, pilot, ids)
            teammate.hold()
            try:
                await pilot.press("ctrl+s")
                assert await waiting_note(app, pilot) == [
                    f"Not saved yet\nWaiting for carol's import of {SOURCE} to finish"
                    " (up to 1 s)…"]
                await settle(app, pilot)  # the busy timeout runs out
                await pilot.pause()
                assert not [text for text in toasts(app) if "Waiting for" in text], toasts(app)
                assert isinstance(app.screen, FormScreen)
                said = str(app.screen.query_one("#form-error").render())
                assert said.startswith(f"the database is busy: an import of {SOURCE} by carol")
                assert app.screen.query_one("#company").value == "Yale", "what was typed stays"
            finally:
                teammate.release()
            await keys(app, pilot, "ctrl+s")
            assert not isinstance(app.screen, FormScreen)
        assert store.contacts.get(ids["grace"]).company == "Yale"


async def test_a_wait_over_before_its_note_is_shown_leaves_no_note(store):
    # The worker tells of a wait, and that it is over, before the app has
    # handled either (the import ended within the slice, the UI busy): the
    # note, posted while the first is handled, must not outlive the wait.
    from tinycrm.store.busy import RunningImport

    seed(store)
    app = make_app(store)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        holder = RunningImport(pid=4242, user="carol", source="people.csv",
                               started_at="2026-11-23T09:00:00Z")
        store.on_wait(holder, False)  # (as the worker does, one after the other)
        app.post_message(app.WriteWaits(None))
        for _ in range(5):
            await pilot.pause()
        assert not [n for n in app._notifications if "Waiting for" in n.message]
        assert not [text for text in toasts(app) if "Waiting for" in text], toasts(app)
