"""The contact list: search as you type, filters, sortable columns.

The list is a ``VirtualTable`` over a source that reads only the rows on
screen: by name (indexed) straight from SQLite in blocks; in another order
from an id list read once in a worker; while searching, the ranked results
of ``store.search`` (the same ranking as `tinycrm search`).
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Footer, Input, Static

from ..store.browse import INDEXED_ORDERS, ORDERS, Browse, Row
from ..store.contact_filter import ContactFilter
from ..widgets.searchbox import SearchBox
from ..widgets.sources import ContactWindow, IdList
from ..widgets.text import day, literal, plain, without_escapes
from ..widgets.vtable import Column, VirtualTable
from .actions import CONTACT_BINDINGS, ContactActions
from .base import CRMScreen
from .hints import key_for

# A keystroke ranks this many results; scrolling near their end asks for more.
SEARCH_LIMIT = 30
SEARCH_MORE = 1000
ORDER_LABELS = {"name": "name", "company": "company", "stage": "stage", "last_contacted": "last contacted"}

COLUMNS = [
    Column("name", "Name", lambda r: r.name, ratio=3, sortable=True),
    Column("company", "Company", lambda r: r.company or "", ratio=2, sortable=True),
    Column("email", "Email", lambda r: r.email or "", ratio=3, hide_below=110),
    Column("stage", "Stage", lambda r: r.stage, width=10, sortable=True),
    Column("tier", "Tier", lambda r: r.tier, width=8, hide_below=90,
           style=lambda r: "vtable--warning" if r.tier == "vip" else None),
    Column("owner", "Owner", lambda r: r.owner, width=8, hide_below=100),
    Column("last_contacted", "Contacted", lambda r: day(r.last_contacted_at), width=10, sortable=True),
    Column("tags", "Tags", lambda r: r.tags, ratio=2, hide_below=130),
]


class ContactsScreen(ContactActions, CRMScreen[None]):
    CSS_PATH = "contacts.tcss"
    BINDINGS = [
        # Priority, as app.search (same key, same end, that one runs first):
        # the letters that come with the / go to the search box. Also, a
        # priority binding of the app's would take the footer's place.
        # Out of the footer, as sort: at 80 columns they pushed "3 Reports"
        # off its end. The search box says "/ search …"; the header's arrow
        # shows the sort (a click on a column sorts by it); help lists both.
        Binding("slash", "search", "Search", id="contacts.search",
            tooltip="Search as you type", key_display="/", priority=True, show=False),
        *CONTACT_BINDINGS,
        Binding("o", "sort", "Sort", id="contacts.sort", tooltip="Sort by the next column",
            show=False),
        Binding("O", "reverse", "Reverse sort", id="contacts.reverse",
            tooltip="Reverse the sort order", show=False),
        Binding("F", "filters", "Filters", id="contacts.filters",
            tooltip="Filter by tag, stage, tier or owner", show=False),
        Binding("x", "clear_filters", "Clear filters", id="contacts.clear",
            tooltip="Clear the filters", show=False),
        Binding("escape", "back", "Clear the search", id="contacts.clear_search",
            tooltip="Clear the search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_text = ""
        self.filters = ContactFilter()
        self.order = "name"
        self.descending = False
        # The search's own order: sorting or reversing its results leaves the
        # list's order as it was for when the search is cleared.
        self.search_order: str | None = None  # None: rank order while searching
        self.search_descending = False
        self.search_limit = SEARCH_LIMIT
        self.count: int | None = None
        # A reload on its way: the contact to keep the cursor on, and where the
        # cursor was when it began (moved since, it is the user's to keep).
        self._pending: tuple[int | None, int] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="heading", classes="title-bar")
        search = key_for(self, "contacts.search")
        yield SearchBox(placeholder=f"{search} search name, email, company, tag", id="search",
                        compact=True)
        yield Horizontal(id="filters")  # filled after the first paint
        yield VirtualTable(COLUMNS, empty="No contacts match.", id="contacts")

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#contacts", VirtualTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.call_after_refresh(self.add_filters)

    def add_filters(self) -> None:
        """The footer and the filter selects wait until the list is on screen."""
        from textual.widgets import Select

        self.mount(Footer(compact=True))
        settings = self.crm.store.settings
        self.query_one("#filters").mount_all([
            Select([], prompt="Tag", id="tag", compact=True),
            Select([(literal(s), s) for s in settings.stages], prompt="Stage", id="stage", compact=True),
            Select([(literal(t), t) for t in settings.tiers], prompt="Tier", id="tier", compact=True),
            Select([], prompt="Owner", id="owner", compact=True),
        ])
        self.load_filter_options()

    # -- loading ---------------------------------------------------------------

    def load(self, *, reset: bool = False, options: bool = True) -> None:
        # A reload (a save, another program's change) keeps the cursor on its
        # contact, wherever that contact now stands; a new view starts at the top.
        if reset:
            keep = None
        elif self._pending is not None and self.table.cursor == self._pending[1]:
            keep = self._pending[0]  # a reload still on its way: its contact, not the interim row
        else:
            keep = getattr(self.table.current, "id", None)
        if reset:
            self.table.cursor = 0
        if self.query_text or self.filters != ContactFilter():
            self.table.empty = "No contacts match."
        else:  # nothing searched for or filtered: a new database
            new = key_for(self, "contact.new")
            self.table.empty = f"No contacts yet: press {new} to add one (or tinycrm import FILE)."
        if self.query_text:
            self.run_search(self.search_limit if keep is not None else SEARCH_LIMIT, keep=keep)
        else:
            self.show_list(keep=keep)
        self._pending = (keep, self.table.cursor)
        if options and self.query("#filters Select"):
            self.load_filter_options()

    def show_list(self, *, keep: int | None = None) -> None:
        table, browse = self.table, self.crm.db.browse
        filters, order, descending = self.filters, self.order, self.descending
        table.sort_key, table.sort_descending = order, descending
        # A filter (a stage, an owner) has SQLite sort its matches for every
        # block read on the UI thread: they are sorted once, in a worker.
        if order in INDEXED_ORDERS and filters == ContactFilter():
            window = ContactWindow(browse, filters, order, descending,
                                   on_error=self.crm.show_error)
            # (Until the count comes, the list's last length: the cursor isn't
            # cut back to the first block's.)
            window.hint = len(table.source) if isinstance(table.source, ContactWindow) else None
            table.set_source(window)

            def count_and_place(store) -> tuple[int, int | None]:
                look = Browse(store)
                place = None if keep is None else look.position(order, keep,
                                                                descending=descending)
                return look.count(filters), place

            def counted(found: tuple[int, int | None]) -> None:
                count, place = found
                if table.source is window:
                    unmoved = self._settled()
                    window.count = count
                    table.update_size()
                    if place is not None and unmoved:
                        table.move_cursor(place)
                    self.show_title(count)

            self.crm.run_db(self, count_and_place, counted,
                            group="list", exclusive=True, name="count", read=True)
        else:
            def sorted_ids(ids) -> None:
                place = _place(ids, keep) if self._settled() else None
                table.set_source(IdList(browse, ids, on_error=self.crm.show_error), cursor=place)
                self.show_title(len(ids))

            self.crm.run_db(self, lambda store: Browse(store).ids(filters, order, descending=descending),
                            sorted_ids, group="list", exclusive=True, name="sort", read=True)
        self.show_title(None)

    def run_search(self, limit: int = SEARCH_LIMIT, *, keep: int | None = None) -> None:
        query, filters = self.query_text, self.filters
        order, descending = self.search_order, self.search_descending
        table, browse = self.table, self.crm.db.browse
        table.sort_key, table.sort_descending = order, descending
        more = [False]

        def search(store) -> tuple[list[int], dict[int, Row]]:
            # One more than shown: whether there are more matches than that.
            results = store.search.search(query, limit=limit + 1, filters=filters)
            more[0] = len(results) > limit
            results = results[:limit]
            ids = [c.id for c, _ in results]
            if order is not None:
                ids = Browse(store).order_ids(ids, order, descending=descending)
            return ids, {c.id: Row.from_contact(c) for c, _ in results}

        def found(result: tuple[list[int], dict[int, Row]]) -> None:
            if query != self.query_text:
                return
            ids, rows = result
            place = _place(ids, keep) if self._settled() else None
            table.set_source(IdList(browse, ids, rows, on_error=self.crm.show_error),
                             cursor=place)
            self.search_limit = limit
            self.show_title(len(ids), more=more[0])

        self.crm.run_db(self, search, found, group="list", exclusive=True, name="search",
                        read=True)

    def _settled(self) -> bool:
        """A reload has come: whether the cursor is still where the reload
        left it (then it goes to its contact; else it stays as the user moved it)."""
        pending, self._pending = self._pending, None
        return pending is None or self.table.cursor == pending[1]

    def load_filter_options(self) -> None:
        def options(store) -> tuple[list[tuple[str, int]], list[str]]:
            browse = Browse(store)
            return browse.tags(), browse.owners()

        def show(result: tuple[list[tuple[str, int]], list[str]]) -> None:
            tags, owners = result
            self._set_options("tag", [(literal(f"{plain(t)} ({n})"), t) for t, n in tags])
            self._set_options("owner", [(literal(o), o) for o in owners])

        self.crm.run_db(self, options, show, group="options", exclusive=True,
                        name="filter_options", read=True)

    def _set_options(self, select_id: str, options: list[tuple[Content, str]]) -> None:
        from textual.widgets import Select

        select = self.query_one(f"#{select_id}", Select)
        current = select.value
        if isinstance(current, str) and not any(value == current for _, value in options):
            # Still the filter, though no contact has it now: shown, not blanked.
            options = [(literal(current), current), *options]
        with self.prevent(Select.Changed):
            select.set_options(options)
            if any(value == current for _, value in options):
                select.value = current

    def show_title(self, count: int | None, *, more: bool = False) -> None:
        """``more``: the count is of the best matches fetched so far (30+)."""
        self.count = count if count is not None else self.count
        parts = ["Contacts", f"{self.count:,}{'+' if more else ''}" if count is not None else "…"]
        if self.query_text:
            parts.append(f"matching '{self.query_text}'")  # (as typed: not repr's a\\b)
        order, descending = self._order()
        if order:
            parts.append(f"by {ORDER_LABELS[order]} {'▼' if descending else '▲'}")
        elif self.query_text:
            parts.append("best match first")
        for name in ("tag", "stage", "tier", "owner"):
            value = getattr(self.filters, name)
            if value is not None:
                parts.append(f"{name}: {plain(value)}")
        # One line of fixed height: no need to lay the screen out again.
        self.query_one("#heading", Static).update(literal("  ·  ".join(parts)), layout=False)

    # -- reacting --------------------------------------------------------------

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        # A terminal's colour codes pasted in with a name are no part of it:
        # they leave the box (whose change comes back here), and what is
        # searched for is what the heading names.
        if (clean := without_escapes(event.value)) != event.value:
            search = event.input
            cursor = len(without_escapes(event.value[:search.cursor_position]))
            search.value = clean
            search.cursor_position = cursor
            return
        query = plain(event.value).strip()
        if query == self.query_text:
            return  # a space typed at the end: same search
        self.query_text = query
        if not self.query_text:
            self.search_order, self.search_descending = None, False
        self.load(reset=True, options=False)

    @on(Input.Submitted, "#search")
    @on(SearchBox.Cleared, "#search")
    def search_left(self) -> None:
        self.table.focus()

    def on_paste(self, event: events.Paste) -> None:
        """A paste onto the list (or a filter) is a search, as if / came
        first: its first line, without a terminal's colour codes, replaces
        what was searched. (The search box takes its own pastes.)"""
        line = next((line for line in event.text.splitlines() if line.strip()), "")
        text = without_escapes(line).strip()
        event.stop()
        if text:
            search = self.query_one("#search", SearchBox)
            search.value = text  # (Input.Changed searches)
            search.cursor_position = len(text)
            self.set_focus(search)

    def on_select_changed(self, event) -> None:
        value = None if event.value is event.select.NULL else str(event.value)
        name = event.select.id or ""
        if name in ("tag", "stage", "tier", "owner"):
            self.filters = ContactFilter(**{**self.filters.__dict__, name: value})
            self.load(reset=True)

    @on(VirtualTable.Highlighted, "#contacts")
    def more_results(self, event: VirtualTable.Highlighted) -> None:
        """Near the end of the search results? Rank more of them."""
        count = len(self.table.source)
        if self.query_text and self.search_limit < SEARCH_MORE and count >= self.search_limit \
                and event.index >= count - 10:
            self.search_limit = SEARCH_MORE
            self.run_search(SEARCH_MORE)

    @on(VirtualTable.Selected, "#contacts")
    def open_row(self, event: VirtualTable.Selected) -> None:
        row = self.table.source.get(event.index)
        if row is not None:
            self.crm.open_contact(row.id)

    @on(VirtualTable.SortRequested, "#contacts")
    def sort_by(self, event: VirtualTable.SortRequested) -> None:
        current, descending = self._order()
        self._set_order(event.key, not descending if event.key == current else False)

    def _order(self) -> tuple[str | None, bool]:
        """The order shown now: the search's while searching, else the list's."""
        if self.query_text:
            return self.search_order, self.search_descending
        return self.order, self.descending

    def _set_order(self, order: str, descending: bool) -> None:
        if self.query_text:
            self.search_order, self.search_descending = order, descending
        else:
            self.order, self.descending = order, descending
        self.load(reset=True)

    def action_sort(self) -> None:
        current = self._order()[0] or ORDERS[-1]
        self._set_order(ORDERS[(ORDERS.index(current) + 1) % len(ORDERS)], False)

    def action_reverse(self) -> None:
        order, descending = self._order()
        self._set_order(order or "name", not descending)  # (rank order reversed: by name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "search" and self.focused is not None and self.focused.check_consume_key(
                "slash", "/"):
            return False  # (a / typed in the search box, or a filter's list, is a /)
        return True

    def action_search(self) -> None:
        # At once, not as focus() does (after the keys already waiting): the
        # letters that come with the / ("/zed" typed fast, pasted) are for the
        # search box, and "e" would otherwise edit the highlighted contact.
        self.set_focus(self.query_one("#search", Input))

    def action_filters(self) -> None:
        self.query_one("#tag").focus()

    def action_clear_filters(self) -> None:
        from textual.widgets import Select

        for name in ("tag", "stage", "tier", "owner"):
            with self.prevent(Select.Changed):
                self.query_one(f"#{name}", Select).clear()
        self.filters = ContactFilter()
        self.load(reset=True)

    def action_back(self) -> None:
        search = self.query_one("#search", Input)
        if self.focused is not self.table:
            self.table.focus()
        elif search.value:
            search.value = ""  # Input.Changed reloads the list

    # -- the current contact ---------------------------------------------------

    def current_contact(self) -> tuple[int, str] | None:
        row = self.table.current
        return (row.id, row.name) if row is not None else None

    def palette_commands(self) -> list[tuple[str, str, object]]:
        ref = self.current_contact()
        if ref is None:
            return []
        name = plain(ref[1])
        return [
            (f"contact: edit {name}", "Edit the highlighted contact", self.action_edit_contact),
            (f"contact: log {name}", "Log a note, call, email or meeting", self.action_log),
            (f"follow-up: add for {name}", "Add a follow-up", self.action_add_followup),
            (f"contact: delete {name}", "Delete, after asking", self.action_delete_contact),
        ]


def _place(ids, keep: int | None) -> int | None:
    """Where contact ``keep`` is in ``ids`` now (None: not there, the cursor stays)."""
    if keep is None:
        return None
    try:
        return ids.index(keep)
    except ValueError:
        return None
