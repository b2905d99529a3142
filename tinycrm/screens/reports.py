"""Reports: the figures of `tinycrm report`, drawn with Textual's widgets —
bars (``ChartBar``) for contacts by stage and tier, follow-ups per owner and
rule compliance; sparklines (``ScaledSparkline``, on one scale) for new
contacts and interactions per month.

The data is one ``store.reports.Report``, built in a thread worker (through the
app's ``run_db`` inside tinycrm, or on a private connection when the screen is
given a store of its own). No SQL here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Label, Static

from ..store.reports import Report, build
from ..widgets.chartbar import ChartBar
from ..widgets.sparkline import ScaledSparkline
from ..widgets.text import literal, when
from .base import CRMScreen

if TYPE_CHECKING:
    from ..store import Store

# (label, days back; None for all time), cycled with `p`.
PERIODS = (("all time", None), ("last 12 months", 365), ("last 90 days", 90), ("last 30 days", 30))


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:g}%"


class BarRow(Horizontal):
    """One bar of a bar chart: a label, a ChartBar filled to value/total, the value."""

    def compose(self) -> ComposeResult:
        yield Label(classes="bar-label")
        yield ChartBar()
        yield Label(classes="bar-value")

    def set(self, label: str, value: float, total: float, text: str) -> None:
        self.query_one(".bar-label", Label).update(literal(label))
        self.query_one(ChartBar).set(value, total)
        self.query_one(".bar-value", Label).update(literal(text))


class SeriesRow(Horizontal):
    """A label, a sparkline of monthly values up to ``top``, and their total."""

    def compose(self) -> ComposeResult:
        yield Label(classes="bar-label")
        yield ScaledSparkline()
        yield Label(classes="bar-value")

    def set(self, label: str, values: tuple[int, ...], top: int) -> None:
        self.query_one(".bar-label", Label).update(literal(label))
        self.query_one(ScaledSparkline).set(values, top)
        last = values[-1] if values else 0
        self.query_one(".bar-value", Label).update(literal(f"{sum(values):,} · last {last:,}"))


class Chart(Vertical):
    """Rows of one kind, updated in place: rows are added when more are needed
    and hidden when fewer are, never removed (no flicker, no lost focus)."""

    def __init__(self, row_type: type, *, id: str) -> None:
        super().__init__(id=id, classes="chart")
        self.row_type = row_type

    def set_rows(self, rows: list[tuple]) -> None:
        existing = list(self.query_children(self.row_type))
        for i, row in enumerate(rows):
            if i < len(existing):
                existing[i].display = True
                existing[i].set(*row)
            else:
                widget = self.row_type()
                self.mount(widget)
                widget.call_after_refresh(widget.set, *row)
        for extra in existing[len(rows):]:
            extra.display = False


class Card(Vertical):
    """One headline figure."""

    def compose(self) -> ComposeResult:
        yield Label(classes="card-title")
        yield Label(classes="card-value")
        yield Label(classes="card-detail")

    def set(self, title: str, value: str, detail: str) -> None:
        for name, text in (("title", title), ("value", value), ("detail", detail)):
            self.query_one(f".card-{name}", Label).update(literal(text))


class ReportsScreen(CRMScreen[None]):
    CSS_PATH = "reports.tcss"
    # Five cards in a row need about 100 columns; fewer columns per row below
    # (reports.tcss), or their titles and figures are cut to a few letters.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-medium"), (100, "-wide")]
    BINDINGS = [
        Binding("m", "toggle_mine", "Mine/all", id="reports.mine",
                tooltip="Report on my contacts and follow-ups, or everyone's"),
        Binding("p", "next_period", "Period", id="reports.period",
                tooltip="All time, last 12 months, 90 days or 30 days"),
        Binding("r", "reload", "Refresh", id="reports.reload", tooltip="Compute the report again"),
    ]

    def __init__(self, store: Store | None = None, *, mine: bool = False, period: int = 0) -> None:
        super().__init__()
        self.own_store = store
        self.mine = mine
        self.period = period
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Static(literal("Reports  ·  computing…"), id="heading", classes="title-bar")
        with VerticalScroll(id="report-body"):
            with Grid(id="cards"):
                for name in ("conversion", "compliance", "ontime", "nps", "silent"):
                    yield Card(id=f"card-{name}", classes="card")
            yield Label("Contacts by stage", classes="section")
            yield Chart(BarRow, id="stages")
            yield Label("Contacts by tier", classes="section")
            yield Chart(BarRow, id="tiers")
            yield Label("Per month", id="months-title", classes="section")
            yield Chart(SeriesRow, id="months")
            yield Label("Follow-ups done on time (of those due, per owner)", classes="section")
            yield Chart(BarRow, id="owners")
            yield Label("Rule compliance (done at or before due)", classes="section")
            yield Chart(BarRow, id="rules")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()
        if self.own_store is not None:
            self.load()

    def on_screen_resume(self, event) -> None:
        if self.own_store is not None:
            event.prevent_default()  # CRMScreen's reload-on-change needs tinycrm's app

    # -- loading (a worker) --------------------------------------------------------

    def job(self) -> Callable[[Store], Report]:
        owner = self.user if self.mine else None
        days = PERIODS[self.period][1]

        def read(store: Store) -> Report:
            now = store.now()
            return build(store, owner=owner, now=now,
                         since=now - timedelta(days=days) if days else None)

        return read

    @property
    def user(self) -> str:
        return self.own_store.user if self.own_store is not None else self.crm.user

    def load(self) -> None:
        self.query_one("#heading", Static).update(literal("Reports  ·  computing…"))
        if self.own_store is None:
            self.crm.run_db(self, self.job(), self.show, error=self.failed, group="load",
                            exclusive=True, name="report", read=True)
        else:
            self.load_privately(self.job())

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_privately(self, job: Callable[[Store], Report]) -> None:
        # A connection of its own: the caller's store may be busy on its thread.
        from ..store import Store
        from ..store.errors import TinyCRMError

        base = self.own_store
        try:
            with Store(base.path, user=base.user, clock=base.clock,
                       settings=base.settings) as store:
                report = job(store)
        except TinyCRMError as exc:
            self.app.call_from_thread(self.failed, exc)
            return
        self.app.call_from_thread(self.show, report)

    def failed(self, exc) -> None:
        """No report (a mistake in [report], say): the heading says why."""
        self.query_one("#heading", Static).update(literal(f"Reports  ·  {exc.message}"))
        self.notify(exc.message, severity="error", markup=False)

    # -- showing -------------------------------------------------------------------

    def show(self, r: Report) -> None:
        self.report = r
        whose = f"owner {r.owner}" if r.owner else "all owners"
        self.query_one("#heading", Static).update(literal(
            f"Reports  ·  {whose}  ·  {PERIODS[self.period][0]}  ·  as of {when(r.generated_at)}"))
        conv, sat, nc = r.conversion, r.satisfaction, r.not_contacted
        median = "–" if conv.median_days is None else f"{conv.median_days:g}"
        cards = {
            "conversion": ("Conversion", pct(conv.rate),
                           f"{conv.converted} of {conv.leads} · median {median} days"),
            "compliance": ("Compliance", pct(r.compliance_total.percent),
                           f"{r.compliance_total.met} met · "
                           f"{r.compliance_total.late + r.compliance_total.overdue} missed"),
            "ontime": ("Done on time", pct(r.followups_total.on_time_percent),
                       f"{r.followups_total.overdue:,} still overdue"),
            "nps": ("NPS", "–" if sat.nps is None else f"{sat.nps:g}",
                    f"average {sat.average:g}/10 · {sat.responses} answers" if sat.responses
                    else "no surveys"),
            "silent": (f"Silent {nc.days}+ days", f"{nc.contacts:,}", f"{nc.never:,} never contacted"),
        }
        for name, values in cards.items():
            self.query_one(f"#card-{name}", Card).set(*values)
        top = max((n for _, n in r.by_stage), default=0)
        self.chart("stages").set_rows([(s, n, top, f"{n:,}") for s, n in r.by_stage])
        top = max((n for _, n in r.by_tier), default=0)
        self.chart("tiers").set_rows([(t, n, top, f"{n:,}") for t, n in r.by_tier])
        span = f"{r.months[0]} … {r.months[-1]}" if r.months else ""
        self.query_one("#months-title", Label).update(f"Per month, {span}")
        series = [("new contacts", r.new_contacts), *r.interactions]
        # One scale for every row, from zero (not each row's own least to most):
        # a reader compares calls with emails, and a month of none looks empty.
        top = max((n for _, counts in series for n in counts), default=0)
        self.chart("months").set_rows([(kind, counts, top) for kind, counts in series])
        self.chart("owners").set_rows([
            (f.owner, f.on_time, f.on_time + f.late + f.overdue,
             f"{pct(f.on_time_percent)} · {f.overdue} overdue") for f in r.followups])
        self.chart("rules").set_rows([
            (c.rule, c.percent or 0, 100, f"{pct(c.percent)} · {c.met}/{c.met + c.late + c.overdue}")
            for c in r.compliance])

    def chart(self, name: str) -> Chart:
        return self.query_one(f"#{name}", Chart)

    # -- actions -------------------------------------------------------------------

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self.load()

    def action_next_period(self) -> None:
        self.period = (self.period + 1) % len(PERIODS)
        self.load()

    def action_reload(self) -> None:
        self.load()
