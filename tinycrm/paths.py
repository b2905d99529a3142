"""Where tinycrm keeps its files. The only caller of platformdirs."""

from __future__ import annotations

import os
from pathlib import Path

APP = "tinycrm"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False) / "tinycrm.db"


def db_path(option: str | Path | None = None) -> Path:
    """``--db`` wins, then ``TINYCRM_DB``, then the per-user data folder."""
    if option:
        return expand(option, "database")
    env = os.environ.get("TINYCRM_DB")
    if env:
        return expand(env, "database")
    return default_db_path()


def expand(value: str | Path, what: str) -> Path:
    """``value`` with a leading ``~`` expanded; ``what`` names it in the error
    when that ``~`` names no home folder (a user that doesn't exist)."""
    try:
        return Path(value).expanduser()
    except RuntimeError:
        if what == "config":
            from .config import ConfigError as Error
        elif what == "backup":
            # A path to write to, given on the command line: a usage error,
            # like any other output path that can't be written (exit 2).
            from .store.errors import ValidationError as Error
        else:
            from .store.errors import DatabaseError as Error
        raise Error(f"can't use {what} {value}: its ~ names no home folder") from None


def config_path() -> Path:
    """``TINYCRM_CONFIG``, else the per-user config folder's ``config.toml``."""
    env = os.environ.get("TINYCRM_CONFIG")
    if env is not None and not env.strip():
        # (`TINYCRM_CONFIG=$CFG` with CFG unset: not the default config, silently.)
        from .store.errors import ValidationError

        raise ValidationError("TINYCRM_CONFIG is empty: give a config file's path, or unset it")
    if env:
        return expand(env, "config")
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False) / "config.toml"
