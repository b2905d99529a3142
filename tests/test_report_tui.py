"""The Reports screen: the report's figures as bars, sparklines and cards,
loaded in a worker; mine/all and the period from the keyboard."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.app import App
from textual.widgets import Label

from tinycrm.screens.reports import ReportsScreen
from tinycrm.store.reports import build
from tinycrm.widgets.chartbar import ChartBar
from tinycrm.widgets.sparkline import ScaledSparkline

from .conftest import FROZEN
from .crm_helpers import build_known_dataset
from .test_tui import make_app, settle
from .test_tui_snapshots import snapshot, steps, utc  # noqa: F401  (fixtures)


def bars(screen, chart: str) -> list[tuple[str, float, float, str]]:
    return [
        (str(row.query_one(".bar-label", Label).content), row.query_one(ChartBar).value,
         row.query_one(ChartBar).total, str(row.query_one(".bar-value", Label).content))
        for row in screen.query(f"#{chart} BarRow") if row.display
    ]


def card(screen, name: str) -> list[str]:
    return [str(label.content) for label in screen.query(f"#card-{name} Label")]


@pytest.fixture
def known(store):
    build_known_dataset(store)
    return store


async def open_reports(app, pilot) -> ReportsScreen:
    await settle(app, pilot)
    await pilot.press("3")
    await settle(app, pilot)
    assert isinstance(app.screen, ReportsScreen)
    return app.screen


async def test_every_figure_is_drawn(known):
    app = make_app(known)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(app, pilot)
        assert screen.report == build(known, now=FROZEN)
        assert card(screen, "conversion") == ["Conversion", "60%", "3 of 5 · median 30 days"]
        assert card(screen, "compliance")[1:] == ["42.9%", "3 met · 4 missed"]
        assert card(screen, "nps")[1:] == ["0", "average 5.8/10 · 5 answers"]
        assert card(screen, "silent") == ["Silent 30+ days", "4", "1 never contacted"]
        assert bars(screen, "stages") == [
            ("lead", 1, 4, "1"), ("qualified", 0, 4, "0"), ("customer", 4, 4, "4"),
            ("churned", 0, 4, "0"), ("lost", 1, 4, "1")]
        assert [b[:2] for b in bars(screen, "tiers")] == [("vip", 1), ("standard", 4), ("low", 1)]
        series = {str(row.query_one(".bar-label", Label).content): row.query_one(ScaledSparkline)
                  for row in screen.query("#months SeriesRow")}
        assert {k: s.values for k, s in series.items()} == {
            "new contacts": (1, 0, 0, 1, 2, 2), "call": (0, 0, 1, 1, 1, 0),
            "email": (0, 0, 0, 0, 1, 1), "meeting": (0, 0, 0, 0, 1, 0)}
        assert {s.top for s in series.values()} == {2}, "one scale for every row"
        assert bars(screen, "owners") == [
            ("alice", 4, 6, "66.7% · 0 overdue"), ("bob", 0, 3, "0% · 3 overdue"),
            ("carol", 1, 2, "50% · 0 overdue")]
        assert bars(screen, "rules") == [
            ("new-lead", 40.0, 100, "40% · 2/5"), ("complaint", 50.0, 100, "50% · 1/2"),
            ("vip-silence", 0, 100, "– · 0/0")]
        # (Done on its due second is met, as the figures count it.)
        assert "Rule compliance (done at or before due)" in [
            str(label.content) for label in screen.query(".section")]


async def test_mine_period_and_refresh_keys(known, db_path):
    from tinycrm.store import Store

    app = make_app(known)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        assert screen.report.owner == "alice"
        assert [b[0] for b in bars(screen, "owners")] == ["alice"]
        assert "owner alice" in str(screen.query_one("#heading").content)
        await pilot.press("p")
        await settle(app, pilot)
        assert screen.report.since == FROZEN.replace(year=2025)
        assert "last 12 months" in str(screen.query_one("#heading").content)
        assert len(list(screen.query("#owners BarRow"))) == 3, "rows are hidden, not removed"
        with Store(db_path, user="bob") as other:                 # a change made elsewhere
            other.contacts.add("New Lead", owner="alice")
        await pilot.press("r")
        await settle(app, pilot)
        assert bars(screen, "stages")[0] == ("lead", 1, 2, "1")


async def test_a_screen_with_a_store_of_its_own(known):
    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(ReportsScreen(known, mine=True))

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.report.owner == "alice"
        assert card(screen, "conversion")[1] == "66.7%"


async def test_names_are_shown_as_text_never_markup(store):
    store.contacts.add("X", owner="[bold red]mallory[/]")
    store.contacts.add("Y", owner="\x1b[2Jclear")
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(app, pilot)
        assert sorted(b[0] for b in bars(screen, "owners")) == ["[bold red]mallory[/]", "clear"]


def drawn_months(screen) -> dict[str, str]:
    """What each 'Per month' row draws between its label and its total."""
    return {
        str(row.query_one(".bar-label", Label).content):
            "".join(segment.text for segment in row.children[1].render_line(0))
        for row in screen.query("#months SeriesRow") if row.display
    }


async def test_a_month_of_nothing_is_drawn_as_nothing(store):
    """A report of one month: the busiest row is a full bar, the rest are
    as tall as their counts are of it; zero is no bar at all."""
    for name in ("Ada", "Grace"):
        store.contacts.add(name, now=FROZEN - timedelta(days=1))
    store.timeline.log(1, "call", "Hello", at=FROZEN - timedelta(hours=1), now=FROZEN)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(app, pilot)
        assert screen.report.months == ("2026-11",)
        drawn = drawn_months(screen)
        assert set(drawn["new contacts"]) == {"█"}  # 2 of 2
        assert set(drawn["call"]) == {"▄"}  # 1 of 2
        assert set(drawn["email"]) == set(drawn["meeting"]) == {" "}


async def test_months_are_drawn_on_one_scale_for_every_row(store):
    """1 call a month is as tall as 1 new contact, and stands above no email:
    each row is not stretched from its own least to its most."""
    ada = store.contacts.add("Ada", now=FROZEN - timedelta(days=40)).id  # October
    for name in ("Bob", "Cy"):
        store.contacts.add(name, now=FROZEN - timedelta(days=2))
    for days in (35, 5):  # one call in October, one in November
        store.timeline.log(ada, "call", "Hi", at=FROZEN - timedelta(days=days), now=FROZEN)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_reports(app, pilot)
        assert screen.report.months == ("2026-10", "2026-11")
        assert screen.report.new_contacts == (1, 2)
        drawn = drawn_months(screen)
        half = len(drawn["new contacts"]) // 2
        assert set(drawn["new contacts"][:half]) == {"▄"}  # 1 of 2
        assert set(drawn["new contacts"][-half:]) == {"█"}  # 2 of 2
        assert set(drawn["call"]) == {"▄"}
        assert set(drawn["email"]) == {" "}


def test_reports_snapshot(snap_compare, known):
    assert snap_compare(make_app(known), terminal_size=(100, 30), run_before=steps("3"))


async def test_a_bar_set_before_a_resize_is_drawn_for_its_final_width():
    """Textual's ProgressBar rounds to the width it had when set; a chart bar
    must paint the same whether its value came before or after the layout."""

    class Host(App):
        CSS = "ChartBar { width: 62; }"

        def compose(self):
            yield ChartBar(id="early")
            yield ChartBar(id="late")

    app = Host()
    async with app.run_test(size=(80, 5)) as pilot:
        early, late = app.query_one("#early", ChartBar), app.query_one("#late", ChartBar)
        early.set(4, 6)
        await pilot.pause()
        early.styles.width = late.styles.width = 60
        await pilot.pause()
        late.set(4, 6)
        await pilot.pause()
        drawn = [(seg.text, seg.style) for seg in early.render_line(0)]
        assert drawn == [(seg.text, seg.style) for seg in late.render_line(0)]
        assert drawn[0][0] == "━" * 40, "4 of 6 fills exactly 40 of 60 cells"


async def test_the_screen_uses_the_configured_won_stage_and_idle_days(db_path, clock):
    from tinycrm.store import Store, StoreSettings

    settings = StoreSettings(won_stage="qualified", idle_days=60)
    with Store(db_path, user="alice", clock=clock, settings=settings) as store:
        build_known_dataset(store)
        default = build(store, now=FROZEN, won_stage="customer", idle_days=30)
        app = make_app(store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_reports(app, pilot)
            configured = build(store, now=FROZEN)
            assert screen.report == configured
            assert (configured.conversion.to_stage, configured.not_contacted.days) == ("qualified", 60)
            assert configured.conversion != default.conversion
            assert card(screen, "silent")[0] == "Silent 60+ days"


async def test_a_mistake_in_the_report_config_is_said_on_the_screen(db_path, clock):
    from textual.widgets import Static

    from tinycrm.store import Store, StoreSettings

    problem = "/x/config.toml: [report] won_stage 'won' is not a stage"
    with Store(db_path, user="alice", clock=clock,
               settings=StoreSettings(report_problem=problem)) as store:
        store.contacts.add("Ada")
        app = make_app(store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_reports(app, pilot)
            assert str(screen.query_one("#heading", Static).render()) == f"Reports  ·  {problem}"
            [shown] = app._notifications
            assert shown.message == problem and shown.markup is False  # [report] is no markup


@pytest.mark.parametrize("size", [(100, 30), (160, 40), (80, 24), (60, 24)])
async def test_a_cards_detail_is_shown_whole(store, size):
    # Five cards in a row at 100 columns: 'median 176.8 days' and '… · 1
    # answers' took a third line the card hadn't, and 'days' and 'answers'
    # were cut off.
    ada = store.contacts.add("Ada", now=FROZEN - timedelta(days=300)).id
    store.contacts.edit(ada, {"stage": "customer"}, now=FROZEN - timedelta(days=300 - 176.8))
    store.timeline.log(ada, "survey", "Great", score=9, at=FROZEN - timedelta(days=1), now=FROZEN)
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        screen = await open_reports(app, pilot)
        assert card(screen, "conversion")[2] == "1 of 1 · median 176.8 days"
        for shown in screen.query(".card"):
            detail = shown.query_one(".card-detail", Label)
            assert detail.region.bottom <= shown.content_region.bottom, shown.id
