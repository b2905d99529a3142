"""How help names arguments and values: ``merge [OPTIONS] KEEP OTHER``,
``--tag TAG``, ``--limit N``, as Click and most CLIs write them.

Typer 0.29 writes a Python type where Click wrote a name (``keep <str>``,
``--tag <list[str]>``, ``-n, --limit <int range>``) and puts a required
argument in braces (``{keep}``). Every command made through a
``ConventionalTyper`` is a ``ConventionalCommand``: an argument is named in
upper case after its parameter, an option's value after the option (``--tag
TAG``), or ``N`` for a number; usage errors use the same names (``Missing
argument 'REF'``). A ``metavar=`` where a parameter is declared wins; choices
keep Typer's ``<table|csv|json>``. The eager app (the tests') and the lazy
one (fastcli.py) build their commands from these same classes, so their help
agrees.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

import typer
from typer.core import TyperCommand

from .numbers import strict_numbers


class ConventionalTyper(typer.Typer):
    """``typer.Typer`` whose commands are ``ConventionalCommand`` unless given a ``cls``."""

    def command(self, name: str | None = None, *, cls: type[TyperCommand] | None = None,
                **kwargs: Any) -> Any:
        return super().command(name, cls=cls or ConventionalCommand, **kwargs)


class ConventionalCommand(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.metavar is None:
                param.metavar = default_metavar(param)
        strict_numbers(self)  # (`-n 1_0` is no 10)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append(_usage_name(param))
            else:
                pieces += param.get_usage_pieces(ctx)
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        # As Typer's, with each argument's name in place of "name <type>".
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((_help_name(param, ctx), record[1]))
            elif param.param_type_name == "option":
                options.append(record)
        for title, records in (("Arguments", arguments), ("Options", options)):
            if records:
                with formatter.section(title):
                    formatter.write_dl(records)


def default_metavar(param: Any) -> str | None:
    """REF for an argument ``ref``; TAG for ``--tag``; N for a number; None
    (Typer's own) for a flag or a choice."""
    if param.param_type_name == "argument":
        return param.name.upper()
    descriptor = param.type_descriptor
    if param.is_flag or param.count or descriptor.is_choice:
        return None
    if _value_type(descriptor.annotation) in (int, float):
        return "N"
    longest = max(param.opts, key=len)
    return longest.lstrip("-").upper()


def _value_type(annotation: Any) -> Any:
    """The type of one value: ``str`` for ``list[str]``."""
    return get_args(annotation)[0] if get_origin(annotation) is list else annotation


def _usage_name(argument: Any) -> str:
    name = argument.metavar if argument.required else f"[{argument.metavar}]"
    return name + "..." if argument.nargs != 1 else name


def _help_name(argument: Any, ctx: Any) -> str:
    name = argument.metavar + ("..." if argument.nargs != 1 else "")
    if argument.type_descriptor.is_choice:
        name += " " + argument.display_type(ctx)
    return name
