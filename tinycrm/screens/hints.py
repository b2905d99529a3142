"""Keys named on screen ("Save (ctrl+s)", "/ search", "log a call (l) to
reset it") are the keys bound now, after the user's [keymap]: a hint written
with the default key would name a key that no longer does it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.keys import format_key

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode


def in_effect(app: App, binding: Binding) -> list[Binding]:
    """``binding`` as the app's keymap binds it, one Binding per key."""
    keymap: dict[str, str] = getattr(app, "keymap", {})
    if binding.id in keymap:
        # As Textual applies a keymap: the new key, shown by its own name
        # (with_key drops a key_display such as "?", which was the old key's).
        return [binding.with_key(key.strip()) for key in keymap[binding.id].split(",")]
    return [binding]


def key_for(node: DOMNode, binding_id: str) -> str:
    """The key a hint names for ``binding_id``, a binding of ``node``'s class
    (its own or inherited): the first of its keys in effect."""
    for cls in type(node).__mro__:
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            if binding.id == binding_id:
                return spelled(node.app, in_effect(node.app, binding)[0])
    raise LookupError(f"{type(node).__name__} has no binding {binding_id!r}")


def spelled(app: App, binding: Binding) -> str:
    """Textual's display of the key (``app.get_key_display``: "esc", "del",
    "?", "f2"), except that ctrl is spelled out: the footer's terse "^s"
    reads worse in a sentence or on a button than "ctrl+s", and Textual
    would make ctrl+shift+s "shift+^s"."""
    modifiers, key = binding.parse_key()
    if binding.key_display or "ctrl" not in modifiers:
        return app.get_key_display(binding)
    return "+".join([*modifiers, format_key(key)])
