"""The CLI as a script sees it: the same option for the same thing in every
command, and a listing's options wherever the listing is."""

from __future__ import annotations

import json
import re
import sqlite3

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
    assert cli.ok("dupes").stdout.split()[:6] == [
        "SCORE", "KEEP", "NAME", "OTHER", "NAME", "REASON"]


ISO_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)"


def _times(value, path=""):
    """Every (path, text) in ``value`` that is an ISO time, but for custom fields'."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "fields" or not isinstance(item, dict):
                yield from _times(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _times(item, f"{path}[{i}]")
    elif isinstance(value, str) and re.fullmatch(ISO_TIME, value):
        yield path, value


def test_a_time_is_written_one_way_in_every_json_nested_ones_too(cli, db_path, tmp_path):
    """Times inside a timeline entry's `data` and an audit entry's `before` and
    `after` end in +00:00 as the top-level ones do (they were stored, and
    printed, with Z); what a person typed stays as typed, and so do the rows."""
    typed = "2026-01-01T00:00:00Z"
    cli.ok("add", "Ada", "-e", "ada@ex.org")
    followup = cli.ok("follow-up", "add", "Ada", "--due", "2026-11-24 10:00").stdout.strip()
    cli.ok("follow-up", "snooze", followup, "--for", "2d")
    cli.ok("follow-up", "done", followup)
    cli.ok("log", "Ada", typed, "--kind", "call", "--at", "2026-11-22 08:00")
    cli.ok("edit", "Ada", "--set", f"fields.seen_at={typed}", "--company", typed)
    cli.ok("add", "Bo", "-e", "bo@ex.org")
    cli.ok("merge", "Ada", "Bo", "--yes")
    people = tmp_path / "people.csv"
    people.write_text("name,email,title\nAda,ada@ex.org,Boss\n")
    cli.ok("import", str(people))  # (the contact it merged into, as it was, in `imports`)
    out = tmp_path / "ada.json"
    cli.ok("privacy", "export", "Ada", "-o", str(out))
    outputs = {
        "timeline": json.loads(cli.ok("timeline", "Ada", "-f", "json").stdout),
        "audit": json.loads(cli.ok("audit", "-f", "json").stdout),
        "audit ndjson": [json.loads(line)
                         for line in cli.ok("audit", "-f", "ndjson").stdout.splitlines()],
        "privacy": json.loads(out.read_text()),
    }
    for what, data in outputs.items():
        times = list(_times(data))
        assert any(".data." in p or ".before." in p or ".after." in p for p, _ in times), what
        assert [(p, t) for p, t in times if not t.endswith("+00:00")
                and not p.endswith((".text", ".company"))] == [], what
    events = outputs["timeline"]
    snoozed = next(e for e in events if (e["data"] or {}).get("action") == "snoozed")
    assert snoozed["data"]["from"] == "2026-11-24T10:00:00+00:00"
    stage_or_edit = next(e for e in events if e["kind"] == "edit")
    assert stage_or_edit["data"]["after"]["fields"] == {"seen_at": typed}  # (as typed)
    assert stage_or_edit["data"]["after"]["company"] == typed
    logged = next(a for a in outputs["audit"] if a["entity"] == "event")
    assert (logged["after"]["text"], logged["after"]["at"]) == (typed, "2026-11-22T08:00:00+00:00")
    with sqlite3.connect(db_path) as conn:  # (the stored rows are left as they were)
        stored = [json.loads(a)["due_at"] for (a,) in conn.execute(
            "SELECT after FROM audit WHERE entity = 'followup' AND action = 'snooze'")]
    assert stored == ["2026-11-26T10:00:00Z"]
    (merged,) = outputs["privacy"]["imports"]
    assert merged["before"]["last_contacted_at"] == "2026-11-22T08:00:00+00:00"
