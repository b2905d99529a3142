"""Email reminders through a real SMTP server (aiosmtpd on loopback, started
here), the password from an in-memory keyring, and what happens when the
server is down, the password is wrong, or there is no keyring at all."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tinycrm.store.errors import quoted
from tinycrm.store.reminders import Reminders

from .conftest import FROZEN
from .followup_helpers import (  # noqa: F401  (fixtures)
    SMTPServer,
    days,
    free_port,
    memory_keyring,
    self_signed_certificate,
    store,
)


def write_config(text: str) -> Path:
    path = Path(os.environ["TINYCRM_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def smtp_config(port: int, *, username: str | None = "alice@ex.org", extra: str = "") -> str:
    login = f'username = "{username}"\n' if username else ""
    return (f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n{login}'
            f'from = "tinycrm <crm@ex.org>"\nto = "alice@ex.org"\ntimeout = 5\n{extra}')


@pytest.fixture
def due(store):
    ada = store.contacts.add("Ada Lovelace", emails=["ada@ex.org"], now=FROZEN - days(30))
    bob = store.contacts.add("Bob Stone", now=FROZEN - days(30))
    store.followups.add(ada.id, FROZEN - days(3), note="Send proposal")
    store.followups.add(bob.id, FROZEN - days(1), note="Call back")
    store.followups.add(bob.id, FROZEN - days(1), note="Bob's own", owner="bob")
    return store


@pytest.fixture
def server():
    servers = []

    def start(port, **kwargs):
        servers.append(SMTPServer(port, **kwargs).start())
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def emailed(store):
    return sorted((d.item, d.recipient) for d in Reminders(store).deliveries(channel="email")
                  if d.state == "sent")


def test_server_down_then_up_on_the_next_run(cli, due, server, memory_keyring):
    port = free_port()
    write_config(smtp_config(port))
    stored = cli.ok("secret", "set", "smtp", input="s3cret\n")
    assert stored.stderr == "stored the smtp password in the keyring\n"
    assert memory_keyring.get_password("tinycrm", "smtp") == "s3cret"

    down = cli("remind", "--via", "email")
    assert down.exit_code == 1
    assert down.stdout == ""
    assert down.stderr == (f"tinycrm: error: email: can't send email through 127.0.0.1:{port}:"
                           " Connection refused\n")
    assert emailed(due) == []

    smtp = server(port, username="alice@ex.org", password="s3cret")
    up = cli("remind", "--via", "email")
    assert (up.exit_code, up.stdout, up.stderr) == (0, "", "")
    [(rcpt, message)] = smtp.messages
    assert rcpt == ["alice@ex.org"]
    assert message["Subject"] == "tinycrm: 2 reminders due"
    assert message["From"] == "tinycrm <crm@ex.org>" and message["To"] == "alice@ex.org"
    # A machine's message (RFC 3834): vacation autoresponders don't answer it.
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_payload(decode=True).decode()
    assert body.startswith("2 items due as of 2026-11-23 09:30 UTC, most urgent first:")
    assert "2026-11-20 09:30 UTC  3d overdue  Ada Lovelace <ada@ex.org>  Send proposal  [follow-up 1]" in body
    assert "Bob Stone  Call back  [follow-up 2]" in body
    assert body.index("[follow-up 1]") < body.index("[follow-up 2]")  # most urgent first
    assert emailed(due) == [("followup:1", "alice@ex.org"), ("followup:2", "alice@ex.org")]

    assert cli.ok("remind", "--via", "email").stderr == ""
    assert len(smtp.messages) == 1  # nothing twice


def test_one_digest_per_recipient(cli, due, server):
    port = free_port()
    write_config(smtp_config(port, username=None, extra='\n[smtp.owners]\nbob = "bob@ex.org"\n'))
    smtp = server(port)
    cli.ok("remind", "--via", "email", "--all")
    got = {tuple(rcpt): msg["Subject"] for rcpt, msg in smtp.messages}
    assert got == {("alice@ex.org",): "tinycrm: 2 reminders due", ("bob@ex.org",): "tinycrm: 1 reminder due"}
    # --to sends everything new to one address instead.
    due.followups.add(1, FROZEN - days(1), note="One more")
    cli.ok("remind", "--via", "email", "--to", "boss@ex.org")
    assert smtp.messages[-1][0] == ["boss@ex.org"]
    assert "One more" in smtp.messages[-1][1].get_payload(decode=True).decode()


def test_a_refused_password_is_a_failed_delivery(cli, due, server, memory_keyring):
    port = free_port()
    write_config(smtp_config(port))
    server(port, username="alice@ex.org", password="right")
    memory_keyring.set_password("tinycrm", "smtp", "wrong")
    result = cli("remind", "--via", "email")
    assert result.exit_code == 1
    assert result.stderr == (f"tinycrm: error: email: the SMTP server 127.0.0.1:{port} refused the"
                             " username or password\n")
    assert emailed(due) == []
    assert Reminders(due).deliveries() == []  # the claims were given back


def test_no_keyring_backend_is_one_clear_line_and_stdout_still_works(cli, due):
    # conftest sets PYTHON_KEYRING_BACKEND to the "fail" backend: no keyring here.
    write_config(smtp_config(free_port()))
    result = cli("remind", "--via", "stdout", "--via", "email")
    assert result.exit_code == 1
    assert result.stdout.count("\n") == 2 and "[follow-up 1]" in result.stdout
    assert result.stderr.startswith("tinycrm: error: email: can't read the smtp password from the"
                                    " keyring: no keyring backend is available")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert emailed(due) == []
    assert cli.ok("remind").stdout == ""  # stdout's deliveries were recorded
    no_secret = cli("secret", "set", "smtp", input="pw\n")
    assert no_secret.exit_code == 1 and "no keyring backend" in no_secret.stderr


def test_nothing_due_needs_no_server_and_no_password(cli, store):
    # No [smtp] at all and no keyring: with nothing due there is nothing to say.
    result = cli("remind", "--via", "email")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_config_mistakes_are_reported_before_anything_is_claimed(cli, due, memory_keyring):
    no_host = cli("remind", "--via", "email")
    assert no_host.exit_code == 1 and "email needs an SMTP server" in no_host.stderr
    write_config(smtp_config(free_port()))
    no_password = cli("remind", "--via", "email")
    assert no_password.exit_code == 1
    assert "no SMTP password stored for alice@ex.org: run `tinycrm secret set smtp`" in no_password.stderr
    write_config('[smtp]\nhost = "x"\nsecurity = "tls-ish"\n')
    assert "security must be one of" in cli("remind", "--via", "email").stderr
    assert Reminders(due).deliveries() == []


def test_secret_commands(cli, memory_keyring):
    assert cli("secret", "set", "smtp", input="").exit_code == 2
    assert cli("secret", "set", "github", input="x\n").exit_code == 2
    cli.ok("secret", "set", "smtp", input="first line\nignored\n")
    assert memory_keyring.get_password("tinycrm", "smtp") == "first line"
    assert cli.ok("secret", "delete", "smtp").stderr == "deleted the smtp password\n"
    assert cli.ok("secret", "delete", "smtp").stderr == "no smtp password was stored\n"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_security_modes(cli, due, server, memory_keyring, tmp_path, monkeypatch, security):
    cert, key = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # trust the test's own certificate
    port = free_port()
    write_config(smtp_config(port).replace('security = "none"', f'security = "{security}"'))
    memory_keyring.set_password("tinycrm", "smtp", "s3cret")
    smtp = server(port, username="alice@ex.org", password="s3cret", tls=(cert, key),
                  implicit_tls=security == "ssl")
    result = cli("remind", "--via", "email")
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(smtp.messages) == 1 and smtp.messages[0][1]["Subject"] == "tinycrm: 2 reminders due"
    # A certificate nobody trusts is a failed delivery, not a leak of the password.
    monkeypatch.delenv("SSL_CERT_FILE")
    due.followups.add(1, FROZEN - days(1), note="More")
    untrusted = cli("remind", "--via", "email")
    assert untrusted.exit_code == 1 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert len(smtp.messages) == 1


def test_a_message_the_server_took_is_sent_even_if_quit_fails(cli, due, server):
    """A 421 to QUIT comes after the 250 to the message: it went, once."""
    port = free_port()
    write_config(smtp_config(port, username=None))
    smtp = server(port, quit_reply="421 closing down")
    assert cli("remind", "--via", "email").exit_code == 0
    assert cli("remind", "--via", "email").exit_code == 0
    assert len(smtp.messages) == 1
    assert emailed(due) == [("followup:1", "alice@ex.org"), ("followup:2", "alice@ex.org")]


@pytest.mark.parametrize("address", ["not an address", "a@b.example\r\nBcc: x@y.example"])
def test_an_address_that_is_none_is_refused_before_anything_is_claimed(cli, due, address):
    refused = cli("remind", "--via", "email", "--to", address)
    assert refused.exit_code == 2 and "--to: not an email address" in refused.stderr
    assert "Traceback" not in refused.stderr
    write_config(smtp_config(free_port(), username=None).replace(
        'to = "alice@ex.org"', f"to = {json.dumps(address)}"))
    bad_config = cli("remind", "--via", "email")
    assert bad_config.exit_code == 1 and "[smtp] to: not an email address" in bad_config.stderr
    assert Reminders(due).deliveries() == []


def test_a_password_beyond_ascii_logs_in(cli, due, server, memory_keyring):
    port = free_port()
    write_config(smtp_config(port, username="jürgen@ex.org"))
    smtp = server(port, username="jürgen@ex.org", password="pässwörd")
    memory_keyring.set_password("tinycrm", "smtp", "pässwörd")
    result = cli("remind", "--via", "email")
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(smtp.messages) == 1
    memory_keyring.set_password("tinycrm", "smtp", "fälsch")
    due.followups.add(1, FROZEN - days(1), note="One more")
    refused = cli("remind", "--via", "email")
    assert refused.exit_code == 1 and "refused the username or password" in refused.stderr


def test_a_helo_of_two_lines_is_a_config_error(cli, due):
    write_config(smtp_config(free_port(), username=None, extra='helo = "x\\r\\nRSET"\n'))
    result = cli("remind", "--via", "email", "--via", "stdout")
    assert result.exit_code == 1 and "[follow-up 1]" in result.stdout
    assert "[smtp] helo must be one host name" in result.stderr and "Traceback" not in result.output


def test_a_claim_left_by_a_killed_run_runs_out_and_the_items_go_by_email(cli, due, server):
    from tinycrm.store.reminders import CLAIM_TTL

    port = free_port()
    write_config(smtp_config(port, username=None))
    smtp = server(port)
    assert Reminders(due).claim("email", owner="alice", now=FROZEN)  # and then killed -9
    assert cli.ok("remind", "--via", "email").stderr == "" and smtp.messages == []
    later = {"TINYCRM_NOW": (FROZEN + CLAIM_TTL + days(1) / 24).isoformat()}
    assert cli("remind", "--via", "email", env=later).exit_code == 0
    assert len(smtp.messages) == 1
    assert emailed(due) == [("followup:1", "alice@ex.org"), ("followup:2", "alice@ex.org")]


def test_secret_set_reads_one_line_as_typed(cli, memory_keyring):
    cli.ok("secret", "set", "smtp", input="pw\r" + "x" * 5000 + "\r")   # an old Mac's line ends
    assert memory_keyring.get_password("tinycrm", "smtp") == "pw"
    cli.ok("secret", "set", "smtp", input="pa\x0css wörd\r\nthe next line\n")
    assert memory_keyring.get_password("tinycrm", "smtp") == "pa\x0css wörd"
    too_long = cli("secret", "set", "smtp", input="x" * 5000)
    assert too_long.exit_code == 2 and "more than 4096 bytes" in too_long.stderr
    assert memory_keyring.get_password("tinycrm", "smtp") == "pa\x0css wörd"


def test_secret_set_refuses_bytes_that_are_not_utf8(tmp_path):
    import subprocess
    import sys

    from .conftest import REPO

    done = subprocess.run([sys.executable, "-m", "tinycrm", "secret", "set", "smtp"],
                          input=b"ab\xffcd\n", capture_output=True, cwd=REPO,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 2 and b"not valid UTF-8" in done.stderr
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("extra, message", [
    ("timeout = nan\n", "timeout must be a number of seconds"),
    ("timeout = inf\n", "timeout must be a number of seconds"),
    ('password = "hunter2"\n', "a password is never kept in the config file"),
])
def test_smtp_settings_that_cant_be_are_one_line_and_stdout_still_goes(cli, due, extra, message):
    write_config(smtp_config(free_port(), username=None).replace("timeout = 5\n", extra))
    result = cli("remind", "--via", "email", "--via", "stdout")
    assert result.exit_code == 1 and "[follow-up 1]" in result.stdout
    assert message in result.stderr and "Traceback" not in result.output
    assert "hunter2" not in result.output


@pytest.mark.parametrize("text, line, message", [
    ('[smtp]\nhost = "x"\nfrom = "crm@ex.org"\nprot = 2\n', 4, "[smtp] prot: unknown key"),
    ('# mail\nsmtp = "smtp.example.org"\n', 2, "[smtp] must be a table"),
])
@pytest.mark.parametrize("dry", [False, True], ids=["real", "dry-run"])
def test_an_smtp_table_that_cant_be_read_stops_email_alone(cli, due, text, line, message, dry):
    """It stopped the whole run: stdout's reminders didn't go either."""
    path = write_config(text)
    result = cli("remind", "--via", "stdout", "--via", "email", *(["--dry-run"] if dry else []))
    assert result.exit_code == 1 and "[follow-up 1]" in result.stdout
    assert result.stderr.startswith(f"tinycrm: error: email: {path}:{line}: {message}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert emailed(due) == []
    assert cli.ok("remind").stdout == ("" if not dry else result.stdout.replace("stdout: ", ""))


@pytest.mark.parametrize("host", ["a" * 64 + ".example.org", "mail..example.org"])
def test_a_host_that_is_no_host_name_is_a_config_error(cli, due, host):
    config = write_config(smtp_config(free_port(), username=None).replace("127.0.0.1", host))
    result = cli("remind", "--via", "email")
    assert (result.exit_code, type(result.exception)) == (1, SystemExit), result.exception
    assert result.stderr == (f"tinycrm: error: email: {config}:2: [smtp] host {quoted(host)}"
                             " is not a host name\n")
    assert Reminders(due).deliveries() == []


class _Tarpit:
    """An SMTP server that never gets past its greeting: a "220-" line every
    50 ms for ever, as anti-spam tarpits do, each well within a step's timeout."""

    def __init__(self) -> None:
        import socket
        import threading

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            while not self.stopped.wait(0.05):
                try:
                    conn.sendall(b"220-please wait\r\n")
                except OSError:
                    return  # the client gave up

    def stop(self) -> None:
        self.stopped.set()
        self.listener.close()


def test_a_server_that_answers_a_line_at_a_time_for_ever_is_given_up(cli, due):
    import threading

    tarpit = _Tarpit()
    write_config(smtp_config(tarpit.port, username=None).replace("timeout = 5", "timeout = 0.2"))
    results = []
    run = threading.Thread(target=lambda: results.append(cli("remind", "--via", "email")))
    run.start()
    run.join(30)
    tarpit.stop()  # (unblocks a run that would otherwise never end)
    run.join()
    assert results and (results[0].exit_code, results[0].stderr) == (
        1, f"tinycrm: error: email: the SMTP server 127.0.0.1:{tarpit.port} took more than 2 s"
           " over one message (ten times [smtp] timeout) and was given up\n")
    assert emailed(due) == []  # nothing is marked sent: the next run tries again


def test_names_beyond_ascii_go_through_a_server_without_smtputf8(cli, due, server):
    """A name in From or To (`Jürgen Müller <j@ex.org>`) is the header's, in
    RFC 2047 words: the envelope holds the address alone, so the message
    needs no SMTPUTF8, which many relays don't offer."""
    from email.header import decode_header, make_header

    port = free_port()
    write_config(smtp_config(port, username=None)
                 .replace('"tinycrm <crm@ex.org>"', '"Tinycrm Bøt <crm@ex.org>"')
                 .replace('to = "alice@ex.org"', 'to = "Jürgen Müller <juergen@ex.org>"'))
    smtp = server(port, smtputf8=False)
    result = cli("remind", "--via", "email")
    assert (result.exit_code, result.stderr) == (0, "")
    [(rcpt, message)] = smtp.messages
    assert rcpt == ["juergen@ex.org"]
    assert message["From"].isascii() and message["To"].isascii()
    assert str(make_header(decode_header(message["From"]))) == "Tinycrm Bøt <crm@ex.org>"
    assert str(make_header(decode_header(message["To"]))) == "Jürgen Müller <juergen@ex.org>"
    assert emailed(due) == [("followup:1", "Jürgen Müller <juergen@ex.org>"),
                            ("followup:2", "Jürgen Müller <juergen@ex.org>")]


def test_every_address_of_a_to_of_several_gets_the_message(cli, due, server):
    """`to = "a@ex.org, b@ex.org"` is two recipients, as in the To header: the
    envelope once held the first alone, and the second never got a thing."""
    port = free_port()
    write_config(smtp_config(port, username=None).replace(
        'to = "alice@ex.org"', 'to = "alice@ex.org, \\"Stone, Bob\\" <bob@ex.org>"'))
    smtp = server(port)
    assert cli("remind", "--via", "email").exit_code == 0
    [(rcpt, message)] = smtp.messages
    assert rcpt == ["alice@ex.org", "bob@ex.org"]
    assert message["To"] == 'alice@ex.org, "Stone, Bob" <bob@ex.org>'
    due.followups.add(1, FROZEN - days(1), note="One more")
    assert cli("remind", "--via", "email", "--to", "c@ex.org,d@ex.org").exit_code == 0
    assert smtp.messages[-1][0] == ["c@ex.org", "d@ex.org"]


def test_a_recipient_of_several_that_the_server_refuses_is_an_error(cli, due, server):
    """A server that takes alice and refuses bob took the message: it is sent
    (the next run doesn't send alice a second one), but bob never got it, and
    the run says so and fails, as a refused lone recipient does."""
    port = free_port()
    write_config(smtp_config(port, username=None).replace(
        'to = "alice@ex.org"', 'to = "alice@ex.org, bob@ex.org"'))
    smtp = server(port, refuse=("bob@ex.org",))
    result = cli("remind", "--via", "email")
    [(rcpt, _)] = smtp.messages
    assert rcpt == ["alice@ex.org"]
    assert (result.exit_code, result.stderr) == (
        1, f"tinycrm: error: email: the SMTP server 127.0.0.1:{port} refused bob@ex.org"
           " (550 5.1.1 no such mailbox); the others of alice@ex.org, bob@ex.org got it\n")
    assert emailed(due) == [("followup:1", "alice@ex.org, bob@ex.org"),
                            ("followup:2", "alice@ex.org, bob@ex.org")]
    assert cli("remind", "--via", "email").exit_code == 0 and len(smtp.messages) == 1


@pytest.mark.parametrize("address", ["a@ex.org; b@ex.org", "Stone, Bob <bob@ex.org>",
                                     "a@ex.org, not one"])
def test_a_to_of_several_with_one_that_is_no_address_is_refused(cli, due, address):
    refused = cli("remind", "--via", "email", "--to", address)
    assert refused.exit_code == 2 and "--to: not an email address" in refused.stderr
    assert Reminders(due).deliveries() == []


def test_a_from_of_several_addresses_is_a_config_error(cli, due):
    write_config(smtp_config(free_port(), username=None).replace(
        'from = "tinycrm <crm@ex.org>"', 'from = "crm@ex.org, other@ex.org"'))
    result = cli("remind", "--via", "email")
    assert result.exit_code == 1
    assert "[smtp] from: one address, not 'crm@ex.org, other@ex.org'" in result.stderr
    assert Reminders(due).deliveries() == []


def test_ssl_against_a_server_without_tls_says_which_setting_to_use(cli, due, server):
    """A plain server on the port (587, or a local relay) answers TLS's hello
    with text: OpenSSL's 'wrong version number' said nothing of the setting."""
    port = free_port()
    write_config(smtp_config(port, username=None).replace('security = "none"', 'security = "ssl"'))
    smtp = server(port)
    result = cli("remind", "--via", "email")
    assert result.exit_code == 1 and smtp.messages == []
    assert result.stderr == (
        f"tinycrm: error: email: the SMTP server 127.0.0.1:{port} doesn't start with TLS, as"
        ' security = "ssl" (port 465) wants: set security = "starttls" for a server that'
        ' starts it later (port 587), or "none" for one without TLS\n')
    assert emailed(due) == []


BROKEN_SMTP = {
    "no [smtp]": None,
    "no host": '[smtp]\nfrom = "crm@ex.org"\nto = "alice@ex.org"\n',
    "no from": '[smtp]\nhost = "127.0.0.1"\nto = "alice@ex.org"\n',
    "no to": '[smtp]\nhost = "127.0.0.1"\nfrom = "crm@ex.org"\n',
    "bad security": '[smtp]\nhost = "127.0.0.1"\nsecurity = "tls-ish"\nfrom = "crm@ex.org"\n',
    "unknown key": '[smtp]\nhost = "127.0.0.1"\nfrom = "crm@ex.org"\nto = "a@ex.org"\nprot = 2\n',
}


@pytest.mark.parametrize("config", BROKEN_SMTP.values(), ids=BROKEN_SMTP)
def test_a_dry_run_checks_smtp_as_a_real_run_does_before_connecting(cli, due, config):
    """A dry run passed a broken [smtp] silently; cron's run then failed on it."""
    if config is not None:
        write_config(config)
    dry = cli("remind", "--via", "email", "--dry-run")
    real = cli("remind", "--via", "email")
    assert (dry.exit_code, dry.stdout) == (real.exit_code, real.stdout) == (1, "")
    assert dry.stderr == real.stderr and dry.stderr.count("\n") == 1, (dry.stderr, real.stderr)
    assert Reminders(due).deliveries() == []
    # Checked whether anything is due or not: the day something is, it would fail.
    assert cli("remind", "--via", "email", "--dry-run", "--owner", "nobody").stderr == real.stderr


def test_a_dry_run_reads_no_password_and_names_owners_with_no_address(cli, due):
    # conftest's keyring is the "fail" backend: a real run would stop at the password.
    config = write_config(smtp_config(free_port()))
    dry = cli.ok("remind", "--via", "email", "--dry-run")
    assert dry.stdout.count("\n") == 2 and "[follow-up 1]" in dry.stdout
    write_config(smtp_config(free_port()).replace('to = "alice@ex.org"\n', "")
                 + '[smtp.owners]\nalice = "alice@ex.org"\n')
    everyone = cli("remind", "--via", "email", "--dry-run", "--all")
    assert everyone.exit_code == 1 and everyone.stdout.count("\n") == 3
    assert everyone.stderr == (f"tinycrm: error: email: no address for bob: set to or"
                               f" [smtp.owners] in {config}\n")
