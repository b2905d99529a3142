"""The Textual app: `tinycrm` with no command, or `tinycrm tui`.

The app holds two connections to the database file. ``db.view`` serves the
UI thread's small reads (the rows on screen, change detection); ``db.store``
does everything slow or writing, in thread workers, one at a time (``db.lock``),
so a busy database never freezes the screen. Screens live in ``screens/``.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events, on
from textual.app import App, ScreenStackError, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, get_current_worker

from .app_db import Db
from .pasting import PastesAsText
from .screens.base import KeepsInput
from .store import Store
from .store.busy import RunningImport
from .store.errors import DatabaseError, FileGone, TinyCRMError
from .widgets.text import plain

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from .config import Config
    from .context import Env

T = TypeVar("T")

UNTIL_CLOSED = 30 * 24 * 3600.0  # seconds: a notification that stays (Textual wants a number)


def waiting_note(holder: RunningImport, seconds: float | None) -> str:
    """What a save waits for, in the words of the app's note while it waits."""
    what = "undo" if holder.action == "undo" else "import"
    bound = f" (up to {seconds:g} s)" if seconds is not None else ""
    return (f"Waiting for {plain(holder.user)}'s {what} of {plain(holder.source)}"
            f" to finish{bound}…")


def reports_available() -> bool:
    """The reports screen comes with issue 6; reach it only when it exists."""
    import importlib.util

    return importlib.util.find_spec("tinycrm.screens.reports") is not None


GO_KEYS = [
    Binding("1", "app.go('contacts')", "Contacts", id="app.go_contacts",
            tooltip="Go to the contact list"),
    Binding("2", "app.go('queue')", "Queue", id="app.go_queue",
            tooltip="Go to the follow-up queue"),
    Binding("3", "app.go('reports')", "Reports", id="app.go_reports",
            tooltip="Go to the reports"),
]


def quiet_go_keys(*ids: str) -> list[Binding]:
    """The go-to keys (all, or these ids) for a screen whose footer is full:
    they still work there, but the footer leaves them out."""
    return [replace(b, show=False) for b in GO_KEYS if not ids or b.id in ids]


class TinyCRMApp(PastesAsText, App[None], inherit_bindings=False):
    CSS_PATH = "app.tcss"
    TITLE = "tinycrm"
    DEFAULT_MODE = "contacts"
    ENABLE_COMMAND_PALETTE = True
    _said_gone = False  # (file_gone has said it)
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help",
                tooltip="Show every key", key_display="?"),
        Binding("q", "quit", "Quit", id="app.quit",
                tooltip="Quit tinycrm (not from a form or dialog)"),
        *GO_KEYS,
        # Priority: the letters that come with the / in one read ("/zed" typed
        # fast, over ssh, pasted) go to the search box, not to the widget that
        # had the focus (where "e" edited). Not in a text field: see check_action.
        Binding("slash", "search_contacts", "Search", id="app.search",
                tooltip="Search the contacts (from any screen)", key_display="/", show=False,
                priority=True),
        Binding("ctrl+q", "quit_now", "Quit now", id="app.quit_now",
                tooltip="Quit, even from a form (asks first if unsaved)",
                show=False, priority=True),
        Binding("ctrl+c", "help_quit", "How to quit", id="app.ctrl_c",
                tooltip="With no text selected: tell which key quits", show=False, system=True),
        Binding("ctrl+p", "command_palette", "Palette", id="app.palette",
                tooltip="Open the command palette (contact: open …)", show=False, priority=True),
    ]
    _asking_to_quit = False  # (action_quit_now's question is open)

    def __init__(
        self,
        store: Store,
        *,
        keymap: Mapping[str, Any] | None = None,
        poll_interval: float | None = 2.0,
    ) -> None:
        # Screens and palette providers other than the first are imported when
        # first needed: the contact list should paint as soon as possible.
        self.MODES = {"contacts": _contacts_screen, "queue": _queue_screen}
        if reports_available():
            self.MODES["reports"] = _reports_screen
        self.COMMANDS = App.COMMANDS | {_contact_commands, _go_commands}
        super().__init__()
        from .keymap import checked_keymap

        # (Before the database is opened: a mistake in it stops the app.)
        self.keymap = checked_keymap(keymap or {})
        self.db = Db(store)
        # A save that waits for another program's import says so at once.
        store.on_wait = self._write_waits
        self._wait_told = False  # (the write job running was told: under db.lock)
        self._wait_note: Notification | None = None
        self.poll_interval = poll_interval
        self.data_generation = 0
        # Changes this app made (its write jobs that ran): a screen that finds
        # a row gone can tell whether it may have been by a key pressed here.
        self.writes_here = 0
        self.messages: deque[tuple[str, str]] = deque(maxlen=50)
        self._seen_version = self.db.browse.data_version()
        self.set_keymap(self.keymap)

    @classmethod
    def from_env(cls, env: Env) -> TinyCRMApp:
        from .keymap import checked_keymap

        # The keymap is checked before the database is opened, its mistakes
        # naming the config file and line as the config's other mistakes do.
        keymap = checked_keymap(env.config.section("keymap"), config=env.config)
        app = cls(env.store(wait_for_imports=False), keymap=keymap)
        app.config_warning = env.config.unknown_table()
        app.keymap_config = env.config
        return app

    # -- life cycle ------------------------------------------------------------

    config_warning: str | None = None  # (a table of the config tinycrm doesn't know)
    keymap_config: Config | None = None  # (the file the keymap came from, to name its lines)

    def on_mount(self) -> None:
        # Checking the keymap needs every screen's bindings: after the first paint.
        self.call_after_refresh(self.check_keymap)
        if self.config_warning:
            self.notify(plain(self.config_warning), severity="warning", markup=False, timeout=10)
        if self.poll_interval:
            self.set_interval(self.poll_interval, self.check_for_changes)

    def on_unmount(self) -> None:
        self.db.close()

    def clear_selection(self) -> None:
        # Textual 8 starts tasks eagerly on Python 3.12 and later (app.run,
        # not run_test): the first screen's search Input then mounts before
        # that screen is on the stack, and its clearing of the selection met
        # ScreenStackError where Textual expects NoScreen. The app stopped
        # with a traceback before it painted. Nothing is selected yet then.
        try:
            super().clear_selection()
        except ScreenStackError:
            pass

    def check_keymap(self) -> None:
        from .keymap import bound_at
        from .screens.help import all_binding_ids

        known = all_binding_ids()
        for binding_id in self.keymap:
            if binding_id not in known:
                self.show_error(f"{bound_at(self.keymap_config, binding_id)}[keymap] {binding_id}:"
                                " no such key binding (see ? for the ids)")

    @property
    def store(self) -> Store:
        return self.db.store

    @property
    def user(self) -> str:
        return self.db.store.user

    def now(self) -> datetime:
        return self.db.store.now()

    # -- data: workers, errors, changes ----------------------------------------

    def run_db(
        self,
        node: DOMNode,
        job: Callable[[Store], T],
        done: Callable[[T], Any] | None = None,
        *,
        error: Callable[[TinyCRMError], Any] | None = None,
        group: str = "db",
        exclusive: bool = False,
        name: str = "",
        read: bool = False,
    ) -> Worker[None]:
        """Run ``job(store)`` in a thread worker owned by ``node``; then
        ``done(result)`` on the UI thread. A TinyCRMError, or SQLite's own
        error as a DatabaseError, goes to ``error`` (default: a notification):
        a screen waiting for the job must hear that it failed.
        A job that only reads says ``read=True``: it runs beside writes.
        A write that waits for another program's import says so on screen
        meanwhile (``_write_waits``)."""
        store, lock = (self.db.reader, self.db.read_lock) if read else (self.db.store, self.db.lock)

        def work() -> None:
            worker = get_current_worker()
            failure: TinyCRMError | str | None = None
            with lock:
                if worker.is_cancelled:
                    return
                # A write into a deleted or replaced file would be lost: refused.
                gone = None if read else self.db.check_file()
                try:
                    if gone is not None:
                        raise FileGone(gone)
                    result = job(store)
                    if not read:
                        self.writes_here += 1
                except TinyCRMError as exc:
                    failure = exc
                except sqlite3.Error as exc:
                    failure = DatabaseError(f"database error: {exc}")
                except Exception as exc:  # a bug: said, not swallowed by the worker
                    failure = f"unexpected error ({type(exc).__name__}): {exc}"
                if self._wait_told:  # (said under the lock: before the next job's wait)
                    self._wait_told = False
                    self.post_message(self.WriteWaits(None))
            if worker.is_cancelled:
                return
            if gone is not None:
                first = not self._said_gone
                self.call_from_thread(self.file_gone, gone)
                if first and error is None:
                    return  # (that lasting notification says it)
            if isinstance(failure, TinyCRMError) and error is not None:
                self.call_from_thread(error, failure)
            elif failure is not None:
                message = failure.message if isinstance(failure, TinyCRMError) else failure
                self.call_from_thread(self.show_error, message)
            elif done is not None:
                self.call_from_thread(done, result)

        return node.run_worker(
            work, name=name or getattr(job, "__name__", "db"), group=group,
            exclusive=exclusive, thread=True, exit_on_error=False,
        )

    @dataclass
    class WriteWaits(Message):
        """A write job's wait for an import (``holder``) began, or (None) it is over."""

        holder: RunningImport | None
        seconds: float | None = None  # (at most, when it began)

    def _write_waits(self, holder: RunningImport, patient: bool) -> None:
        """The writers' ``Store.on_wait``, in the worker whose write waits.
        (A message, not call_from_thread: the worker doesn't wait for the
        screen, nor hang on an app that is closing.)"""
        self._wait_told = True
        store = self.db.store
        seconds = None if patient else max(store.busy_timeout, store.wait_for_imports)
        self.post_message(self.WriteWaits(holder, seconds))

    @on(WriteWaits)
    def _show_write_wait(self, message: WriteWaits) -> None:
        """A note that stays while the save waits; the save's own result
        (saved, or the busy message) follows it."""
        if self._wait_note is not None:
            # (Textual has no public call to take one notification away: its
            # toasts use this one when clicked.)
            self._unnotify(self._wait_note)
            self._wait_note = None
        if message.holder is None:
            return
        text = waiting_note(message.holder, message.seconds)
        self.messages.append(("warning", text))
        self._wait_note = Notification(text, "Not saved yet", "warning", UNTIL_CLOSED,
                                       markup=False)
        # Shown now, not by a posted Notify: the wait's end may be queued
        # already, and would find nothing to take away, leaving the note.
        self._on_notify(Notify(self._wait_note))

    def file_gone(self, message: str) -> None:
        """Say once, in a notification that stays until the app closes (or it
        is clicked), that the database file is gone; every write refused
        says so again."""
        if not self._said_gone:
            self._said_gone = True
            self.notify(plain(message, keep_newlines=True), title="Nothing more can be saved",
                        severity="error", markup=False, timeout=UNTIL_CLOSED)

    def show_error(self, message: str) -> None:
        self.notify(plain(message, keep_newlines=True), severity="error", markup=False, timeout=8)

    def say(self, message: str) -> None:
        self.notify(plain(message), markup=False, timeout=4)

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification is also kept in ``messages`` (newest last)."""
        self.messages.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def check_for_changes(self) -> None:
        """Another process committed? Reload what is on screen. The file
        deleted or replaced? Say so (and writes are refused: ``run_db``)."""
        if (gone := self.db.check_file()) is not None:
            self.file_gone(gone)
            return
        try:
            version = self.db.browse.data_version()
        except sqlite3.Error:
            return
        if version != self._seen_version:
            self._seen_version = version
            self.data_changed()

    def data_changed(self) -> None:
        """Something changed: reload the current screen now, the others when shown."""
        from .screens.base import CRMScreen

        try:
            self._seen_version = self.db.browse.data_version()
        except sqlite3.Error:
            pass
        self.data_generation += 1
        for screen in self.screen_stack:
            if isinstance(screen, CRMScreen) and screen.is_current:
                screen.reload()

    # -- actions ---------------------------------------------------------------

    _key_pressed: events.Key | None = None  # (while the app weighs its priority bindings)

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key):
            await super().on_event(event)
            return
        self._key_pressed = event
        try:
            await super().on_event(event)
        finally:
            self._key_pressed = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        from .screens.help import HelpScreen

        if action in ("focus_next", "focus_previous") and (key := self._key_pressed) is not None:
            # Priority bindings (screens/base.py), but a key the focused widget
            # has for itself (a field's ctrl+w, a letter the keymap moved them
            # to) stays the widget's, as it would be without priority.
            focused = self.focused
            return not (focused is not None
                        and (focused.check_consume_key(key.key, key.character)
                             or key.key in focused._bindings.key_to_bindings))

        if action == "command_palette" and isinstance(self.screen, ModalScreen):
            # Over a dialog (the palette is one too) its entries would open a
            # contact or another screen on top of the dialog, which stayed
            # open under it, out of sight, holding what was typed.
            return False
        if action == "quit" and isinstance(self.screen, (KeepsInput, ModalScreen)):
            # In a form or dialog, q may be a letter meant for a field, and
            # quitting would lose what was typed: ctrl+q quits (asking first).
            return False
        if action == "search_contacts":
            # A / typed where it is text (a field, the search box, a filter's
            # list searched by typing) is that widget's; leaving a form would
            # lose what was typed; a dialog keeps its keys.
            return not (isinstance(self.screen, (KeepsInput, ModalScreen))
                        or self.focused is not None
                        and self.focused.check_consume_key("slash", "/"))
        if action == "go" and parameters:
            stack = self.screen_stack
            if stack and isinstance(stack[-1], HelpScreen):
                # Weighed as on the screen help is a look at: help's footer
                # shows that screen's go-to keys. (A key left out there still
                # closes help: HelpScreen's bindings.)
                stack = stack[:-1]
                if isinstance(stack[-1], ModalScreen):
                    return False  # (help over a dialog: no go-to key works in one)
            return self._may_go(str(parameters[0]), stack)
        return True

    def _may_go(self, mode: str, stack: list[Screen]) -> bool:
        """Whether a go-to key for ``mode`` works on the top screen of ``stack``."""
        if mode == "reports" and not reports_available():
            return False
        if mode != self.current_mode:
            return True
        # Already there: kept out of the footer. And back to this mode's first
        # screen would close a form on the way (under a contact, say), losing
        # what was typed; another mode leaves it waiting, as it was.
        return len(stack) > 1 and not any(isinstance(screen, KeepsInput) for screen in stack[1:])

    async def action_quit(self) -> None:
        """q, where it quits (not in a form or dialog): as ctrl+q, it asks
        first while a form waiting in another mode, or under help, holds
        what was typed."""
        self.action_quit_now()

    def action_quit_now(self) -> None:
        """ctrl+q: quit from anywhere, but ask first while a form or dialog
        (in any mode) holds what was typed and not saved. ctrl+q again, with
        the question open, quits."""
        from textual.content import Content

        from .screens.confirm import ConfirmScreen

        unsaved = [screen for mode in self.MODES for screen in self._stack_of(mode)
                   if isinstance(screen, KeepsInput) and screen.unsaved()]
        if not unsaved or self._asking_to_quit:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            self._asking_to_quit = False
            if yes:
                self.exit()

        self._asking_to_quit = True
        self.push_screen(ConfirmScreen(
            Content("Quit? What you typed hasn't been saved and will be lost."), yes="Quit"),
            answered)

    def _stack_of(self, mode: str) -> list[Screen]:
        try:
            return self.get_screen_stack(mode)
        except KeyError:  # (a mode not opened yet)
            return []

    def action_help_quit(self) -> None:
        """ctrl+c: say which key quits here. (Textual's own looks for the
        action "quit" only, which a form switches off.)"""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "quit_now") and active.enabled:
                self.notify(f"Press [b]{key}[/b] to quit the app", title="Do you want to quit?")
                return

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from .screens.palette import CRMPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CRMPalette(id="--command-palette"))  # (as App's, with a footer)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's, but its "Keys" (a panel of the focused widget's keys,
        docked on every screen till "Keys" again): help (?, "help: keys" in
        the palette) shows every key, and the panel, two entries above it,
        was a second help, cut at 80 columns ("pgdn ^d Page down A page down")."""
        for command in super().get_system_commands(screen):
            if command.callback != self.action_show_help_panel:
                yield command

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_go(self, mode: str) -> None:
        from .screens.help import HelpScreen

        if mode == "reports" and not reports_available():
            self.say("Reports are not available in this version.")
            return
        if isinstance(self.screen, HelpScreen):
            # Help is closed on the way, not left on top of its mode to greet
            # the next visit; then the key is weighed again as pressed there
            # (1 over a form stays on the form).
            self.pop_screen()
            if not self.check_action("go", (mode,)):
                return
        if self.current_mode == mode:
            # Already there: go back to the mode's first screen.
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        self.switch_mode(mode)

    def action_search_contacts(self) -> None:
        """/ where it means nothing else: the contact list, its search box
        focused. (Unbound, the letters typed next ran commands: "e" edited.)"""
        from .screens.contacts import ContactsScreen
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()  # (as action_go: help is a look, not a place)
            if not self.check_action("search_contacts", ()):
                return
        self.switch_mode("contacts")
        waiting = [screen for screen in self.screen_stack[1:] if isinstance(screen, KeepsInput)]
        if waiting:
            # Back to the list would close a form or dialog waiting there, and
            # what was typed in it: it is shown, as it was (a contact opened
            # over it from the palette is closed: it holds nothing typed).
            while self.screen is not waiting[-1]:
                self.pop_screen()
            self.say(f"{waiting[-1].OPEN_NOTE}, then search")
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if isinstance(self.screen, ContactsScreen):
            self.screen.action_search()

    def open_contact(self, contact_id: int) -> None:
        from .screens.detail import DetailScreen

        self.push_screen(DetailScreen(contact_id))

    def new_contact(self) -> None:
        from .screens.form import FormScreen

        def saved(contact_id: int | None) -> None:
            if contact_id is not None:
                self.open_contact(contact_id)

        self.push_screen(FormScreen(None), saved)


# Lazy screens and providers (App.MODES and App.COMMANDS take callables).


def _contacts_screen():
    from .screens.contacts import ContactsScreen

    return ContactsScreen()


def _queue_screen():
    from .screens.queue import QueueScreen

    return QueueScreen()


def reports_screen_class() -> type:
    """The reports screen of issue 6 (its module's ReportsScreen, or its one Screen)."""
    from textual.screen import Screen

    from .screens import reports  # type: ignore[attr-defined]

    return getattr(reports, "ReportsScreen", None) or next(
        value for value in vars(reports).values()
        if isinstance(value, type) and issubclass(value, Screen) and value.__module__ == reports.__name__
    )


def _reports_screen():
    return reports_screen_class()()


def _contact_commands():
    from .screens.palette import ContactCommands

    return ContactCommands


def _go_commands():
    from .screens.palette import GoCommands

    return GoCommands
