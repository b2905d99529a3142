"""Helpers for the follow-up, timeline, remind and ICS tests: a local time
zone switch, an in-memory keyring, and a real SMTP server on loopback."""

from __future__ import annotations

import os
import socket
import time
import warnings
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest

UTC = timezone.utc


@contextmanager
def local_zone(name: str):
    """Run with ``TZ=name`` (and ``time.tzset()``), restoring the zone after."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield name
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


@pytest.fixture(params=["America/New_York", "Asia/Kolkata"])
def zone(request):
    """Each test using it runs in New York (UTC-5/-4) and Kolkata (UTC+5:30)."""
    with local_zone(request.param):
        yield request.param


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days(n: float) -> timedelta:
    return timedelta(days=n)


class MemoryKeyring:
    """Built lazily so that importing this module doesn't import keyring."""

    _cls = None

    @classmethod
    def make(cls):
        if cls._cls is None:
            from keyring.backend import KeyringBackend

            class _Memory(KeyringBackend):
                priority = 1

                def __init__(self):
                    super().__init__()
                    self.store: dict[tuple[str, str], str] = {}

                def get_password(self, service, username):
                    return self.store.get((service, username))

                def set_password(self, service, username, password):
                    self.store[(service, username)] = password

                def delete_password(self, service, username):
                    from keyring.errors import PasswordDeleteError

                    if self.store.pop((service, username), None) is None:
                        raise PasswordDeleteError("not found")

            cls._cls = _Memory
        return cls._cls()


@pytest.fixture
def memory_keyring():
    """An in-process keyring holding passwords in a dict, for this test only."""
    import keyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring.make()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """aiosmtpd on 127.0.0.1, optionally requiring a login (without TLS)."""

    def __init__(self, port: int, *, username: str | None = None, password: str | None = None,
                 tls: tuple[str, str] | None = None, implicit_tls: bool = False,
                 quit_reply: str | None = None, data_delay: float = 0.0,
                 quit_delay: float = 0.0, smtputf8: bool = True,
                 refuse: tuple[str, ...] = ()):
        import threading

        self.port = port
        self.data_delay = data_delay  # seconds before DATA is answered (a slow server)
        self.data_started = threading.Event()
        self.quit_reply = quit_reply  # what QUIT is answered (a server closing down: 421)
        self.quit_delay = quit_delay  # seconds before QUIT is answered
        self.quit_started = threading.Event()
        self.username = username
        self.password = password
        self.tls = tls  # (certificate file, key file): offer STARTTLS, or TLS from the start
        self.implicit_tls = implicit_tls
        self.messages: list = []
        self.smtputf8 = smtputf8  # False: a server that doesn't offer SMTPUTF8 (many relays)
        self.refuse = refuse  # recipients it answers 550 (no such mailbox)
        self.controller = None

    def start(self) -> SMTPServer:
        from email import message_from_bytes

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        server = self

        class Handler:
            async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
                if address in server.refuse:
                    return "550 5.1.1 no such mailbox"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, smtp, session, envelope):
                server.data_started.set()
                if server.data_delay:
                    import asyncio

                    await asyncio.sleep(server.data_delay)
                server.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
                return "250 OK"

            async def handle_QUIT(self, smtp, session, envelope):
                server.quit_started.set()
                if server.quit_delay:
                    import asyncio

                    await asyncio.sleep(server.quit_delay)
                return server.quit_reply or "221 Bye"

        def authenticator(smtp, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode("utf-8") == server.username
                  and auth_data.password.decode("utf-8") == server.password)
            return AuthResult(success=ok, handled=False)

        kwargs = {}
        # Login without TLS is fine on loopback in a test; aiosmtpd warns on
        # every connection (from its own thread, straight to stderr).
        warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
        if self.username:
            kwargs = {"authenticator": authenticator, "auth_require_tls": False,
                      "auth_required": True}
        if self.tls:
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.tls)
            if self.implicit_tls:
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                     enable_SMTPUTF8=self.smtputf8, **kwargs)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def store(db_path, clock):
    """The conftest store without response-time rules (a new lead would get a
    follow-up of its own): only the follow-ups a test makes exist."""
    from tinycrm.store import Store, StoreSettings

    with Store(db_path, user="alice", clock=clock, settings=StoreSettings(), apply_rules=False) as s:
        yield s


def self_signed_certificate(folder) -> tuple[str, str]:
    """A certificate for 127.0.0.1 made with the openssl command (skips without it)."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", key, "-out", cert],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key
