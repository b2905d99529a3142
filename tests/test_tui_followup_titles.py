"""The snooze and reschedule dialogs name the follow-up by its note: a
contact's follow-ups were told apart only by their due time ("Snooze Betty
Kumar (due …)"). The note is shown as stored, cut to one line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tinycrm.screens.reschedule import RescheduleScreen
from tinycrm.screens.snooze import SnoozeScreen

from .conftest import FROZEN
from .test_tui import keys, make_app, seed
from .test_tui_sizes import screen_lines


def dialog_lines(app) -> list[str]:
    """What the dialog shows (not the screen under it), one string per row."""
    region = app.screen.query_one(".dialog").region
    return [line[region.x:region.right] for line in screen_lines(app)[region.y:region.bottom]]


LONG = "Ask about the [bold]renewal[/bold] $price and the second site's rollout, " * 3


@pytest.mark.parametrize("key, dialog", [("s", SnoozeScreen), ("r", RescheduleScreen)])
async def test_the_dialog_names_the_follow_up_by_its_note(store, key, dialog):
    ids = seed(store)
    store.followups.add(ids["ada"], FROZEN - timedelta(days=1), note=LONG,
                        now=FROZEN - timedelta(days=4))
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await keys(app, pilot, "enter", key)  # Ada; her first follow-up, the oldest due
        assert isinstance(app.screen, dialog)
        assert any("“Send the contract”" in line for line in dialog_lines(app))
        await keys(app, pilot, "escape")
        app.screen.query_one("#followups").focus()
        await keys(app, pilot, "j", key)  # the next one: the long note
        lines = dialog_lines(app)
        note = next(line for line in lines if "Ask about the" in line)
        # As typed (not read as markup), on one line, cut with an ellipsis.
        assert "“Ask about the [bold]renewal[/bold] $price and the" in note, note
        assert note.rstrip(" ▌▐█▊▍▎▏▕▉").endswith("…"), note
        assert not any("rollout" in line for line in lines[lines.index(note) + 1:])


async def test_a_wide_note_is_cut_after_whole_characters(store):
    """Cut by CSS, a double-width character split at the edge left a gap: "合 …"."""
    ids = seed(store)
    store.followups.add(ids["ada"], FROZEN - timedelta(days=1), now=FROZEN - timedelta(days=4),
                        note="山田太郎株式会社東京ロボティクス営業本部長と打ち合わせ、見積もりを送る件")
    app = make_app(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await keys(app, pilot, "enter")
        app.screen.query_one("#followups").focus()
        await keys(app, pilot, "j", "s")  # the second follow-up: the wide note
        note = next(line for line in dialog_lines(app) if "山田" in line)
        assert "“山田太郎株式会社" in note and "…" in note and " …" not in note, note
