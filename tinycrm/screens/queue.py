"""The follow-up queue: overdue, today and upcoming, most urgent first (the
urgency order of store/urgency.py), mine or everyone's."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from ..app import quiet_go_keys
from ..store.followups import queue_section
from ..store.models import FollowUp, QueueItem
from ..store.when import relative, start_of_day
from ..widgets.text import literal, plain
from ..widgets.vtable import NO_ROW, Column, ListSource, VirtualTable
from .base import CRMScreen
from .followup_actions import DUE_REFRESH_SECONDS as REFRESH_SECONDS
from .followup_actions import FOLLOWUP_BINDINGS, FollowUpActions
from .hints import key_for

# The queue shows what is due within this many days, at most LIMIT items
# (the most urgent: past them, its heading says the list is cut).
HORIZON_DAYS = 14
LIMIT = 10_000


@dataclass(frozen=True)
class Loaded:
    items: list[QueueItem]
    counts: dict[str, int]
    cut: bool = False  # more are due within the horizon than LIMIT


class QueueScreen(FollowUpActions, CRMScreen[None]):
    BINDINGS = [
        *FOLLOWUP_BINDINGS,
        Binding("m", "toggle_mine", "Mine/all", id="queue.mine",
            tooltip="Show my follow-ups or everyone's"),
        Binding("l", "log", "Log", id="contact.log", tooltip="Log a note, call, email or meeting"),
        Binding("f", "add_followup", "Follow-up", id="contact.followup", tooltip="Add a follow-up"),
        *quiet_go_keys(),  # (at 80 columns "1 Contacts" was cut; / goes there too)
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mine = True
        self.switched = False  # mine/all was toggled: another list, nothing went
        self._writes_seen = 0  # the app's writes_here when the queue was last shown

    def compose(self) -> ComposeResult:
        now = self.crm.now
        yield Static(id="heading", classes="title-bar")
        yield VirtualTable([
            Column("section", "", lambda i: self.section(i), width=9,
                   style=lambda i: {"overdue": "vtable--error", "today": "vtable--warning"}.get(
                       self.section(i), "vtable--dim")),
            Column("due", "Due", lambda i: relative(i.due_at, now(), all_day=i.all_day),
                   width=12),
            Column("contact", "Contact", lambda i: i.contact_name, ratio=2,
                   style=lambda i: "vtable--warning" if i.contact_tier == "vip" else None),
            Column("note", "Note", lambda i: i.note, ratio=3),
            Column("owner", "Owner", lambda i: i.owner, width=8, hide_below=90),
            Column("kind", "Kind", lambda i: "cadence" if i.kind == "cadence" else "", width=7,
                   hide_below=100),
            Column("urgency", "Urg.", lambda i: f"{i.urgency:5.1f}", width=5, hide_below=110),
        ], empty="Nothing due. Enjoy the quiet.", id="queue")
        yield Footer(compact=True)

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#queue", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.set_interval(REFRESH_SECONDS, self._time_passed)

    def _time_passed(self) -> None:
        # (Read again, not only drawn: today's items become overdue ones.)
        if self.is_current:
            self.load()

    def section(self, item: QueueItem) -> str:
        return queue_section(item, self.crm.now())

    def load(self) -> None:
        owner = self.crm.user if self.mine else None

        def read(store) -> Loaded:
            now = store.now()
            with store.read():
                items = store.followups.queue(owner=owner, now=now, limit=LIMIT + 1,
                                              until=start_of_day(now, HORIZON_DAYS + 1))
                counts = store.followups.queue_counts(owner=owner, now=now)
            return Loaded(items[:LIMIT], counts, cut=len(items) > LIMIT)

        self.crm.run_db(self, read, self.show, group="load", exclusive=True, name="queue",
                        read=True)

    def show(self, loaded: Loaded) -> None:
        # The cursor stays on its item (time and others' changes reorder the
        # queue), or keeps its place when that item may have gone by this
        # app's own change (done here, say: the next one is the next to do).
        # One closed elsewhere leaves none highlighted: `d` must not fall to
        # an item the user never chose.
        current = self.current_item()
        keys = [item.key for item in loaded.items]
        at = keys.index(current.key) if current is not None and current.key in keys else None
        here = self.crm.writes_here != self._writes_seen  # (a delete on a contact screen, say)
        self._writes_seen = self.crm.writes_here
        switched, self.switched = self.switched, False
        if current is not None and at is None and not here and not switched:
            self.crm.say(f"{plain(current.contact_name)}'s item is no longer due (changed"
                         " elsewhere): pick one again")
            at = NO_ROW
        self.table.set_source(ListSource(loaded.items), cursor=at)
        counts = loaded.counts
        whose = f"mine ({plain(self.crm.user)})" if self.mine else "everyone's"
        self.query_one("#heading", Static).update(literal(
            f"Follow-up queue  ·  {whose}  ·  {counts.get('overdue', 0):,} overdue  ·  "
            f"{counts.get('today', 0):,} today  ·  {counts.get('week', 0):,} this week  ·  "
            + (f"only the {LIMIT:,} most urgent shown" if loaded.cut
               else f"next {HORIZON_DAYS} days shown")))

    # -- actions ---------------------------------------------------------------

    def current_item(self) -> QueueItem | None:
        return self.table.current

    def current_followup(self) -> FollowUp | None:
        item = self.current_item()
        return item.followup if item is not None else None

    def no_followup(self) -> None:
        if self.current_item() is not None:
            self.crm.say("A keep-in-touch item comes due from the last contact: log a call,"
                         f" email or meeting ({key_for(self, 'contact.log')}) to reset it")
        else:
            self.crm.say("Nothing selected")

    def action_done(self) -> None:
        item = self.current_item()
        if item is not None and item.kind == "cadence":
            self.action_log(kind="call")
            return
        super().action_done()

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self.table.cursor = 0
        self.switched = True
        self.load()

    def action_log(self, kind: str = "note") -> None:
        from .log import LogScreen

        item = self.current_item()
        if item is None:
            self.no_followup()
            return
        self.crm.push_screen(LogScreen(item.contact_id, item.contact_name, kind))

    def action_add_followup(self) -> None:
        from .followup import FollowUpScreen

        item = self.current_item()
        if item is not None:
            self.crm.push_screen(FollowUpScreen(item.contact_id, item.contact_name))

    @on(VirtualTable.Selected, "#queue")
    def open_contact(self, event: VirtualTable.Selected) -> None:
        item = self.table.source.get(event.index)
        if item is not None:
            self.crm.open_contact(item.contact_id)

    def palette_commands(self) -> list[tuple[str, str, object]]:
        return self.followup_commands()
