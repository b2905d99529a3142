"""[keymap] mistakes are config errors, said before the app opens: a key
Textual would never send, or a key given to two bindings that work on the
same screen. Harmless variants ("Ctrl+N", "ctrl + t") are read as meant."""

from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace

import pytest
from textual.screen import Screen

import tinycrm.screens
from tinycrm.app import TinyCRMApp
from tinycrm.config import ConfigError
from tinycrm.keymap import live_bindings, normal_key, screens
from tinycrm.screens.base import CRMModal, CRMScreen
from tinycrm.screens.contacts import ContactsScreen
from tinycrm.screens.form import FormScreen
from tinycrm.screens.tags import TagScreen
from tinycrm.widgets.vtable import VirtualTable

from .test_tui import keys, make_app, seed, settle, table


@pytest.mark.parametrize("written, key", [
    ("Ctrl+N", "ctrl+n"), ("ctrl + t", "ctrl+t"), (" f2 ", "f2"), ("F2", "f2"),
    ("PageDown", "pagedown"), ("shift+ctrl+up", "ctrl+shift+up"), ("S", "S"), ("s", "s"),
    ("shift+s", "S"), ("?", "question_mark"), ("question_mark", "question_mark"),
    ("/", "slash"), ("+", "plus"), ("ctrl++", "ctrl+plus"), ("esc", "escape"),
    ("del", "delete"), ("^n", "ctrl+n"), ("↑", "up"), ("return", "enter"), ("alt+x", "alt+x"),
])
def test_a_key_is_written_the_way_textual_names_it(written, key):
    assert normal_key(written) == key


@pytest.mark.parametrize("written", [
    "ctrl t", "ctrl+", "f99", "shift+1", "ctrl+ctrl+a", "control+a", "period", "a+", "",
    "ctrl+tab+x",
])
def test_a_key_textual_never_sends_is_refused(written):
    assert normal_key(written) is None


def test_every_default_key_is_read_as_it_is():
    for place, bindings in live_bindings():
        for binding in bindings:
            assert normal_key(binding.key) == binding.key, (place, binding)


def test_a_key_textual_does_not_know_is_a_config_error_naming_the_id_and_the_key(store):
    with pytest.raises(ConfigError) as raised:
        make_app(store, keymap={"contact.tag": "ctrl t"})
    assert raised.value.message.startswith(
        "[keymap] contact.tag: 'ctrl t' is not a key; write keys")
    assert '"ctrl+n"' in raised.value.message  # what a key looks like
    with pytest.raises(ConfigError, match=r"\[keymap\] list.down: a key is empty"):
        make_app(store, keymap={"list.down": "j,,down"})


def test_a_key_given_to_two_bindings_on_one_screen_is_a_config_error_naming_both(store):
    with pytest.raises(ConfigError) as raised:
        make_app(store, keymap={"contact.stage": "e"})
    assert raised.value.message == (
        "[keymap] contact.stage: 'e' is contact.edit's key too, on the contact list and a"
        " contact: only one of them would work there")
    with pytest.raises(ConfigError, match="contact.new: 'j' is list.down's key too"):
        make_app(store, keymap={"contact.new": "j"})  # the list, focused, would take it
    with pytest.raises(ConfigError, match="form.save: 'ctrl.p' is app.palette's key too"):
        make_app(store, keymap={"form.save": "ctrl+p"})  # the palette opens over the form
    with pytest.raises(ConfigError, match="contact.new and contacts.clear are both given 'x'"):
        make_app(store, keymap={"contact.new": "x", "contacts.clear": "x"})


def test_a_dialog_binding_moved_onto_its_text_fields_key_is_a_config_error(store):
    """The focused field handles its keys before the dialog: Save on ctrl+w
    would delete a word instead. The app's keys are for every screen."""
    with pytest.raises(ConfigError) as raised:
        make_app(store, keymap={"dialog.save": "ctrl+w"})
    assert raised.value.message == (
        "[keymap] dialog.save: 'ctrl+w' is the text field's own key on the log dialog and the"
        " follow-up dialog (delete left to start of word): the field would take it while you"
        " type")
    with pytest.raises(ConfigError, match=r"form.save: 'ctrl\+a' is the text field's own key on"
                                          " the contact form"):
        make_app(store, keymap={"form.save": "ctrl+a"})
    with pytest.raises(ConfigError, match=r"screen.focus_next: 'ctrl\+w' is the text field's own"):
        make_app(store, keymap={"screen.focus_next": "ctrl+w"})  # (a priority key, yielding)
    app = make_app(store, keymap={"dialog.save": "ctrl+t"})
    app.db.close()
    assert app.keymap == {"dialog.save": "ctrl+t"}


def test_keys_that_never_meet_on_one_screen_or_are_swapped_are_fine(store):
    fine = {"confirm.yes": "q",  # the app's q doesn't reach into a dialog
            "form.save": "j",  # the form has no list
            "contact.edit": "S", "contact.stage": "e",  # swapped
            "screen.copy": "ctrl+c,super+c,ctrl+insert",  # ctrl+c is shared by design
            "dialog.save": "ctrl+p"}  # the palette doesn't open over a dialog
    app = make_app(store, keymap=fine)
    app.db.close()
    assert app.keymap == fine


async def test_the_palettes_key_given_to_a_dialog_works_there_and_opens_it_elsewhere(store):
    from textual.command import CommandPalette

    ids = seed(store)
    count = store.timeline.count(ids["ada"])
    app = make_app(store, keymap={"dialog.save": "ctrl+p"})
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(app, pilot, "enter", "l", *"Called")  # the log dialog, on Ada's screen
        await keys(app, pilot, "ctrl+p")  # saves it
        assert store.timeline.count(ids["ada"]) == count + 1
        assert not [m for _, m in app.messages if "palette" in m]  # (and says nothing of it)
        await keys(app, pilot, "ctrl+p")  # on her screen: the palette
        assert isinstance(app.screen, CommandPalette)


async def test_harmless_variants_work_and_help_shows_them(store):
    seed(store)
    app = make_app(store, keymap={"contact.new": "Ctrl+N", "contact.tag": "ctrl + t"})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await keys(app, pilot, "ctrl+n")
        assert isinstance(app.screen, FormScreen)
        await keys(app, pilot, "escape", "ctrl+t")
        assert isinstance(app.screen, TagScreen)
        await keys(app, pilot, "escape", "question_mark")
        rows = {r.binding_id: r.keys for r in table(app, "#keys").source}
        assert (rows["contact.new"], rows["contact.tag"]) == ("^n", "^t")
        assert not [m for severity, m in app.messages if severity == "error"]


def test_the_app_says_so_and_names_the_file_and_other_commands_go_on(cli, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"contact.stage" = "e"\n')
    assert _opening(cli, monkeypatch, config) == (
        f"tinycrm: error: {config}:2: [keymap] contact.stage: 'e' is contact.edit's key too,"
        " on the contact list and a contact: only one of them would work there\n")
    assert cli.ok("config", "path").stdout == f"{config}\n"
    cli.ok("--no-rules", "add", "Ada")  # [keymap] is the app's: commands don't need it


KEYMAP_MISTAKES = [
    ('[keymap]\n"contact.new" = "ctrl+n"\n"contact.tag" = "ctrl t"\n', 3,
     "[keymap] contact.tag: 'ctrl t' is not a key; write keys"),
    ('[crm]\ntiers = ["vip", "standard"]\n\n[keymap]  # mine\n"list.up" = [\n  "k",\n  "",\n]\n', 5,
     "[keymap] list.up: a key is empty; write keys"),
    ("[keymap]\n'list.down' = 3\n", 2, '[keymap] list.down: keys must be a string like "ctrl+s"'),
    ('[keymap]\ncontact.new = "ctrl+n"\n', 2,
     '[keymap] contact: keys must be a string like "ctrl+s"'),  # (unquoted: a table "contact")
    ('[keymap]\n\n"contact.stage" = "e"\n', 3,
     "[keymap] contact.stage: 'e' is contact.edit's key too, on the contact list and a contact:"
     " only one of them would work there"),
    ('[keymap]\n"contact.new" = "x"\n"list.up" = "k"\n"contacts.clear" = "x"\n', 4,
     "[keymap] contact.new and contacts.clear are both given 'x', on the contact list:"
     " only one of them would work there"),
    ('[keymap]\n"dialog.save" = "ctrl+w"\n', 2,
     "[keymap] dialog.save: 'ctrl+w' is the text field's own key on the log dialog"),
]


def _opening(cli, monkeypatch, config):
    """`tinycrm tui` (the app's own start, from_env) with ``config``, the app never run."""
    from tinycrm.commands import tui

    monkeypatch.setenv("TINYCRM_CONFIG", str(config))
    monkeypatch.setenv("TEXTUAL_FPS", "60")  # (open_tui sets it when unset)
    terminal = SimpleNamespace(isatty=lambda: True)
    monkeypatch.setattr(tui, "sys", SimpleNamespace(stdin=terminal, stdout=terminal))
    monkeypatch.setattr(TinyCRMApp, "run", lambda app: pytest.fail("the app opened"))
    opened = cli("tui")
    assert opened.exit_code == 1 and "Traceback" not in opened.output
    return opened.stderr


@pytest.mark.parametrize("text, line, message", KEYMAP_MISTAKES)
def test_a_keymap_mistake_names_the_file_and_the_line_of_its_binding(cli, tmp_path, monkeypatch,
                                                                     text, line, message):
    """As every other mistake in the config is named (README: Configuration)."""
    config = tmp_path / "config.toml"
    config.write_text(text)
    said = _opening(cli, monkeypatch, config)
    assert said.startswith(f"tinycrm: error: {config}:{line}: {message}"), said


def test_each_keymap_clash_names_its_own_line_and_an_inline_keymap_its_line(cli, tmp_path,
                                                                           monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"contact.stage" = "e"\n"dialog.save" = "ctrl+w"\n')
    said = _opening(cli, monkeypatch, config)
    assert said.startswith(f"tinycrm: error: {config}:2: [keymap] contact.stage: 'e' is")
    assert f"; {config}:3: [keymap] dialog.save: 'ctrl+w' is the text field's" in said
    # (An inline table's keys are named with the table's line, as [smtp]'s are.)
    config.write_text('# keys\nkeymap = { "contact.stage" = "e" }\n')
    assert _opening(cli, monkeypatch, config).startswith(
        f"tinycrm: error: {config}:2: [keymap] contact.stage: 'e' is")


async def test_a_binding_id_that_doesnt_exist_is_said_with_its_line_once_the_app_opens(
        tmp_path, monkeypatch):
    from tinycrm.context import Env

    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"contact.new" = "ctrl+n"\n"contact.nope" = "ctrl+k"\n')
    monkeypatch.setenv("TINYCRM_CONFIG", str(config))
    app = TinyCRMApp.from_env(Env(db_option=str(tmp_path / "crm.db")))
    app.poll_interval = None
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            assert ("error", f"{config}:3: [keymap] contact.nope: no such key binding (see ? for"
                    " the ids)") in app.messages
    finally:
        app.db.close()


def test_every_screen_is_checked():
    """keymap.screens() names every screen and dialog, so a new one's keys are checked."""
    for module in pkgutil.iter_modules(tinycrm.screens.__path__):
        importlib.import_module(f"tinycrm.screens.{module.name}")
    defined = set()
    stack = [Screen]
    while stack:
        for cls in stack.pop().__subclasses__():
            stack.append(cls)
            if cls.__module__.startswith("tinycrm.screens.") and cls not in (CRMScreen, CRMModal):
                defined.add(cls)
    listed = {cls for _, classes, _ in screens() for cls in classes}
    assert defined and defined <= listed, defined - listed


async def test_the_screens_with_lists_are_the_ones_said(store):
    """A screen's list keys are checked against its own only where it has a list."""
    from tinycrm.screens.detail import DetailScreen

    ids = seed(store)
    makers = {ContactsScreen: None, DetailScreen: lambda: DetailScreen(ids["ada"]),
              FormScreen: lambda: FormScreen(None)}
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        for _, classes, dialog in screens():
            screen_class = classes[0]
            if dialog:
                continue
            if screen_class is not ContactsScreen:
                make = makers.get(screen_class, screen_class)
                await app.push_screen(make())
                await settle(app, pilot)
            assert isinstance(app.screen, screen_class)
            assert bool(app.screen.query(VirtualTable)) == (VirtualTable in classes), screen_class
            if screen_class is not ContactsScreen:
                app.pop_screen()
                await settle(app, pilot)


def test_the_search_boxs_keys_are_checked_against_the_apps_that_come_first(store):
    """contacts.to_list moved onto ctrl+p was taken silently: the palette
    (a priority key) opened instead. The box's keys are checked against the
    app's keys that come before it; the screen's keys, which it comes
    before, and the field's own (ctrl+w on the list is new contact) are fine."""
    with pytest.raises(ConfigError) as raised:
        make_app(store, keymap={"contacts.to_list": "ctrl+p"})
    assert raised.value.message == (
        "[keymap] contacts.to_list: 'ctrl+p' is app.palette's key too, on the contact list's"
        " search box: only one of them would work there")
    with pytest.raises(ConfigError, match="contacts.clear_search: 'ctrl.q' is app.quit_now's"):
        make_app(store, keymap={"contacts.clear_search": "ctrl+q"})
    with pytest.raises(ConfigError, match="contacts.clear_search: 'tab' is screen.focus_next's"):
        make_app(store, keymap={"contacts.clear_search": "tab"})  # (the list's next field)
    fine = {"contact.new": "ctrl+w",  # the list's; in the box ctrl+w deletes a word
            "contacts.to_list": "f4,down", "app.palette": "f5"}
    app = make_app(store, keymap=fine)
    app.db.close()
    assert app.keymap == fine
