"""Command palette entries, "noun: verb": contact: open … (a fuzzy jump to
any contact, ranked by store.search), contact: new, follow-up: …, go to: …"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import FuzzySearch

from ..store.errors import TinyCRMError
from ..widgets.text import literal, plain

if TYPE_CHECKING:
    from ..app import TinyCRMApp

_fuzzy = FuzzySearch()

OPEN_PREFIXES = ("contact: open ", "contact:open ", "contact: ", "contact ", "open ")


def highlighted(text: str, query: str) -> Content:
    """``text`` shown literally, with the letters that match ``query`` marked
    (Textual's Matcher.highlight would parse ``text`` as markup)."""
    content = Content(text)
    score, offsets = _fuzzy.match(query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize("reverse", offset, offset + 1)
    return content


class ContactCommands(Provider):
    """contact: open NAME, for any contact (searched in a thread)."""

    async def search(self, query: str) -> Hits:
        app: TinyCRMApp = self.app  # type: ignore[assignment]
        text = query.strip()
        for prefix in OPEN_PREFIXES:
            if text.lower().startswith(prefix):
                text = text[len(prefix):]
                break
        if len(text.strip()) < 2:
            return

        def find() -> list[Any]:
            # A read: on the readers' connection, so a save waiting out
            # another program's write lock doesn't hold the palette up.
            with app.db.read_lock:
                return app.db.reader.search.search(text, limit=8)

        try:
            results = await asyncio.to_thread(find)
        except TinyCRMError:
            return
        except sqlite3.Error as exc:  # (the palette would only log it: no hits, no word why)
            app.show_error(f"database error: {exc}")
            return
        for contact, score in results:
            name = plain(contact.name)
            detail = ", ".join(plain(x) for x in (contact.email, contact.company) if x)
            yield Hit(
                score / 100, Content("contact: open ") + highlighted(name, text),
                partial(app.open_contact, contact.id), text=f"contact: open {name}",
                help=literal(detail) if detail else None,  # type: ignore[arg-type]
            )


class GoCommands(Provider):
    """contact: new, go to: …, help: keys, and what the current screen offers."""

    def commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        from ..app import reports_available

        app: TinyCRMApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, str, Callable[[], Any]]] = [
            ("contact: new", "Add a contact", app.new_contact),
            ("go to: contacts", "The contact list", partial(app.action_go, "contacts")),
            ("go to: follow-up queue", "Overdue, today and upcoming", partial(app.action_go, "queue")),
        ]
        if reports_available():
            commands.append(("go to: reports", "Pipeline, follow-ups and satisfaction",
                             partial(app.action_go, "reports")))
        commands.append(("help: keys", "Every key, and its binding id", app.action_help))
        screen_commands = getattr(self.screen, "palette_commands", None)
        if screen_commands is not None:
            commands += screen_commands()
        return commands

    async def discover(self) -> Hits:
        for text, help_text, callback in self.commands():
            yield DiscoveryHit(literal(text), callback, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        for text, help_text, callback in self.commands():
            score = _fuzzy.match(query, text)[0]
            if score > 0:
                yield Hit(score, highlighted(text, query), callback, text=text, help=help_text)


class CRMPalette(CommandPalette):
    """Textual's palette with a footer of its own, over the one of the screen
    beneath: that one listed the screen's keys (e Edit, d Done), which don't
    reach into the palette. This one lists the keys that work here."""

    def on_mount(self) -> None:
        from textual.widgets import Footer

        self.mount(Footer(compact=True))
