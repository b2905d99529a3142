"""`--format csv` from a script: the header is the same whether or not there
are rows, so a reader (csv.DictReader, pandas) knows the columns either way."""

from __future__ import annotations

import csv
import io
import json

import pytest

LISTINGS = [
    ("follow-up", "list", "--all"), ("follow-up", "queue"), ("cadence",), ("audit",),
    ("imports", "list"), ("dupes",), ("rules", "show", "new-lead"), ("timeline", "Cy"),
    ("search", "Ada"),
]


def header(cli, args) -> list[str]:
    out = cli.ok(*args, "-f", "csv").stdout
    return next(csv.reader(io.StringIO(out)))


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_a_csv_with_no_rows_has_the_header_of_one_with_rows(cli, tmp_path, args):
    if args[0] == "audit":
        cli.ok("audit", "-f", "json")              # (opens the database: nothing audited yet)
    else:
        cli.ok("--no-rules", "add", "Cy")         # a contact with nothing on its timeline
    empty = cli.ok(*args, "-f", "csv").stdout
    assert empty.count("\n") == 1, empty          # the header and nothing else
    people = tmp_path / "people.csv"
    people.write_text("name,email,phone\nAda Lovelace,ada@ex.org,+44 20 7946 0001\n"
                      "Ada Lovelace,ada@home.example,+44 20 7946 0001\n")
    cli.ok("import", str(people), "--on-duplicate", "create")
    if args[0] == "timeline":
        cli.ok("log", "Cy", "Met at the fair")
    cli.ok("cadence", "ada@ex.org", "30d")
    cli.ok("follow-up", "add", "ada@ex.org", "--due", "2020-01-01")
    full = cli.ok(*args, "-f", "csv").stdout
    assert full.count("\n") > 1, full
    assert header(cli, args) == next(csv.reader(io.StringIO(empty)))


def write_config(isolated_env, text: str) -> None:
    path = isolated_env / "config" / "tinycrm" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_rules_list_has_one_shape_with_no_rules_and_with_retired_ones(cli, isolated_env):
    with_rules = header(cli, ("rules", "list"))
    cli.ok("add", "Ada")                          # the new-lead rule makes a follow-up
    write_config(isolated_env, "rules = []\n")    # ... and is then switched off
    retired = cli.ok("rules", "list", "-f", "csv").stdout
    assert next(csv.reader(io.StringIO(retired))) == with_rules
    rows = list(csv.DictReader(io.StringIO(retired)))
    assert [(r["name"], r["configured"], r["created"]) for r in rows] == [("new-lead", "no", "1")]
    [row] = json.loads(cli.ok("rules", "list", "-f", "json").stdout)
    assert list(row) == with_rules and row["when"] is None and row["due"] is None
    cli.ok("privacy", "erase", "Ada", "--yes")    # its follow-up goes: no rule left at all
    assert cli.ok("rules", "list", "-f", "csv").stdout == ",".join(with_rules) + "\n"
    assert cli.ok("rules", "list", "-f", "json").stdout == "[]\n"
    assert cli.ok("rules", "list", "-f", "ndjson").stdout == ""
