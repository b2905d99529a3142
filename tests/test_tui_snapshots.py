"""One snapshot per screen (pytest-textual-snapshot) at 100x30, on fixed data
with a frozen clock and no timers. Update with ``--snapshot-update`` and look
at the SVGs in tests/snapshots/test_tui_snapshots/ before committing them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .test_tui import make_app, seed, settle

SNAPSHOTS = Path(__file__).parent / "snapshots"


@pytest.fixture
def snapshot(snapshot):
    """Keep this module's SVGs in tests/snapshots/ (syrupy's default is __snapshots__/)."""
    from pytest_textual_snapshot import SVGImageExtension

    class HereSVG(SVGImageExtension):
        @classmethod
        def dirname(cls, *, test_location) -> str:
            return str(SNAPSHOTS / test_location.basename)

    use_extension = snapshot.use_extension
    snapshot.use_extension = lambda extension_class=None: use_extension(HereSVG)
    return snapshot


@pytest.fixture(autouse=True)
def utc():
    time.tzset()  # conftest sets TZ=UTC; make the C library see it
    yield


def steps(*keys: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(app, pilot)
        await pilot.press(*keys)  # the keys that lead to the screen
        await settle(app, pilot)
        for widget in app.screen.query("Input"):
            widget.cursor_blink = False  # a blinking cursor is not deterministic
        await pilot.pause()

    return run_before


def test_contacts_screen(snap_compare, store):
    seed(store)
    assert snap_compare(make_app(store), terminal_size=(100, 30), run_before=steps())


def test_contact_detail_screen(snap_compare, store):
    seed(store)  # enter opens the first contact, Ada Lovelace
    assert snap_compare(make_app(store), terminal_size=(100, 30), run_before=steps("enter"))


def test_follow_up_queue_screen(snap_compare, store):
    seed(store)  # 2 goes to the queue; m shows everyone's
    assert snap_compare(make_app(store), terminal_size=(100, 30), run_before=steps("2", "m"))


def test_contact_form_screen(snap_compare, store):
    seed(store)  # e edits the highlighted contact, Ada Lovelace
    assert snap_compare(make_app(store), terminal_size=(100, 30), run_before=steps("e"))


def test_help_screen(snap_compare, store):
    seed(store)  # ? from the contact list
    assert snap_compare(make_app(store), terminal_size=(100, 30), run_before=steps("question_mark"))


# A laptop's terminal as it opens: 80x24, the most common size.


def test_contact_detail_screen_at_80x24(snap_compare, store):
    seed(store)  # enter opens Ada Lovelace: her info beside her lists, the footer whole
    assert snap_compare(make_app(store), terminal_size=(80, 24), run_before=steps("enter"))


# A phone over ssh: 60x20.


def test_contact_detail_screen_at_60x20(snap_compare, store):
    seed(store)  # enter opens Ada Lovelace: under 80 columns her info is above her lists
    assert snap_compare(make_app(store), terminal_size=(60, 20), run_before=steps("enter"))


def test_log_dialog_at_60x20(snap_compare, store):
    seed(store)  # enter opens Ada Lovelace, l the log dialog: its inputs fit inside it
    assert snap_compare(make_app(store), terminal_size=(60, 20), run_before=steps("enter", "l"))
