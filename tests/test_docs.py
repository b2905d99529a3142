"""Docs as tests: every command has help text and a place in the README, and
the README's quick start is what CI runs."""

import re

import typer.main

from tinycrm.cli import app

from .conftest import REPO

README = (REPO / "README.md").read_text()


def walk(command, path: tuple[str, ...] = ()):
    yield path, command
    # typer vendors its own click, so look for subcommands rather than a class.
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


COMMANDS = [(" ".join(p), c) for p, c in walk(typer.main.get_command(app)) if p]


def test_there_are_commands_to_check():
    names = {name for name, _ in COMMANDS}
    assert {"add", "list", "search", "import", "export", "remind", "report"} <= names


def test_every_command_has_help_text():
    missing = [name for name, command in COMMANDS if not (command.help or "").strip()]
    assert missing == []


def test_every_argument_and_option_has_help_text():
    missing = [(name, param.name) for name, command in COMMANDS for param in command.params
               if not (getattr(param, "help", None) or "").strip()]
    assert missing == []


def test_follow_up_list_overdue_is_what_the_readme_says():
    """Due this very second is overdue, as in the queue and `remind`."""
    [command] = [c for name, c in COMMANDS if name == "follow-up list"]
    [overdue] = [p for p in command.params if p.name == "overdue"]
    assert "due now or before" in overdue.help
    assert "`--overdue`: due now or before" in README


def test_every_command_is_in_the_readme():
    missing = [name for name, _ in COMMANDS if f"tinycrm {name}" not in README]
    assert missing == []


def test_quick_start_is_two_commands_and_ci_runs_the_test_one():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 2 and all(len(b.strip().splitlines()) == 1 for b in blocks)
    test_command = blocks[1].strip()
    assert test_command in (REPO / ".ci" / "run").read_text()
    assert "tinycrm" in blocks[0]


def test_exit_codes_are_documented():
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |"):
        assert code in README


def test_every_key_binding_is_in_the_readme_by_its_id():
    """The README's key tables are how a user finds a binding's id to remap it."""
    import importlib
    import inspect
    import pkgutil

    from textual.binding import Binding

    import tinycrm.app
    import tinycrm.screens
    import tinycrm.widgets

    modules = [tinycrm.app] + [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for package in (tinycrm.screens, tinycrm.widgets)
        for info in pkgutil.iter_modules(package.__path__)]
    ids = set()
    for module in modules:
        for value in vars(module).values():
            found = getattr(value, "BINDINGS", None) if inspect.isclass(value) else value
            if isinstance(found, list):
                ids |= {b.id for b in found if isinstance(b, Binding) and b.id}
    assert len(ids) > 40
    assert sorted(i for i in ids if f"`{i}`" not in README) == []
