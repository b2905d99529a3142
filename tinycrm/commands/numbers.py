"""What a number option or argument takes: decimal digits, nothing else.

Typer reads an ``int`` as Python does, so ``1_0`` was 10, ``+3`` and ``3.0``
were 3: a script's ``follow-up done 1_0`` (a typo, a joined variable) acted on
follow-up 10. Every number parameter of every command (``ConventionalCommand``)
and of the root (``--wait``, ``TINYCRM_WAIT``) is checked here, as typed, before
Typer converts it: digits (a ``-`` first; a decimal one may have a ``.``
among them, or before or after them: ``.5`` and ``5.`` are 0.5 and 5 as
they are to anyone, Python and a spreadsheet), spaces around them aside.
Anything else (``1_0``, ``+3``, ``1e3``, ``nan``, ``inf``, ``.`` alone) is a
usage error naming the parameter. What passes is handed on as digits, which
fastcli.py converts without importing pydantic.
"""

from __future__ import annotations

import re
from typing import Any

import typer

# (A minus sign passes: a parameter's range, `--limit` from 1, says what is wrong with -1.)
_PATTERNS = {int: re.compile(r"-?[0-9]+"),
             float: re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)")}
# (Not .5 for a decimal: the one decimal option, --threshold, is 0-100 and refuses it.)
_EXAMPLES = {int: "like 10", float: "like 10 or 2.5"}


def strict_numbers(command: Any) -> Any:
    """Make ``command``'s number parameters take decimal digits alone. Returns ``command``."""
    for param in command.params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and descriptor.annotation in _PATTERNS:
            _check_before(param, descriptor.annotation)
    return command


def _check_before(param: Any, number: type) -> None:
    pattern = _PATTERNS[number]
    process_value = param.process_value

    def checked(ctx: Any, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if not pattern.fullmatch(text):
                raise typer.BadParameter(
                    f"{value!r} is not a number in decimal digits ({_EXAMPLES[number]})",
                    ctx=ctx, param=param)
            value = text
        return process_value(ctx, value)

    param.process_value = checked
