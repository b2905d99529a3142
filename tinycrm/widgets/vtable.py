"""A table that draws only the lines on screen (Textual's Line API).

``VirtualTable`` asks its ``source`` for the rows it is about to paint, so a
list of a million contacts costs what a screenful costs. The source is any
object with ``len()`` and ``get(index)`` (see ``sources.py``); columns say how
to turn a row into text. Cell text goes through ``plain()`` and into Rich
segments directly: no markup parser ever sees contact data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any, Protocol

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .text import fit, plain

# The cursor when no row is highlighted (a screen asks for it with
# ``set_source(..., cursor=NO_ROW)``): ``current`` is None until a key or a
# click picks a row.
NO_ROW = -1


class Source(Protocol):
    def __len__(self) -> int: ...

    def get(self, index: int) -> Any | None: ...


class ListSource(list):
    """Rows already in memory."""

    def get(self, index: int) -> Any | None:
        return self[index] if 0 <= index < len(self) else None


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[Any], object]
    width: int = 0  # fixed width; 0 shares the space left by ratio
    ratio: int = 1
    min_width: int = 6
    sortable: bool = False
    hide_below: int = 0  # hide when the table is narrower than this
    style: Callable[[Any], str | None] | None = None  # a component class for the cell


class VirtualTable(ScrollView, can_focus=True, inherit_bindings=False):
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="list.down", tooltip="Next row", show=False),
        Binding("k,up", "cursor_up", "Up", id="list.up", tooltip="Previous row", show=False),
        Binding("pagedown,ctrl+d", "page_down", "Page down", id="list.page_down",
            tooltip="A page down", show=False),
        Binding("pageup,ctrl+u", "page_up", "Page up", id="list.page_up",
            tooltip="A page up", show=False),
        Binding("home,g", "first", "First row", id="list.first", tooltip="First row", show=False),
        Binding("end,G", "last", "Last row", id="list.last", tooltip="Last row", show=False),
        Binding("enter", "select", "Open", id="list.select",
            tooltip="Open the highlighted row", show=False),
    ]
    COMPONENT_CLASSES = {
        "vtable--header", "vtable--cursor", "vtable--empty",
        "vtable--dim", "vtable--warning", "vtable--error", "vtable--success",
    }
    DEFAULT_CSS = """
    VirtualTable {
        width: 1fr;
        height: 1fr;
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .vtable--header { text-style: bold; background: $panel; color: $foreground; }
        & > .vtable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .vtable--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .vtable--empty { color: $text-muted; text-style: italic; }
        & > .vtable--dim { color: $text-muted; }
        & > .vtable--warning { color: $text-warning; }
        & > .vtable--error { color: $text-error; }
        & > .vtable--success { color: $text-success; }
    }
    """

    @dataclass
    class Highlighted(Message):
        table: VirtualTable
        index: int

        @property
        def control(self) -> VirtualTable:
            return self.table

    @dataclass
    class Selected(Message):
        table: VirtualTable
        index: int

        @property
        def control(self) -> VirtualTable:
            return self.table

    @dataclass
    class SortRequested(Message):
        table: VirtualTable
        key: str

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(
        self, columns: Sequence[Column], *, empty: str = "Nothing here.",
        span: Callable[[Any], str | None] | None = None,
        name: str | None = None, id: str | None = None, classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        # A row for which ``span`` gives text (a section's title) is that text
        # across the whole table, styled as its first column's cell would be.
        self.span = span
        self.source: Source = ListSource()
        self.cursor = 0
        self.empty = empty
        self.sort_key: str | None = None
        self.sort_descending = False
        self.generation = 0  # bumped on every new source
        # When the current rows were first painted, and the latest paint (benchmarks).
        self.first_painted: tuple[int, float] = (-1, 0.0)  # (generation, time)
        self.last_painted = 0.0
        self._layout: tuple[int, list[tuple[Column, int]]] | None = None
        self._base_style: Style | None = None  # rich_style walks the DOM: once per style change

    # -- data --------------------------------------------------------------------

    def set_source(self, source: Source, *, cursor: int | None = None) -> None:
        """Show another set of rows; the cursor stays put unless given
        (``NO_ROW``: none highlighted)."""
        self.source = source
        self.generation += 1
        wanted = self.cursor if cursor is None else cursor
        self.cursor = NO_ROW if wanted == NO_ROW else max(0, min(wanted, len(source) - 1))
        self.update_size()
        self.scroll_to_cursor()
        self.refresh()
        if self.cursor != NO_ROW:
            self.post_message(self.Highlighted(self, self.cursor))

    def update_size(self) -> None:
        """Call when the source's length changed (a count arrived, say)."""
        self.virtual_size = Size(0, len(self.source) + 1)
        if self.cursor >= len(self.source):
            self.cursor = max(0, len(self.source) - 1)
        self.refresh()

    @property
    def current(self) -> Any | None:
        return self.source.get(self.cursor) if len(self.source) and self.cursor >= 0 else None

    # -- cursor --------------------------------------------------------------------

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def move_cursor(self, index: int) -> None:
        count = len(self.source)
        index = max(0, min(index, count - 1))
        if count and index != self.cursor:
            self.cursor = index
            self.refresh()
            self.post_message(self.Highlighted(self, index))
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        if not self.size.height or self.cursor == NO_ROW:
            return  # not laid out yet (on_resize scrolls), or nothing to show
        top = round(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, force=True)
        elif self.cursor >= top + self.page_rows:
            self.scroll_to(y=self.cursor - self.page_rows + 1, animate=False, force=True)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + self.page_rows)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - self.page_rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.source) - 1)

    def action_select(self) -> None:
        if len(self.source) and self.cursor != NO_ROW:
            self.post_message(self.Selected(self, self.cursor))

    # -- mouse ---------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            column = self._column_at(offset.x)
            if column is not None and column.sortable:
                self.post_message(self.SortRequested(self, column.key))
            return
        index = round(self.scroll_offset.y) + offset.y - 1
        if 0 <= index < len(self.source):
            already = index == self.cursor
            self.move_cursor(index)
            if already or event.chain >= 2:
                self.post_message(self.Selected(self, index))

    def _column_at(self, x: int) -> Column | None:
        start = 0
        for column, width in self._columns_for(self.size.width):
            if start <= x < start + width + 1:
                return column
            start += width + 1
        return None

    # -- painting ------------------------------------------------------------------

    def on_resize(self) -> None:
        self._layout = None
        self.scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None
        self.refresh()

    def _columns_for(self, width: int) -> list[tuple[Column, int]]:
        if self._layout and self._layout[0] == width:
            return self._layout[1]
        shown = [c for c in self.columns if width >= c.hide_below]
        fixed = sum(c.width for c in shown) + max(0, len(shown) - 1)
        flexible = [c for c in shown if not c.width]
        space = max(0, width - fixed - 1)  # one cell for the scrollbar
        ratios = sum(c.ratio for c in flexible) or 1
        widths, left = {}, space
        for i, column in enumerate(flexible):
            share = left if i == len(flexible) - 1 else space * column.ratio // ratios
            widths[column.key] = max(column.min_width, share)
            left -= share
        layout = [(c, c.width or widths[c.key]) for c in shown]
        self._layout = (width, layout)
        return layout

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self._base_style is None:
            self._base_style = self.rich_style
        base = self._base_style
        if y == 0:
            strip = self._header(width)
        else:
            index = round(self.scroll_offset.y) + y - 1
            count = len(self.source)
            if count == 0 and y == 1:
                style = base + self.get_component_rich_style("vtable--empty", partial=True)
                strip = Strip([Segment(set_cell_size(" " + plain(self.empty), width), style)])
            elif index >= count:
                strip = Strip.blank(width, base)
            else:
                row = self.source.get(index)
                strip = self._row(row, width, base, index == self.cursor)
        self.last_painted = perf_counter()
        if self.first_painted[0] != self.generation:
            self.first_painted = (self.generation, self.last_painted)
        return strip.adjust_cell_length(width, base)

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("vtable--header")
        segments = []
        for column, size in self._columns_for(width):
            label = column.label
            if column.key == self.sort_key:
                label += " ▼" if self.sort_descending else " ▲"
            segments.append(Segment(fit(label, size) + " ", style))
        return Strip(segments).adjust_cell_length(width, style)

    def _row(self, row: Any, width: int, base: Style, is_cursor: bool) -> Strip:
        cursor = self.get_component_rich_style("vtable--cursor", partial=True) if is_cursor else None
        if row is not None and self.span is not None and (text := self.span(row)) is not None:
            first = self.columns[0]
            name = first.style(row) if first.style is not None else None
            style = base + self.get_component_rich_style(name, partial=True) if name else base
            style = style + cursor if cursor is not None else style
            return Strip([Segment(fit(plain(text), max(0, width - 1)), style)])
        segments = []
        for column, size in self._columns_for(width):
            style = base
            if row is not None and column.style is not None:
                name = column.style(row)
                if name:
                    style = style + self.get_component_rich_style(name, partial=True)
            if cursor is not None:
                style = style + cursor
            text = "…" if row is None else plain(column.value(row))
            segments.append(Segment(fit(text, size), style))
            segments.append(Segment(" ", base + cursor if cursor is not None else base))
        fill = base + cursor if cursor is not None else base
        return Strip(segments).adjust_cell_length(width, fill)
