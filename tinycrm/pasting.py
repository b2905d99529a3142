"""A paste is text, never keys, even when it holds a terminal's colour codes.

Textual's parser (8.2.8, textual/_xterm_parser.py) sends a bracketed paste
that holds an escape sequence (a name copied from a coloured listing) as keys
from its first ESC on: the ESC as a "^" key, then each character after it as
if typed. The Paste event that ends the paste brings only the text before that
ESC (and what came after a sequence too long to wait for, behind an ESC of its
own). Where "^" is no text (a list, a button, a dialog's choices) those keys
ran commands: "\\x1b[31mGrace" on the contact list went to the reports (3) and
back (1), then to the last row (G) and into its contact's form (e).

``PastedKeys`` (the app's, through ``PastesAsText``) holds such keys back,
from a "^" followed by "[" or "]" (as the colours and links copied with a text
begin), and hands them on as the text of the Paste that ends the paste, in the
order pasted, without the escape sequences. A "^" followed by another key was
typed, and is let go with it; so is what was held when escape comes (a key no
paste sends: its ESCs come as "^"), or when no Paste has come for
``HOLD_AT_MOST`` ("^[" typed by hand: the keys after it were typed too). A
"^" alone held when a Paste comes is dropped (no text where it was typed).
In a field too: there the keys were typed, so a name pasted into the form
read "^[31mGrace^[0m", the text before the first code went in after them,
and a tab in the paste moved to the next field. Only where the keymap gives
"^" a binding is it never held.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import ScreenStackError

from .widgets.text import without_escapes

# How long keys are held for a Paste to end them (it comes in the same read as they do).
HOLD_AT_MOST = 1.0  # (a long paste over a slow ssh link comes in several reads)
# What follows a paste's ESC (as Textual names the keys): "[" for colours (CSI), "]" for OSC.
OPENERS = frozenset({"left_square_bracket", "right_square_bracket"})


class PastedKeys:
    def __init__(self) -> None:
        self.held: list[events.Key] = []

    def take(self, key: events.Key, bound_here: Callable[[], bool]) -> list[events.Key]:
        """The keys to handle now, in order, ``key`` last: none while a
        paste's keys are held. ``bound_here()``: whether the keymap gives
        "^" a binding where it is pressed: there, it is never held. (A "^"
        typed into a field waits for the key after it, or for HOLD_AT_MOST.)"""
        if not self.held:
            if key.key == "circumflex_accent" and not bound_here():
                self.held.append(key)
                return []
            return [key]
        if len(self.held) == 1 and key.key not in OPENERS or key.key == "escape":
            held, self.held = self.held, []
            return [*held, key]
        self.held.append(key)
        return []

    def let_go(self) -> list[events.Key]:
        """The keys held, to handle as typed: no paste came to end them."""
        held, self.held = self.held, []
        return held

    def paste(self, event: events.Paste) -> events.Paste:
        """The Paste that ends a paste, with the keys held put back as text
        where they came in (at its first ESC: the parser began sending keys
        there, and kept the ESC, or dropped it as the paste's last character)."""
        if not self.held:
            return event
        if len(self.held) == 1:
            # A "^" alone: typed just before a paste with no colour code, or
            # the ESC a paste ended with. Where it was held it was no text
            # and ran nothing: it goes, rather than onto the paste's end.
            self.held = []
            return event
        typed = "".join("\n" if key.key == "enter" else key.character or "" for key in self.held)
        self.held = []
        before, _, after = event.text.partition("\x1b")
        text = before + typed + after
        return events.Paste("\n".join(without_escapes(line) for line in text.split("\n")))


class PastesAsText:
    """Mixed into the App, before it: the keys and pastes that come from the
    terminal pass through ``PastedKeys`` before the App sees them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pasted_keys = PastedKeys()
        self._holds = 0  # (which hold a timer set to let go of is still the one held)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            holding = bool(self._pasted_keys.held)
            for key in self._pasted_keys.take(event, lambda: bound_here(self, event)):
                await super().on_event(key)  # type: ignore[misc]
            if self._pasted_keys.held and not holding:
                # A paste's keys and the Paste that ends them come in one read;
                # "^[" typed by hand has no Paste after it, and what follows
                # was typed: it goes as typed, not held until escape.
                self._holds += 1
                hold = self._holds
                self.set_timer(HOLD_AT_MOST, lambda: self._let_go(hold))  # type: ignore[attr-defined]
            return
        if isinstance(event, events.Paste) and not event.is_forwarded:
            event = self._pasted_keys.paste(event)
        await super().on_event(event)  # type: ignore[misc]


    async def _let_go(self, hold: int) -> None:
        if hold != self._holds:
            return  # (a paste ended that hold; this is another)
        for key in self._pasted_keys.let_go():
            await super().on_event(key)  # type: ignore[misc]


def bound_here(app: Any, key: events.Key) -> bool:
    """Whether ``key`` has a binding where it is pressed (the keymap may give
    "^" one)."""
    try:
        return key.key in app.screen.active_bindings
    except ScreenStackError:
        return True
