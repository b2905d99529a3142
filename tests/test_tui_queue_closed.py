"""The queue's highlight and an item closed by another program: none is
highlighted (and it is said), whatever keys were pressed on it here before,
so `d` never falls to an item the user never chose."""

from __future__ import annotations

from datetime import timedelta

from tinycrm.store import Store

from .conftest import FROZEN
from .test_tui import keys, make_app, seed, settle, table


async def closed_elsewhere_after(store, db_path, clock, *pressed: str) -> tuple[object, bool]:
    ids = seed(store)
    store.followups.add(ids["grace"], FROZEN + timedelta(hours=5), note="Second call")
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "2")
        first = table(app, "#queue").current.followup
        assert first.note == "Send the contract"
        await keys(app, pilot, *pressed)
        rows = [i.followup_id for i in table(app, "#queue").source]
        table(app, "#queue").move_cursor(rows.index(first.id))  # (still listed)
        await pilot.pause()
        with Store(db_path, user="bob", clock=clock) as other:
            other.followups.done(first.id, now=FROZEN)
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
