"""The config file: a key or table tinycrm doesn't know is a mistake named
with the file, its line and the key, not a setting silently left at its
default."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import REPO


def write_config(text: str | bytes) -> Path:
    path = Path(os.environ["TINYCRM_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_a_misspelt_report_key_stops_report_naming_file_line_and_key(cli):
    # The founder wants 60 days of silence, writes it with a dash, and
    # would otherwise be shown 30 without a word.
    path = write_config("# mine\n[report]\nidle-days = 60\n")
    result = cli("report")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (f"tinycrm: error: {path}:3: [report] idle-days: unknown key"
                             " (known: idle_days, won_stage)\n")
    cli.ok("list")  # (a [report] mistake stops report alone)
    cli.ok("remind")
    # Its other mistakes give their line the same way (not the file alone).
    path = write_config('# mine\n\n[report]\nwon_stage = "won"\n')
    assert cli("report").stderr == (f"tinycrm: error: {path}:4: [report] won_stage 'won'"
                                     " is not a stage\n")


@pytest.mark.parametrize(("text", "message"), [
    ('[crm]\ntiers = ["vip", "standard"]\ndefault_teir = "vip"\n',
     ":3: [crm] default_teir: unknown key (known: stages, tiers, default_stage, default_tier,"
     " date_order)"),
    ('[crm]\ndefault_stage = "new"\n', ":2: [crm] default_stage 'new' is not a stage"),
    ('[crm]\ndefault_tier = "vip"\nstages = "lead"\n', ":3: [crm] stages must be a list of names"),
    ('# tiers\n[crm]\ntiers = ["vip", "low", "vip"]\n',
     ":3: [crm] tiers names 'vip' more than once"),
    ('crm = "lead"\n', ":1: [crm] must be a table"),
    ('# no rules\nrules = 1\n[crm]\nstages = ["lead", "won"]\n',
     ":2: [[rules]] must be an array of tables"),
    # (Latin-1, as an editor set to it saves the file.)
    ('[crm]\nstages = ["lead"]\n[cadence]\n"invéstor" = "30d"\n'.encode("latin-1"),
     ":4: not valid TOML: not UTF-8 (saved in another encoding?)"),
    # (Notepad's BOM first: the line is counted in the file, not 3 bytes short of it.)
    (b"\xef\xbb\xbf"
     + '[crm]\nstages = ["lead"]\n[cadence]\n"\u00e9quipe" = "30d"\n'.encode("latin-1"),
     ":4: not valid TOML: not UTF-8 (saved in another encoding?)"),
])
def test_a_mistake_outside_report_stops_every_command_with_its_line(cli, text, message):
    path = write_config(text)
    for args in (("list",), ("report",), ("add", "Ada")):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert result.stderr == f"tinycrm: error: {path}{message}\n"
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("text", "message"), [
    ('[reports]\nidle_days = 60\n', ":1: [reports]: unknown table, ignored"),
    ('idle_days = 60\n[report]\nwon_stage = "customer"\n',
     ":1: idle_days: a key outside any table, ignored"),
])
def test_an_unknown_table_is_a_warning_from_every_command_stopping_none(cli, text, message):
    # A misspelt table heading must not stop cron's reminders.
    path = write_config(text)
    later = {"TINYCRM_NOW": "2026-11-25T09:30:00Z"}  # (the new lead's follow-up is due)
    for args in (("add", "Ada"), ("list",), ("report",), ("remind",)):
        result = cli(*args, env=later if args == ("remind",) else None)
        assert result.exit_code == 0, (args, result.stderr)
        assert result.stderr.startswith(f"tinycrm: warning: {path}{message} (tinycrm's tables:"
                                        " crm, cadence, rules, report, smtp, keymap)\n"), args
    assert "Ada" in result.stdout  # (the new lead's follow-up, reminded)


def test_a_misspelt_smtp_key_stops_email_reminders_before_anything_is_sent(cli):
    path = write_config('[smtp]\nhost = "smtp.example.org"\nfrom = "me@example.org"\n'
                        'usernme = "me@example.org"\n')
    cli.ok("add", "Ada")
    result = cli("remind", "--via", "email", "--to", "me@example.org",
                 env={"TINYCRM_NOW": "2026-11-25T09:30:00Z"})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"tinycrm: error: email: {path}:4: [smtp] usernme: unknown key")
    cli.ok("list")


def test_every_table_and_key_the_readme_shows_is_known(cli):
    blocks = re.findall(r"```toml\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    assert len(blocks) >= 5
    for block in blocks:
        write_config(block)
        result = cli("report")
        assert result.exit_code == 0, (block, result.stderr)
        assert "warning" not in result.stderr, (block, result.stderr)


async def test_the_app_opens_and_shows_the_warning_of_an_unknown_table(tmp_path):
    from tinycrm.app import TinyCRMApp
    from tinycrm.context import Env

    path = write_config("[reports]\nidle_days = 60\n")
    app = TinyCRMApp.from_env(Env(db_option=str(tmp_path / "crm.db")))
    app.poll_interval = None
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert ("warning", f"{path}:1: [reports]: unknown table, ignored (tinycrm's tables:"
                    " crm, cadence, rules, report, smtp, keymap)") in app.messages
    finally:
        app.db.close()
