"""The contact's screen (screens/detail.py) while the data changes under it:
another connection to the same file plays the colleague or the CLI, and
``app.check_for_changes()`` does what the app's 2 s timer does."""

from __future__ import annotations

from datetime import timedelta

from tinycrm.store import Store

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
