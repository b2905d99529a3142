"""The CLI in environments a user or cron can hand it: a non-UTF-8 locale,
an output encoding that can't hold every letter, stdout closed before the
help is printed, a database file that can't be written. One line on stderr
and a documented exit code, never a traceback."""

from __future__ import annotations

import json
import os

from .conftest import run_tinycrm


def _c_locale() -> dict[str, str]:
    """A locale with no UTF-8 at all (LC_ALL=C without Python's UTF-8 mode),
    as a minimal container or an old cron may have."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LANG", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8")}
    return {**env, "LC_ALL": "C", "PYTHONUTF8": "0"}


def test_commands_open_the_database_under_a_locale_without_utf8(db_path):
    env = _c_locale()
    added = run_tinycrm("add", "Ada Lovelace", db=db_path, env=env)
    assert (added.returncode, added.stderr) == (0, ""), added.stderr
    listed = run_tinycrm("list", "-f", "json", db=db_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert [c["name"] for c in json.loads(listed.stdout)] == ["Ada Lovelace"]
