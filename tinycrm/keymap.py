"""The config's [keymap], checked before the app opens: every key is one
Textual can see, and no key is given to two bindings that work on the same
screen (only one of them would ever run). A mistake is a ConfigError, as
the config's other mistakes are; harmless variants (case, spaces, the way
help shows a key) are written the way Textual names the key.

Binding ids that don't exist are not an error here: the app reports them
once it is open (``TinyCRMApp.check_keymap``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

# (_character_to_key is private, but it's how Textual names the key of a typed character.)
from textual.keys import (
    KEY_DISPLAY_ALIASES,
    REPLACED_KEYS,
    Keys,
    _character_to_key,
    key_to_character,
)

from .config import ConfigError

if TYPE_CHECKING:
    from .config import Config

# In the order Textual writes them in a key's name ("ctrl+shift+up").
MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")

# Keys that type no character, by Textual's names ("f2", "pageup", "escape").
NAMED = frozenset(k.value.rpartition("+")[2] for k in Keys if not k.value.startswith("<")
                  ) - {"ctrl-at", "return", "@"}

# Names the app itself shows for keys ("esc", "del", "↑"), and one Textual never sends.
SHOWN_AS = {shown: key for key, shown in KEY_DISPLAY_ALIASES.items() if shown != key} | {
    "return": "enter"}

EXAMPLES = ('write keys the way Textual names them, like "n", "N" (shift+n), "ctrl+n",'
            ' "alt+x", "f2", "escape", "pageup", "question_mark" (or "?");'
            ' several with commas: "j,down"')


def normal_key(text: str) -> str | None:
    """``text`` the way Textual names the key ("Ctrl + N" -> "ctrl+n",
    "?" -> "question_mark", "shift+s" -> "S", "esc" -> "escape"), or None
    if Textual would never send a key of that name."""
    text = text.strip()
    if len(text) == 2 and text[0] == "^":  # (how help shows ctrl+n)
        text = f"ctrl+{text[1]}"
    if text.endswith("+"):  # the plus key: "+", "ctrl++"
        rest = text[:-1].rstrip()
        if rest and not rest.endswith("+"):
            return None
        parts = [*(rest[:-1].split("+") if rest else ()), "+"]
    else:
        parts = text.split("+")
    *modifiers, base = (part.strip() for part in parts)
    modifiers = [m.lower() for m in modifiers]
    if not base or len(set(modifiers)) < len(modifiers):
        return None
    if any(m not in MODIFIERS for m in modifiers):
        return None
    base = SHOWN_AS.get(base, base)
    if len(base) == 1:
        if not base.isprintable():
            return None
        if base.isalpha() and modifiers == ["shift"]:
            return base.upper()  # (Textual sends shift+s as "S")
        if base.isalpha() and modifiers:
            base = base.lower()  # ("Ctrl+N" is ctrl+n: the terminal sends no shift with it)
        elif modifiers == ["shift"]:
            return None  # (shift+1 arrives as "!", the character it types)
        base = _character_to_key(base)
    else:
        base = SHOWN_AS.get(base, SHOWN_AS.get(base.lower(), base.lower()))
        if base not in NAMED and not _names_a_character(base):
            return None
    return "+".join([*sorted(modifiers), base])


def _names_a_character(name: str) -> bool:
    """Textual's name for a character ("question_mark", "slash", "comma")."""
    character = key_to_character(REPLACED_KEYS.get(name, name))  # ("slash" is SOLIDUS)
    return character is not None and _character_to_key(character) == name


def keymap_strings(raw: Mapping[str, Any], *, config: Config | None = None) -> dict[str, str]:
    """The config's [keymap] table (binding id = "keys" or ["keys", ...]),
    each key the way Textual names it. Raises ConfigError (naming the file
    and the binding's line when ``config`` is given) for a key Textual doesn't know."""
    keymap: dict[str, str] = {}
    for binding_id, keys in raw.items():
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            keys = ",".join(keys)
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f"{bound_at(config, binding_id)}[keymap] {binding_id}: keys must be a"
                              " string like \"ctrl+s\"")
        normal: list[str] = []
        for key in keys.split(","):
            if (found := normal_key(key)) is None:
                what = f"{key.strip()!r} is not a key" if key.strip() else "a key is empty"
                raise ConfigError(f"{bound_at(config, binding_id)}[keymap] {binding_id}: {what};"
                                  f" {EXAMPLES}")
            if found not in normal:
                normal.append(found)
        keymap[str(binding_id)] = ",".join(normal)
    return keymap


def checked_keymap(raw: Mapping[str, Any], *, config: Config | None = None) -> dict[str, str]:
    """``keymap_strings``, and then a ConfigError if it gives one key to two
    bindings that work on the same screen (naming both ids and the key), or
    to a binding of a dialog whose text field has the key for itself. Each
    mistake is named with the line of its binding in ``config``'s file, as
    the config's other mistakes are."""
    keymap = keymap_strings(raw, config=config)
    if not keymap:
        return keymap  # (nothing to check: the screens needn't be imported)
    problems = []
    for (a, b, key), places in clashes(keymap).items():
        given = [i for i in (a, b) if key in keymap.get(i, "").split(",")]
        on = " and ".join(filter(None, (", ".join(places[:-1]), places[-1])))
        if len(given) == 2:
            # (At the later of the two lines: the one that made the clash.)
            later = max(given, key=lambda i: (config.line_of("keymap", i) or 0) if config else 0)
            problems.append(f"{bound_at(config, later)}[keymap] {a} and {b} are both given {key!r},"
                            f" on {on}: only one of them would work there")
        else:
            other = b if given == [a] else a
            problems.append(f"{bound_at(config, given[0])}[keymap] {given[0]}: {key!r} is {other}'s"
                            f" key too, on {on}: only one of them would work there")
    for (binding_id, key), (what, places) in taken_by_text_fields(keymap).items():
        on = " and ".join(filter(None, (", ".join(places[:-1]), places[-1])))
        problems.append(f"{bound_at(config, binding_id)}[keymap] {binding_id}: {key!r} is the text"
                        f" field's own key on {on} ({what.lower()}): the field would take it"
                        " while you type")
    if problems:
        raise ConfigError("; ".join(problems))
    return keymap


def bound_at(config: Config | None, binding_id: Any) -> str:
    """``FILE:LINE: `` of the line that gives ``binding_id`` its keys (``FILE: ``
    for a keymap written inline), or nothing for a keymap not read from a file."""
    return f"{config.where('keymap', str(binding_id))}: " if config is not None else ""


def clashes(keymap: Mapping[str, str]) -> dict[tuple[str, str, str], list[str]]:
    """(id, id, key) -> the screens where the keymap gives both bindings that
    key. Two bindings that share a key by default (ctrl+c: copy, and how to
    quit when nothing is selected) are as designed, not a clash."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for place, bindings in live_bindings():
        default: dict[str, set[str]] = {}
        now: dict[str, set[str]] = {}
        for binding in bindings:
            if not binding.id:
                continue
            default.setdefault(binding.key, set()).add(binding.id)
            keys = keymap[binding.id].split(",") if binding.id in keymap else [binding.key]
            for key in keys:
                now.setdefault(key, set()).add(binding.id)
        for key, ids in now.items():
            ordered = sorted(ids)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1:]:
                    if not {a, b} <= default.get(key, set()):
                        found.setdefault((a, b, key), []).append(place)
    return found


# Priority bindings that leave a key the focused field has for itself to the
# field (TinyCRMApp.check_action): moved onto one, they would never run there.
YIELDING = frozenset({"screen.focus_next", "screen.focus_previous"})


def taken_by_text_fields(keymap: Mapping[str, str]) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(id, key) -> (what the text field does with the key, the screens) for
    each binding the keymap moves onto a key of a text field that has the
    focus on that screen: the field handles its keys before the screen's.
    (Textual's own bindings are the ones without an id. The app's are left
    out: they are for every screen, and work on the others.)"""
    found: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for place, classes, _ in screens():
        bindings = [binding for cls in classes for binding in _bindings_of(cls)]
        fields = {binding.key: binding.description or binding.action
                  for binding in bindings if not binding.id}
        default: dict[str, set[str]] = {}
        for binding in bindings:
            default.setdefault(binding.id or "", set()).add(binding.key)
        for binding in bindings:
            if binding.id in keymap and (not binding.priority or binding.id in YIELDING):
                for key in keymap[binding.id].split(","):
                    if key in fields and key not in default[binding.id]:  # (its own: by design)
                        places = found.setdefault((binding.id, key), (fields[key], []))[1]
                        if place not in places:
                            places.append(place)
    return found


# The app's priority bindings that it turns off over a dialog
# (TinyCRMApp.check_action): there, a dialog's binding may have their key.
OFF_IN_DIALOGS = frozenset({"app.palette"})


# Priority bindings that are off while the focused widget types a / (on
# whatever key: TinyCRMApp.check_action, ContactsScreen.check_action).
OFF_IN_TEXT = frozenset({"app.search", "contacts.search"})


def live_bindings() -> list[tuple[str, list[Binding]]]:
    """Each screen and dialog, with every binding that can run on it: the
    app's (in a dialog, only its priority ones: Textual keeps the others
    out; and not those the app turns off there), the screen's own and
    inherited, and its lists' when it has any. Then each focused widget
    with keys of its own, with the bindings that come before them (priority)."""
    from .app import TinyCRMApp

    app = _bindings_of(TinyCRMApp)
    places = [(place, [*(b for b in app if not dialog
                         or b.priority and b.id not in OFF_IN_DIALOGS),
                       *(b for cls in classes for b in _bindings_of(cls))])
              for place, classes, dialog in screens()]
    for place, widget, screen in widgets():
        first = [b for b in [*app, *_bindings_of(screen)] if b.priority and b.id not in OFF_IN_TEXT]
        places.append((place, [*first, *_bindings_of(widget)]))
    return places


def widgets() -> list[tuple[str, type, type]]:
    """(what to call it, the widget's class, its screen's class) for each
    widget with bindings of its own that has the focus on a screen whose
    other keys it comes before (so they are not checked against each
    other: ctrl+w is a new contact on the list, a word deleted in the box).
    Only the priority bindings, the app's and its screen's, come before it."""
    from .screens.contacts import ContactsScreen
    from .widgets.searchbox import SearchBox

    return [("the contact list's search box", SearchBox, ContactsScreen)]


def screens() -> list[tuple[str, list[type], bool]]:
    """(what to call it, the classes whose bindings it has, whether it is a
    dialog) for every screen and dialog of the app. A new screen goes here
    (tests/test_keymap.py checks that none is missing), with its list's class
    when it has one, and its text fields' when one has the focus as it opens."""
    from textual.widgets import Input, TextArea

    from .app import reports_available, reports_screen_class
    from .screens.confirm import ConfirmScreen
    from .screens.contacts import ContactsScreen
    from .screens.detail import DetailScreen
    from .screens.followup import FollowUpScreen
    from .screens.form import FormScreen
    from .screens.help import HelpScreen
    from .screens.log import LogScreen
    from .screens.note import NoteScreen
    from .screens.palette import CRMPalette
    from .screens.queue import QueueScreen
    from .screens.reschedule import RescheduleScreen
    from .screens.snooze import SnoozeScreen
    from .screens.stage import StageScreen
    from .screens.tags import TagScreen
    from .widgets.vtable import VirtualTable

    found: list[tuple[str, list[type], bool]] = [
        ("the contact list", [ContactsScreen, VirtualTable], False),
        ("a contact", [DetailScreen, VirtualTable], False),
        ("the follow-up queue", [QueueScreen, VirtualTable], False),
        ("the contact form", [FormScreen, Input], False),
        ("help", [HelpScreen, VirtualTable], False),
        ("the log dialog", [LogScreen, TextArea, Input], True),
        ("the follow-up dialog", [FollowUpScreen, Input], True),
        ("the snooze dialog", [SnoozeScreen], True),
        ("the reschedule dialog", [RescheduleScreen, Input], True),
        ("the stage dialog", [StageScreen], True),
        ("the tags dialog", [TagScreen, Input], True),
        ("a yes/no question", [ConfirmScreen], True),
        ("a note's whole text", [NoteScreen], True),
        # (Its keys are Textual's, without ids: listed for the app's that work there.)
        ("the command palette", [CRMPalette], True),
    ]
    if reports_available():
        found.append(("reports", [reports_screen_class()], False))
    return found


def _bindings_of(cls: type) -> list[Binding]:
    # Textual's own merge of a class's BINDINGS with its bases' (what a
    # widget of that class starts with, before the keymap).
    merged = cls._merged_bindings  # type: ignore[attr-defined]
    return [binding for bindings in merged.key_to_bindings.values() for binding in bindings]
