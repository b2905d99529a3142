"""The queue's highlight and an item closed by another program: none is
highlighted (and it is said), whatever keys were pressed on it here before,
so `d` never falls to an item the user never chose."""

from __future__ import annotations

from datetime import timedelta

from tinycrm.screens.queue import QueueScreen
from tinycrm.store import Store

from .conftest import FROZEN
from .test_tui import keys, make_app, seed, settle, table


def seeded(store) -> dict[str, int]:
    ids = seed(store)
    store.followups.add(ids["grace"], FROZEN + timedelta(hours=5), note="Second call")
    store.followups.add(ids["katherine"], FROZEN + timedelta(hours=6), note="Press kit")
    return ids


async def on_the_queue(app, pilot):
    """The queue, and its first follow-up (highlighted)."""
    await settle(app, pilot)
    await keys(app, pilot, "2")
    first = table(app, "#queue").current.followup
    assert first.note == "Send the contract"
    return first


def close_elsewhere(db_path, clock, followup) -> None:
    with Store(db_path, user="bob", clock=clock) as other:
        other.followups.done(followup.id, now=FROZEN)


async def closed_elsewhere_after(store, db_path, clock, *pressed: str) -> tuple[object, bool]:
    seeded(store)
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        first = await on_the_queue(app, pilot)
        await keys(app, pilot, *pressed)
        rows = [i.followup_id for i in table(app, "#queue").source]
        table(app, "#queue").move_cursor(rows.index(first.id))  # (still listed)
        await pilot.pause()
        close_elsewhere(db_path, clock, first)
        app.data_changed()
        await settle(app, pilot)
        highlighted = table(app, "#queue").current
        said = any("no longer due" in m for _, m in app.messages)
        await keys(app, pilot, "d")
    [demo] = [f for f in store.followups.list(view="all", now=FROZEN) if f.note == "Demo call"]
    assert demo.status == "open"  # never chosen: never done
    return highlighted, said


async def test_after_a_snooze_opened_and_cancelled(store, db_path, clock):
    assert await closed_elsewhere_after(store, db_path, clock, "s", "escape") == (None, True)


async def test_after_a_snooze_done_here_that_left_it_in_the_queue(store, db_path, clock):
    assert await closed_elsewhere_after(store, db_path, clock, "s", "t") == (None, True)


async def test_with_nothing_pressed_and_what_a_key_here_takes_away(store, db_path, clock):
    """Another program completes the highlighted follow-up: the queue must
    not hand `d` to the one that took its row; one done here does."""
    seeded(store)
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        first = await on_the_queue(app, pilot)
        close_elsewhere(db_path, clock, first)
        app.data_changed()
        await settle(app, pilot)
        assert table(app, "#queue").current is None
        assert any("no longer due" in m for _, m in app.messages)
        await keys(app, pilot, "d")  # nothing highlighted: nothing done
        assert [f.status for f in store.followups.list(view="all", now=FROZEN)
                if f.note == "Demo call"] == ["open"]
        await keys(app, pilot, "down")
        done_here = table(app, "#queue").current.followup
        await keys(app, pilot, "d")
        assert store.followups.get(done_here.id).status == "done"
        assert table(app, "#queue").current is not None  # the next one, as before
        # A contact deleted from its own screen, opened from the queue: done here too.
        said = len(app.messages)
        await keys(app, pilot, "enter", "delete", "y")
        assert isinstance(app.screen, QueueScreen)
        assert not any("no longer due" in m for _, m in list(app.messages)[said:])
        assert table(app, "#queue").current is not None
