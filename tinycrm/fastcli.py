"""Start-up speed for the CLI, with the same behaviour as Typer's own.

Two costs dominate a short command such as ``tinycrm --help`` or ``tinycrm
list``, and both grow with every command added:

1. Typer builds a Click command for every registered command before running
   one, reading each function's signature and evaluating its annotations.
   ``lazy_root(app)`` builds the root group alone; a subcommand is built when
   it is looked up (``tinycrm list`` builds ``list``). The root's ``--help``
   lists commands from their registration (name, help, hidden, deprecated),
   which is all Click's listing reads.
2. Typer coerces every parameter value through a pydantic ``TypeAdapter``,
   and importing pydantic costs as much as the rest of start-up. ``lighten``
   gives each parameter a coercer that returns, without pydantic, the values
   where the adapter would change nothing: None, a bool for a flag, a string
   for a ``str`` option, strings for a ``list[str]`` option, digits for an ``int`` within
   its range, an enum choice (through Typer's own ``coerce_cli_choice``).
   Anything else, and every error, goes to Typer's adapter as before.

The tests build the eager app (``typer.testing.CliRunner``);
tests/test_startup.py checks that both give the same help and values.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, MutableMapping
from enum import Enum
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

_DIGITS = re.compile(r"[0-9]+\Z")
_MISSING = object()


def lazy_root(app: typer.Typer) -> TyperGroup:
    """``app`` as Typer would build it, with subcommands built on first use."""
    commands, groups = app.registered_commands, app.registered_groups
    app.registered_commands, app.registered_groups = [], []
    try:
        root = typer.main.get_command(app)
    finally:
        app.registered_commands, app.registered_groups = commands, groups
    settings = {
        "pretty_exceptions_short": app.pretty_exceptions_short,
        "rich_markup_mode": app.rich_markup_mode,
    }
    lazy = LazyCommands(settings, app.suggest_commands)
    for info in commands:
        lazy.add_command_info(info)
    for info in groups:
        lazy.add_group_info(info)
    assert isinstance(root, TyperGroup)
    root.commands = lazy
    # Listing names and help must not build every command.
    root.list_commands = lambda ctx: list(lazy)  # type: ignore[method-assign]
    root.format_commands = lambda ctx, formatter: _format_commands(root, lazy, ctx, formatter)  # type: ignore[method-assign]
    lighten(root)
    return root


class LazyCommands(MutableMapping):
    """name -> Click command, each built by Typer when first looked up."""

    def __init__(self, settings: dict[str, Any], suggest_commands: bool) -> None:
        self.settings = settings
        self.suggest_commands = suggest_commands
        self.pending: dict[str, tuple[str, Any]] = {}
        self.built: dict[str, Any] = {}
        self.order: list[str] = []

    def add_command_info(self, info) -> None:
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        self._add(name, ("command", info))

    def add_group_info(self, info) -> None:
        name = typer.main.solve_typer_info_defaults(info).name
        if not name:
            # A nameless group's commands join ours: build it now, as Typer does.
            group = typer.main.get_group_from_info(
                info, suggest_commands=self.suggest_commands, **self.settings
            )
            for sub_name, command in group.commands.items():
                self[sub_name] = lighten(command)
            return
        self._add(name, ("group", info))

    def _add(self, name: str, entry: tuple[str, Any]) -> None:
        if name not in self.order:
            self.order.append(name)
        self.built.pop(name, None)
        self.pending[name] = entry

    def summary(self, name: str) -> Any:
        """A stand-in with the help a listing shows, for a command not built yet."""
        if name in self.built:
            return self.built[name]
        kind, info = self.pending[name]
        if kind == "command":
            help_text = inspect.cleandoc(info.help) if info.help is not None else inspect.getdoc(info.callback)
        else:
            info = typer.main.solve_typer_info_defaults(info)
            help_text = info.help
        return TyperCommand(name, help=help_text, short_help=info.short_help, hidden=info.hidden,
                            deprecated=info.deprecated)

    def __getitem__(self, name: str) -> Any:
        command = self.built.get(name)
        if command is not None:
            return command
        kind, info = self.pending[name]
        if kind == "command":
            command = typer.main.get_command_from_info(info, **self.settings)
        else:
            command = typer.main.get_group_from_info(
                info, suggest_commands=self.suggest_commands, **self.settings
            )
        self.built[name] = lighten(command)
        return command

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self.order:
            self.order.append(name)
        self.pending.pop(name, None)
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        self.order.remove(name)
        self.pending.pop(name, None)
        self.built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.order))

    def __len__(self) -> int:
        return len(self.order)

    def __contains__(self, name: object) -> bool:
        return name in self.pending or name in self.built


def _format_commands(group: TyperGroup, lazy: LazyCommands, ctx, formatter) -> None:
    """TyperGroup.format_commands, reading stand-ins instead of building."""
    original = group.get_command
    group.get_command = lambda ctx, name: lazy.summary(name) if name in lazy else None  # type: ignore[method-assign]
    try:
        TyperGroup.format_commands(group, ctx, formatter)
    finally:
        group.get_command = original  # type: ignore[method-assign]


# -- parameter values without pydantic -------------------------------------------------


def lighten(command: Any) -> Any:
    """Give ``command``'s parameters (and its subcommands', for a group) the
    light coercer. Returns ``command``."""
    for param in getattr(command, "params", ()):
        _lighten_param(param)
    # The --help option is made (once) when a context first asks for it.
    make_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:
        return _lighten_param(make_help_option(ctx))

    command.get_help_option = get_help_option
    commands = getattr(command, "commands", None)
    if commands is not None and not isinstance(commands, LazyCommands):
        for sub in commands.values():
            lighten(sub)
    return command


def _lighten_param(param: Any) -> Any:
    if getattr(param, "_runtime_param", _MISSING) is None and hasattr(param, "type_descriptor"):
        param._runtime_param = LightCoercion()
    return param


class LightCoercion:
    """Typer's RuntimeParam for one parameter: the values pydantic would
    return unchanged are returned here; the rest go to Typer's own."""

    def __init__(self) -> None:
        self.real = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multiple = param.multiple or param.nargs == -1
        if value is None:
            return () if multiple else None  # as RuntimeParam.coerce
        light = _light_value(param.type_descriptor, value, multiple, ctx)
        if light is not _MISSING:
            return light
        if self.real is None:
            from typer._coercion import build_runtime_param

            self.real = build_runtime_param(param.type_descriptor)
        return self.real.coerce(value, param=param, ctx=ctx)


def _light_value(descriptor: Any, value: Any, multiple: bool, ctx: Any) -> Any:
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return _MISSING
    annotation = descriptor.annotation
    if multiple:
        if annotation == list[str] and isinstance(value, (list, tuple)) and all(
            type(item) is str for item in value
        ):
            return list(value)
        return _MISSING
    if (annotation is str and type(value) is str) or (annotation is bool and type(value) is bool):
        return value
    if annotation is int and not info.clamp:
        if type(value) is str and _DIGITS.match(value):
            number = int(value)
        elif type(value) is int:
            number = value
        else:
            return _MISSING
        if (info.min is None or number >= info.min) and (info.max is None or number <= info.max):
            return number
        return _MISSING
    if isinstance(annotation, type) and issubclass(annotation, Enum) and type(value) in (str, annotation):
        from typer._param_types import coerce_cli_choice

        try:
            return coerce_cli_choice(value, choices=list(annotation),
                                     case_sensitive=info.case_sensitive, ctx=ctx)
        except ValueError:
            return _MISSING
    return _MISSING
