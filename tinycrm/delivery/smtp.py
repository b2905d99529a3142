"""The email channel: one plain-text digest per recipient over SMTP.

Settings come from the config file's ``[smtp]`` table; the password only from
the OS keyring (``tinycrm secret set smtp``), read only when a username is
set::

    [smtp]
    host = "smtp.example.org"
    port = 587                    # default: 587 starttls, 465 ssl, 25 none
    security = "starttls"         # starttls | ssl | none
    username = "me@example.org"   # omit for a server that needs no login
    from = "tinycrm <me@example.org>"
    to = "me@example.org"         # --to overrides it; several go with commas:
                                  # "me@example.org, Ann <ann@example.org>"
    timeout = 30                  # seconds for each step (connecting, each answer);
                                  # a message gets ten times that in all

    [smtp.owners]                 # optional: where each owner's items go
    bob = "bob@example.org"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..store.errors import TinyCRMError, ValidationError, quoted
from ..store.models import QueueItem
from ..store.stopping import stop_later
from ..store.textutil import clean_email
from .text import digest, subject

SECURITY = ("starttls", "ssl", "none")
# A message's whole conversation may take this many of its steps' timeouts.
STEPS_PER_MESSAGE = 10
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class SmtpConfigError(TinyCRMError):
    pass


class SendFailed(Exception):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    sender: str = ""
    to: str | None = None
    owners: dict[str, str] = field(default_factory=dict, hash=False)
    timeout: float = 30.0
    helo: str | None = None

    def recipient(self, item: QueueItem, override: str | None = None) -> str | None:
        return override or self.owners.get(item.owner) or self.to


def settings_from(section: Mapping[str, Any], where: str,
                  at: Callable[..., str] | None = None) -> SmtpSettings:
    """Read and check ``[smtp]``; ``where`` names the config file in messages,
    and ``at(*key)`` the place in it (``PATH:LINE``) of the key at fault
    (``at("owners", "bob")``), or of ``[smtp]`` without one."""
    at = at or (lambda *key: where)

    def text(key: str) -> str | None:
        value = section.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise SmtpConfigError(f"{at(key)}: [smtp] {key} must be a non-empty string")
        return value.strip()

    host = text("host")
    if not host:
        if at() == where:  # no [smtp] in the file (or no file): what to write there
            raise SmtpConfigError(f"email needs an SMTP server: set host (and from, to,"
                                  f" username) in [smtp] in {where}")
        raise SmtpConfigError(f"{at()}: [smtp] needs host (the SMTP server's name)")
    try:
        # (What the resolver would refuse with a traceback: a label over 63
        # characters, or an empty one, `mail..example.org`.)
        host.encode("idna")
    except UnicodeError:
        raise SmtpConfigError(f"{at('host')}: [smtp] host {quoted(host)} is not a host name"
                              ) from None
    security = (text("security") or "starttls").lower()
    if security not in SECURITY:
        raise SmtpConfigError(f"{at('security')}: [smtp] security must be one of"
                              f" {', '.join(SECURITY)}")
    port = section.get("port", DEFAULT_PORTS[security])
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise SmtpConfigError(f"{at('port')}: [smtp] port must be a number from 1 to 65535")
    timeout = section.get("timeout", 30)
    if (not isinstance(timeout, (int, float)) or isinstance(timeout, bool)
            or not 0 < timeout <= 3600):  # (nan and inf are neither)
        raise SmtpConfigError(f"{at('timeout')}: [smtp] timeout must be a number of seconds,"
                              " more than 0 and at most 3600")
    if "password" in section:
        raise SmtpConfigError(f"{at('password')}: [smtp] password: a password is never kept in"
                              " the config file; remove it and run `tinycrm secret set smtp`")
    owners = section.get("owners", {})
    if not isinstance(owners, dict) or not all(isinstance(v, str) for v in owners.values()):
        raise SmtpConfigError(f"{at('owners')}: [smtp.owners] must map owners to addresses")
    username = text("username")
    sender = text("from") or username
    if not sender:
        raise SmtpConfigError(f"{at()}: [smtp] needs from (the sender's address)")
    # (Without from, the username is the sender: its line is the one to fix.)
    sent_by = ("from",) if "from" in section else ("username",)
    addresses = {sent_by: sender, ("to",): text("to"),
                 **{("owners", k): v for k, v in owners.items()}}
    for key, value in addresses.items():
        try:
            if value is not None:
                check_address(value)
        except ValidationError as exc:
            raise SmtpConfigError(f"{at(*key)}: [smtp] {'.'.join(key)}: {exc.message}") from None
    if len(envelope_addresses(sender)) > 1:
        raise SmtpConfigError(f"{at(*sent_by)}: [smtp] {sent_by[0]}: one address, not"
                              f" {quoted(sender)}")
    return SmtpSettings(
        host=host, port=port, security=security, username=username, sender=sender,
        to=text("to"), owners=dict(owners), timeout=float(timeout), helo=_helo(text("helo"), at),
    )


def _helo(value: str | None, at: Callable[..., str]) -> str | None:
    """The name to greet the server with: one word (a line break would be a
    command of its own)."""
    if value is not None and not (value.isascii() and value.isprintable() and " " not in value):
        raise SmtpConfigError(f"{at('helo')}: [smtp] helo must be one host name, like"
                              " mail.example.org")
    return value


def check_address(value: str) -> str:
    """Where a message can go: ``ada@ex.org``, ``Ada <ada@ex.org>``, or several
    of those with commas, on one line (a line break would start another header)."""
    try:
        if not value.isprintable():
            raise ValidationError("")
        for address in envelope_addresses(value) or [""]:
            clean_email(address)
    except ValidationError:
        raise ValidationError(f"not an email address: {quoted(value)}") from None
    return value


def envelope_addresses(recipient: str) -> list[str]:
    """The addresses alone (``juergen@ex.org`` of ``Jürgen Müller <juergen@ex.org>``),
    each of a list: smtplib would take a whole ``a@ex.org, b@ex.org`` for its
    first address, and a name beyond ASCII in the envelope would make it ask
    for SMTPUTF8, which many relays don't offer, and write the headers in raw
    UTF-8 instead of RFC 2047 words. The names stay in the To header."""
    from email.utils import getaddresses

    return [address for _, address in getaddresses([recipient])]


def password_for(settings: SmtpSettings) -> str | None:
    """The keyring's SMTP password when a username is set (else None)."""
    if not settings.username:
        return None
    from ..secrets import get_secret

    password = get_secret("smtp")
    if password is None:
        raise SmtpConfigError(
            f"no SMTP password stored for {settings.username}: run `tinycrm secret set smtp`"
        )
    return password


def build_message(settings: SmtpSettings, recipient: str, items: Sequence[QueueItem], now: datetime):
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid, parseaddr

    message = EmailMessage()
    message["Subject"] = subject(items)
    message["From"] = settings.sender
    message["To"] = recipient
    message["Date"] = format_datetime(now)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "tinycrm.invalid"
    message["Message-ID"] = make_msgid("tinycrm", domain=domain)
    # Sent by a program (RFC 3834): autoresponders ("I'm on holiday") and
    # mail filters then don't answer it, to the sender that no one reads.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(digest(items, now))
    return message


def send(settings: SmtpSettings, password: str | None, recipient: str,
         items: Sequence[QueueItem], now: datetime) -> str | None:
    """Send one digest; raise ``SendFailed`` with a one-line reason. Of a
    ``recipient`` of several, those the server refused while it took the
    others are returned as a one-line reason: the message went, and must
    not go again, but they didn't get it (smtplib raises only when it
    refuses them all)."""
    import smtplib
    import ssl

    where = f"{settings.host}:{settings.port}"
    message = build_message(settings, recipient, items, now)
    accepted = False
    refused: dict[str, tuple[int, bytes]] = {}
    deadline = _Deadline(settings.timeout * STEPS_PER_MESSAGE)
    try:
        try:
            with deadline:
                client, refused = _converse(settings, password, recipient, message, deadline)
                accepted = True
            client.quit()
        except (smtplib.SMTPException, OSError):
            if accepted:
                # The server took the message (250 after DATA): a QUIT that
                # fails then doesn't unsend it, and sending it again would be twice.
                return _partly_refused(where, recipient, refused)
            if deadline.passed:
                raise SendFailed(
                    f"the SMTP server {where} took more than {deadline.seconds:g} s over one"
                    " message (ten times [smtp] timeout) and was given up") from None
            raise
        except BaseException as exc:
            if not accepted or isinstance(exc, Exception):
                raise
            # Ctrl-C or kill while QUIT waits for its answer: the message
            # went, so it is recorded before the run ends (given back, the
            # next run would send it again).
            client.close()
            if not stop_later(exc):
                raise
    except smtplib.SMTPAuthenticationError:
        raise SendFailed(f"the SMTP server {where} refused the username or password") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SendFailed(f"the SMTP server {where} doesn't support that: {_reason(exc)}") from None
    except smtplib.SMTPRecipientsRefused:
        raise SendFailed(f"the SMTP server {where} refused the recipient {recipient}") from None
    except ssl.SSLError as exc:
        if settings.security == "ssl" and exc.reason == "WRONG_VERSION_NUMBER":
            # (Its answer to TLS's hello was plain text: a 220 greeting.)
            raise SendFailed(
                f"the SMTP server {where} doesn't start with TLS, as security = \"ssl\" (port 465)"
                " wants: set security = \"starttls\" for a server that starts it later (port 587),"
                " or \"none\" for one without TLS") from None
        raise SendFailed(f"can't send email through {where}: {_reason(exc)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"can't send email through {where}: {_reason(exc)}") from None
    return _partly_refused(where, recipient, refused)


def _partly_refused(where: str, recipient: str,
                    refused: dict[str, tuple[int, bytes]]) -> str | None:
    if not refused:
        return None
    shown = ", ".join(f"{address} ({code} {' '.join(answer.decode(errors='replace').split())})"
                      for address, (code, answer) in refused.items())
    return f"the SMTP server {where} refused {shown}; the others of {recipient} got it"


def _converse(settings: SmtpSettings, password: str | None, recipient: str, message,
              deadline: _Deadline):
    """Connect, log in and hand over ``message``; returns the client and the
    recipients the server refused (when it took others), or raises as
    smtplib does."""
    import smtplib
    import ssl

    context = ssl.create_default_context()
    # Made unconnected, so that the deadline watches the greeting too (a
    # tarpit's is endless); the host is what the constructor would have kept
    # had it connected itself: TLS checks the server's certificate against it.
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(local_hostname=settings.helo, timeout=settings.timeout,
                                  context=context)
    else:
        client = smtplib.SMTP(local_hostname=settings.helo, timeout=settings.timeout)
    client._host = settings.host
    deadline.watch(client)
    try:
        code, answer = client.connect(settings.host, settings.port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, answer)
        if settings.security == "starttls":
            client.starttls(context=context)
        if settings.username:
            _login(client, settings.username, password or "")
        refused = client.send_message(message, from_addr=None,
                                      to_addrs=envelope_addresses(recipient))
    except BaseException:
        # No QUIT: stopped (Ctrl-C, kill) while the server had yet to
        # answer DATA, its late answer would be read as QUIT's, and a
        # failure of that would hide the stop; a stop must not wait either.
        client.close()
        raise
    return client, refused


class _Deadline:
    """Ends a conversation that goes on too long in all. Each step has its
    timeout, but a server that answers a few bytes at a time (a tarpit, a
    relay stuck behind a slow link) resets it with every byte: the run would
    hang, its claims renewed, and no reminder would go out at all."""

    def __init__(self, seconds: float) -> None:
        import threading

        self.seconds, self.passed, self._client = seconds, False, None
        self._over = threading.Event()
        self._watcher = threading.Thread(target=self._cut, daemon=True)

    def watch(self, client) -> None:
        """Cut ``client``'s connection when the time is up."""
        self._client = client

    def _cut(self) -> None:
        import socket

        if self._over.wait(self.seconds):
            return
        self.passed = True
        # Until the client has a socket (a slow name lookup, a TCP connect)
        # there is nothing to cut: look again a little later.
        while not self._over.is_set():
            sock = getattr(self._client, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # wakes the read that is waiting
                except OSError:
                    pass
                return
            self._over.wait(0.1)

    def __enter__(self) -> _Deadline:
        self._watcher.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._over.set()


def _login(client, username: str, password: str) -> None:
    """``client.login``, which sends the username and password as ASCII; a
    password beyond ASCII (``pässwörd``) goes as AUTH PLAIN in UTF-8, as
    RFC 4616 has it."""
    import base64
    import smtplib

    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    if "PLAIN" not in client.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError(
            "AUTH PLAIN, which a username or password beyond ASCII needs")
    token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode())
    code, answer = client.docmd("AUTH", "PLAIN " + token.decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
