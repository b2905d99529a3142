"""Shared fixtures: a real SQLite file in a temporary folder, a frozen clock,
the real CLI (in-process and as a subprocess), and an environment kept clear
of the developer's own config, database and keyring."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tinycrm.store import Store, StoreSettings

FROZEN = datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)
FROZEN_ISO = "2026-11-23T09:30:00+00:00"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    """Nothing in a test may read or write the developer's real files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("TINYCRM_CONFIG", str(home / "config" / "tinycrm" / "config.toml"))
    monkeypatch.setenv("TINYCRM_USER", "alice")
    monkeypatch.setenv("TINYCRM_NOW", FROZEN_ISO)
    monkeypatch.setenv("TZ", "UTC")
    # Slash dates are read in the locale's order: tests that don't say read
    # them month first, whatever the machine's locale.
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LC_TIME", "C")
    # Tests that need a keyring install their own backend.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("TINYCRM_DB", raising=False)
    monkeypatch.delenv("TINYCRM_WAIT", raising=False)
    yield home


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "crm" / "tinycrm.db"


@pytest.fixture
def clock():
    """A settable clock: ``clock.now`` is what the store sees."""

    class Clock:
        now = FROZEN

        def __call__(self) -> datetime:
            return self.now

    return Clock()


@pytest.fixture
def store(db_path, clock):
    with Store(db_path, user="alice", clock=clock, settings=StoreSettings()) as s:
        yield s


class CLI:
    """The real Typer app in-process, against one database file."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        from tinycrm.cli import app

        return self.runner.invoke(app, ["--db", str(self.db), *args], input=input, env=env)

    def ok(self, *args: str, input: str | None = None, env: dict | None = None):
        result = self(*args, input=input, env=env)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result


@pytest.fixture
def cli(db_path) -> CLI:
    return CLI(db_path)


def run_tinycrm(*args: str, db: Path | None = None, input: str | bytes | None = None,
                env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """tinycrm as a real process (``python -m tinycrm``), the way cron or a shell runs it."""
    full_env = dict(os.environ)
    if env is not None:
        full_env = env
    if db is not None:
        args = ("--db", str(db), *args)
    return subprocess.run(
        [sys.executable, "-m", "tinycrm", *args],
        input=input, capture_output=True, env=full_env, timeout=timeout,
        text=not isinstance(input, bytes),
    )


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.fixturenames.append("tasks_start_as_app_run_starts_them")


@pytest.fixture
async def tasks_start_as_app_run_starts_them() -> None:
    """Textual's App.run starts tasks eagerly where Python can (3.12 and
    later); run_test doesn't. Every async test runs the app as users do: on
    3.12 the app once stopped at its start, and only App.run showed it."""
    if hasattr(asyncio, "eager_task_factory"):
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
