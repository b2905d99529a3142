"""The fast start-up path (tinycrm/fastcli.py, and store/db.py's check of an
up-to-date file) behaves exactly like the plain Typer app, and `--help` and
`list` import nothing heavy."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner

from tinycrm.cli import app
from tinycrm.fastcli import LightCoercion, lazy_root
from tinycrm.store import db as store_db
from tinycrm.store.db import known_migrations

from .conftest import REPO

EAGER = typer.main.get_command(app)


def command_paths(group, prefix=()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, command in getattr(group, "commands", {}).items():
        paths += command_paths(command, (*prefix, name)) if hasattr(command, "commands") else [(*prefix, name)]
    return paths


def run(root, args, monkeypatch, db=None):
    monkeypatch.setattr(typer.testing, "_get_command", lambda _: root)
    return CliRunner().invoke(app, [*(("--db", str(db)) if db else ()), *args])


@pytest.mark.parametrize("path", command_paths(EAGER), ids=lambda p: " ".join(p) or "root")
def test_help_is_the_same(path, monkeypatch):
    eager = run(EAGER, [*path, "--help"], monkeypatch)
    lazy = run(lazy_root(app), [*path, "--help"], monkeypatch)
    assert eager.exit_code == 0, eager.output
    assert (lazy.exit_code, lazy.output) == (eager.exit_code, eager.output)


@pytest.mark.parametrize("args", [
    ["add", "Ada Lovelace", "-e", "ada@ex.org", "-e", "ada2@ex.org", "--tag", "VIP", "--stage", "customer"],
    ["list"], ["list", "-n", "1", "-f", "JSON"], ["list", "--limit", "0"], ["list", "-n", "x"],
    ["list", "-n", "+1"], ["list", "-n", " 2"], ["list", "-f", "xml"], ["list", "--sort", "nope"],
    ["list", "--mine", "--tag", "vip"], ["show", "ada@ex.org", "-f", "json"], ["show"], ["lst"],
    ["search", "ada", "-n", "3", "-f", "csv"], ["search", "--", "-x"], ["edit", "1", "--set", "fields.a=b"],
    ["db", "path"], ["db"], [], ["--no-rules", "list"], ["--user", "bob", "list", "--mine"],
    ["follow-up", "list"], ["export", "--format", "json"], ["nope", "--help"],
])
def test_commands_behave_the_same(args, monkeypatch, tmp_path):
    results = []
    for root in (EAGER, lazy_root(app)):
        db = tmp_path / f"{len(results)}.db"
        run(root, ["add", "Ada Lovelace", "-e", "ada@ex.org", "--tag", "vip"], monkeypatch, db)
        result = run(root, args, monkeypatch, db)
        results.append((result.exit_code, same(result.stdout, db), same(result.stderr, db)))
    assert results[0] == results[1]


def same(text: str, db) -> str:
    """Output with what differs between two runs (the file, random uids) masked."""
    return re.sub(r"\b[0-9a-f]{32}\b", "UID", text.replace(str(db), "DB"))


def _all_params():
    for path in command_paths(EAGER):
        command = EAGER
        for name in path:
            command = command.commands[name]
        for param in command.params:
            if hasattr(param, "type_descriptor"):
                yield " ".join(path) + ":" + param.name, param


SAMPLES = [None, "", "abc", "ABC", "5", "0", "-3", "+4", " 7", "1e3", "json", "JSON", "table", "lead",
           "2026-11-23", "1.5", "yes", "no", "true", True, False, 3, ("a", "b"), ["x"], (), ("5",)]


@pytest.mark.parametrize("label, param", list(_all_params()), ids=lambda v: v if isinstance(v, str) else "")
def test_light_coercion_matches_typer(label, param):
    from typer._coercion import build_runtime_param

    real = build_runtime_param(param.type_descriptor)
    light = LightCoercion()
    ctx = typer.Context(EAGER)
    for value in [*SAMPLES, param.default]:
        outcomes = []
        for coercer in (real, light):
            try:
                outcomes.append(("ok", coercer.coerce(value, param=param, ctx=ctx)))
            except Exception as exc:  # the same error, word for word
                outcomes.append((type(exc).__name__, str(exc)))
        assert outcomes[0] == outcomes[1], (label, value)
        if outcomes[0][0] == "ok":
            assert type(outcomes[0][1]) is type(outcomes[1][1]), (label, value)


def _modules(args, tmp_path) -> set[str]:
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('@@' + ' '.join(sys.modules), file=sys.stderr))\n"
        "from tinycrm.cli import main\nsys.argv[0] = 'tinycrm'\nmain()\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "TINYCRM_USER": "alice"}
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            cwd=REPO, env=env)
    line = [ln for ln in result.stderr.splitlines() if ln.startswith("@@")][-1]
    return set(line[2:].split())


def test_help_and_list_stay_light(tmp_path):
    _modules(["list"], tmp_path)  # creates and migrates the database
    for args in (["--help"], ["list"]):
        loaded = _modules(args, tmp_path)
        assert "tinycrm.cli" in loaded
        heavy = {m for m in loaded if m.split(".")[0] in
                 {"pydantic", "sqlite_utils", "textual", "keyring", "rich", "rapidfuzz", "click"}}
        assert not heavy, (args, sorted(heavy))
        assert "tinycrm.store.migrations" not in loaded, args


def test_step_names_are_read_right(store):
    source = (REPO / "tinycrm" / "store" / "migrations.py").read_text()
    assert store_db._DECLARED_STEP.findall(source) == known_migrations()
    assert store_db._up_to_date(store.conn)


def test_the_fast_check_still_refuses_a_newer_schema(tmp_path):
    import sqlite3

    from tinycrm.store import DatabaseError, Store

    path = tmp_path / "new.db"
    Store(path, user="alice").close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                 " VALUES ('tinycrm', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="m999_from_the_future"):
        Store(path, user="alice")
