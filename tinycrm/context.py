"""What every command needs: the database path, the acting user, the config,
and a Store opened on first use. Built once by the CLI's root callback."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import paths
from .store.textutil import one_line

if TYPE_CHECKING:
    from .config import Config
    from .store import Store
    from .store.busy import RunningImport


def current_user(option: str | None = None) -> str:
    """Who is acting, as the store records them (``one_line``): a stray CR
    from an env file saved on Windows, or a trailing space, is no part of the
    name, or `remind` and --mine would look for a "bob\\r" who owns nothing."""
    for given in (option, os.environ.get("TINYCRM_USER")):
        name = one_line(given) if given else None
        if name:
            return name
    try:
        return one_line(getpass.getuser()) or "unknown"
    except (KeyError, OSError):
        return "unknown"


# Seconds a command's change waits for an import that holds the database
# (``--wait``): a cron job would rather be late than miss its run.
WAIT_FOR_IMPORTS = 1800


@dataclass
class Env:
    db_option: str | None = None
    user_option: str | None = None
    apply_rules: bool = True
    wait: int = WAIT_FOR_IMPORTS
    _store: Store | None = field(default=None, repr=False)
    _scratch: Any = field(default=None, repr=False)  # a dry run's temporary folder

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

    def store(self, *, wait_for_imports: bool = True, upkeep: bool = False) -> Store:
        """The Store, opened on first use. A command's writes wait for a
        running import (up to ``wait`` seconds, saying so on stderr); the
        app's (``wait_for_imports=False``) don't: its workers would hold its
        other writes, so it waits SQLite's busy timeout and shows what holds
        the lock. ``upkeep`` (backup, check, vacuum...) needs none of the
        config's CRM settings: a mistake in them doesn't stop it."""
        if self._store is None:
            self._store = self._open(self.db_path, wait_for_imports=wait_for_imports,
                                     upkeep=upkeep)
        return self._store

    def _open(self, path: Path, *, wait_for_imports: bool, upkeep: bool = False) -> Store:
        from .config import ConfigError
        from .store import Store, StoreSettings
        from .store.db import BUSY_TIMEOUT_MS

        waits = {} if not wait_for_imports else {
            "busy_timeout": min(BUSY_TIMEOUT_MS / 1000, self.wait),
            "wait_for_imports": self.wait, "on_wait": self._say_waiting}
        warning = None
        try:
            settings = self.config.store_settings()
            warning = self.config.unknown_table()
        except ConfigError:
            if not upkeep:
                raise
            settings = StoreSettings()
        if warning and wait_for_imports:  # (the app shows it itself: TinyCRMApp.on_mount)
            from .output import say

            say(f"tinycrm: warning: {warning}")
        return Store(path, user=self.user, settings=settings, apply_rules=self.apply_rules,
                     **waits)

    def store_to_try(self) -> Store:
        """The Store for a dry run: the database if it exists, else an empty
        one in a temporary folder (removed on close), so that trying an
        import on a new database doesn't create it."""
        if self._store is None and not self.db_path.exists():
            import tempfile

            self._scratch = tempfile.TemporaryDirectory(prefix="tinycrm-dry-run-")
            self._store = self._open(Path(self._scratch.name) / self.db_path.name,
                                     wait_for_imports=False)
        return self.store()

    def _say_waiting(self, holder: RunningImport, patient: bool) -> None:
        from .output import say

        if patient:  # (recording what was done already: reminders sent, a backup made)
            say(f"tinycrm: waiting for {holder.describe()} to finish, to record what is done"
                " (however long it takes)")
        else:
            say(f"tinycrm: waiting for {holder.describe()} to finish"
                f" (at most {self.wait} s in all; --wait changes that)")

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None
