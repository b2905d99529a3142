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


@dataclass
class Env:
    db_option: str | None = None
    user_option: str | None = None
    apply_rules: bool = True
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

            self._store = Store(
                self.db_path, user=self.user, settings=self.config.store_settings(),
                apply_rules=self.apply_rules,
            )
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
