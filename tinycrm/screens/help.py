"""Every key, generated from the bindings themselves (after the user's
[keymap]), with the binding id to use when remapping it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from ..app import GO_KEYS
from ..cells import cells
from ..widgets.text import literal
from ..widgets.vtable import Column, ListSource, VirtualTable
from .base import BACK, CRMModal, CRMScreen
from .hints import in_effect


@dataclass(frozen=True)
class HelpRow:
    keys: str
    description: str
    binding_id: str
    heading: bool = False


def sections() -> list[tuple[str, list[type]]]:
    """(title, classes whose own BINDINGS it lists), in display order."""
    from ..app import TinyCRMApp, reports_available, reports_screen_class
    from ..widgets.searchbox import SearchBox
    from ..widgets.vtable import VirtualTable
    from .confirm import ConfirmScreen
    from .contacts import ContactsScreen
    from .detail import DetailScreen
    from .form import FormScreen
    from .log import LogScreen
    from .queue import QueueScreen
    from .snooze import SnoozeScreen

    found = [
        ("Everywhere", [TinyCRMApp, CRMScreen]),
        ("Lists", [VirtualTable]),
        ("Contacts", [ContactsScreen, SearchBox]),
        ("Contact", [DetailScreen]),
        ("Follow-up queue", [QueueScreen]),
        ("Contact form", [FormScreen]),
        ("Dialogs", [CRMModal, LogScreen, SnoozeScreen, ConfirmScreen]),
        ("Help", [_HelpKeys]),
    ]
    if reports_available():
        found.insert(5, ("Reports", [reports_screen_class()]))
    return found


def _own_bindings(cls: type) -> Iterator[Binding]:
    yield from Binding.make_bindings(cls.__dict__.get("BINDINGS", []))


def all_binding_ids() -> set[str]:
    return {b.id for _, classes in sections() for cls in classes for b in _own_bindings(cls) if b.id}


class _HelpKeys:
    """The help screen's own binding, listed (and remappable) as the others."""

    BINDINGS = [Binding("question_mark", "back", "Close help", id="help.close",
                        tooltip="Close the help", key_display="?")]


def _go_or_close() -> list[Binding]:
    """The go-to keys, shown in help's footer where the screen under help
    shows them (TinyCRMApp.check_action weighs them as there). Each is
    followed by the same key, hidden, closing help: a go-to key that does
    nothing on that screen (1 over the contact list, or over a form there)
    closes help, as every go-to key does from help."""
    return [b for go in GO_KEYS for b in (go, replace(go, action="back", show=False))]


@dataclass(frozen=True)
class HelpLine:
    """One line of the help table: a row's first, or a further line of its
    keys or description (``entry``: the row's index)."""

    keys: str
    description: str
    binding_id: str
    heading: bool
    entry: int


def wrapped(text: str, width: int, separator: str = " ") -> list[str]:
    """``text`` in lines of ``width`` cells at most, broken after ``separator``
    (a word longer than a line is cut by the table, as before)."""
    lines: list[str] = []
    parts = text.split(separator)
    for i, part in enumerate(parts):
        # (Room kept for the separator's end a line then takes: "shift+^↓ /".)
        tail = separator.rstrip() if i < len(parts) - 1 else ""
        if lines and cells(lines[-1] + separator + part + tail) <= width:
            lines[-1] += separator + part
        else:
            if lines:
                lines[-1] += separator.rstrip()  # ("pgdn /", then "^d")
            lines.append(part)
    return lines or [""]


class HelpTable(VirtualTable):
    """The keys, each section's title on a line of its own across the table,
    so the keys column is as wide as the keys; a description too long for
    its column goes on under it (at 80 columns, 7 to 11 were cut)."""

    KEYS_AT_MOST = 16  # cells (wider keys, remapped, go on under them at " / ")

    entries: list[HelpRow] = []

    def __init__(self, **kwargs) -> None:
        super().__init__(self._columns(8, 10), span=lambda r: r.keys if r.heading else None,
                         **kwargs)

    @staticmethod
    def _columns(keys_width: int, id_width: int) -> list[Column]:
        return [
            Column("keys", "Keys", lambda r: r.keys, width=keys_width,
                   style=lambda r: "vtable--warning" if r.heading else None),
            Column("what", "What it does", lambda r: r.description, min_width=16),
            Column("id", "Binding id", lambda r: r.binding_id, width=id_width, hide_below=70,
                   style=lambda r: "vtable--dim"),
        ]

    def show(self, entries: list[HelpRow], cursor: int) -> None:
        """Show ``entries``, the cursor on the first line of entry ``cursor``."""
        keys = [cells(e.keys) for e in entries if not e.heading] or [4]
        ids = [cells(e.binding_id) for e in entries] or [10]
        self.entries = entries
        self.columns = self._columns(min(max(keys), self.KEYS_AT_MOST), max(10, *ids))
        self._layout = None
        self._fill(cursor)

    def on_resize(self) -> None:
        current = self.current
        self._fill(current.entry if current is not None else 0)

    def _fill(self, cursor: int) -> None:
        widths = {column.key: size for column, size in self._columns_for(self.size.width)}
        lines: list[HelpLine] = []
        first = 0
        for index, entry in enumerate(self.entries):
            if index == cursor:
                first = len(lines)
            if entry.heading or not self.size.width:
                lines.append(HelpLine(entry.keys, "", "", entry.heading, index))
                continue
            keys = wrapped(entry.keys, widths["keys"], " / ")
            what = wrapped(entry.description, widths["what"])
            for n in range(max(len(keys), len(what))):
                lines.append(HelpLine(keys[n] if n < len(keys) else "",
                                      what[n] if n < len(what) else "",
                                      "" if n else entry.binding_id, False, index))
        self.set_source(ListSource(lines), cursor=first)

    # A key's lines are one row to the cursor: it stood on a description's
    # second line alone, with no key or binding id beside it, and took a
    # press more for each line a key went on to.

    def _lines_of(self, line: int) -> range:
        """The lines of the entry that ``line`` is one of."""
        entry, count = self.source.get(line).entry, len(self.source)
        first, end = line, line + 1
        while first and self.source.get(first - 1).entry == entry:
            first -= 1
        while end < count and self.source.get(end).entry == entry:
            end += 1
        return range(first, end)

    def move_cursor(self, index: int) -> None:
        count = len(self.source)
        if count and 0 <= self.cursor < count:
            index = max(0, min(index, count - 1))
            lines = self._lines_of(index)
            if index > self.cursor and index in self._lines_of(self.cursor):
                # (down within a key's lines: to the next key's, if any)
                index = lines.stop if lines.stop < count else self.cursor
            else:
                index = lines.start
            index = self._lines_of(self._key_line(index, down=index > self.cursor)).start
        super().move_cursor(index)

    def _key_line(self, index: int, down: bool) -> int:
        """``index``, or past a section's title the way the cursor goes (the
        other way at the table's end): a title has no key, and stopping on
        one took a press more for each section (home stopped on the first)."""
        count = len(self.source)
        for step in ((1, -1) if down else (-1, 1)):
            line = index
            while 0 <= line < count and self.source.get(line).heading:
                line += step
            if 0 <= line < count:
                return line
        return index

    def _top_of(self, line: int) -> int:
        """The line to show first for ``line`` at the top: its section's
        title, where it is the section's first key."""
        return line - 1 if line and self.source.get(line - 1).heading else line

    def scroll_to_cursor(self) -> None:
        """The cursor's key with all its lines in view."""
        if not self.size.height or not 0 <= self.cursor < len(self.source):
            return super().scroll_to_cursor()
        top, last = round(self.scroll_offset.y), self._lines_of(self.cursor).stop - 1
        if self._top_of(self.cursor) < top:
            self.scroll_to(y=self._top_of(self.cursor), animate=False, force=True)
        elif last >= top + self.page_rows:
            self.scroll_to(y=min(self.cursor, last - self.page_rows + 1), animate=False,
                           force=True)

    def _row(self, row, width, base, is_cursor: bool):
        if row is not None and 0 <= self.cursor < len(self.source):
            is_cursor = row.entry == self.source.get(self.cursor).entry
        return super()._row(row, width, base, is_cursor)


class HelpScreen(CRMScreen[None]):
    BINDINGS = [BACK, *_go_or_close(), *_HelpKeys.BINDINGS]

    def compose(self) -> ComposeResult:
        yield Static(literal("Keys  ·  remap any of them in the config file's [keymap] by binding id"),
                     id="heading", classes="title-bar")
        yield HelpTable(id="keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#keys", HelpTable)
        table.show(self.rows(), cursor=1)  # the first key, under its heading
        table.focus()

    def rows(self) -> list[HelpRow]:
        underneath = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        ordered = sections()
        # Listed once, under Everywhere (dialogs have tab and ctrl+c too: a
        # second "^c Copy the selected text" read as yet another ctrl+c).
        everywhere = {b.id for title, classes in ordered if title == "Everywhere"
                      for cls in classes for b in _own_bindings(cls) if b.id}
        ordered.sort(key=lambda s: not any(isinstance(underneath, cls) for cls in s[1][:1]))
        if isinstance(underneath, CRMModal):
            # Help asked for in a dialog: that dialog's keys first, on their own.
            ordered.insert(0, ("This dialog", [cls for cls in reversed(type(underneath).__mro__)
                                               if issubclass(cls, CRMModal)]))
        out: list[HelpRow] = []
        for title, classes in ordered:
            out.append(HelpRow(title, "", "", heading=True))
            grouped: dict[str, tuple[Binding, list[str]]] = {}
            for cls in classes:
                for binding in _own_bindings(cls):
                    if title != "Everywhere" and binding.id in everywhere:
                        continue
                    key = binding.id or f"{cls.__name__}.{binding.action}"
                    keys = [self.app.get_key_display(b) for b in in_effect(self.app, binding)]
                    entry = grouped.setdefault(key, (binding, []))
                    entry[1].extend(k for k in keys if k not in entry[1])
            for binding_id, (binding, keys) in grouped.items():
                out.append(HelpRow(" / ".join(keys), binding.tooltip or binding.description, binding.id or ""))
        return out

    def action_back(self) -> None:
        self.dismiss()
