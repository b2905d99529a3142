"""A wrong value in the config's [[rules]] or [smtp] names the file and the
line of the key at fault (README: Configuration): under the Nth [[rules]]
header for a rule, or that header's line when the rule as a whole is wrong
(a key missing). Only a rule written inline (`rules = [{ ... }]`) has no line
of its own: then the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tinycrm.store.when import TOO_LONG

from .conftest import run_tinycrm

LATER = {"TINYCRM_NOW": "2026-11-25T09:30:00Z"}  # (the new lead's follow-up is due)

# Rule #1 is right; its note's lines look like a header and a key, and a
# comment holds a line separator (not a line end in TOML): neither moves
# the lines counted after them.
FIRST_RULE = '''\
# response times\u2028(ours)
[[rules]]
name = "new-lead"
when = "added"
note = """Call them.
[[rules]]
due = "soon"
"""
due = "24h"

'''
HEADER = FIRST_RULE.count("\n") + 1  # (rule #2's [[rules]] line: 11)


def write_config(text: str) -> Path:
    path = Path(os.environ["TINYCRM_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def second_rule(body: str) -> Path:
    return write_config(f"{FIRST_RULE}[[rules]]   # the second\n{body}")


# (rule #2's lines after its header, the line at fault counted from the
# header (0: the header), the message after FILE:LINE)
RULE_MISTAKES = [
    ('name = "second"\nwhen = "added"\nwithin = "24h"\n', 3,
     "[[rules]] #2 (second): unknown key 'within' (known: after, due, name, note, owner, stage,"
     " tag, tier, when)"),
    ('name = "second"\nwhen = "added"\ndue = "soon"\n', 3,
     "[[rules]] #2 (second) due: 'soon' is not a duration like 24h, 2d or 1w"),
    ('name = "second"\nwhen = "added"\n"due" = "0h"\n', 3,
     "[[rules]] #2 (second) due: '0h' is not a duration like 24h, 2d or 1w"),
    ('name = "second"\nwhen = "added"\nstage = "nope"\ndue = "1h"\n', 3,
     "[[rules]] #2 (second): unknown stage 'nope'"),
    ('name = "second"\nwhen = "added"\ndue = "1h"\n\ntier = ["vip", 3]\n', 5,
     "[[rules]] #2 (second): tier must be a name or a list of names"),
    ('name = "second"\nwhen = "added"\ndue = "1h"\nstage.lead = true\n', 4,
     "[[rules]] #2 (second): stage must be a name or a list of names"),
    ('name = "bad name"\nwhen = "added"\ndue = "1h"\n', 1,
     "[[rules]] #2 (bad name): needs a name of letters, digits, '-', '_' or '.'"),
    ('when = "added"\ndue = "1h"\nname = "new-lead"\n', 3,
     "[[rules]] #2 (new-lead): the name 'new-lead' is used twice"),
    ('name = "second"\nwhen = "sometimes"\ndue = "1h"\n', 2,
     "[[rules]] #2 (second): when must be one of added, tagged, not-contacted, got 'sometimes'"),
    ('name = "second"\ndue = "1h"\n', 0,
     "[[rules]] #2 (second): needs when = \"added\" (say): one of added, tagged, not-contacted"),
    ('name = "second"\nwhen = "added"\n', 0,
     "[[rules]] #2 (second): needs due = \"24h\" (say): the response time"),
    ('name = "second"\nwhen = "tagged"\ndue = "1h"\n', 0,
     "[[rules]] #2 (second): a tagged rule needs tag = \"...\""),
    ('name = "second"\nwhen = "tagged"\ntag = ["a", "b"]\ndue = "1h"\n', 3,
     "[[rules]] #2 (second): tag takes one tag"),
    ('name = "second"\nwhen = "not-contacted"\ndue = "1h"\n', 0,
     "[[rules]] #2 (second): a not-contacted rule needs after = \"30d\" (say)"),
    ('name = "second"\nwhen = "not-contacted"\nafter = "3651d"\ndue = "1h"\n', 3,
     f"[[rules]] #2 (second) after: '3651d' is too long: {TOO_LONG}"),
    ('name = "second"\nwhen = "added"\nafter = "3d"\ndue = "1h"\n', 3,
     "[[rules]] #2 (second): after only applies to when = \"not-contacted\""),
    ('name = "second"\nwhen = "added"\ndue = "1h"\nnote = 7\n', 4,
     "[[rules]] #2 (second): note and owner must be text"),
    ('name = "second"\nwhen = "added"\ndue = "1h"\nnote = "x"\nowner = 7\n', 5,
     "[[rules]] #2 (second): note and owner must be text"),
    ('name = "second"\nwhen = "added"\ndue = "1h"\nowner = " "\n', 4,
     "[[rules]] #2 (second): owner is empty: name someone, or leave it out for the contact's"
     " owner"),
]


@pytest.mark.parametrize(("body", "line", "message"), RULE_MISTAKES,
                         ids=[m.split(": ", 1)[-1][:30] for _, _, m in RULE_MISTAKES])
def test_a_rule_mistake_names_the_line_of_its_key_under_its_header(cli, body, line, message):
    path = second_rule(body)
    for args in (("rules", "list"), ("rules", "run"), ("add", "Ada")):
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (1, ""), (args, result.stdout)
        assert result.stderr == f"tinycrm: error: {path}:{HEADER + line}: {message}\n", args


def test_a_rule_written_inline_has_no_line_of_its_own_so_the_file_is_named(cli):
    path = write_config('# mine\nrules = [{ name = "a", when = "soon", due = "1h" }]\n')
    result = cli("rules", "list")
    assert result.exit_code == 1
    assert result.stderr == (f"tinycrm: error: {path}: [[rules]] #1 (a): when must be one of"
                             " added, tagged, not-contacted, got 'soon'\n")


def test_rules_as_one_table_is_named_with_its_line_by_every_command(cli):
    path = write_config('[crm]\nstages = ["lead", "customer"]\n\n[rules]\nname = "a"\n')
    for args in (("list",), ("remind",), ("rules", "list")):
        result = cli(*args)
        assert result.exit_code == 1, args
        assert result.stderr == (f"tinycrm: error: {path}:4: [[rules]] must be an array of"
                                 " tables\n"), args


SMTP = '# mail\n[smtp]\nhost = "smtp.example.org"\nfrom = "me@example.org"\n'
SMTP_MISTAKES = [  # (what follows SMTP, its line at fault, the message after FILE:LINE)
    ('port = "abc"\n', 5, "[smtp] port must be a number from 1 to 65535"),
    ('security = "tls2"\n', 5, "[smtp] security must be one of starttls, ssl, none"),
    ('timeout = -1\n', 5, "[smtp] timeout must be a number of seconds, more than 0 and at most"
     " 3600"),
    ('helo = "mail example"\n', 5, "[smtp] helo must be one host name, like mail.example.org"),
    ('\nto = "nobody"\n', 6, "[smtp] to: not an email address: 'nobody'"),
    ('username = 3\n', 5, "[smtp] username must be a non-empty string"),
    ('password = "hunter2"\n', 5, "[smtp] password: a password is never kept in the config"
     " file; remove it and run `tinycrm secret set smtp`"),
    ('owners = ["bob@example.org"]\n', 5, "[smtp.owners] must map owners to addresses"),
    ('\n[smtp.owners]\nann = "ann@example.org"\nbob = "bob"\n', 8,
     "[smtp] owners.bob: not an email address: 'bob'"),
    ('owners.bob = "bob"\n', 5, "[smtp] owners.bob: not an email address: 'bob'"),
    # (An inline table is on one line: that line holds its keys.)
    ('owners = { ann = "ann@example.org", bob = "bob" }\n', 5,
     "[smtp] owners.bob: not an email address: 'bob'"),
]


@pytest.mark.parametrize(("extra", "line", "message"), SMTP_MISTAKES,
                         ids=[m.split("]", 1)[1][:24] for _, _, m in SMTP_MISTAKES])
def test_an_smtp_mistake_names_the_line_of_its_key(cli, extra, line, message):
    path = write_config(SMTP + extra)
    cli.ok("add", "Ada")
    result = cli("remind", "--via", "email", "--to", "me@example.org", env=LATER)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == f"tinycrm: error: email: {path}:{line}: {message}\n"


@pytest.mark.parametrize(("text", "message"), [
    # Without from the username is the sender: its line is the one to fix.
    ('[smtp]\nhost = "smtp.example.org"\n\nusername = "me"\n',
     ":4: [smtp] username: not an email address: 'me'"),
    ('[smtp]\nhost = "smtp.example.org"\nfrom = "a@example.org, b@example.org"\n',
     ":3: [smtp] from: one address, not 'a@example.org, b@example.org'"),
    # Missing, it is [smtp] as a whole that is wrong.
    ('# mail\n[smtp]\nhost = "smtp.example.org"\n', ":2: [smtp] needs from (the sender's address)"),
    ('# mail\nsmtp = "smtp.example.org"\n', ":2: [smtp] must be a table"),
])
def test_an_smtp_sender_missing_or_wrong_names_its_line(cli, text, message):
    path = write_config(text)
    cli.ok("add", "Ada")
    result = cli("remind", "--via", "email", "--to", "me@example.org", env=LATER)
    assert result.exit_code == 1
    assert result.stderr.endswith(f"{path}{message}\n"), result.stderr


@pytest.mark.parametrize(("text", "message"), [
    ('# mail\n[smtp]\nport = 25\n', ":2: [smtp] needs host (the SMTP server's name)"),
    ('# mail\n[smtp]\nhost = "smtp.example.org"\nfrom = "me@example.org"\n',
     ":2: [smtp] needs to (who gets the reminders), or --to"),
])
def test_an_smtp_server_or_recipient_missing_names_the_tables_line(cli, text, message):
    """As a missing from: a key missing is named with its table's line (they
    named the file alone: "set host ... in [smtp] in PATH")."""
    path = write_config(text)
    cli.ok("add", "Ada")
    result = cli("remind", "--via", "email", env=LATER)
    assert result.exit_code == 1
    assert result.stderr.endswith(f"{path}{message}\n"), result.stderr


def test_without_an_smtp_table_the_message_says_what_to_write_there(cli):
    path = write_config('[crm]\ndefault_stage = "lead"\n')
    cli.ok("add", "Ada")
    result = cli("remind", "--via", "email", env=LATER)
    assert result.stderr == ("tinycrm: error: email: email needs an SMTP server: set host (and"
                             f" from, to, username) in [smtp] in {path}\n")


def test_a_real_process_names_the_line_of_a_rule_and_of_an_smtp_key(db_path):
    path = second_rule('name = "second"\nwhen = "added"\nwithin = "24h"\n')
    sweep = run_tinycrm("rules", "run", db=db_path)
    assert (sweep.returncode, sweep.stdout) == (1, "")
    assert sweep.stderr == (f"tinycrm: error: {path}:{HEADER + 3}: [[rules]] #2 (second):"
                            " unknown key 'within' (known: after, due, name, note, owner, stage,"
                            " tag, tier, when)\n")
    path = write_config(SMTP + 'security = "tls2"\n')
    assert run_tinycrm("add", "Ada", db=db_path).returncode == 0
    mailed = run_tinycrm("remind", "--via", "email", "--to", "me@example.org", db=db_path,
                         env={**os.environ, **LATER})
    assert (mailed.returncode, mailed.stdout) == (1, "")
    assert mailed.stderr == (f"tinycrm: error: email: {path}:5: [smtp] security must be one of"
                             " starttls, ssl, none\n")


async def test_the_app_names_the_line_at_its_start_and_on_a_save(tmp_path):
    from tinycrm.app import TinyCRMApp
    from tinycrm.config import ConfigError
    from tinycrm.context import Env

    from .test_tui import keys

    path = write_config('# mine\n[rules]\nname = "a"\n')
    with pytest.raises(ConfigError) as refused:
        TinyCRMApp.from_env(Env(db_option=str(tmp_path / "crm.db")))
    assert refused.value.message == f"{path}:2: [[rules]] must be an array of tables"
    # A rule is read when first applied: the app opens, and says it on the save.
    path = second_rule('name = "second"\nwhen = "added"\ndue = "soon"\n')
    app = TinyCRMApp.from_env(Env(db_option=str(tmp_path / "crm.db")))
    app.poll_interval = None
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await keys(app, pilot, "n")
            app.screen.query_one("#name").value = "Mary Somerville"
            await keys(app, pilot, "ctrl+s")
            # (Under the form, which stays open with what was typed.)
            assert str(app.screen.query_one("#form-error").render()) == (
                f"{path}:{HEADER + 3}: [[rules]] #2 (second) due: 'soon' is not a duration"
                " like 24h, 2d or 1w")
    finally:
        app.db.close()
