"""The CLI as a script sees it: the same option for the same thing in every
command, and a listing's options wherever the listing is."""

from __future__ import annotations

import json

import pytest

from .conftest import run_tinycrm


@pytest.mark.parametrize("group, options", [
    ("follow-up", ("--overdue", "-n", "1", "-f", "json")),
    ("rules", ("--format", "csv")),
    ("imports", ("-n", "1", "-f", "ndjson")),
])
def test_a_group_whose_default_is_list_takes_the_lists_options(cli, tmp_path, group, options):
    cli.ok("add", "Ada", "--email", "ada@ex.org")
    cli.ok("follow-up", "add", "Ada", "--due", "2026-11-01")
    people = tmp_path / "people.csv"
    people.write_text("name,email\nBo,bo@ex.org\n")
    cli.ok("import", str(people))
    listed = cli.ok(group, "list", *options).stdout
    assert listed.strip() and cli.ok(group, *options).stdout == listed
    assert "Commands:" in cli.ok(group, "-h").stdout   # (the group's own help)
    wrong = cli(group, "--no-such-option")
    assert wrong.exit_code == 2 and "No such option: --no-such-option" in wrong.stderr


def test_a_groups_default_takes_the_lists_options_in_a_real_process(db_path):
    run_tinycrm("add", "Ada", db=db_path)
    result = run_tinycrm("follow-up", "--mine", "-f", "json", db=db_path)  # (the lazy root)
    assert result.returncode == 0, result.stderr
    assert [f["rule"] for f in json.loads(result.stdout)] == ["new-lead"]
