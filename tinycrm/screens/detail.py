"""One contact: its fields and tags, its open follow-ups, its timeline
(newest first, read a page at a time in a worker as you scroll; a reload
reads as much again, so your place in it is kept)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from ..app import quiet_go_keys
from ..store.errors import MergedAway, NotFound, TinyCRMError
from ..store.models import Contact, Event, FollowUp
from ..store.timeline import shown_text
from ..store.when import format_days, relative
from ..widgets.labelled import LabelledLines
from ..widgets.sources import PagedList
from ..widgets.text import fit, literal, plain, when
from ..widgets.vtable import NO_ROW, Column, ListSource, VirtualTable
from .actions import CONTACT_BINDINGS, ContactActions
from .base import BACK, CRMScreen, hidden
from .followup_actions import DUE_REFRESH_SECONDS as REFRESH_SECONDS
from .followup_actions import FOLLOWUP_BINDINGS, FollowUpActions

TIMELINE_PAGE = 200


@dataclass(frozen=True)
class Loaded:
    contact: Contact
    followups: list[FollowUp]
    events: list[Event]
    event_count: int


class DetailScreen(FollowUpActions, ContactActions, CRMScreen[None]):
    CSS_PATH = "detail.tcss"
    # Under 80 columns the info pane goes above the lists (detail.tcss):
    # beside them it left the notes a few cells.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]
    BINDINGS = [
        BACK,
        *(hidden(b) if b.id == "contact.new" else b for b in CONTACT_BINDINGS),
        *FOLLOWUP_BINDINGS,
        *quiet_go_keys(),
    ]

    def __init__(self, contact_id: int) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact: Contact | None = None
        self.events = PagedList()
        self.loading_more = False
        # Follow-ups marked done here: their row's neighbour takes the
        # highlight, as in the queue (not so for one closed elsewhere).
        self.closed_here: set[int] = set()
        self.gone = False  # the contact was deleted (here or elsewhere)

    def compose(self) -> ComposeResult:
        now = self.crm.now
        yield Static(id="heading", classes="title-bar")
        with Horizontal(id="body"):
            with VerticalScroll(id="info-pane"):
                yield Static(id="info")
            with Vertical(id="lists"):
                yield Static("Open follow-ups", id="followups-title", classes="section")
                yield VirtualTable([
                    Column("due", "Due", lambda f: relative(f.due_at, now(), all_day=f.all_day),
                           width=12, style=lambda f: "vtable--error" if f.overdue(now()) else None),
                    Column("note", "Note", lambda f: f.note, ratio=3),
                    Column("owner", "Owner", lambda f: f.owner, width=8),
                    Column("every", "Every", lambda f: f.every or "", width=6, hide_below=60),
                ], empty="No open follow-ups.", id="followups")
                yield Static("Timeline", id="timeline-title", classes="section")
                yield VirtualTable([
                    Column("at", "When", lambda e: when(e.at), width=16),
                    Column("kind", "Kind", lambda e: e.kind, width=8,
                           style=lambda e: "vtable--dim" if e.kind in ("edit", "followup") else None),
                    Column("text", "What", shown_text, ratio=4),
                    Column("author", "By", lambda e: e.author, width=8, hide_below=70),
                ], empty="Nothing on the timeline yet.", id="timeline")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#timeline", VirtualTable).focus()
        self.set_interval(REFRESH_SECONDS, self._time_passed)

    def _time_passed(self) -> None:
        # (A redraw, no read: the rows work out "in 3h" from the clock as drawn.)
        self.query_one("#followups", VirtualTable).refresh()

    # -- loading ---------------------------------------------------------------

    def load(self) -> None:
        if self.gone:
            return
        contact_id = self.contact_id
        # The timeline rows read so far are read again, and as many more as
        # were added since (newest first, they come in at the top): the rows
        # you were reading deep in a long timeline stay read.
        read_so_far, count_then = self.events.read, len(self.events)

        def read(store) -> Loaded:
            with store.read():
                contact = store.contacts.get(contact_id)
                followups = store.followups.list(view="open", contact_id=contact_id, now=store.now())
                count = store.timeline.count(contact_id)
                added = max(0, count - count_then) if read_so_far else 0
                events = store.timeline.list(
                    contact_id, limit=max(TIMELINE_PAGE, read_so_far + added))
            return Loaded(contact, followups, events, count)

        def failed(exc: TinyCRMError) -> None:
            if isinstance(exc, NotFound):
                self.contact_gone(exc)
            else:
                self.crm.show_error(exc.message)

        self.crm.run_db(self, read, self.show, error=failed, group="load", exclusive=True,
                        name="contact", read=True)

    def contact_gone(self, why: NotFound | None = None) -> None:
        """Deleted by another program. This screen closes once it is on top:
        a dialog over it (a log half typed) stays; its save says the contact
        is gone. (dismiss() would pop whatever screen is on top.)"""
        if not self.gone:
            self.gone = True
            merged = isinstance(why, MergedAway)
            self.crm.show_error(f"Contact {self.contact_id} was merged into contact {why.into}"
                                if merged else f"Contact {self.contact_id} no longer exists")
            # What it showed goes too: the person may have been erased
            # (`privacy erase`), and a screen left open must not keep them.
            self.query_one("#heading", Static).update(
                literal(f"Contact {self.contact_id}", "bold")
                + literal("  ·  merged elsewhere" if merged else "  ·  deleted elsewhere"))
            self.query_one("#info", Static).update("")
            self.query_one("#followups", VirtualTable).set_source(ListSource([]))
            self.query_one("#followups-title", Static).update(literal("Open follow-ups"))
            self.events = PagedList([], 0)
            self.query_one("#timeline", VirtualTable).set_source(self.events)
            self.query_one("#timeline-title", Static).update(literal("Timeline"))
            self.contact = None
            # A note of theirs open over this screen is what it showed too
            # (what is typed in a dialog is the user's own, and stays).
            from .note import NoteScreen

            stack = self.app.screen_stack
            if isinstance(stack[-1], NoteScreen) and stack[-2] is self:
                stack[-1].dismiss()  # (dismiss() pops the top screen: that one)
        if self.is_active:
            self.dismiss()

    def on_screen_resume(self) -> None:
        # The dialog that was over it has closed. (Not as the app quits: it
        # unwinds its screens, and this may be the last.)
        if self.gone and len(self.app.screen_stack) > 1:
            self.dismiss()

    def show(self, loaded: Loaded) -> None:
        self.contact = c = loaded.contact
        self.query_one("#heading", Static).update(
            literal(c.name, "bold") + literal(f"  ·  {plain(c.company)}" if c.company else "")
            + literal(f"  ·  {c.stage}  ·  {c.tier}  ·  owner {plain(c.owner)}"))
        self.query_one("#info", Static).update(self.info(c))
        followups = self.query_one("#followups", VirtualTable)
        followups.set_source(ListSource(loaded.followups), cursor=self.followup_place(loaded))
        self.query_one("#followups-title", Static).update(
            literal(f"Open follow-ups ({len(loaded.followups)})"))
        self.show_timeline(loaded)

    def show_timeline(self, loaded: Loaded) -> None:
        """The cursor stays on its event; the rows on screen stay put unless
        the top of the timeline is shown (where new events come in)."""
        timeline = self.query_one("#timeline", VirtualTable)
        current, cursor, top = timeline.current, timeline.cursor, round(timeline.scroll_offset.y)
        ids = [e.id for e in loaded.events]  # (None: the import's entry, at most one)
        at = ids.index(current.id) if current is not None and current.id in ids else None
        self.events = PagedList(loaded.events, loaded.event_count)
        timeline.set_source(self.events, cursor=at)
        if at is not None and at != cursor and top > 0:
            timeline.scroll_to(y=top + at - cursor, animate=False, force=True)
        self.query_one("#timeline-title", Static).update(literal(f"Timeline ({loaded.event_count})"))

    def followup_place(self, loaded: Loaded) -> int | None:
        """Where the highlight goes: on the same follow-up, wherever it now
        stands (others' changes reorder the list). If it was closed
        elsewhere, on none: ``d`` must not fall to a follow-up the user
        never chose (None: the cursor keeps its place)."""
        current = self.current_followup()
        if current is None:
            return None
        ids = [f.id for f in loaded.followups]
        if current.id in ids:
            return ids.index(current.id)
        if current.id in self.closed_here:
            return None
        note = plain(current.note)
        note = note if len(note) <= 40 else note[:39] + "…"
        what = f"“{note}”" if note else "The highlighted follow-up"
        self.crm.say(f"{what} is no longer open (closed elsewhere): pick a follow-up again")
        return NO_ROW

    def info(self, c: Contact) -> LabelledLines:
        cadence = None
        if c.cadence_days:
            cadence = f"every {format_days(c.cadence_days)}"
        rows: list[tuple[str, object]] = [
            ("Email", "\n".join(c.emails)), ("Phone", "\n".join(c.phones)),
            ("Company", c.company), ("Title", c.title), ("Stage", c.stage), ("Tier", c.tier),
            ("Owner", c.owner), ("Tags", ", ".join(c.tags)), ("Keep in touch", cadence),
            ("Contacted", when(c.last_contacted_at) or "never"), ("Source", c.source),
            ("Birthday", c.birthday), ("Added", when(c.created_at)),
            *((f"{plain(k)}", v) for k, v in sorted(c.fields.items())),
        ]
        return LabelledLines([
            # (Content, not literal(): that would make an address a line each one again.
            # A label is measured in cells: a custom field's may be in CJK letters.)
            (literal(fit(label, 13) + " ", "dim"), Content(plain(value, keep_newlines=True)))
            for label, value in rows if value not in (None, "")
        ], indent=14)

    @on(VirtualTable.Highlighted, "#timeline")
    def read_more(self, event: VirtualTable.Highlighted | None = None) -> None:
        """Read on when the cursor nears the end of what is read, or goes
        past it (End, a page down): up to the cursor and a page more."""
        events, timeline = self.events, self.query_one("#timeline", VirtualTable)
        if self.loading_more or events.read >= len(events) or timeline.cursor < events.read - 30:
            return
        self.loading_more = True
        contact_id, offset = self.contact_id, events.read
        limit = max(offset, timeline.cursor) + TIMELINE_PAGE - offset

        def more(store) -> list[Event]:
            return store.timeline.list(contact_id, limit=limit, offset=offset)

        def add(page: list[Event]) -> None:
            self.loading_more = False
            if events is self.events:
                events.extend(page, last=len(page) < limit)
                timeline.update_size()
            self.read_more()  # the cursor went further meanwhile, or a reload came

        def failed(exc: TinyCRMError) -> None:
            # (No retry here: a lasting failure would retry without end. The
            # next move of the cursor tries again.)
            self.loading_more = False
            self.crm.show_error(exc.message)

        self.crm.run_db(self, more, add, error=failed, group="more", name="timeline_page",
                        read=True)

    # -- actions ---------------------------------------------------------------

    @on(VirtualTable.Selected, "#timeline")
    def open_event(self, event: VirtualTable.Selected) -> None:
        from .note import NoteScreen

        found = self.events.get(event.index)
        if found is not None and self.contact is not None:
            self.crm.push_screen(NoteScreen.of_event(self.contact.name, found))

    @on(VirtualTable.Selected, "#followups")
    def open_followup(self, event: VirtualTable.Selected) -> None:
        from .note import NoteScreen

        found = self.query_one("#followups", VirtualTable).source.get(event.index)
        if found is not None:
            self.crm.push_screen(NoteScreen.of_followup(found, self.crm.now()))

    def current_contact(self) -> tuple[int, str] | None:
        return (self.contact.id, self.contact.name) if self.contact else None

    def current_followup(self) -> FollowUp | None:
        return self.query_one("#followups", VirtualTable).current

    def no_followup(self) -> None:
        if len(self.query_one("#followups", VirtualTable).source):
            self.crm.say("No follow-up highlighted: pick one in the follow-up list")
        else:
            super().no_followup()

    def action_done(self) -> None:
        followup = self.current_followup()
        if followup is not None:
            self.closed_here.add(followup.id)
        super().action_done()

    def contact_deleted(self, contact: Contact) -> None:
        self.gone = True  # (the reload that the delete set off finds it gone: said already)
        if self.is_active:
            self.dismiss()

    def palette_commands(self) -> list[tuple[str, str, object]]:
        if self.contact is None:
            return []
        name = plain(self.contact.name)
        commands = [
            (f"contact: edit {name}", "Edit this contact", self.action_edit_contact),
            (f"contact: log {name}", "Log a note, call, email or meeting", self.action_log),
            (f"contact: stage of {name}", "Move to another stage", self.action_stage),
            (f"follow-up: add for {name}", "Add a follow-up", self.action_add_followup),
        ]
        return commands + self.followup_commands()
