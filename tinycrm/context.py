"""What every command needs: the database path, the acting user, the config,
and a Store opened on first use. Built once by the CLI's root callback."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from . import paths

if TYPE_CHECKING:
    from .config import Config
    from .store import Store


def current_user(option: str | None = None) -> str:
    if option:
        return option
    env = os.environ.get("TINYCRM_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# Seconds a command's change waits for an import that holds the database
# (``--wait``): a cron job would rather be late than miss its run.
WAIT_FOR_IMPORTS = 1800
# Seconds SQLite itself waits for a lock before we look at who holds it.
BUSY_TIMEOUT = 10


@dataclass
class Env:
    db_option: str | None = None
    user_option: str | None = None
    apply_rules: bool = True
    wait: int = WAIT_FOR_IMPORTS
    # The app's writes run in workers that hold its other writes: it waits
    # SQLite's 10 s like any writer, then shows what holds the lock.
    in_app: bool = False
    _store: Store | None = field(default=None, repr=False)

    @cached_property
    def db_path(self) -> Path:
        return paths.db_path(self.db_option)

    @cached_property
    def user(self) -> str:
        return current_user(self.user_option)

    @cached_property
    def config(self) -> Config:
        from .config import load_config

        return load_config()

    def store(self) -> Store:
        if self._store is None:
            from .store import Store

            waits = {} if self.in_app else {
                "busy_timeout": min(BUSY_TIMEOUT, self.wait), "wait_for_imports": self.wait,
                "on_wait": self._say_waiting}
            self._store = Store(
                self.db_path, user=self.user, settings=self.config.store_settings(),
                apply_rules=self.apply_rules, **waits,
            )
        return self._store

    def _say_waiting(self, holder) -> None:
        from .output import say

        say(f"tinycrm: waiting for {holder.describe()} to finish"
            f" (at most {self.wait} s in all; --wait changes that)")

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
