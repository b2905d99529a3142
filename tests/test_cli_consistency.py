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


def _options():
    """(command, long name, its short names) for every option of every command."""
    import typer.main

    from tinycrm.cli import app

    def walk(command, path):
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")]
            if longs and getattr(param, "param_type_name", "") == "option":
                yield " ".join(path), longs[0], {o for o in param.opts if not o.startswith("--")}
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))

    return list(walk(typer.main.get_command(app), ()))


# The same name for two different things: a design question, not a letter to share.
DIFFERENT_THINGS = {("follow-up queue", "--due"), ("cadence", "--due")}  # flags: "only due now"


def test_an_option_has_the_same_short_letter_in_every_command():
    letters: dict[str, set[str]] = {}
    for command, long, shorts in _options():
        if (command, long) not in DIFFERENT_THINGS:
            letters.setdefault(long, set()).update(shorts)
    missing = [(command, long, letters[long]) for command, long, shorts in _options()
               if (command, long) not in DIFFERENT_THINGS and shorts != letters[long]]
    assert missing == []
    meaning: dict[str, set[str]] = {}
    for long, shorts in letters.items():
        for short in shorts:
            meaning.setdefault(short, set()).add(long)
    assert {s: longs for s, longs in meaning.items() if len(longs) > 1} == {}


def test_the_short_letters_added_for_sameness_work(cli):
    cli.ok("add", "Ada", "-t", "vip", "-m", "Met at the fair")
    assert [c["name"] for c in json.loads(cli.ok("list", "-t", "vip", "-f", "json").stdout)] == ["Ada"]
    assert cli.ok("search", "ada", "-t", "nosuch", "-f", "json").stdout == "[]\n"
    assert cli.ok("export", "-t", "vip", "-f", "ndjson").stdout.count("\n") == 1
    assert "Met at the fair" in cli.ok("timeline", "Ada").stdout
    report = json.loads(cli.ok("report", "-u", "2026-11-01", "-f", "json").stdout)
    assert report["period"]["until"].startswith("2026-11-02")


def test_remind_takes_mine_as_the_other_owner_filters_do(cli):
    cli.ok("add", "Ada")
    cli.ok("add", "Bo", "--owner", "bob")
    cli.ok("follow-up", "add", "Ada", "--due", "2026-11-01", "-m", "Ada's")
    cli.ok("follow-up", "add", "Bo", "--due", "2026-11-01", "-m", "Bo's", "--owner", "bob")
    mine = cli.ok("remind", "--mine", "--dry-run").stdout
    assert "Ada's" in mine and "Bo's" not in mine
    assert mine == cli.ok("remind", "--dry-run").stdout
    assert cli("remind", "--mine", "--all").exit_code == 2
    assert cli("remind", "--mine", "--owner", "bob").exit_code == 2


def _keys(result) -> set[str]:
    data = json.loads(result.stdout)
    return set(data if isinstance(data, dict) else data[0])


def test_a_contacts_name_and_id_have_one_key_in_every_commands_json(cli):
    """A script reads `contact_id` and `contact_name` wherever a row names a
    contact: `cadence REF` said `contact`."""
    cli.ok("add", "Ada Lovelace", "-e", "ada@ex.org")
    cli.ok("cadence", "Ada Lovelace", "30d")
    cli.ok("follow-up", "add", "Ada Lovelace", "--due", "tomorrow")
    for args in (("cadence", "1"), ("cadence",), ("follow-up", "list"), ("follow-up", "show", "1"),
                 ("follow-up", "queue"), ("rules", "show", "new-lead")):
        keys = _keys(cli.ok(*args, "-f", "json"))
        assert {"contact_id", "contact_name"} <= keys and "contact" not in keys, args
    assert cli.ok("cadence", "1", "-f", "csv").stdout.startswith("contact_id,contact_name,")


def test_dupes_names_its_ids_as_other_commands_do(cli):
    """`keep_id` beside `keep_name` and `keep_email`, as `contact_id` beside
    `contact_name`: a bare `keep` was the one id without `_id`."""
    cli.ok("add", "John Doe", "-e", "john.doe@gmail.com")
    cli.ok("add", "Johnny", "-e", "johndoe@gmail.com")
    (pair,) = json.loads(cli.ok("dupes", "-f", "json").stdout)
    assert (pair["keep_id"], pair["other_id"]) == (1, 2)
    assert not {"keep", "other"} & set(pair)
    header = cli.ok("dupes", "-f", "csv").stdout.splitlines()[0]
    assert header == "score,keep_id,keep_name,keep_email,other_id,other_name,other_email,reason"
    assert cli.ok("dupes").stdout.split()[:6] == ["SCORE", "KEEP", "NAME", "OTHER", "NAME", "REASON"]
