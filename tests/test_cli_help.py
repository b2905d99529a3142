"""Every command's help names its arguments and values as a reader expects
(`merge [OPTIONS] KEEP OTHER`, `--tag TAG`, `--limit N`), never by a Python
type (`<str>`, `<list[str]>`, `<int range>`) or a lowercase name in braces
(`{ref}`). Choices show as Typer shows an enum's: `<table|csv|json>`."""

from __future__ import annotations

import re

import pytest
import typer.main

from tinycrm.cli import app

NAME = r"'?[A-Z0-9][A-Z0-9_=|-]*'?"  # REF, N, FIELD=VALUE, 'HEADER=FIELD', 0-10
CHOICES = r"<[^<>|\s]+(?:\|[^<>|\s]+)+>"
USAGE_PIECE = re.compile(rf"\[?{NAME}\]?(?:\.\.\.)?")  # also [OPTIONS], COMMAND, [ARGS]...
ARGUMENT = re.compile(rf"{NAME}(?:\.\.\.)?(?: {CHOICES})?")
OPTION_VALUE = re.compile(rf"{NAME}|{CHOICES}")


def command_paths(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*path, name))
    return paths


def odd_names(help_text: str) -> list[str]:
    """What the help shows where a metavar goes, and doesn't read as one."""
    odd = []
    usage = help_text.split("\n", 1)[0]
    assert usage.startswith("Usage: ") and "[OPTIONS]" in usage, usage
    odd += [p for p in usage.split("[OPTIONS]", 1)[1].split() if not USAGE_PIECE.fullmatch(p)]
    section = None
    for line in help_text.splitlines():
        if line and not line.startswith(" "):
            section = line
        elif re.match(r"  \S", line):
            column = line[2:].split("  ", 1)[0]
            if section == "Arguments:" and not ARGUMENT.fullmatch(column):
                odd.append(column)
            elif section == "Options:":
                value = " ".join(t for t in column.replace(",", " ").split()
                                 if not t.startswith("-") and t != "/")
                if value and not OPTION_VALUE.fullmatch(value):
                    odd.append(column)
    return odd


def test_odd_names_finds_what_typer_shows_by_default():
    typer_help = """Usage: tinycrm merge [OPTIONS] {keep} [[FILE|-]]

Arguments:
  keep <str>  The contact to keep.  [required]
  tags... <list[str]>  Tags.

Options:
  -t, --tag <list[str]>           Tag.
  -n, --limit <int range>         At most N rows.  [x>=1]
  -f, --format <table|csv|json|ndjson>
                                  Output format.  [default: table]
  --help <bool>  Show this message and exit.
"""
    assert odd_names(typer_help) == [
        "{keep}", "[[FILE|-]]", "keep <str>", "tags... <list[str]>", "-t, --tag <list[str]>",
        "-n, --limit <int range>", "--help <bool>"]


@pytest.mark.parametrize("path", command_paths(typer.main.get_command(app)),
                         ids=lambda p: " ".join(p) or "root")
def test_help_names_arguments_and_values_conventionally(cli, path):
    help_text = cli.ok(*path, "--help").stdout
    assert odd_names(help_text) == [], help_text


def test_a_missing_argument_is_named_as_the_usage_line_names_it(cli):
    result = cli("merge", "1")
    assert result.exit_code == 2
    assert "merge [OPTIONS] KEEP OTHER" in result.stderr
    assert "Missing argument 'OTHER'" in result.stderr
