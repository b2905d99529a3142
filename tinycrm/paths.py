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
        return Path(option).expanduser()
    env = os.environ.get("TINYCRM_DB")
    if env:
        return Path(env).expanduser()
    return default_db_path()


def config_path() -> Path:
    """``TINYCRM_CONFIG``, else the per-user config folder's ``config.toml``."""
    env = os.environ.get("TINYCRM_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP, appauthor=False) / "config.toml"
